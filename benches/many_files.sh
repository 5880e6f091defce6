#!/usr/bin/env bash
# One folder of FILES tiny CloudTrail files (one event each, uncompressed), ingested into a
# fresh case and then again (nothing new): wall time and peak RSS of both runs, so memory per
# file shows when compared across sizes.
#
#   benches/many_files.sh [FILES] [WORKDIR]      (defaults: 1000000, /tmp/rootlens-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-1000000}
work=${2:-/tmp/rootlens-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/rootlens-target}
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/rootlens"
folder="$work/tiny-$files"
mkdir -p "$work"
if [ ! -f "$folder.complete" ]; then
    echo "writing $files files into $folder" >&2
    rm -rf "$folder"
    mkdir -p "$folder"
    python3 - "$folder" "$files" << 'EOF'
import json, os, sys
folder, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    minute, second = divmod(i % 3600, 60)
    record = {
        "eventVersion": "1.09", "eventTime": f"2024-05-{1 + i // 86400 % 28:02d}T{i // 3600 % 24:02d}:{minute:02d}:{second:02d}Z",
        "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "eu-west-1",
        "sourceIPAddress": f"198.51.100.{i % 250 + 1}", "userAgent": "aws-cli/2.15.0",
        "userIdentity": {"type": "IAMUser", "accountId": "111122223333", "userName": f"user{i % 97}",
                         "arn": f"arn:aws:iam::111122223333:user/user{i % 97}"},
        "requestParameters": {"bucketName": "evidence", "key": f"object/{i}"},
        "eventID": f"00000000-0000-4000-8000-{i:012d}", "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333", "readOnly": True,
    }
    with open(os.path.join(folder, f"event-{i:07d}.json"), "w") as out:
        json.dump({"Records": [record]}, out)
open(folder + ".complete", "w").close()
EOF
fi
db="$work/tiny-$files.duckdb"
rm -f "$db" "$db.wal"
for run in first again; do
    /usr/bin/time -f '%e %M' -o "$work/tiny.time" "$bin" ingest --quiet --db "$db" "$folder" > /dev/null 2>&1 || true
    read -r seconds kib < "$work/tiny.time"
    echo "$run: $files files, ${seconds} s, peak RSS $((kib / 1024)) MiB"
done
"$bin" query --db "$db" --format csv "SELECT status, count(*) AS files FROM sources GROUP BY ALL ORDER BY ALL"
