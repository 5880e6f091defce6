"""Spark row values as the JSON rootlens writes (DuckDB's to_json): timestamps as
`YYYY-MM-DD HH:MM:SS[.ffffff]` without trailing zeros, lists and structs as JSON, and the
free-form JSON columns (text in Parquet) back as JSON."""

import datetime
import decimal
import json
import math


def timestamp_text(value):
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.microsecond:
        text += (".%06d" % value.microsecond).rstrip("0")
    return text


def interval_text(delta):
    """DuckDB's interval text for a day-time interval: `[N days ]HH:MM:SS[.ffffff]`."""
    total = int(delta.total_seconds())
    days, rest = divmod(abs(total), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    sign = "-" if total < 0 else ""
    clock = "%02d:%02d:%02d" % (hours, minutes, seconds)
    if days:
        day_text = f"{sign}{days} day{'s' if days != 1 else ''}"
        # DuckDB leaves out a zero time of day: `1 day`, `2 days 03:00:00`.
        return day_text if total % 86400 == 0 else f"{day_text} {clock}"
    return sign + clock


def to_json_value(value, json_text=False):
    """One cell. `json_text`: the column holds JSON as text (request_parameters, …)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime.datetime):
        return timestamp_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return interval_text(value)
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 \
            else float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)) and not hasattr(value, "asDict"):
        return [to_json_value(v, json_text) for v in value]
    if hasattr(value, "asDict"):
        return {k: to_json_value(v, json_text) for k, v in value.asDict().items()}
    if isinstance(value, dict):
        return {str(k): to_json_value(v, json_text) for k, v in value.items()}
    if isinstance(value, bytearray):
        return value.hex()
    if isinstance(value, str) and json_text:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
