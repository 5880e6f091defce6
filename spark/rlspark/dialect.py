"""Where sqlglot 30.30's DuckDB -> Spark translation loses meaning, a rewrite of the parsed
DuckDB statement before Spark SQL is generated. Each is a translator gap with no portable SQL
to write instead; everything else is kept portable in the .sql files (`rootlens queries
lint`). tests/spark.rs runs every investigation on both engines, so a rewrite that stopped
being right would show as a difference.

- Ordered list aggregates `list(x ORDER BY k…)`: sqlglot writes COLLECT_LIST(x), dropping the
  order (a silent difference). Spark has no ordered COLLECT_LIST: sort (k…, x) structs and
  keep x. `list(DISTINCT x ORDER BY x)` becomes ARRAY_SORT(COLLECT_SET(x)).
- List slices `l[a:b]` (1-based, inclusive) are written unchanged, which Spark cannot parse:
  SLICE(l, a, b - a + 1).
- strftime / try_strptime formats: sqlglot copies literal letters (`T`, `Z`) into the Java
  pattern unquoted, where they are pattern letters; try_strptime is not translated at all.
  The pattern is converted here, literals quoted; try_strptime becomes TRY_TO_TIMESTAMP.
- epoch(t) becomes UNIX_TIMESTAMP, whole seconds, where DuckDB keeps the fraction (a speed
  over a sub-second interval changes): UNIX_MICROS(t) / 1e6.
- time_bucket(INTERVAL n unit, t) becomes DATE_BIN, which Spark lacks: the bucket is computed
  from epoch seconds with DuckDB's origin for day-time intervals (Monday 2000-01-03 UTC)."""

import re

from sqlglot import exp

# strftime codes as Java DateTimeFormatter patterns (Spark's datetime patterns).
STRFTIME = {"Y": "yyyy", "m": "MM", "d": "dd", "H": "HH", "M": "mm", "S": "ss", "b": "MMM",
            "B": "MMMM", "I": "hh", "p": "a", "y": "yy", "j": "DDD", "a": "EEE", "A": "EEEE",
            "f": "SSSSSS", "z": "XX", "Z": "z", "%": "%"}


class RewriteError(Exception):
    pass


def java_pattern(strftime):
    out, literal = [], []

    def flush():
        if literal:
            text = "".join(literal)
            out.append("'" + text.replace("'", "''") + "'" if re.search(r"[A-Za-z']", text)
                       else text)
            literal.clear()

    i = 0
    while i < len(strftime):
        c = strftime[i]
        if c == "%" and i + 1 < len(strftime):
            code = strftime[i + 1]
            if code not in STRFTIME:
                raise RewriteError(f"strftime code %{code} has no Spark equivalent")
            flush()
            out.append(STRFTIME[code])
            i += 2
        else:
            literal.append(c)
            i += 1
    flush()
    return "".join(out)


def _ordered_list(node):
    """list(x ORDER BY …) / list(DISTINCT x ORDER BY x)"""
    order = node.this
    if not isinstance(order, exp.Order):
        return node
    keys = order.expressions
    if any(k.args.get("desc") for k in keys):
        raise RewriteError("list(… ORDER BY … DESC) has no Spark translation here; order "
                           "ascending")
    inner = order.this
    if isinstance(inner, exp.Distinct):
        values = inner.expressions
        if len(values) != 1 or len(keys) != 1 or keys[0].this != values[0]:
            raise RewriteError("list(DISTINCT x ORDER BY y) is only translated for y = x")
        return exp.func("ARRAY_SORT", exp.func("COLLECT_SET", values[0].copy()))
    fields = [exp.alias_(k.this.copy(), f"k{i}") for i, k in enumerate(keys)]
    fields.append(exp.alias_(inner.copy(), "v"))
    collected = exp.func("COLLECT_LIST", exp.Struct(expressions=fields))
    return exp.Anonymous(this="TRANSFORM", expressions=[
        exp.func("ARRAY_SORT", collected),
        exp.Lambda(this=exp.Dot(this=exp.column("s"), expression=exp.to_identifier("v")),
                   expressions=[exp.to_identifier("s")])])


def _slice(node):
    """l[a:b] -> SLICE(l, a, b - a + 1)"""
    if len(node.expressions) != 1 or not isinstance(node.expressions[0], exp.Slice):
        return node
    part = node.expressions[0]
    start, end = part.this, part.expression
    if start is None or end is None:
        raise RewriteError("open list slices ([:b], [a:]) are not translated; give both ends")
    length = exp.Add(this=exp.Sub(this=end.copy(), expression=start.copy()),
                     expression=exp.Literal.number(1))
    return exp.Anonymous(this="SLICE", expressions=[node.this.copy(), start.copy(), length])


# DuckDB's time_bucket origin for intervals without months: 2000-01-03 00:00:00 UTC.
BUCKET_ORIGIN = 946857600
UNIT_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400, "WEEK": 604800}


def _time_bucket(node):
    interval = node.this
    if not isinstance(interval, exp.Interval):
        raise RewriteError("time_bucket needs a literal interval (a parameter is one)")
    unit = interval.args["unit"].name.upper().rstrip("S")
    if unit not in UNIT_SECONDS:
        raise RewriteError(f"time_bucket by {unit} (months, years) is not translated")
    width = int(interval.this.name) * UNIT_SECONDS[unit]
    seconds = exp.func("UNIX_SECONDS", exp.cast(node.expression.copy(), "TIMESTAMP"))
    offset = exp.Sub(this=seconds, expression=exp.Literal.number(BUCKET_ORIGIN))
    bucket = exp.Mul(this=exp.func("FLOOR", exp.Div(this=exp.Paren(this=offset),
                                                     expression=exp.Literal.number(width))),
                     expression=exp.Literal.number(width))
    start = exp.Add(this=bucket, expression=exp.Literal.number(BUCKET_ORIGIN))
    return exp.cast(exp.func("TIMESTAMP_SECONDS", start), "TIMESTAMP_NTZ")


def _rewrite_slices(node):
    if isinstance(node, exp.Bracket):
        return _slice(node)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "list_slice":
        lst, start, end = node.expressions
        return _slice(exp.Bracket(this=lst, expressions=[exp.Slice(this=start, expression=end)]))
    return node


def _rewrite(node):
    if isinstance(node, exp.ArrayAgg):
        return _ordered_list(node)
    if isinstance(node, exp.DateBin):
        return _time_bucket(node)
    if isinstance(node, exp.TimeToUnix):
        micros = exp.func("UNIX_MICROS", exp.cast(node.this.copy(), "TIMESTAMP"))
        return exp.Paren(this=exp.Div(this=micros, expression=exp.Literal.number("1000000.0")))
    if isinstance(node, exp.TimeToStr) and isinstance(node.args.get("format"), exp.Literal):
        return exp.Anonymous(this="DATE_FORMAT", expressions=[
            node.this.copy(), exp.Literal.string(java_pattern(node.args["format"].this))])
    if isinstance(node, exp.Anonymous) and node.name.lower() == "try_strptime":
        value, fmt = node.expressions
        if not isinstance(fmt, exp.Literal):
            raise RewriteError("try_strptime needs a literal format")
        return exp.Anonymous(this="TRY_TO_TIMESTAMP", expressions=[
            value.copy(), exp.Literal.string(java_pattern(fmt.this))])
    return node


def rewrite(tree):
    """The parsed DuckDB statement with the rewrites above applied (aggregates first, then the
    slices around them)."""
    return tree.transform(_rewrite, copy=True).transform(_rewrite_slices, copy=False)
