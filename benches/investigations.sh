#!/usr/bin/env bash
# Time every investigation over a benchmark case: total wall time and the slowest first.
#
#   benches/investigations.sh [EVENTS] [WORKDIR]     (defaults: 1000000, /tmp/rootlens-bench)
#
# Builds the case with benches/ingest.sh's corpus (generated once per size) if it is missing.
source "$(dirname "$0")/common.sh" "$@"
ensure_case
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
