//! The binary `benches/callgrind.sh async` runs under callgrind:
//! `map_async N` or `hand N` maps a no-op async node over 10,000 items, N
//! times, on a current-thread runtime (deterministic), with `map_async` or
//! with a hand-written `stream::iter(..).map(..).buffered(128)`, and prints
//! a checksum. The per-item overhead of `map_async`, in instructions.

use hypernodes::__private::futures::stream::{self, StreamExt};
use hypernodes::prelude::*;
use std::hint::black_box;
use std::process::ExitCode;

/// The items of one map.
const ITEMS: u64 = 10_000;

/// Nothing to await: what is left is the cost of the map itself.
#[node]
async fn no_op(x: u64) -> u64 {
    x + 1
}

pipeline! {
    /// One no-op async node.
    struct NoOp {
        no_op,
    }
}

#[inline(never)]
fn loop_map_async(runtime: &tokio::runtime::Runtime, n: u64) -> u64 {
    let mut checksum = 0u64;
    for _ in 0..n {
        let items: Vec<NoOpInputs> = (0..ITEMS).map(|x| NoOpInputs { x: black_box(x) }).collect();
        let results = runtime.block_on(NoOp.map_async(items));
        // Only what both variants do with their results is counted.
        checksum = checksum.wrapping_add(black_box(&results).len() as u64);
    }
    checksum
}

#[inline(never)]
fn loop_hand(runtime: &tokio::runtime::Runtime, n: u64) -> u64 {
    let mut checksum = 0u64;
    for _ in 0..n {
        let items: Vec<u64> = (0..ITEMS).map(black_box).collect();
        let results: Vec<u64> =
            runtime.block_on(stream::iter(items).map(no_op).buffered(128).collect());
        checksum = checksum.wrapping_add(black_box(&results).len() as u64);
    }
    checksum
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (variant, n) = match args.as_slice() {
        [variant, n] => match n.parse::<u64>() {
            Ok(n) => (variant.as_str(), n),
            Err(error) => {
                eprintln!("callgrind_async: bad count {n:?}: {error}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: callgrind_async <map_async|hand> <maps of {ITEMS} items>");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    let checksum = match variant {
        "map_async" => loop_map_async(&runtime, black_box(n)),
        "hand" => loop_hand(&runtime, black_box(n)),
        other => {
            eprintln!("callgrind_async: unknown variant {other:?}; expected `map_async` or `hand`");
            return ExitCode::from(2);
        }
    };
    println!("{variant} x {n}: checksum {checksum}");
    ExitCode::SUCCESS
}
