#!/usr/bin/env bash
# Session lineage, the lineage investigations, the summary and the timeline export over a
# benchmark case: wall seconds, CPU seconds and peak memory of each.
#
#   benches/lineage.sh [EVENTS] [WORKDIR]     (defaults: 1000000, /tmp/rootlens-bench)
#
# Builds the case with benches/ingest.sh's corpus (generated once per size) if it is missing.
# The machine may be shared: the load average is printed with the figures.
source "$(dirname "$0")/common.sh" "$@"
ensure_case

measure() { # name, command...: prints "name  wall s  cpu s  peak MiB"
    local name=$1; shift
    local log="$work/$name.time"
    /usr/bin/time -f '%e %U %S %M' -o "$log" "$@" > /dev/null
    read -r wall user sys kib < "$log"
    awk -v n="$name" -v w="$wall" -v u="$user" -v s="$sys" -v k="$kib" \
        'BEGIN { printf "%-34s %7.2f s wall %7.2f s cpu %6d MiB peak\n", n, w, u + s, k / 1024 }'
}

echo "case: $case_db ($events events); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin" query --db "$case_db" --format csv \
    "SELECT 'keys', count(*), 'with an issuing record', count(*) FILTER (WHERE depth > 0),
            'max depth', max(depth) FROM session_lineage" | tail -1
"$bin" query --db "$case_db" --format csv \
    "SELECT 'issued keys used in the case', count(*) FROM credential_issuance ci
     WHERE EXISTS (SELECT 1 FROM event_records e WHERE e.access_key_id = ci.access_key_id)" | tail -1

# The facts read from raw once per ingest: forget them, then let a write-open rebuild them.
"$bin" query --write --db "$case_db" \
    "DELETE FROM credential_events; DELETE FROM case_meta WHERE key = 'credential_events_rows'" > /dev/null
measure "credential_events (ingest step)" "$bin" query --write --db "$case_db" "SELECT 1"
measure "session_lineage, every key" "$bin" query --db "$case_db" \
    "SELECT origin_kind, count(*), max(depth) FROM session_lineage GROUP BY 1"
measure "lineage investigations (4)" "$bin" run --only lineage --db "$case_db"
measure "summary (csv, all identities)" "$bin" summary --format csv --db "$case_db"
measure "timeline jsonl" "$bin" export timeline -q --db "$case_db" --out "$work/timeline.jsonl"
measure "timeline csv" "$bin" export timeline -q --format csv --db "$case_db" --out "$work/timeline.csv"
measure "timeline jsonl --sorted" "$bin" export timeline -q --sorted --db "$case_db" --out "$work/timeline.jsonl"
echo "timeline: $(wc -l < "$work/timeline.jsonl") lines, $(( $(stat -c %s "$work/timeline.jsonl") / 1048576 )) MiB"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
