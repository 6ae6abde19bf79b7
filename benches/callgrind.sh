#!/usr/bin/env bash
# Instruction counts under valgrind's callgrind (deterministic, unlike
# wall-clock time), against a hand-written baseline:
#   benches/callgrind.sh        the generated `run` against the hand-written calls
#   benches/callgrind.sh branch the generated `run` of a 5-node pipeline with one gate
#                               against the same calls with a hand-written `if`
#   benches/callgrind.sh async  `map_async` over 10,000 no-op items against a
#                               hand-written `buffered` stream (per map)
#   benches/callgrind.sh async-wake  the same with items that wait once
#   benches/callgrind.sh parallel    `run_parallel` of a diamond of four trivial nodes
#                               against a hand-written `rayon::join`, on a pool of one thread
#   benches/callgrind.sh async-run   `run_async` of a diamond of four async nodes
#                               against hand-written awaits and `join!` (per 10,000 runs)
#   benches/callgrind.sh map    `map` of trivial items against a hand-written rayon
#                               loop catching each item's panic (per item, one thread)
#   benches/callgrind.sh try-map `try_map` of trivial items against a plain
#                               hand-written rayon collect (per item, one thread)
#   benches/callgrind.sh nested `run` of a pipeline mapping the trivial one over
#                               a Vec (`#[nested(map_over = ..)]`) against a
#                               hand-written `iter().map().collect()` (per item)
#
# Usage, from anywhere.
# Environment:
#   ITERS             iterations of the measured run (default 1000000; 100000 runs for `parallel`; 20 for the async modes;
#                     100000 items for the map modes, of which only the map is counted)
#   MAX_RATIO         fail (exit 1) when generated/hand-written exceeds it
#                     (default 1.01; none for the other modes)
#   CARGO_TARGET_DIR  honoured as usual by cargo
#   CALLGRIND_OUT     where callgrind's output files go (default: a temporary directory)
#
# Each variant runs twice, with 0 and with ITERS iterations; the difference
# divided by ITERS is the cost of one call, with process startup cancelled out.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
collect=()   # extra callgrind options: what to count

case "${1:-run}" in
    run) target=callgrind_target variants=(generated hand) ITERS="${ITERS:-1000000}" MAX_RATIO="${MAX_RATIO:-1.01}" ;;
    branch) target=callgrind_target variants=(branch hand_branch) ITERS="${ITERS:-1000000}" MAX_RATIO="${MAX_RATIO:-1.01}" ;;
    async) target=callgrind_async variants=(map_async hand) ITERS="${ITERS:-20}" MAX_RATIO="${MAX_RATIO:-1000}" ;;
    async-wake) target=callgrind_async variants=(map_async_wake hand_wake) ITERS="${ITERS:-20}" MAX_RATIO="${MAX_RATIO:-1000}" ;;
    parallel) target=callgrind_parallel variants=(run_parallel hand_join) ITERS="${ITERS:-100000}" MAX_RATIO="${MAX_RATIO:-1000}" ;;
    async-run) target=callgrind_async variants=(run_async hand_run) ITERS="${ITERS:-20}" MAX_RATIO="${MAX_RATIO:-1000}" ;;
    map) target=callgrind_map variants=(map hand_catch) ITERS="${ITERS:-100000}" MAX_RATIO="${MAX_RATIO:-1000}" collect=("--toggle-collect=*measured_*") ;;
    try-map) target=callgrind_map variants=(try_map hand_plain) ITERS="${ITERS:-100000}" MAX_RATIO="${MAX_RATIO:-1000}" collect=("--toggle-collect=*measured_*") ;;
    nested) target=callgrind_map variants=(nested hand_nested) ITERS="${ITERS:-100000}" MAX_RATIO="${MAX_RATIO:-1000}" collect=("--toggle-collect=*measured_*") ;;
    *) echo "usage: callgrind.sh [run|branch|parallel|async|async-wake|async-run|map|try-map|nested]" >&2; exit 2 ;;
esac

command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 2; }

# Build in release (the bench profile) and take the executable's path from
# cargo's own report rather than guessing the hash in its file name.
bin="$(
    cargo build --release --bench "$target" --message-format=json-render-diagnostics \
        | grep '"reason":"compiler-artifact"' \
        | grep "\"name\":\"$target\"" \
        | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' \
        | tail -n 1
)"
[[ -n "$bin" && -x "$bin" ]] || { echo "callgrind.sh: could not find the $target executable" >&2; exit 2; }

if [[ -n "${CALLGRIND_OUT:-}" ]]; then
    out="$CALLGRIND_OUT"
    mkdir -p "$out"
else
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi

# Total instructions (Ir) of one run: callgrind's `summary:`/`totals:` line.
instructions() {
    local variant=$1 n=$2 file="$out/callgrind.$1.$2.out"
    valgrind --tool=callgrind "${collect[@]}" --callgrind-out-file="$file" --log-file="$out/valgrind.$1.$2.log" \
        "$bin" "$variant" "$n" >"$out/stdout.$1.$2.txt"
    local total
    total="$(grep -E '^(summary|totals):' "$file" | head -n 1 | awk '{ print $2 }')"
    [[ -n "$total" ]] || { echo "callgrind.sh: no total in $file" >&2; exit 2; }
    echo "$total"
}

echo "binary: $bin"
echo "iterations: $ITERS (minus a run with 0 iterations)"
declare -A per_call
for variant in "${variants[@]}"; do
    base="$(instructions "$variant" 0)"
    full="$(instructions "$variant" "$ITERS")"
    per_call[$variant]="$(awk -v a="$full" -v b="$base" -v n="$ITERS" 'BEGIN { printf "%.3f", (a - b) / n }')"
    printf '%-10s %15s Ir total, %12s Ir at startup, %10s Ir per call   (%s)\n' \
        "$variant" "$full" "$base" "${per_call[$variant]}" "$(cat "$out/stdout.$variant.$ITERS.txt")"
done

ratio="$(awk -v g="${per_call[${variants[0]}]}" -v h="${per_call[${variants[1]}]}" 'BEGIN { printf "%.4f", g / h }')"
echo "ratio ${variants[0]} / hand-written: $ratio (goal <= $MAX_RATIO)"
if awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN { exit !(r > m) }'; then
    echo "FAIL: the generated run costs more than the hand-written calls" >&2
    exit 1
fi
