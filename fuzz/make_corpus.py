#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus (fuzz/corpus/<target>/) from the test fixtures, the
sample data, the investigation library and the bundled Sigma rules. Deterministic: the same
inputs give the same files, named by the SHA-1 of their content as libFuzzer names its own.

    python3 fuzz/make_corpus.py            (from the repository root)

Run it again when the fixtures change; libFuzzer adds what it finds under the same folders
while it runs (benches/fuzz.sh keeps those in a scratch copy, not here).
"""
import gzip, hashlib, os, pathlib, shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
MAX_BYTES = 32 << 10   # small seeds keep executions fast; the fuzzer grows them
PER_TARGET = 60


def files(*patterns):
    found = []
    for pattern in patterns:
        found += sorted(p for p in ROOT.glob(pattern) if p.is_file() and "__pycache__" not in p.parts)
    return found


def text_of(path):
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def spread(paths, n=PER_TARGET):
    """Every k-th path, so the seeds come from all over the fixtures, not the first folder."""
    paths = [p for p in paths if p.stat().st_size <= MAX_BYTES]
    step = max(1, len(paths) // n)
    return paths[::step][:n]


def write(target, blobs):
    folder = OUT / target
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for blob in blobs:
        if len(blob) <= 4 * MAX_BYTES:
            (folder / hashlib.sha1(blob).hexdigest()).write_bytes(blob)


cloudtrail = spread(files("tests/fixtures/**/*.json", "tests/fixtures/**/*.json.gz", "sample-data/AWSLogs/**/*.json.gz",
                          "sample-data/**/*.json", "sample-data/**/*.jsonl"))
write("sniff_gzip", [p.read_bytes() for p in spread(files("tests/fixtures/**/*.gz", "sample-data/**/*.gz"), 30)]
      + [text_of(p) for p in cloudtrail[:30]])
def shapes():
    """The same two records in every shape the decoder reads besides `{"Records": [...]}`."""
    import json
    records = next(json.loads(text_of(p))["Records"][:2] for p in cloudtrail
                   if b'"Records"' in text_of(p) and len(json.loads(text_of(p))["Records"]) >= 2)
    lines = "\n".join(json.dumps(r) for r in records).encode()
    lookup = {"Events": [{"EventId": r.get("eventID"), "EventName": r.get("eventName"),
                          "CloudTrailEvent": json.dumps(r)} for r in records]}
    lower = [{k.lower(): v for k, v in r.items()} for r in records]
    return [json.dumps(records).encode(), lines, json.dumps(records, indent=2).replace("\n}", "}\n").encode(),
            json.dumps(lookup).encode(), json.dumps(lower).encode()]


write("json_splitter_vs_serde", [text_of(p) for p in cloudtrail] + shapes())
write("cloudtrail_records", [text_of(p) for p in cloudtrail] + shapes())
write("credential_report", [p.read_bytes() for p in spread(files("tests/fixtures/**/*.csv", "sample-data/**/*.csv"))])
write("evidence", [text_of(p) for p in spread(files("tests/fixtures/integrity/**/*Digest*", "tests/fixtures/**/*public*key*.json",
                                                     "tests/fixtures/**/*signature*.json", "sample-data/**/*Digest*"))])
write("posture", [bytes([i % 8]) + p.read_bytes() for i, p in enumerate(spread(files("sample-data/posture/*.json",
                                                                                    "tests/fixtures/posture/**/*.json")))])
write("headers", [p.read_bytes() for p in spread(files("queries/**/*.sql"), 40)]
      + [p.read_bytes() for p in spread(files("rules/sigma/**/*.yml"), 40)])
write("mmdb", [p.read_bytes() for p in files("sample-data/GeoIP/*.mmdb")])
for target in sorted(os.listdir(OUT)):
    print(f"{target}: {len(os.listdir(OUT / target))} seeds")
