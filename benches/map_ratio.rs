//! Wall-clock ratios of the maps over a million trivial items to the
//! hand-written rayon loops they stand for, measured in alternation in one
//! process, so that both sides of a ratio see the same machine.
//!
//! `cargo bench --bench map_ratio [-- rounds]` (default 7 rounds). In each
//! round, each pair runs `ITERATIONS` times in alternation (see
//! `ratio/mod.rs`), each run on its own freshly built `Vec` of items (built
//! before the clock starts, dropped after it stops). The pairs:
//!
//! - `map` / `hand_catch`: `Arith.map(items)` against
//!   `into_par_iter().map(|x| catch_unwind(|| f(x))).collect::<Vec<Result<u64, Box<dyn Any + Send>>>>()`;
//! - `try_map` / `hand_plain`: `Arith.try_map(items)` against
//!   `into_par_iter().map(f).collect::<Vec<u64>>()`;
//! - `map_with` and `try_map_with` with `Engine::new()` against the same.
//!
//! It prints every round and the median of the rounds' ratios.

use hypernodes::prelude::*;
use std::any::Any;
use std::hint::black_box;
use std::time::{Duration, Instant};
use trivial::{Arith, ArithError, ArithInputs, ArithOutputs};

mod ratio;
mod trivial;

/// Items per map.
const ITEMS: u64 = 1_000_000;
/// Runs of each side per round.
const ITERATIONS: usize = 40;

fn items() -> Vec<ArithInputs> {
    trivial::items(ITEMS)
}

/// A side of a pair: runs a map over the items, returns what it collected.
type Side = fn(Vec<ArithInputs>) -> Box<dyn Any>;

fn map(items: Vec<ArithInputs>) -> Box<dyn Any> {
    Box::new(Arith.map(items))
}

fn map_with(items: Vec<ArithInputs>) -> Box<dyn Any> {
    Box::new(Arith.map_with(&Engine::new(), items))
}

fn hand_catch(items: Vec<ArithInputs>) -> Box<dyn Any> {
    Box::new(trivial::hand_catch(items))
}

fn try_map(items: Vec<ArithInputs>) -> Box<dyn Any> {
    Box::new(Arith.try_map(items))
}

fn try_map_with(items: Vec<ArithInputs>) -> Box<dyn Any> {
    Box::new(Arith.try_map_with(&Engine::new(), items))
}

fn hand_plain(items: Vec<ArithInputs>) -> Box<dyn Any> {
    Box::new(trivial::hand_plain(items))
}

/// One timed run of `side` on fresh items; the result is dropped after the
/// clock stops.
fn time(side: Side) -> Duration {
    let items = black_box(items());
    let start = Instant::now();
    let collected = side(items);
    let took = start.elapsed();
    drop(black_box(collected));
    took
}

fn main() {
    let rounds = ratio::rounds(7);
    let pairs: [(&str, Side, &str, Side); 4] = [
        ("map", map, "hand_catch", hand_catch),
        ("try_map", try_map, "hand_plain", hand_plain),
        ("map_with", map_with, "hand_catch", hand_catch),
        ("try_map_with", try_map_with, "hand_plain", hand_plain),
    ];
    // Both sides agree.
    let sum = |collected: Box<dyn Any>| -> u64 {
        if let Some(v) = collected.downcast_ref::<Vec<u64>>() {
            return v.iter().sum();
        }
        if let Some(v) = collected.downcast_ref::<Vec<Result<u64, Box<dyn Any + Send>>>>() {
            return v.iter().map(|r| *r.as_ref().expect("no panic")).sum();
        }
        if let Some(v) = collected.downcast_ref::<Vec<Result<ArithOutputs, MapError<ArithError>>>>()
        {
            return v.iter().map(|r| r.as_ref().expect("infallible").b).sum();
        }
        if let Some(Ok(v)) =
            collected.downcast_ref::<Result<Vec<ArithOutputs>, MapError<ArithError>>>()
        {
            return v.iter().map(|o| o.b).sum();
        }
        panic!("unexpected result type")
    };
    for (_, first, _, second) in pairs {
        assert_eq!(sum(first(items())), sum(second(items())));
    }
    for (first_name, first, second_name, second) in pairs {
        ratio::compare(
            rounds,
            ITERATIONS,
            (first_name, &|| time(first)),
            (second_name, &|| time(second)),
        );
    }
}
