#!/usr/bin/env bash
# Time every investigation over a benchmark case: total wall time and the slowest first.
#
#   benches/investigations.sh [EVENTS] [WORKDIR]     (defaults: 1000000, /tmp/rootlens-bench)
#
# Builds the case with benches/ingest.sh's corpus (generated once per size) if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
work=${2:-/tmp/rootlens-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rootlens-target}
generator=${GENERATOR:-../shared/bench/gen_cloudtrail.py}

cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/rootlens"
corpus="$work/corpus-$events"
case_db="$work/case-$events.duckdb"
mkdir -p "$work"
if [ ! -d "$corpus/AWSLogs" ]; then
    python3 "$generator" --events "$events" --out "$corpus" --seed 1 >&2
fi
if [ ! -f "$case_db" ]; then
    "$bin" ingest --quiet --db "$case_db" "$corpus"
fi
/usr/bin/time -f '%e %M' -o "$work/run.time" \
    "$bin" run --db "$case_db" --findings "$work/findings-$events.json" > /dev/null
read -r seconds kib < "$work/run.time"
echo "all investigations over $events events: ${seconds} s wall, peak $((kib / 1024)) MiB"
python3 - "$work/findings-$events.json" <<'PY'
import json, sys
findings = json.load(open(sys.argv[1]))["investigations"]
for f in sorted(findings, key=lambda f: -f["elapsed_ms"])[:15]:
    print(f'{f["elapsed_ms"]:>8} ms  {f["row_count"]:>7} rows  {f["id"]}')
PY
