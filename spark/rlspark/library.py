"""The investigation library: the `-- key: value` header of each .sql file (the rules of
src/library/header.rs) and the SQL after it."""

import hashlib
import os
from dataclasses import dataclass, field

SEVERITIES = ["info", "low", "medium", "high", "critical"]
KNOWN_KEYS = {"id", "title", "severity", "category", "source", "mitre", "cis", "description",
              "next", "references", "param", "requires"}
PARAM_TYPES = {"integer": "BIGINT", "int": "BIGINT", "number": "DOUBLE", "double": "DOUBLE",
               "interval": "INTERVAL", "timestamp": "TIMESTAMP", "text": "VARCHAR",
               "string": "VARCHAR"}


class LibraryError(Exception):
    pass


@dataclass
class Param:
    name: str
    default: str
    kind: str  # integer | number | interval | timestamp | text
    description: str


@dataclass
class Investigation:
    id: str
    title: str
    severity: str
    category: str
    source: str
    mitre: list
    cis: str
    description: str
    next: str
    references: list
    params: list = field(default_factory=list)
    requires_geo: bool = False
    requires_findings: bool = False
    sql: str = ""
    sha256: str = ""
    origin: str = ""


def severity_rank(name):
    return SEVERITIES.index(name)


def _split(text, origin):
    fields = []
    sql_start = len(text)
    offset = 0
    for line in text.splitlines(keepends=True):
        trimmed = line.rstrip()
        if trimmed.startswith("--"):
            comment = trimmed[2:]
            if (comment.startswith("   ") or comment.startswith("\t")) and fields:
                fields[-1][1] += " " + comment.strip()
            elif ":" in comment:
                key, value = comment.split(":", 1)
                key = key.strip()
                if not key or " " in key:
                    raise LibraryError(f"{origin}: header line without a `key:`: {trimmed}")
                fields.append([key, value.strip()])
            elif comment.strip():
                raise LibraryError(f"{origin}: header line without a `key:`: {trimmed}")
        elif trimmed:
            sql_start = offset
            break
        offset += len(line)
    sql = text[sql_start:].strip().rstrip(";").rstrip()
    if not sql:
        raise LibraryError(f"{origin}: no SQL after the header")
    return fields, sql


def parse(text, origin):
    fields, sql = _split(text, origin)
    values = {}
    params = []
    for key, value in fields:
        if key not in KNOWN_KEYS:
            raise LibraryError(f"{origin}: unknown header key `{key}`")
        if key == "param":
            params.append(_param(value, origin))
        elif key in values:
            raise LibraryError(f"{origin}: header key `{key}` appears twice")
        else:
            values[key] = value

    def required(key):
        if not values.get(key):
            raise LibraryError(f"{origin}: header lacks `{key}:`")
        return values[key]

    def listed(key):
        return [s.strip() for s in values.get(key, "").split(",") if s.strip()]

    severity = required("severity").lower()
    if severity not in SEVERITIES:
        raise LibraryError(f"{origin}: severity `{severity}` is not one of {SEVERITIES}")
    requires = values.get("requires") or None
    if requires not in (None, "geo", "findings"):
        raise LibraryError(f"{origin}: requires `{requires}` is not known")
    return Investigation(
        id=required("id"), title=required("title"), severity=severity,
        category=required("category"), source=required("source"), mitre=listed("mitre"),
        cis=values.get("cis") or None, description=required("description"),
        next=required("next"), references=listed("references"), params=params,
        requires_geo=requires == "geo", requires_findings=requires == "findings", sql=sql,
        sha256=hashlib.sha256(text.encode()).hexdigest(), origin=origin)


def _param(text, origin):
    try:
        name, rest = text.split("=", 1)
        default, rest = rest.split("(", 1)
        kind, description = rest.split("):", 1)
    except ValueError:
        raise LibraryError(f"{origin}: param `{text}` is not `name = default (type): description`")
    kind = kind.strip().lower()
    if kind not in PARAM_TYPES:
        raise LibraryError(f"{origin}: parameter `{name.strip()}` has unknown type `{kind}`")
    canonical = {"int": "integer", "double": "number", "string": "text"}.get(kind, kind)
    return Param(name.strip(), default.strip(), canonical, description.strip())


def load(queries_dir, origin_prefix):
    """Every .sql file under queries_dir (sorted), keyed by id."""
    found = {}
    for root, dirs, files in os.walk(queries_dir):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(".sql"):
                continue
            path = os.path.join(root, name)
            relative = os.path.relpath(path, queries_dir)
            origin = f"{origin_prefix}{relative}" if origin_prefix else path
            with open(path, encoding="utf-8") as f:
                inv = parse(f.read(), origin)
            if inv.id in found:
                raise LibraryError(f"{origin}: id `{inv.id}` is also {found[inv.id].origin}")
            found[inv.id] = inv
    if not found:
        raise LibraryError(f"{queries_dir}: no .sql investigation found")
    return found


def selects(inv, want):
    """`--only`: an id, a category, or an id prefix (as rootlens run does)."""
    return inv.id == want or inv.category == want or inv.id.startswith(want + "-") \
        or inv.id.startswith(want + ".")
