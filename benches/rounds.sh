#!/usr/bin/env bash
# Runs two criterion benchmarks of one bench target in alternation, ROUNDS
# times (default 5), and prints each round's medians, their ratio, and the
# median of the ratios: on a noisy machine, a ratio taken within one round
# is steadier than either figure.
#
#   benches/rounds.sh <bench> <group/first> <group/second>
#   e.g. benches/rounds.sh parallel map_trivial/try_map map_trivial/hand_written_par_iter
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ $# -eq 3 ]] || { echo "usage: rounds.sh <bench> <group/first> <group/second>" >&2; exit 2; }
bench=$1 first=$2 second=$3
rounds=${ROUNDS:-5}
target=${CARGO_TARGET_DIR:-target}

cargo bench --bench "$bench" --no-run >/dev/null 2>&1

# The median (ns) criterion stored for a benchmark `group/name`.
median() {
    grep -o '"median":{"confidence_interval":{[^}]*},"point_estimate":[0-9.e+-]*' \
        "$target/criterion/$1/new/estimates.json" | sed 's/.*"point_estimate"://'
}

ratios=()
for round in $(seq 1 "$rounds"); do
    # Alternate which one goes first.
    if (( round % 2 )); then order=("$first" "$second"); else order=("$second" "$first"); fi
    for name in "${order[@]}"; do
        cargo bench --bench "$bench" -- --warm-up-time 1 --measurement-time 3 "^${name}\$" >/dev/null 2>&1
    done
    a=$(median "$first") b=$(median "$second")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')
    ratios+=("$ratio")
    printf 'round %d: %s %.1f us, %s %.1f us, ratio %s\n' "$round" "$first" "$(awk -v a="$a" 'BEGIN{print a/1000}')" \
        "$second" "$(awk -v b="$b" 'BEGIN{print b/1000}')" "$ratio"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ r[NR] = $1 } END { printf "median ratio over %d rounds: %s\n", NR, r[int((NR + 1) / 2)] }'
