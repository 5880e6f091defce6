"""The case's tables and views in a Spark session, over the Parquet of `rootlens export
parquet` or over a raw CloudTrail archive."""

import os
import re

from pyspark.sql import functions as F
from pyspark.sql import types as T

from . import translate

# DuckDB column types of schema.sql as Spark types.
SPARK_TYPES = {"VARCHAR": T.StringType(), "JSON": T.StringType(), "TIMESTAMP": T.TimestampNTZType(),
               "INTEGER": T.IntegerType(), "BIGINT": T.LongType(), "BOOLEAN": T.BooleanType(),
               "DOUBLE": T.DoubleType()}

# The columns that hold JSON as text in Parquet; findings show them as JSON, as rootlens does.
JSON_COLUMNS = {"request_parameters", "response_elements", "additional_event_data", "resources",
                "tls_details", "raw", "special_values"}

# The Hive partition columns of the events export (not columns of `events`).
PARTITION_COLUMNS = ("account", "region", "dt")


class CaseError(Exception):
    pass


class Library:
    """Where the .sql files are: a repository checkout (queries/, src/store/) or the folder
    `rootlens queries export DIR` wrote (queries/, case/)."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.queries = os.path.join(self.root, "queries")
        exported = os.path.join(self.root, "case")
        repository = os.path.join(self.root, "src", "store")
        self.case_sql = exported if os.path.isdir(exported) else repository
        for needed in (self.queries, os.path.join(self.case_sql, "views.sql")):
            if not os.path.exists(needed):
                raise CaseError(f"{root} is neither a rootlens repository nor the output of "
                                f"`rootlens queries export DIR`: {needed} is missing")
        self.is_export = self.case_sql == exported

    def read(self, name):
        with open(os.path.join(self.case_sql, name), encoding="utf-8") as f:
            return f.read()

    def table_schemas(self):
        """{table: StructType} from schema.sql (CREATE TABLE and ALTER TABLE … ADD COLUMN)."""
        text = re.sub(r"--[^\n]*", "", self.read("schema.sql"))
        tables = {}
        for name, body in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\);", text, re.S):
            columns = []
            for line in body.split(","):
                words = line.split()
                if len(words) >= 2 and words[1].upper() in SPARK_TYPES:
                    columns.append((words[0].strip('"'), words[1].upper()))
            tables[name] = columns
        for name, column, kind in re.findall(
                r"ALTER TABLE (\w+) ADD COLUMN IF NOT EXISTS (\w+) (\w+)", text):
            tables[name].append((column, kind.upper()))
        return {name: T.StructType([T.StructField(c, SPARK_TYPES[k]) for c, k in cols])
                for name, cols in tables.items()}


def register_parquet(spark, events_path, credential_reports, tables_dir, library):
    """`events` and every other table of the case from an export; a table the export lacks
    (an export of an older case) is an empty stand-in with its columns."""
    if not _exists(spark, events_path):
        raise CaseError(f"{events_path}: no such folder (give the events of `rootlens export "
                        "parquet`: LAKE/events)")
    if credential_reports and not _exists(spark, credential_reports):
        raise CaseError(f"{credential_reports}: no such folder (LAKE/credential_report)")
    events = spark.read.option("basePath", events_path).parquet(events_path)
    events = events.drop(*[c for c in PARTITION_COLUMNS if c in events.columns])
    events.createOrReplaceTempView("events")
    schemas = library.table_schemas()
    paths = {name: os.path.join(tables_dir, name) for name in schemas} if tables_dir else {}
    if credential_reports:
        paths["credential_report"] = credential_reports
    for name, schema in schemas.items():
        if name == "event_records":
            continue
        path = paths.get(name)
        if path and _exists(spark, path):
            spark.read.parquet(path).createOrReplaceTempView(name)
        else:
            spark.createDataFrame([], schema).createOrReplaceTempView(name)
    # The stored columns of events, for the lineage views that read them without the JSON.
    spark.table("events").createOrReplaceTempView("event_records")


def _exists(spark, path):
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    return fs.exists(hadoop_path)


def define_views(spark, library):
    """views.sql and lineage.sql, translated, as temporary views (in file order: later views
    read earlier ones). Returns {view: why it could not be defined}: an investigation reading
    such a view fails with that reason; the others run."""
    failed = {}
    for file in ("views.sql", "lineage.sql"):
        for name, select in translate.views(library.read(file)):
            try:
                spark.sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {select}")
            except Exception as e:  # noqa: BLE001 - reported with every investigation using it
                failed[name] = f"the view {name} ({file}) cannot be defined on Spark: " + \
                    (str(e).strip().splitlines() or [type(e).__name__])[0]
    return failed


def scope_to_window(spark, since, until):
    """Limits events and credential_report to [since, until), as `rootlens run` does."""
    if not since and not until:
        return

    def within(column):
        parts = []
        if since:
            parts.append(F.col(column) >= F.lit(since).cast("timestamp_ntz"))
        if until:
            parts.append(F.col(column) < F.lit(until).cast("timestamp_ntz"))
        condition = parts[0]
        for part in parts[1:]:
            condition = condition & part
        return condition

    spark.table("events").where(within("event_time")).createOrReplaceTempView("events")
    spark.table("credential_report").where(within("report_time")) \
        .createOrReplaceTempView("credential_report")
