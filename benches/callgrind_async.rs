//! The binary `benches/callgrind.sh async` runs under callgrind:
//! `map_async N` or `hand N` maps a no-op async node over 10,000 items, N
//! times, on a current-thread runtime (deterministic), with `map_async` or
//! with a hand-written `stream::iter(..).map(..).buffered(128)`, and prints
//! a checksum. The per-item overhead of `map_async`, in instructions.
//! `map_async_wake N` and `hand_wake N` do the same with a node that waits
//! once (`tokio::task::yield_now`), so that every item is woken: the cost
//! of the wake path (`benches/callgrind.sh async-wake`).
//! `run_async N` and `hand_run N` run a diamond of four async nodes 10,000
//! times, N times: the generated concurrent `run_async` against the same
//! awaits and `join!` written by hand (`benches/callgrind.sh async-run`).

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

/// Waits once: the item is woken before it finishes.
#[node]
async fn wake_once(x: u64) -> u64 {
    tokio::task::yield_now().await;
    x + 1
}

pipeline! {
    /// One no-op async node.
    struct NoOp {
        no_op,
    }
}

pipeline! {
    /// One async node that waits once.
    struct WakeOnce {
        wake_once,
    }
}

/// The diamond's source.
#[node]
async fn source(x: u64) -> u64 {
    x + 1
}

/// One side of the diamond.
#[node]
async fn left(source: &u64) -> u64 {
    source * 2
}

/// The other side.
#[node]
async fn right(source: &u64) -> u64 {
    source * 3
}

/// Where the sides meet.
#[node]
async fn joined(left: u64, right: u64) -> u64 {
    left + right
}

pipeline! {
    /// Four async nodes: `left` and `right` at once, between `source` and
    /// `joined`.
    #[outputs(joined)]
    struct Diamond {
        source,
        left,
        right,
        joined,
    }
}

/// `n` × 10,000 runs of the diamond with `run_async`.
#[inline(never)]
fn loop_run_async(runtime: &tokio::runtime::Runtime, n: u64) -> u64 {
    runtime.block_on(async {
        let mut checksum = 0u64;
        for x in 0..n * ITEMS {
            let outputs = Diamond.run_async(DiamondInputs { x: black_box(x) }).await;
            checksum = checksum.wrapping_add(black_box(outputs).map_or(0, |o| o.joined));
        }
        checksum
    })
}

/// The same awaits written by hand.
#[inline(never)]
fn loop_hand_run(runtime: &tokio::runtime::Runtime, n: u64) -> u64 {
    runtime.block_on(async {
        let mut checksum = 0u64;
        for x in 0..n * ITEMS {
            let s = source(black_box(x)).await;
            let (l, r) = hypernodes::__private::futures::join!(left(&s), right(&s));
            let outputs: Result<u64, ()> = Ok(joined(l, r).await);
            checksum = checksum.wrapping_add(black_box(outputs).map_or(0, |o| o));
        }
        checksum
    })
}

/// `n` maps of the pipeline `$pipeline` with `map_async`.
macro_rules! loop_map_async {
    ($name:ident, $pipeline:ident, $inputs:ident) => {
        #[inline(never)]
        fn $name(runtime: &tokio::runtime::Runtime, n: u64) -> u64 {
            let mut checksum = 0u64;
            for _ in 0..n {
                let items: Vec<$inputs> = (0..ITEMS).map(|x| $inputs { x: black_box(x) }).collect();
                let results = runtime.block_on($pipeline.map_async(items));
                // Only what both variants do with their results is counted.
                checksum = checksum.wrapping_add(black_box(&results).len() as u64);
            }
            checksum
        }
    };
}

/// `n` maps of the node `$node` with a hand-written buffered stream.
macro_rules! loop_hand {
    ($name:ident, $node:ident) => {
        #[inline(never)]
        fn $name(runtime: &tokio::runtime::Runtime, n: u64) -> u64 {
            let mut checksum = 0u64;
            for _ in 0..n {
                let items: Vec<u64> = (0..ITEMS).map(black_box).collect();
                let results: Vec<u64> =
                    runtime.block_on(stream::iter(items).map($node).buffered(128).collect());
                checksum = checksum.wrapping_add(black_box(&results).len() as u64);
            }
            checksum
        }
    };
}

loop_map_async!(loop_map_async, NoOp, NoOpInputs);
loop_hand!(loop_hand, no_op);
loop_map_async!(loop_map_async_wake, WakeOnce, WakeOnceInputs);
loop_hand!(loop_hand_wake, wake_once);

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
            eprintln!(
                "usage: callgrind_async <map_async|hand|map_async_wake|hand_wake> <maps of {ITEMS} items>"
            );
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
        "map_async_wake" => loop_map_async_wake(&runtime, black_box(n)),
        "hand_wake" => loop_hand_wake(&runtime, black_box(n)),
        "run_async" => loop_run_async(&runtime, black_box(n)),
        "hand_run" => loop_hand_run(&runtime, black_box(n)),
        other => {
            eprintln!("callgrind_async: unknown variant {other:?}; expected `map_async`, `hand`, `map_async_wake` or `hand_wake`");
            return ExitCode::from(2);
        }
    };
    println!("{variant} x {n}: checksum {checksum}");
    ExitCode::SUCCESS
}
