#!/usr/bin/env bash
# Time every bundled Sigma rule (detections compiled to SQL) over a benchmark case: the rules'
# query time (sum of their elapsed_ms in findings.json), the whole `run --only sigma` (opening
# the case and writing findings.json included), and the slowest rules first.
#
#   benches/sigma.sh [EVENTS] [WORKDIR]        (defaults: 1000000, /tmp/rootlens-bench)
#   CASE=/path/case.duckdb benches/sigma.sh    time over a copy of an existing case instead
#   SIGMA=./our-rules/ benches/sigma.sh        add a team's rules (passed to --sigma)
#
# Without CASE, builds the case from benches/ingest.sh's corpus (generated once per size).
if [ -n "${CASE:-}" ]; then
    # An existing case: no corpus needed. Never run over the given file itself (a case is
    # evidence, and a run may add to its WAL): time a copy.
    set -euo pipefail
    cd "$(dirname "${BASH_SOURCE[0]}")/.."
    work=${2:-/tmp/rootlens-bench}
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rootlens-target}
    cargo build --release --quiet
    bin="$CARGO_TARGET_DIR/release/rootlens"
    mkdir -p "$work"
    events=$(basename "$CASE" .duckdb)
    case_db="$work/sigma-copy-$events.duckdb"
    cp "$CASE" "$case_db"
    trap 'rm -f "$case_db" "$case_db.wal"' EXIT
else
    source "$(dirname "$0")/common.sh" "$@"
    ensure_case
fi
extra=()
[ -n "${SIGMA:-}" ] && extra=(--sigma "$SIGMA")
findings="$work/sigma-findings-$events.json"
/usr/bin/time -f '%e %U %M' -o "$work/sigma.time" \
    "$bin" run --db "$case_db" --only sigma "${extra[@]}" --findings "$findings" > /dev/null
read -r seconds user kib < "$work/sigma.time"
echo "run --only sigma: ${seconds} s wall, ${user} s user CPU, peak $((kib / 1024)) MiB (load average: $(cut -d' ' -f1 /proc/loadavg))"
python3 - "$findings" <<'PY'
import json, sys
findings = [f for f in json.load(open(sys.argv[1]))["investigations"] if f["category"] == "sigma"]
total = sum(f["elapsed_ms"] for f in findings)
rows = sum(f["row_count"] for f in findings)
print(f"{len(findings)} Sigma rules: {total / 1000:.2f} s of queries, {rows} rows")
for f in sorted(findings, key=lambda f: -f["elapsed_ms"])[:10]:
    print(f'{f["elapsed_ms"]:>8} ms  {f["row_count"]:>8} rows  {f["id"]}')
PY
