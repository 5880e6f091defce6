"""`events` straight from a raw CloudTrail archive: the S3 objects `{"Records":[…]}` (.json.gz
or .json, any folder layout), read with an explicit schema (no inference: it samples and
misses fields), each record kept whole as text in `raw`, the typed columns of the case's
`events` taken from it, duplicates (same event id and account) dropped as rootlens ingest
does.

What only `rootlens ingest` computes is not here: credential reports, the digest checks
(`integrity`), the IP classification and geo data (`ip_enrichment`) and the credential facts
the lineage views read (`credential_events`). Those tables are empty, and the investigations
that read them are reported as skipped, with that reason, rather than run on nothing."""

from pyspark.sql import Window
from pyspark.sql import functions as F
from pyspark.sql import types as T


class ArchiveError(Exception):
    pass


def _s(*names):
    return [T.StructField(n, T.StringType()) for n in names]


# Only what `events` needs. A field declared as a string keeps a JSON object's text.
RECORD = T.StructType(
    _s("eventVersion", "eventTime", "eventSource", "eventName", "eventType", "eventCategory",
       "awsRegion", "recipientAccountId", "sourceIPAddress", "userAgent", "errorCode",
       "errorMessage", "readOnly", "managementEvent", "requestID", "sharedEventID", "eventID",
       "requestParameters", "responseElements", "additionalEventData", "resources",
       "tlsDetails")
    + [T.StructField("userIdentity", T.StructType(
        _s("type", "principalId", "arn", "accountId", "accessKeyId", "userName", "invokedBy")
        + [T.StructField("onBehalfOf", T.StructType(_s("userId"))),
           T.StructField("sessionContext", T.StructType([
               T.StructField("attributes", T.StructType(_s("mfaAuthenticated",
                                                            "creationDate"))),
               T.StructField("sessionIssuer", T.StructType(_s("type", "arn", "userName")))]))]))])

# The file: Records kept as text, one string per record; a file that is not such an object
# lands in _corrupt_record.
ARCHIVE_FILE = T.StructType([T.StructField("Records", T.ArrayType(T.StringType())),
                             T.StructField("_corrupt_record", T.StringType())])

# What raw mode cannot provide, and the investigations reading it are skipped for.
NOT_IN_RAW_MODE = {
    "credential_report": "credential reports",
    "latest_credential_report": "credential reports",
    "ip_enrichment": "the IP classification and geo data of rootlens ingest",
    "integrity": "the digest checks of rootlens ingest / verify",
    "digests": "the digest checks of rootlens ingest / verify",
    "digest_log_files": "the digest checks of rootlens ingest / verify",
    "event_integrity": "the digest checks of rootlens ingest / verify",
    "credential_issuance": "the credential facts of rootlens ingest (credential_events)",
    "session_lineage": "the credential facts of rootlens ingest (credential_events)",
    "duplicate_events": "the duplicate deliveries rootlens ingest records",
    "sources": "the input files' hashes of rootlens ingest",
}


def _time(column):
    """eventTime as a UTC timestamp: `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z]`, else NULL."""
    text = F.regexp_replace(F.trim(column), "Z$", "")
    text = F.regexp_replace(text, "T", " ")
    return F.try_to_timestamp(text, F.lit("yyyy-MM-dd HH:mm:ss[.SSSSSS][.SSS][.S]")) \
        .cast("timestamp_ntz")


def _true(column):
    return F.when(column.isNull(), F.lit(None).cast("boolean")) \
        .otherwise(F.lower(column) == "true")


def _json(column):
    """A free-form part as JSON text, NULL when absent or null."""
    return F.when(column.isNull() | (column == "null"), F.lit(None)).otherwise(column)


def register_archive(spark, paths, library, log):
    files = spark.read.schema(ARCHIVE_FILE) \
        .option("multiLine", "true") \
        .option("recursiveFileLookup", "true") \
        .option("mode", "PERMISSIVE") \
        .option("columnNameOfCorruptRecord", "_corrupt_record") \
        .json(paths) \
        .withColumn("path", F.input_file_name())
    files = files.cache()
    unreadable = files.where(F.col("_corrupt_record").isNotNull()).select("path").collect()
    for row in unreadable[:20]:
        log(f"warning: {row.path}: not a CloudTrail archive object ({{\"Records\": […]}}): "
            "skipped")
    if len(unreadable) > 20:
        log(f"warning: {len(unreadable) - 20} more files skipped")
    names = files.select("path").distinct() \
        .withColumn("source_id", F.row_number().over(Window.orderBy("path")).cast("int"))
    records = files.where(F.col("Records").isNotNull()) \
        .select("path", F.posexplode("Records").alias("record_index", "raw")) \
        .join(names, "path")
    r = F.from_json("raw", RECORD)
    ui = r["userIdentity"]
    attributes = ui["sessionContext"]["attributes"]
    issuer = ui["sessionContext"]["sessionIssuer"]
    events = records.select(
        r["eventID"].alias("event_id"),
        _time(r["eventTime"]).alias("event_time"),
        F.when(_time(r["eventTime"]).isNull(), r["eventTime"]).alias("event_time_text"),
        r["eventSource"].alias("event_source"),
        r["eventName"].alias("event_name"),
        r["eventType"].alias("event_type"),
        r["eventVersion"].alias("event_version"),
        r["eventCategory"].alias("event_category"),
        r["awsRegion"].alias("aws_region"),
        r["recipientAccountId"].alias("recipient_account_id"),
        r["sourceIPAddress"].alias("source_ip"),
        r["userAgent"].alias("user_agent"),
        r["errorCode"].alias("error_code"),
        r["errorMessage"].alias("error_message"),
        _true(r["readOnly"]).alias("read_only"),
        _true(r["managementEvent"]).alias("management_event"),
        r["requestID"].alias("request_id"),
        r["sharedEventID"].alias("shared_event_id"),
        ui["type"].alias("user_type"),
        ui["arn"].alias("user_arn"),
        ui["accountId"].alias("user_account_id"),
        ui["principalId"].alias("principal_id"),
        ui["userName"].alias("user_name"),
        ui["accessKeyId"].alias("access_key_id"),
        ui["invokedBy"].alias("invoked_by"),
        ui["onBehalfOf"]["userId"].alias("identity_store_user"),
        _true(attributes["mfaAuthenticated"]).alias("session_mfa"),
        _time(attributes["creationDate"]).alias("session_created"),
        issuer["type"].alias("session_issuer_type"),
        issuer["arn"].alias("session_issuer_arn"),
        issuer["userName"].alias("session_issuer_name"),
        F.get_json_object(r["responseElements"], "$.ConsoleLogin").alias("console_login_result"),
        F.get_json_object(r["additionalEventData"], "$.MFAUsed").alias("mfa_used"),
        (F.col("path").contains("/CloudTrail-Insight/") | (r["eventCategory"] == "Insight"))
        .alias("is_insight"),
        _json(r["requestParameters"]).alias("request_parameters"),
        _json(r["responseElements"]).alias("response_elements"),
        _json(r["additionalEventData"]).alias("additional_event_data"),
        _json(r["resources"]).alias("resources"),
        _json(r["tlsDetails"]).alias("tls_details"),
        F.col("raw"),
        F.col("source_id"),
        F.col("record_index").cast("bigint"),
        F.col("path"),
    )
    # One record per (event id, account), the first delivered (by file and position), as
    # ingest keeps the first it loads; records without an event id are all kept.
    first = Window.partitionBy("event_id", "recipient_account_id") \
        .orderBy("path", "record_index")
    events = events.withColumn("delivery", F.when(F.col("event_id").isNull(), 1)
                               .otherwise(F.row_number().over(first))) \
        .where("delivery = 1").drop("delivery", "path") \
        .withColumn("event_row", F.monotonically_increasing_id())
    events.createOrReplaceTempView("events")
    events.createOrReplaceTempView("event_records")
    for name, schema in library.table_schemas().items():
        if name != "event_records":
            spark.createDataFrame([], schema).createOrReplaceTempView(name)
    # The files read, for the scope (count of input files).
    names.select("source_id", "path").createOrReplaceTempView("sources")
    return dict(NOT_IN_RAW_MODE)
