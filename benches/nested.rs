//! Criterion: a nested pipeline mapped over 10 000 trivial items
//! (`#[nested(map_over = ..)]`) against the same inner pipeline mapped
//! directly, and against a hand-written loop (see `benches/README.md`,
//! "Nested map").
//!
//! - `nested_parallel`: `Outer.run_parallel(..)` (the items on rayon)
//!   against `Arith.map(..)` and a hand-written `par_iter`.
//! - `nested_sequential`: `Outer.run(..)` (the items one after another)
//!   against `Arith.map_with(&Engine::sequential(), ..)` and a hand-written
//!   `iter`.
//!
//! Every variant gets its input built outside the timed part and consumes
//! it; what it returns is dropped outside the timed part.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use rayon::prelude::*;
use std::time::Duration;
use trivial::{a, b, Arith, ArithError, ArithInputs, ArithOutputs};

#[allow(
    dead_code,
    reason = "this bench uses the pipeline, not the hand-written map loops"
)]
mod trivial;

/// The number of items.
const ITEMS: u64 = 10_000;

pipeline! {
    /// `Arith` (`a` then `b` on one number) over every element of `xs`,
    /// gathering `b` into `bs`.
    pub struct Outer {
        #[nested(map_over = x, inputs(xs = x), outputs(b = bs))]
        trivial::Arith,
    }
}

/// The input of `Outer`.
fn outer_inputs() -> OuterInputs {
    OuterInputs {
        xs: (0..ITEMS).collect(),
    }
}

/// The input of `Arith.map`: one `ArithInputs` per item (not `Clone`, so
/// built anew for every call).
fn inner_items() -> Vec<ArithInputs> {
    trivial::items(ITEMS)
}

/// The input of the hand-written loops.
fn numbers() -> Vec<u64> {
    (0..ITEMS).collect()
}

/// `Arith.map`'s results as the `Vec<u64>` `Outer` returns.
fn unwrap_all(results: Vec<Result<ArithOutputs, MapError<ArithError>>>) -> Vec<u64> {
    (results.into_iter())
        .map(|result| result.expect("infallible").b)
        .collect()
}

/// Checks that every variant computes the same numbers.
fn check() {
    let expected: Vec<u64> = numbers().into_iter().map(|x| b(a(x))).collect();
    let outer_parallel = Outer.run_parallel(outer_inputs()).expect("infallible");
    let outer = Outer.run(outer_inputs()).expect("infallible");
    assert_eq!(outer_parallel.bs, expected);
    assert_eq!(outer.bs, expected);
    assert_eq!(unwrap_all(Arith.map(inner_items())), expected);
    let sequential = Engine::sequential();
    assert_eq!(
        unwrap_all(Arith.map_with(&sequential, inner_items())),
        expected
    );
}

fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group
}

fn nested_parallel(c: &mut Criterion) {
    check();
    let mut group = group(c, "nested_parallel");
    group.bench_function("outer_run_parallel", |bencher| {
        bencher.iter_batched(
            outer_inputs,
            |inputs| Outer.run_parallel(inputs),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("inner_map", |bencher| {
        bencher.iter_batched(
            inner_items,
            |items| Arith.map(items),
            BatchSize::PerIteration,
        );
    });
    // What a user writes to get the `Vec<u64>` that `Outer` returns.
    group.bench_function("inner_map_unwrapped", |bencher| {
        bencher.iter_batched(
            inner_items,
            |items| unwrap_all(Arith.map(items)),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("hand_written_par_iter", |bencher| {
        bencher.iter_batched(
            numbers,
            |xs| xs.into_par_iter().map(|x| b(a(x))).collect::<Vec<u64>>(),
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

fn nested_sequential(c: &mut Criterion) {
    let sequential = Engine::sequential();
    let mut group = group(c, "nested_sequential");
    group.bench_function("outer_run", |bencher| {
        bencher.iter_batched(
            outer_inputs,
            |inputs| Outer.run(inputs),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("inner_map_with_sequential", |bencher| {
        bencher.iter_batched(
            inner_items,
            |items| Arith.map_with(&sequential, items),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("inner_map_with_sequential_unwrapped", |bencher| {
        bencher.iter_batched(
            inner_items,
            |items| unwrap_all(Arith.map_with(&sequential, items)),
            BatchSize::PerIteration,
        );
    });
    // By reference, as `Outer.run` reads its items: collecting in place
    // from the input `Vec` would be cheaper than any runner can be.
    group.bench_function("hand_written_iter", |bencher| {
        bencher.iter_batched(
            numbers,
            |xs| xs.iter().map(|&x| b(a(x))).collect::<Vec<u64>>(),
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, nested_parallel, nested_sequential);
criterion_main!(benches);
