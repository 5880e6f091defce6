"""rootlens investigations on Apache Spark.

    spark-submit spark/rootlens_spark.py --events LAKE/events --credential-reports \\
        LAKE/credential_report --out findings.json [--only IDS] [--since T --until T] \\
        [--param name=value]
    spark-submit spark/rootlens_spark.py --cloudtrail s3a://bucket/AWSLogs/ --out findings.json

Reads the same investigation files and views as rootlens (the repository this file sits in,
or --library DIR written by `rootlens queries export DIR`), translates them to Spark SQL with
sqlglot, runs them and writes findings.json (schema rootlens.findings/1, origin spark), which
`rootlens report --findings findings.json` renders."""

import argparse
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rlspark import case as case_mod  # noqa: E402
from rlspark import library as lib  # noqa: E402
from rlspark import raw, runner  # noqa: E402

VERSION = "rootlens-spark 0.1.0"


def parse_time(text):
    for layout in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, layout)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"`{text}` is not a UTC time such as 2024-05-01 or "
                                     "2024-05-01T12:00:00Z")


def parse_param(text):
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--param `{text}` is not name=value")
    name, value = text.split("=", 1)
    return name.strip(), value


def arguments(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(prog="rootlens_spark.py", description=__doc__.split("\n\n")[-1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--batch", help="a JSON list of runs in one Spark session: [{\"events\": "
                                        "LAKE/events, \"out\": FILE, \"only\": [IDS]}, …] "
                                        "(the differential test uses it)")
    source.add_argument("--events", help="the events of `rootlens export parquet` (LAKE/events)")
    source.add_argument("--cloudtrail", action="append",
                        help="a raw CloudTrail archive: folders of {\"Records\":[…]} .json.gz "
                             "(repeatable; s3a://, hdfs://, file paths)")
    p.add_argument("--stage", help="with --cloudtrail: where the records, parsed once, are "
                                   "kept as Parquet for the investigations (a folder every "
                                   "executor reaches: s3a://, hdfs://, or a local path on one "
                                   "machine; replaced, left in place); default: a temporary "
                                   "folder in local mode, Spark's cache on a cluster")
    p.add_argument("--credential-reports", help="LAKE/credential_report of the export")
    p.add_argument("--tables", help="the export's folder holding the other tables (default: "
                                    "beside --events)")
    p.add_argument("--library", default=os.path.dirname(here),
                   help="the investigation library: a rootlens repository or the folder "
                        "`rootlens queries export DIR` wrote (default: this repository)")
    p.add_argument("--out", help="where to write findings.json")
    p.add_argument("--only", action="append", default=[],
                   help="ids, categories or id prefixes (comma-separated, repeatable)")
    p.add_argument("--since", type=parse_time, help="only events at or after this time (UTC)")
    p.add_argument("--until", type=parse_time, help="only events before this time (UTC)")
    p.add_argument("--param", type=parse_param, action="append", default=[],
                   help="name=value for every selected investigation that declares it")
    p.add_argument("--master", help="Spark master when not run by spark-submit "
                                    "(e.g. local[2], spark://host:7077)")
    p.add_argument("--quiet", action="store_true", help="no line per investigation")
    p.add_argument("--verbose", action="store_true", help="tracebacks of failed investigations")
    args = p.parse_args(argv)
    if not args.batch and not args.out:
        p.error("--out FILE is required")
    args.only = [w.strip() for item in args.only for w in item.split(",") if w.strip()]
    if args.since and args.until and args.since >= args.until:
        p.error(f"--since {args.since} is not before --until {args.until}: the window is empty")
    return args


class Log:
    def __init__(self, quiet, verbose):
        self.quiet, self.verbose = quiet, verbose

    def __call__(self, line):
        if not self.quiet:
            print(line, file=sys.stderr, flush=True)


def session(master):
    from pyspark.sql import SparkSession
    builder = SparkSession.builder.appName("rootlens")
    if master:
        builder = builder.master(master)
    # Times are UTC throughout, as in the case.
    log4j = os.path.join(os.path.dirname(os.path.abspath(__file__)), "log4j2.properties")
    # Spark's 1 GiB default driver heap ran out over a batch of cases (local mode runs the
    # executors in the driver); spark-submit's --driver-memory, when given, takes precedence.
    builder = builder.config("spark.sql.session.timeZone", "UTC") \
        .config("spark.driver.memory", os.environ.get("ROOTLENS_SPARK_DRIVER_MEMORY", "4g")) \
        .config("spark.ui.showConsoleProgress", "false") \
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("OFF")
    return spark


def main(argv):
    args = arguments(argv)
    log = Log(args.quiet, args.verbose)
    try:
        library = case_mod.Library(args.library)
        investigations = lib.load(library.queries, "built-in:")
    except (case_mod.CaseError, lib.LibraryError, OSError) as e:
        print(f"rootlens-spark: {e}", file=sys.stderr)
        return 2
    if args.batch:
        with open(args.batch, encoding="utf-8") as f:
            jobs = [argparse.Namespace(**{**vars(args), "credential_reports": None,
                                          "tables": None, "cloudtrail": None, "stage": None,
                                          **job})
                    for job in json.load(f)]
    else:
        jobs = [args]
    spark = session(args.master)
    status = 0
    try:
        for job in jobs:
            status = max(status, run_job(spark, library, investigations, job, log))
    finally:
        spark.stop()
    return status


def run_job(spark, library, investigations, args, log):
    """One run over one case: its tables and views, the investigations, findings.json."""
    try:
        unavailable = {}
        if args.events:
            tables = args.tables or os.path.dirname(args.events.rstrip("/"))
            case_mod.register_parquet(spark, args.events, args.credential_reports, tables,
                                      library)
        else:
            unavailable = raw.register_archive(spark, args.cloudtrail, library, log,
                                               args.stage)
        result = runner.run(spark, library, investigations, args.only, dict(args.param),
                            args.since, args.until, VERSION, log, unavailable)
    except (case_mod.CaseError, lib.LibraryError, raw.ArchiveError) as e:
        print(f"rootlens-spark: {e}", file=sys.stderr)
        return 2
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
        f.write("\n")
    failed = [f for f in result["investigations"] if f["status"] == "error"]
    print(f"findings: {args.out} ({len(result['investigations'])} investigations, "
          f"{sum(1 for f in result['investigations'] if f['row_count'])} with rows, "
          f"{len(failed)} failed)", file=sys.stderr)
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
