#!/usr/bin/env bash
# Ingest throughput and peak memory: rootlens against DuckDB's own read_json + unnest(Records)
# into the same columns, on the same corpus, in the same run.
#
#   benches/ingest.sh [EVENTS] [WORKDIR]      (defaults: 1000000, /tmp/rootlens-bench)
#
# The corpus comes from ../shared/bench/gen_cloudtrail.py (generated once per size and seed).
source "$(dirname "$0")/common.sh" "$@"
files=$(find "$corpus" -name '*.json.gz' | wc -l)
bytes=$(du -sb "$corpus" | cut -f1)
echo "corpus: $events events, $files files, $((bytes / 1048576)) MiB compressed"

measure() { # name, command...: prints "name seconds peak_rss_mib"
    local name=$1; shift
    local log="$work/$name.time"
    /usr/bin/time -f '%e %M' -o "$log" "$@" > /dev/null
    read -r seconds kib < "$log"
    echo "$name $seconds $((kib / 1024))"
}

rm -f "$work/rootlens.duckdb" "$work/rootlens.duckdb.wal" "$work/reference.duckdb" "$work/reference.duckdb.wal"
read -r _ ours_s ours_mib < <(measure rootlens "$bin" ingest --quiet --db "$work/rootlens.duckdb" "$corpus")
sed "s|__CORPUS__|$corpus|" benches/duckdb_read_json.sql > "$work/reference.sql"
read -r _ ref_s ref_mib < <(measure duckdb "$bin" query --write --db "$work/reference.duckdb" -f "$work/reference.sql")

loaded=$("$bin" query --db "$work/rootlens.duckdb" --format csv "SELECT count(*) FROM events" | tail -1)
reference=$("$bin" query --db "$work/reference.duckdb" --format csv "SELECT count(*) FROM events_reference" | tail -1)
awk -v n="$loaded" -v m="$reference" -v a="$ours_s" -v b="$ref_s" -v ma="$ours_mib" -v mb="$ref_mib" 'BEGIN {
    printf "rootlens ingest:           %8d events  %7.2f s  %9.0f events/s  peak %5d MiB\n", n, a, n / a, ma
    printf "duckdb read_json+unnest:   %8d events  %7.2f s  %9.0f events/s  peak %5d MiB\n", m, b, m / b, mb
    printf "ratio (rootlens / duckdb): %.2fx\n", (n / a) / (m / b)
}'
