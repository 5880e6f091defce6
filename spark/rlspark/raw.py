"""`events` straight from a raw CloudTrail archive: the S3 objects `{"Records":[…]}` (.json.gz
or .json, any folder layout), read with an explicit schema (no inference: it samples and
misses fields), each record kept whole as text in `raw`, the typed columns of the case's
`events` taken from it, duplicates (same event id and account) dropped as rootlens ingest
does.

What rootlens ingest derives from the records alone is derived here too, as it does: the
duplicate deliveries (`duplicate_events`), the files read (`sources`), the class of every
source address (`ip_enrichment`, without geo data) and the credential facts the lineage views
read (`credential_events`). What needs other inputs is not here: credential reports, geo
databases, and the digest checks (`integrity`: digest files and CloudTrail's public keys).
Those tables are empty, and the investigations that read them are reported as skipped, with
that reason, rather than run on nothing."""

import atexit
import ipaddress
import re
import shutil
import sys
import tempfile

from pyspark import StorageLevel, cloudpickle
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

# What raw mode cannot provide (inputs other than the records), and the investigations reading
# it are skipped for. Geo data is the runner's business: without a geo database (none here) the
# `requires: geo` investigations are skipped, as by `rootlens run`.
NOT_IN_RAW_MODE = {
    "credential_report": "credential reports",
    "latest_credential_report": "credential reports",
    "integrity": "digest checks (digest files and CloudTrail's public keys: rootlens verify)",
    "digests": "digest checks (digest files and CloudTrail's public keys: rootlens verify)",
    "digest_log_files":
        "digest checks (digest files and CloudTrail's public keys: rootlens verify)",
    "event_integrity":
        "digest checks (digest files and CloudTrail's public keys: rootlens verify)",
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


def _local_path(column):
    """A file's location as rootlens names it: a local file by its path (`file:` and the
    percent-encoding of a URI removed), anything else (s3a://, hdfs://) as the URI."""
    local = F.regexp_replace(column, "^file:(//)?", "")
    decoded = F.coalesce(F.try_url_decode(F.regexp_replace(local, "[+]", "%2B")), local)
    return F.when(column.startswith("file:"), decoded).otherwise(column)


def _walk_order(path):
    """The order in which rootlens ingest walks a folder (each level sorted by name): the
    paths compared with `/` below every other character."""
    return F.translate(path, "/", "\x01")


def _is_aws_service(value):
    """As src/enrich/geo/classify.rs: "AWS Internal", or a host name under amazonaws.com."""
    lower = value.lower()
    if lower == "aws internal":
        return True
    for suffix in (".amazonaws.com", ".amazonaws.com.cn"):
        if lower.endswith(suffix):
            host = lower[:-len(suffix)]
            return host != "" and all(
                label == "*" or re.fullmatch(r"[a-z0-9-]+", label, re.A)
                for label in host.split("."))
    return False


_V4 = re.compile(r"(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}", re.A)


def ip_class(value):
    """The class rootlens ingest gives a sourceIPAddress (src/enrich/geo/classify.rs, the
    documentation ranges reserved): public | private | loopback | link-local | reserved |
    aws-service | not-an-ip."""
    if value is None:
        return None
    text = value.strip()
    address = None
    # Rust's parser: no leading zeros in IPv4, no zone ids, brackets or ports.
    if _V4.fullmatch(text):
        try:
            address = ipaddress.IPv4Address(text)
        except ValueError:
            address = None
    elif ":" in text and "%" not in text and re.fullmatch(r"[0-9A-Fa-f:.]+", text):
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            address = None
        if address is not None and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
    if address is None:
        return "aws-service" if text and _is_aws_service(text) else "not-an-ip"
    net = ipaddress.ip_network
    if address.version == 4:
        if address in net("127.0.0.0/8"):
            return "loopback"
        if address in net("169.254.0.0/16"):
            return "link-local"
        if any(address in net(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                           "100.64.0.0/10")):
            return "private"
        if any(address in net(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
                                           "0.0.0.0/8", "192.0.0.0/24", "198.18.0.0/15",
                                           "224.0.0.0/4", "240.0.0.0/4")):
            return "reserved"
        return "public"
    s = [int(address) >> (112 - 16 * i) & 0xFFFF for i in range(8)]
    if int(address) == 1:
        return "loopback"
    if int(address) == 0:
        return "reserved"
    if s[0] & 0xFFC0 == 0xFE80:
        return "link-local"
    if s[0] & 0xFE00 == 0xFC00 or s[0] & 0xFFC0 == 0xFEC0:
        return "private"
    if (s[0] == 0x2001 and s[1] == 0x0DB8) or (s[0] == 0x3FFF and s[1] < 0x1000):
        return "reserved"
    if s[0] & 0xE000 != 0x2000:
        return "reserved"
    if s[0] == 0x2001 and ((s[1] == 0x0002 and s[2] == 0) or s[1] & 0xFFE0 == 0x0020
                           or s[1] & 0xFFF0 == 0x0010):
        return "reserved"
    return "public"


# The JSON paths of the credential facts (src/store/credential_events.rs, FACTS).
_FACT_PATHS = {
    "credentials_key": "$.responseElements.credentials.accessKeyId",
    "assumed_role_arn": "$.responseElements.assumedRoleUser.arn",
    "federated_arn": "$.responseElements.federatedUser.arn",
    "role_arn": "$.requestParameters.roleArn",
    "role_session_name": "$.requestParameters.roleSessionName",
    "federation_name": "$.requestParameters.name",
    "request_source_identity": "$.requestParameters.sourceIdentity",
    "response_source_identity": "$.responseElements.sourceIdentity",
    "principal_arn": "$.requestParameters.principalArn",
    "provider": "$.responseElements.provider",
    "provider_id": "$.requestParameters.providerId",
    "subject": "$.responseElements.subject",
    "web_subject": "$.responseElements.subjectFromWebIdentityToken",
    "expiration": "$.responseElements.credentials.expiration",
    "target_principal": "$.requestParameters.targetPrincipal",
    "created_key": "$.responseElements.accessKey.accessKeyId",
    "assumed_root": "$.userIdentity.sessionContext.assumedRoot",
}


def credential_events(events):
    """One row per record and kind (issuance, key-created, root-session), as ingest stores
    them: what session lineage needs from the free-form JSON of the few records that issue or
    reveal credentials."""
    c = F.col
    issuance = (c("event_source") == "sts.amazonaws.com") & c("error_code").isNull() & \
        c("event_name").isin("AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity",
                             "GetSessionToken", "GetFederationToken", "AssumeRoot")
    key_created = (c("event_source") == "iam.amazonaws.com") & \
        (c("event_name") == "CreateAccessKey") & c("error_code").isNull()
    root_session = (c("user_type") == "Root") & c("access_key_id").startswith("ASIA")
    facts = events.select(
        "event_id", "recipient_account_id",
        F.coalesce(issuance, F.lit(False)).alias("is_issuance"),
        F.coalesce(key_created, F.lit(False)).alias("is_key_created"),
        F.coalesce(root_session, F.lit(False)).alias("is_root_session"),
        *[F.get_json_object("raw", path).alias(name) for name, path in _FACT_PATHS.items()]) \
        .where("is_issuance OR is_key_created OR is_root_session")
    null = F.lit(None).cast("string")
    return facts.where("is_issuance").select(
        "event_id", "recipient_account_id", F.lit("issuance").alias("kind"),
        c("credentials_key").alias("new_key"),
        F.coalesce("assumed_role_arn", "federated_arn").alias("issued_arn"),
        "role_arn",
        F.coalesce("role_session_name", "federation_name").alias("session_name"),
        F.coalesce("request_source_identity", "response_source_identity")
        .alias("source_identity"),
        F.coalesce("principal_arn", "provider", "provider_id").alias("external_provider"),
        F.coalesce("subject", "web_subject").alias("external_subject"),
        c("expiration").alias("expiration_text"), "target_principal",
        F.lit(None).cast("boolean").alias("assumed_root"),
    ).unionByName(facts.where("is_key_created").select(
        "event_id", "recipient_account_id", F.lit("key-created").alias("kind"),
        c("created_key").alias("new_key"), *[null.alias(n) for n in (
            "issued_arn", "role_arn", "session_name", "source_identity", "external_provider",
            "external_subject", "expiration_text", "target_principal")],
        F.lit(None).cast("boolean").alias("assumed_root"),
    )).unionByName(facts.where("is_root_session").select(
        "event_id", "recipient_account_id", F.lit("root-session").alias("kind"),
        *[null.alias(n) for n in (
            "new_key", "issued_arn", "role_arn", "session_name", "source_identity",
            "external_provider", "external_subject", "expiration_text", "target_principal")],
        F.coalesce(c("assumed_root") == "true", F.lit(False)).alias("assumed_root"),
    ))


def _as_table(frame, schema):
    """`frame` with exactly the columns of the case table (missing ones NULL, in order)."""
    return frame.select(*[
        (F.col(f.name) if f.name in frame.columns else F.lit(None)).cast(f.dataType).alias(f.name)
        for f in schema.fields])


def register_archive(spark, paths, library, log, stage=None):
    """`events` and what ingest derives from the records, from one read of the archive. The
    records are parsed once and kept as Parquet under `stage` (when Spark runs locally and no
    stage is given, in a temporary folder removed at exit; on a cluster without one, in
    Spark's cache, memory and disk): every investigation then reads columns, never the
    archive again."""
    files = spark.read.schema(ARCHIVE_FILE) \
        .option("multiLine", "true") \
        .option("recursiveFileLookup", "true") \
        .option("mode", "PERMISSIVE") \
        .option("columnNameOfCorruptRecord", "_corrupt_record") \
        .json(paths) \
        .withColumn("uri", F.input_file_name())
    # One row per record, and one (raw NULL) for a file without records, so that the files
    # are known from the same read.
    records = files.select(
        "uri",
        F.when(F.col("_corrupt_record").isNotNull(), "not JSON")
        .when(F.col("Records").isNull(), "no Records").alias("not_records"),
        F.posexplode_outer("Records").alias("record_index", "raw"))
    # The files in the order ingest walks them, numbered as the sources of a case, with the
    # SHA-256 of their bytes as stored: a file with the same bytes as an earlier one (a copy,
    # an overlapping download) is not read again, as rootlens ingest does not.
    listed = spark.read.format("binaryFile").option("recursiveFileLookup", "true") \
        .load(paths) \
        .select(_local_path(F.col("path")).alias("path"), F.col("length").alias("size"),
                F.sha2(F.col("content"), 256).alias("sha256")).collect()
    listed.sort(key=lambda row: row.path.replace("/", "\x01"))
    first_with = {}
    for row in listed:
        first_with.setdefault(row.sha256, row.path)
    repeats = [row.path for row in listed if first_with[row.sha256] != row.path]
    for path in repeats[:20]:
        log(f"warning: {path}: the same bytes as an earlier file: skipped")
    if len(repeats) > 20:
        log(f"warning: {len(repeats) - 20} more files with the same bytes as earlier ones")
    names = spark.createDataFrame(
        [(row.path, number, row.size, row.sha256, first_with[row.sha256] != row.path)
         for number, row in enumerate(listed, 1)],
        "path string, source_id int, size long, sha256 string, repeat boolean")
    records = records.withColumn("path", _local_path(F.col("uri"))) \
        .join(F.broadcast(names.select("path", "source_id", "repeat")), "path", "left") \
        .where(~F.coalesce(F.col("repeat"), F.lit(False))).drop("repeat")
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
        F.col("not_records"),
    )
    # event_row (the row's number in the case, which views join on) is fixed here, once:
    # computed again per query it could differ between two reads of the same rows.
    staged = events.withColumn("event_row", F.monotonically_increasing_id())
    if stage is None and spark.sparkContext.master.startswith("local"):
        stage = tempfile.mkdtemp(prefix="rootlens-spark-stage-")
        atexit.register(shutil.rmtree, stage, True)
    if stage:
        # Parquet, read back: each investigation reads the columns it needs, in as many
        # partitions as the data's size asks for. No shuffle on the way: the records are
        # written as they are read.
        target = stage.rstrip("/") + "/records"
        staged.write.mode("overwrite").option("compression", "zstd").parquet(target)
        staged = spark.read.parquet(target)
    else:
        staged = staged.persist(StorageLevel.MEMORY_AND_DISK)
    unlisted = staged.where(F.col("source_id").isNull()).select("path").limit(3).collect()
    if unlisted:
        raise ArchiveError("records from files Spark did not list: "
                           + ", ".join(row.path for row in unlisted))
    skipped = staged.where(F.col("not_records").isNotNull()) \
        .select("path", "not_records").distinct().orderBy("path").collect()
    for row in skipped[:20]:
        log(f"warning: {row.path}: not a CloudTrail archive object ({{\"Records\": […]}}; "
            f"{row.not_records}): skipped")
    if len(skipped) > 20:
        log(f"warning: {len(skipped) - 20} more files skipped")
    # One record per (event id, account), the first delivered (by file and position), as
    # ingest keeps the first it loads; records without an event id are all kept. The others
    # are the duplicate deliveries, found from the key columns alone (the records themselves
    # are never shuffled) and kept beside them.
    first = Window.partitionBy("event_id", "recipient_account_id") \
        .orderBy(_walk_order(F.col("path")), "record_index")
    duplicates = staged.where(F.col("event_id").isNotNull()) \
        .select("event_id", "recipient_account_id", "path", "record_index", "source_id",
                "event_row") \
        .withColumn("delivery", F.row_number().over(first)).where("delivery > 1") \
        .drop("delivery", "path")
    if stage:
        target = stage.rstrip("/") + "/duplicates"
        duplicates.write.mode("overwrite").parquet(target)
        duplicates = spark.read.parquet(target)
    else:
        duplicates = duplicates.persist(StorageLevel.MEMORY_AND_DISK)
    in_events = staged.where(F.col("raw").isNotNull())
    events = in_events.join(duplicates.select("event_row"), "event_row", "left_anti") \
        .drop("path", "not_records")
    events.createOrReplaceTempView("events")
    events.createOrReplaceTempView("event_records")
    schemas = library.table_schemas()
    for name, schema in schemas.items():
        if name != "event_records":
            spark.createDataFrame([], schema).createOrReplaceTempView(name)
    _as_table(duplicates, schemas["duplicate_events"]).createOrReplaceTempView("duplicate_events")
    # The files read, as `sources` names them.
    counted = duplicates.groupBy("source_id").agg(F.count("*").alias("duplicates"))
    read = staged.groupBy("source_id", "path").agg(
        F.first("not_records", ignorenulls=True).alias("reason"),
        F.count("raw").alias("records"),
        F.min("event_time").alias("first_event_time"),
        F.max("event_time").alias("last_event_time")) \
        .join(counted, "source_id", "left") \
        .withColumn("duplicates", F.coalesce("duplicates", F.lit(0))) \
        .withColumn("events", F.col("records") - F.col("duplicates"))
    read = read.join(names.where(~F.col("repeat")).select("source_id", "size", "sha256"),
                     "source_id", "left") \
        .withColumn("status", F.when(F.col("reason").isNull(), "loaded").otherwise("skipped")) \
        .withColumn("kind", F.when(F.col("reason").isNull(), "cloudtrail_records")
                    .otherwise("unknown")) \
        .withColumn("compression", F.when(F.col("path").endswith(".gz"), "gzip")
                    .otherwise("none"))
    _as_table(read, schemas["sources"]).cache().createOrReplaceTempView("sources")
    # The executors' Python has no rlspark: the function travels by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    classify = F.udf(ip_class, T.StringType(), useArrow=False)
    addresses = events.where(F.col("source_ip").isNotNull()).select("source_ip").distinct()
    _as_table(addresses.withColumn("ip_class", classify("source_ip")),
              schemas["ip_enrichment"]).cache().createOrReplaceTempView("ip_enrichment")
    _as_table(credential_events(events), schemas["credential_events"]).cache() \
        .createOrReplaceTempView("credential_events")
    return dict(NOT_IN_RAW_MODE)
