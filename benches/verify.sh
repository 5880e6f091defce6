#!/usr/bin/env bash
# Evidence-integrity verification over the bench corpus: an hourly, chained digest per account
# and region, signed by a throw-away test key (benches/sign_corpus.py), then `rootlens verify`
# timed on the ingested case.
#
#   benches/verify.sh [EVENTS] [WORKDIR]      (defaults: 1000000, /tmp/rootlens-bench)
source "$(dirname "$0")/common.sh" "$@"
signed="$work/digests-$events"
if [ ! -d "$signed/keys" ]; then
    echo "signing $corpus into $signed" >&2
    python3 benches/sign_corpus.py "$corpus" "$signed" >&2
fi
verify_db="$work/verify-$events.duckdb"
if [ ! -f "$verify_db" ]; then
    "$bin" ingest --quiet --db "$verify_db" "$corpus" "$signed"
fi
digests=$(find "$signed" -name '*.json.gz' | wc -l)
log="$work/verify.time"
/usr/bin/time -f '%e %U %S %M' -o "$log" "$bin" verify --db "$verify_db" \
    --public-keys "$signed/keys/bench-public-keys.json" \
    --digest-signatures "$signed/keys/newest-signatures.json" > "$work/verify.out" || true
read -r seconds user sys kib < "$log"
cat "$work/verify.out"
echo "verify: $events events, $digests digests: ${seconds} s wall (${user} s user, ${sys} s sys), peak $((kib / 1024)) MiB"
