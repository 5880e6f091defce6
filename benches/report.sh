#!/usr/bin/env bash
# Time and size of the HTML report and of the brief over a benchmark case (investigations
# included).
#
#   benches/report.sh [EVENTS] [WORKDIR]      (defaults: 1000000, /tmp/rootlens-bench)
source "$(dirname "$0")/common.sh" "$@"
ensure_case
/usr/bin/time -f '%e %M' -o "$work/report.time" \
    "$bin" report --db "$case_db" --out "$work/report-$events.html" > /dev/null
read -r seconds kib < "$work/report.time"
size=$(stat -c %s "$work/report-$events.html")
echo "report over $events events: ${seconds} s (all investigations + rendering), peak $((kib / 1024)) MiB, $((size / 1024)) KiB of HTML"
/usr/bin/time -f '%e %M' -o "$work/brief.time" \
    "$bin" report --brief --db "$case_db" --out "$work/brief-$events.html" > /dev/null
read -r seconds kib < "$work/brief.time"
size=$(stat -c %s "$work/brief-$events.html")
echo "brief over $events events: ${seconds} s (all investigations + rendering), peak $((kib / 1024)) MiB, $((size / 1024)) KiB of HTML"
