//! What a progress bar costs a map: `map_with` over a million trivial items
//! with a [`Progress`] bar against the same map without callbacks, measured
//! in alternation in one process (see `ratio/mod.rs`).
//!
//! Run it under a terminal for the bar to be drawn (it says whether it is):
//!
//! ```sh
//! script -qfec "cargo bench -p hn-benches --features progress --bench progress_ratio" /dev/null
//! ```
//!
//! The pairs, each side with a fresh `Vec` of items built before the clock
//! starts and its results dropped after it stops:
//!
//! - `progress` / `plain`: a `Progress` bar (one per map, redrawn on the
//!   terminal once its map has run 100 ms: these maps, of about a
//!   millisecond, leave only their final lines) against `Engine::new()`:
//!   the goal is at most 1.25;
//! - `progress` / `noop`: the same against an engine with a callback that
//!   does nothing: the bar's own cost, beyond the callbacks' calls;
//! - `noop` / `plain`: what calling callbacks costs at all (the timestamps
//!   and calls around every item and node);
//! - `counts` / `plain`: a callback that asks for counts only
//!   (`Interest::COUNTS`) and does nothing with them: what the runner's
//!   counting costs, without a bar;
//! - `progress` / `counts`: the bar's own cost beyond that counting.

use hypernodes::observe::{Callback, Interest, MapEvent, Progress};
use hypernodes::prelude::*;
use std::hint::black_box;
use std::time::{Duration, Instant};
use trivial::Arith;

mod ratio;
#[allow(
    dead_code,
    reason = "this bench uses the pipeline, not the hand-written map loops"
)]
mod trivial;

/// Items per map.
const ITEMS: u64 = 1_000_000;
/// Runs of each side per round.
const ITERATIONS: usize = 20;

/// A callback that does nothing.
struct Noop;

impl Callback for Noop {}

/// A callback that asks for counts only and ignores them.
struct Counts;

impl Callback for Counts {
    fn interest(&self) -> Interest {
        Interest::COUNTS
    }

    fn on_items_done(&self, _: &MapEvent, done: usize, _: usize) {
        black_box(done);
    }
}

/// One timed `map_with` on fresh items; the results are dropped after the
/// clock stops.
fn time(engine: &Engine) -> Duration {
    let items = black_box(trivial::items(ITEMS));
    let start = Instant::now();
    let results = Arith.map_with(engine, items);
    let took = start.elapsed();
    assert_eq!(results.len(), ITEMS as usize);
    drop(black_box(results));
    took
}

fn main() {
    let rounds = ratio::rounds(5);
    let progress = Progress::new();
    let plain = Engine::new();
    let with_progress = Engine::new().callback(progress.clone());
    let noop = Engine::new().callback(Noop);
    let counts = Engine::new().callback(Counts);
    let drawn = progress.is_drawn();
    time(&with_progress);
    let bars = progress.bars();
    assert_eq!(bars[0].done, ITEMS, "every item counted");
    let pairs = [
        ("progress", &with_progress, "plain", &plain),
        ("progress", &with_progress, "noop", &noop),
        ("noop", &noop, "plain", &plain),
        ("counts", &counts, "plain", &plain),
        ("progress", &with_progress, "counts", &counts),
    ];
    let mut medians = Vec::new();
    for (first_name, first, second_name, second) in pairs {
        let median = ratio::compare(
            rounds,
            ITERATIONS,
            (first_name, &|| time(first)),
            (second_name, &|| time(second)),
        );
        medians.push(format!("{first_name} / {second_name} {median:.3}"));
    }
    println!("bar drawn on a terminal: {drawn}");
    println!("medians: {}", medians.join(", "));
}
