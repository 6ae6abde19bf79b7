#!/usr/bin/env bash
# Compile time of big pipelines: `cargo check` of a generated crate whose
# pipeline has N nodes (node i takes nodes i-1 and i/2; cheap integer
# bodies), listed by path, written inline, and called by hand, after
# touching main.rs; median of 3 runs.
#
#   benches/compile_time/run.sh              N = 100 200 400, prints the table
#   benches/compile_time/run.sh 50 120       other sizes
#   WRITE=1 benches/compile_time/run.sh      also replaces the table in benches/README.md
#
# The crates are generated under target/compile-time/ (CARGO_TARGET_DIR
# honoured), each with its own target directory, built once before timing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100 200 400)
work="${CARGO_TARGET_DIR:-$root/target}/compile-time"
mkdir -p "$work"

# The parameters and body of node i.
params() { local i=$1 a=$(($1 - 1)) b=$(($1 / 2))
    if [ "$i" -eq 0 ]; then echo "x: u64"; elif [ "$a" -eq "$b" ]; then echo "n$a: u64"; else echo "n$a: u64, n$b: u64"; fi; }
body() { local i=$1 a=$(($1 - 1)) b=$(($1 / 2))
    if [ "$i" -eq 0 ]; then echo "x + 1"; elif [ "$a" -eq "$b" ]; then echo "n$a.wrapping_mul(3)"; else echo "n$a.wrapping_mul(3) ^ n$b"; fi; }
args() { local i=$1 a=$(($1 - 1)) b=$(($1 / 2))
    if [ "$i" -eq 0 ]; then echo "1"; elif [ "$a" -eq "$b" ]; then echo "n$a"; else echo "n$a, n$b"; fi; }

# Writes the crate of one variant (path, inline, hand) with n nodes.
generate() { local kind=$1 n=$2 dir=$3 last=$(($2 - 1))
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "big-$kind-$n"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
hypernodes = { path = "$root" }

[workspace]
TOML
    {
        # One expansion per path entry: past rustc's default limit of 128,
        # the crate says so (the README's advice).
        [ "$kind" = path ] && [ "$n" -gt "${NO_LIMIT_UP_TO:-120}" ] && echo "#![recursion_limit = \"$((n + 64))\"]"
        echo "use hypernodes::prelude::*;"
        local open="pipeline! { #[outputs(n$last)] pub struct Big {"
        local run="fn main() { println!(\"{}\", Big.run(BigInputs { x: 1 }).unwrap().n$last); }"
        case $kind in
        path)
            for ((i = 0; i < n; i++)); do echo "#[node] pub fn n$i($(params $i)) -> u64 { $(body $i) }"; done
            echo "$open"
            for ((i = 0; i < n; i++)); do echo "    n$i,"; done
            printf '} }\n%s\n' "$run" ;;
        inline)
            echo "$open"
            for ((i = 0; i < n; i++)); do echo "    pub fn n$i($(params $i)) -> u64 { $(body $i) }"; done
            printf '} }\n%s\n' "$run" ;;
        hand)
            for ((i = 0; i < n; i++)); do echo "pub fn n$i($(params $i)) -> u64 { $(body $i) }"; done
            echo "fn main() {"
            for ((i = 0; i < n; i++)); do echo "    let n$i = n$i($(args $i));"; done
            echo "    println!(\"{}\", n$last);"
            echo "}" ;;
        esac
    } > "$dir/src/main.rs"
}

# Median of 3 `cargo check` times after touching main.rs, in seconds.
measure() { local dir=$1 times=()
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo check -q 2>/dev/null) || { echo "fails"; return; }
    for _ in 1 2 3; do
        touch "$dir/src/main.rs"
        local start end
        start=$(date +%s.%N)
        (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo check -q)
        end=$(date +%s.%N)
        times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 2p | xargs printf '%.2f'
}

table="| N | path entries | inline entries | by hand |
|---|---|---|---|"
for n in "${sizes[@]}"; do
    row="| $n"
    for kind in path inline hand; do
        dir="$work/$kind-$n"
        generate "$kind" "$n" "$dir"
        row="$row | $(measure "$dir") s"
    done
    table="$table
$row |"
    echo "$row |" >&2
done
echo "$table"

if [ "${WRITE:-0}" = 1 ]; then
    # Between the markers in benches/README.md.
    awk -v table="$table" '
        /<!-- compile-time table -->/ { print; print table; skip = 1; next }
        /<!-- end of compile-time table -->/ { skip = 0 }
        !skip { print }
    ' benches/README.md > benches/README.md.new && mv benches/README.md.new benches/README.md
fi
