#!/usr/bin/env bash
# Where the floor of the case's size lies. Prints the case file against its gzip input, then,
# for a sample of whole input files (their gzip size is known exactly), what their records
# cost:
#   duckdb-zstd   the records as DuckDB compresses a column: zstd level 3, one frame per
#                 2,048 values (storage/compression/zstd.cpp);
#   zstd-19-long, xz-9
#                 the strongest general-purpose compressors over the whole sample in one stream:
#                 the floor of keeping every record's exact text, before any typed column;
#   once          every value stored once: the text with the values of the typed columns and
#                 the request and response parts cut out, each of those as its own column, all
#                 in duckdb-zstd frames (an estimate: the cut-out text comes from DuckDB's
#                 json_merge_patch, not byte for byte from the record).
#
#   benches/case_floor.sh [EVENTS] [WORKDIR]   (defaults: 1000000, /tmp/rootlens-bench)
#   FLOOR_FILES=N   input files in the sample (default 465, about a tenth of the 1M corpus)
# Needs zstd, xz and bc (Debian: zstd, xz-utils, bc).
source "$(dirname "$0")/common.sh" "$@"
ensure_case
files=${FLOOR_FILES:-465}
out="$work/floor-$events"
rm -rf "$out" && mkdir -p "$out"
query() { "$bin" query --db "$case_db" --format csv "$1" | tail -n +2; }

input=$(query "SELECT sum(size) FROM sources WHERE kind = 'cloudtrail_records'")
case_size=$(stat -c %s "$case_db")
echo "case: $case_size bytes for $input bytes of gzip input ($(echo "scale=2; $case_size / $input" | bc)x)"

sample="SELECT source_id FROM sources WHERE kind = 'cloudtrail_records' AND status = 'loaded'
        AND duplicates = 0 ORDER BY source_id LIMIT $files"
gzip_bytes=$(query "SELECT sum(size) FROM sources WHERE source_id IN ($sample)")
# One value per line, in record order; tab-separated CSV without quoting keeps JSON text as is.
column() {
    query "COPY (SELECT $1 FROM events WHERE source_id IN ($sample) ORDER BY source_id, record_index)
           TO '$out/$2' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\t')" > /dev/null
}
framed() { # bytes of a file compressed as DuckDB does: one zstd-3 frame per 2,048 lines
    split -l 2048 -d -a 4 "$1" "$1.frame."
    for f in "$1".frame.*; do zstd -3 -q -c "$f"; done | wc -c
    rm -f "$1".frame.*
}
ratio() { echo "$(($1 / 1024)) KiB, $(echo "scale=2; $1 / $gzip_bytes" | bc)x"; }

column raw raw.txt
records=$(wc -l < "$out/raw.txt")
echo "sample: $files files, $records records, $(($(stat -c %s "$out/raw.txt") / 1024)) KiB of text, $((gzip_bytes / 1024)) KiB of gzip"
echo "  duckdb-zstd   $(ratio "$(framed "$out/raw.txt")")"
echo "  zstd-19-long  $(ratio "$(zstd -19 --long=27 -T0 -q -c "$out/raw.txt" | wc -c)")"
echo "  xz-9          $(ratio "$(xz -9 -T0 -c "$out/raw.txt" | wc -c)")"

# The typed columns' values become "" in the text (json_merge_patch adds the keys a record
# lacks, which makes the estimate slightly high) and the free-form parts leave it.
patch='{"eventID":"","requestID":"","eventTime":"","sharedEventID":"","eventSource":"",
  "eventName":"","awsRegion":"","sourceIPAddress":"","userAgent":"","recipientAccountId":"",
  "eventType":"","eventVersion":"","eventCategory":"","errorCode":"","errorMessage":"",
  "requestParameters":null,"responseElements":null,
  "userIdentity":{"type":"","arn":"","accountId":"","principalId":"","accessKeyId":"",
    "userName":"","invokedBy":"","sessionContext":{"attributes":{"creationDate":""},
    "sessionIssuer":{"arn":"","userName":"","type":""}}}}'
column "json_merge_patch(raw, '$(echo "$patch" | tr -d '\n ')')" rest.txt
total=$(framed "$out/rest.txt")
for expr in "raw->>'\$.requestParameters'" "raw->>'\$.responseElements'" event_id request_id \
    event_time shared_event_id event_source event_name aws_region source_ip user_agent \
    recipient_account_id event_type event_version event_category error_code error_message \
    user_type user_arn user_account_id principal_id access_key_id user_name invoked_by \
    session_created session_issuer_arn session_issuer_name session_issuer_type; do
    column "coalesce(CAST($expr AS VARCHAR), '')" value.txt
    total=$((total + $(framed "$out/value.txt")))
done
echo "  once          $(ratio "$total")"
rm -rf "$out"
