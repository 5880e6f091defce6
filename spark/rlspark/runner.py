"""Runs the investigations in a Spark session into findings.json (`rootlens.findings/1`), as
src/runner.rs does over DuckDB: parameters bound, the second pass (`requires: findings`) over
the events the first pass cited, row severities, status ok | error | skipped."""

import datetime
import re
import time
import traceback

from pyspark.sql import Row

from . import library as lib
from . import translate
from .case import JSON_COLUMNS, define_views, scope_to_window
from .values import to_json_value

SCHEMA = "rootlens.findings/1"
MIN_PUBLIC_FOR_WARNING = 10


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def case_scope(spark):
    """The case as a whole, before any window (as findings.json's `case`)."""
    one = spark.sql("SELECT min(event_time) AS first, max(event_time) AS last, count(*) AS n "
                    "FROM events").first()
    accounts = spark.sql(
        "SELECT DISTINCT account FROM (SELECT recipient_account_id AS account FROM events "
        "UNION SELECT account_id FROM credential_report) WHERE account IS NOT NULL ORDER BY 1")
    regions = spark.sql("SELECT DISTINCT aws_region FROM events WHERE aws_region IS NOT NULL "
                        "ORDER BY 1")
    geo = spark.sql("""
        SELECT d.role, d.path, d.database_type, d.build_time,
               count(e.source_ip) AS public_addresses,
               count(CASE WHEN (CASE d.role WHEN 'asn' THEN e.asn IS NOT NULL
                    ELSE coalesce(e.country_code, e.city) IS NOT NULL OR e.latitude IS NOT NULL
                    END) THEN e.source_ip END) AS located
        FROM geo_databases d LEFT JOIN ip_enrichment e ON e.ip_class = 'public'
        GROUP BY d.role, d.path, d.database_type, d.build_time ORDER BY d.role""").collect()
    databases = []
    for g in geo:
        warning = None
        if g.public_addresses >= MIN_PUBLIC_FOR_WARNING and g.located == 0:
            warning = (f"the {g.role} geo database {g.path} located none of {g.public_addresses} "
                       "public source addresses (a record layout rootlens does not read, or a "
                       "database for other networks): geo findings are unreliable")
        databases.append({"role": g.role, "path": g.path, "database_type": g.database_type,
                          "build_time": g.build_time, "public_addresses": g.public_addresses,
                          "located": g.located, "warning": warning})
    return {
        "accounts": [r[0] for r in accounts.collect()],
        "regions": [r[0] for r in regions.collect()],
        "first_event": iso(one.first),
        "last_event": iso(one.last),
        "events": one.n,
        "input_files": spark.sql("SELECT count(*) FROM sources").first()[0],
        "credential_reports": spark.sql(
            "SELECT count(DISTINCT source_id) FROM credential_report").first()[0],
        "geo_databases": databases,
    }


def run(spark, library, investigations, only, overrides, since, until, tool_version, log,
        unavailable=None):
    """`unavailable`: {table or view: what it would hold}, for a run without them (the raw
    archive): the investigations reading them are skipped, saying so."""
    selected = [inv for inv in investigations.values()
                if not only or any(lib.selects(inv, want) for want in only)]
    for want in only:
        if not any(lib.selects(inv, want) for inv in investigations.values()):
            raise lib.LibraryError(f"--only {want}: no investigation has this id, category or "
                                   "id prefix")
    for name in overrides:
        if not any(p.name == name for inv in selected for p in inv.params):
            raise lib.LibraryError(f"--param {name}: no selected investigation has this "
                                   "parameter")
    case = case_scope(spark)  # the whole case, before the window
    scope_to_window(spark, since, until)
    broken_views = define_views(spark, library)
    for reason in broken_views.values():
        log(f"warning: {reason}")
    geo_reason = None
    if not case["geo_databases"]:
        geo_reason = ("skipped: no geo database was used for this case (rootlens enrich "
                      "--geoip-city FILE --geoip-asn FILE)")
    else:
        for d in case["geo_databases"]:
            if d["warning"]:
                geo_reason = "skipped: " + d["warning"]
                break
    first = [inv for inv in selected if not inv.requires_findings]
    second = [inv for inv in selected if inv.requires_findings]
    def one(inv):
        return run_one(spark, inv, overrides, geo_reason, broken_views, unavailable, log)

    findings = [one(inv) for inv in first]
    if second:
        unreported = [one(inv) for inv in investigations.values()
                      if not inv.requires_findings and inv not in first]
        cite_events(spark, findings + unreported)
        findings += [one(inv) for inv in second]
    findings.sort(key=lambda f: (-lib.severity_rank(f["severity"]), f["id"]))
    return {
        "schema": SCHEMA,
        "tool_version": tool_version,
        "generated_at": utc_now(),
        "origin": "spark",
        "engine": f"Apache Spark {spark.version}",
        "case": case,
        "window": {"since": iso(since), "until": iso(until)},
        "investigations": findings,
    }


def run_one(spark, inv, overrides, geo_reason, broken_views, unavailable, log):
    parameters = {p.name: overrides.get(p.name, p.default) for p in inv.params}
    finding = {
        "id": inv.id, "title": inv.title, "severity": inv.severity, "category": inv.category,
        "source": inv.source, "mitre": inv.mitre, "cis": inv.cis,
        "description": inv.description, "next": inv.next, "references": inv.references,
        "origin": inv.origin, "sql": inv.sql, "sql_sha256": inv.sha256,
        "parameters": dict(sorted(parameters.items())), "status": "ok", "error": None,
        "elapsed_ms": 0, "row_count": 0, "columns": [], "rows": [],
    }
    missing = [name for name in unavailable if re.search(rf"\b{name}\b", inv.sql)]
    if missing:
        finding["status"] = "skipped"
        finding["error"] = (f"skipped: a raw-archive run has no {unavailable[missing[0]]} "
                            f"(`{missing[0]}`); run it over `rootlens export parquet` of a case")
        return finding
    if inv.requires_geo and geo_reason:
        finding["status"] = "skipped"
        finding["error"] = geo_reason
        return finding
    if inv.source == "posture":
        # The saved AWS CLI outputs are read through DuckDB-only views (src/store/posture.sql).
        finding["status"] = "skipped"
        finding["error"] = ("skipped: the posture checks read saved AWS CLI outputs through "
                            "views not yet defined on Spark; run them with `rootlens run`")
        return finding
    started = time.monotonic()
    try:
        for view, reason in broken_views.items():
            if re.search(rf"\b{view}\b", inv.sql):
                raise ViewError(reason)
        spark_sql = translate.to_spark(translate.bind(inv.sql, inv.params, parameters))
        frame = spark.sql(spark_sql)
        columns = frame.columns
        rows = [{c: to_json_value(v, c in JSON_COLUMNS) for c, v in zip(columns, row)}
                for row in frame.collect()]
        finding["severity"] = row_severity(inv.severity, columns, rows)
        finding["columns"] = columns
        finding["rows"] = rows
        finding["row_count"] = len(rows)
    except Exception as e:  # noqa: BLE001 - one investigation's failure is reported, not fatal
        finding["status"] = "error"
        finding["error"] = _first_line(e)
        log(f"{inv.id}: {finding['error']}")
        if log.verbose:
            log(traceback.format_exc())
    finding["elapsed_ms"] = int((time.monotonic() - started) * 1000)
    log(f"{finding['status']:>7} {finding['row_count']:>6} rows  {inv.id}  "
        f"({finding['elapsed_ms']} ms)")
    return finding


def _first_line(error):
    # A failure inside Spark reaches Python as Py4J's "An error occurred while calling o35.sql.";
    # the cause is the Java exception it carries.
    java = getattr(error, "java_exception", None)
    text = str(java if java is not None else error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class ViewError(Exception):
    pass


class RowSeverityError(Exception):
    pass


def row_severity(declared, columns, rows):
    if "severity" not in columns:
        return declared
    worst = None
    for row in rows:
        text = row.get("severity") or ""
        if text not in lib.SEVERITIES:
            raise RowSeverityError(f"a row's severity `{text}` is not one of critical, high, "
                                   "medium, low, info")
        if lib.severity_rank(text) > lib.severity_rank(declared):
            raise RowSeverityError(f"a row's severity `{text}` is above the header's "
                                   f"`{declared}`, the most a row may have")
        if worst is None or lib.severity_rank(text) > lib.severity_rank(worst):
            worst = text
    return worst or declared


def cite_events(spark, findings):
    """`cited_events`: the events the high and critical rows of the first pass cite."""
    cited = set()
    for finding in findings:
        if finding["status"] != "ok":
            continue
        for row in finding["rows"]:
            severity = row.get("severity") if row.get("severity") in lib.SEVERITIES \
                else finding["severity"]
            if lib.severity_rank(severity) < lib.severity_rank("high"):
                continue
            for key in ("event_id", "event_ids"):
                value = row.get(key)
                ids = [value] if isinstance(value, str) else \
                    [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
                for event_id in ids:
                    cited.add((finding["id"], severity, event_id))
    rows = [Row(investigation_id=i, severity=s, event_id=e) for i, s, e in sorted(cited)]
    schema = "investigation_id string, severity string, event_id string"
    spark.createDataFrame(rows, schema).createOrReplaceTempView("cited_events")
