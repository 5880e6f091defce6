# Shared by the bench scripts (sourced, not run): arguments, the release build and the corpus.
#
# After `source benches/common.sh "$@"`: $events, $work, $bin, $corpus (generated once per size
# with ../shared/bench/gen_cloudtrail.py, seed 1), and `ensure_case` to build
# $case_db from the corpus when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
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
    echo "generating $events events into $corpus" >&2
    python3 "$generator" --events "$events" --out "$corpus" --seed 1 >&2
fi

ensure_case() {
    [ -f "$case_db" ] || "$bin" ingest --quiet --db "$case_db" "$corpus"
}
