"""DuckDB SQL (the investigation library and the case's views) to Spark SQL, with sqlglot.

Nothing is patched here: where the two engines disagree the investigation is written the
portable way (`rootlens queries lint` rejects the forms that are not), and sqlglot translates
what remains. Only the binding of parameters is ours: `getvariable('name')` becomes a typed
literal before translation."""

import functools
import re

import sqlglot
from sqlglot import exp

from . import dialect

GETVARIABLE = re.compile(r"getvariable\(\s*'([a-z0-9_]+)'\s*\)", re.IGNORECASE)


class TranslationError(Exception):
    pass


def literal(value, kind):
    """A parameter's value as a DuckDB literal of its type."""
    quoted = "'" + value.replace("'", "''") + "'"
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value.strip()):
            raise TranslationError(f"`{value}` is not an integer")
        return f"CAST({value.strip()} AS BIGINT)"
    if kind == "number":
        try:
            float(value)
        except ValueError:
            raise TranslationError(f"`{value}` is not a number")
        return f"CAST({value.strip()} AS DOUBLE)"
    if kind == "interval":
        match = re.fullmatch(r"\s*(\d+)\s*(second|minute|hour|day|week|month|year)s?\s*",
                             value, re.IGNORECASE)
        if not match:
            raise TranslationError(f"`{value}` is not an interval such as `14 days`")
        amount, unit = int(match.group(1)), match.group(2).upper()
        if unit == "WEEK":
            amount, unit = amount * 7, "DAY"
        return f"INTERVAL {amount} {unit}"
    if kind == "timestamp":
        return f"CAST({quoted} AS TIMESTAMP)"
    return quoted


def bind(sql, params, values):
    """Replaces every getvariable('name') by the value of parameter `name`."""
    kinds = {p.name: p.kind for p in params}

    def replace(match):
        name = match.group(1)
        if name not in kinds:
            raise TranslationError(f"getvariable('{name}') names no parameter of the header")
        return literal(values[name], kinds[name])

    return GETVARIABLE.sub(replace, sql)


def _generate(tree):
    try:
        return dialect.rewrite(tree).sql(dialect="spark",
                                         unsupported_level=sqlglot.ErrorLevel.RAISE)
    except (sqlglot.errors.SqlglotError, dialect.RewriteError) as e:
        raise TranslationError(f"cannot translate it to Spark SQL: {e}") from e


@functools.lru_cache(maxsize=None)
def to_spark(sql):
    """One DuckDB statement as Spark SQL."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.SqlglotError as e:
        raise TranslationError(f"sqlglot cannot parse it: {e}") from e
    if len(statements) != 1:
        raise TranslationError(f"expected one statement, found {len(statements)}")
    return _generate(statements[0])


@functools.lru_cache(maxsize=None)
def views(sql_text):
    """The `CREATE OR REPLACE VIEW name AS SELECT …` statements of a views file, in order, as
    (name, Spark SELECT)."""
    found = []
    for statement in sqlglot.parse(sql_text, read="duckdb"):
        if statement is None:
            continue
        if not isinstance(statement, exp.Create) or statement.kind != "VIEW":
            raise TranslationError(f"not a CREATE VIEW: {statement.sql()[:80]}")
        name = statement.this.name
        body = statement.expression
        try:
            found.append((name, _generate(body)))
        except TranslationError as e:
            raise TranslationError(f"view {name}: {e}") from e
    return tuple(found)
