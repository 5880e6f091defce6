#!/usr/bin/env bash
# Time and size of the HTML report over a benchmark case (investigations included).
#
#   benches/report.sh [EVENTS] [WORKDIR]      (defaults: 1000000, /tmp/rootlens-bench)
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
[ -d "$corpus/AWSLogs" ] || python3 "$generator" --events "$events" --out "$corpus" --seed 1 >&2
[ -f "$case_db" ] || "$bin" ingest --quiet --db "$case_db" "$corpus"
/usr/bin/time -f '%e %M' -o "$work/report.time" \
    "$bin" report --db "$case_db" --out "$work/report-$events.html" > /dev/null
read -r seconds kib < "$work/report.time"
size=$(stat -c %s "$work/report-$events.html")
echo "report over $events events: ${seconds} s (all investigations + rendering), peak $((kib / 1024)) MiB, $((size / 1024)) KiB of HTML"
