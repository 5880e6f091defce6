#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/) for MINUTES each, on the nightly toolchain with
# cargo-fuzz, from the committed seeds (fuzz/corpus/), and prints per target the executions,
# the coverage reached and what it found.
#
#   benches/fuzz.sh MINUTES [TARGET...]     (default: every target; FUZZ_JOBS targets at once,
#                                            default: the number of cores)
#
# What libFuzzer adds to the corpus stays in a scratch folder ($FUZZ_WORK, default
# /tmp/rootlens-fuzz), and so do crashes and hangs (artifacts/<target>/): each one found is
# turned into a regression test (tests/regressions.rs) named after what it was.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:?usage: benches/fuzz.sh MINUTES [TARGET...]}
shift
work=${FUZZ_WORK:-/tmp/rootlens-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}
target_dir=${FUZZ_TARGET_DIR:-$HOME/.cache/rootlens-fuzz-target}
command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)

# maxminddb 0.27.3 subtracts with overflow on a search-tree record that points into the data
# section separator: a panic with overflow checks on (rootlens catches it and counts a miss),
# an error without them (release builds). So `mmdb` runs without debug assertions, to fuzz past
# it; every other target keeps them, so an overflow in rootlens's own code is a crash.
flags() { [ "$1" = mmdb ] && echo "-O" || true; }
for target in "${targets[@]}"; do
    cargo +nightly fuzz build $(flags "$target") --target-dir "$target_dir" "$target" > /dev/null
done

run() { # target: fuzzes it for the given minutes; its log is $work/<target>.log
    local target=$1
    mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
    cp -n fuzz/corpus/"$target"/* "$work/corpus/$target/" 2> /dev/null || true
    cargo +nightly fuzz run $(flags "$target") --target-dir "$target_dir" "$target" "$work/corpus/$target" -- \
        -max_total_time=$((minutes * 60)) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$target/" > "$work/$target.log" 2>&1 || true
}

mkdir -p "$work"
running=0
for target in "${targets[@]}"; do
    run "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

printf '%-24s %14s %8s %8s %8s %s\n' target executions "exec/s" cov corpus found
for target in "${targets[@]}"; do
    log="$work/$target.log"
    executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' <<< "$last" | grep -o '[0-9]*' || echo '?')
    corpus=$(ls "$work/corpus/$target" | wc -l)
    found=$(ls "$work/artifacts/$target" | tr '\n' ' ')
    printf '%-24s %14s %8s %8s %8s %s\n' "$target" "$executions" "$rate" "$cov" "$corpus" "${found:-none}"
done
