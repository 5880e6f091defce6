#!/usr/bin/env bash
# Ingest throughput and peak memory: `rootlens ingest` against the route a user would take
# instead, DuckDB's own typed read_json (../shared/bench/duckdb_reference.py: an explicit
# CloudTrail `Records` type, unnest into a typed table), on the same corpus, in the same run.
#
#   benches/ingest.sh [EVENTS] [WORKDIR]      (defaults: 1000000, /tmp/rootlens-bench)
#
# The reference needs Python's duckdb: taken from $BENCH_PYTHON, else python3 when it has it,
# else a virtual environment made once under ~/.cache/rootlens-bench-venv.
source "$(dirname "$0")/common.sh" "$@"
reference=${REFERENCE:-../shared/bench/duckdb_reference.py}
python=${BENCH_PYTHON:-python3}
if ! "$python" -c 'import duckdb' 2> /dev/null; then
    venv="$HOME/.cache/rootlens-bench-venv"
    [ -x "$venv/bin/python" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet duckdb; } >&2
    python="$venv/bin/python"
fi
files=$(find "$corpus" -name '*.json.gz' | wc -l)
bytes=$(du -sb "$corpus" | cut -f1)
echo "corpus: $events events, $files files, $((bytes / 1048576)) MiB compressed"
echo "duckdb (python): $("$python" -c 'import duckdb; print(duckdb.__version__)')"

measure() { # name, command...: prints "seconds peak_rss_mib"
    local name=$1; shift
    local log="$work/$name.time"
    /usr/bin/time -f '%e %M' -o "$log" "$@" > /dev/null
    read -r seconds kib < "$log"
    echo "$seconds $((kib / 1024))"
}

ours_db="$work/ingest-rootlens.duckdb"
ref_db="$work/ingest-reference.duckdb"
rm -f "$ours_db" "$ours_db.wal" "$ref_db" "$ref_db.wal"
sync
read -r ours_s ours_mib < <(measure rootlens "$bin" ingest --quiet --db "$ours_db" "$corpus")
sync
read -r ref_s ref_mib < <(measure reference "$python" "$reference" "$corpus" "$ref_db")

loaded=$("$bin" query --db "$ours_db" --format csv "SELECT count(*) FROM events" | tail -1)
stored=$("$python" -c "import duckdb,sys; print(duckdb.connect(sys.argv[1], read_only=True).execute('SELECT count(*) FROM events').fetchone()[0])" "$ref_db")
awk -v n="$loaded" -v m="$stored" -v a="$ours_s" -v b="$ref_s" -v ma="$ours_mib" -v mb="$ref_mib" \
    -v gz="$bytes" -v sa="$(stat -c %s "$ours_db")" -v sb="$(stat -c %s "$ref_db")" 'BEGIN {
    printf "%-28s %9s %9s %11s %10s %10s\n", "route", "events", "seconds", "events/s", "peak MiB", "file MiB"
    printf "%-28s %9d %9.2f %11.0f %10d %10.0f\n", "rootlens ingest", n, a, n / a, ma, sa / 1048576
    printf "%-28s %9d %9.2f %11.0f %10d %10.0f\n", "duckdb typed read_json", m, b, m / b, mb, sb / 1048576
    printf "speed ratio (rootlens / duckdb): %.2fx; case file / gzip input: %.2fx\n", (n / a) / (m / b), sa / gz
}'
