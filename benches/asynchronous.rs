//! Async maps against the baselines of the same run: 100 and 10,000 items
//! of 10 ms, and the per-item overhead of `map_async` on a no-op node
//! against a hand-written `stream::iter(..).buffered(n)`.
//!
//! `cargo bench --bench asynchronous`; figures in `benches/README.md`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hypernodes::__private::futures::stream::{self, StreamExt};
use hypernodes::prelude::*;
use std::hint::black_box;
use std::time::Duration;

/// A request to a service that answers in 10 ms.
#[node]
async fn wait(ms: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ms
}

/// Nothing to await: what is left is the cost of the map itself.
#[node]
async fn no_op(x: u64) -> u64 {
    x + 1
}

pipeline! {
    /// One 10 ms wait.
    pub struct Wait {
        wait,
    }
}

pipeline! {
    /// One no-op async node.
    pub struct NoOp {
        no_op,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// 100 items of 10 ms: awaited one after another, then with `map_async`.
fn hundred_waits(c: &mut Criterion) {
    let rt = runtime();
    let items = || (0..100).map(|_| WaitInputs { ms: 10 });
    let mut group = c.benchmark_group("async_100_waits");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(12));
    group.bench_function("one_after_another", |b| {
        b.iter(|| {
            rt.block_on(async {
                for item in items() {
                    black_box(Wait.run_async(item).await.unwrap());
                }
            })
        })
    });
    group.bench_function("map_async", |b| {
        b.iter(|| black_box(rt.block_on(Wait.map_async(items()))))
    });
    group.finish();
}

/// 10,000 items of 10 ms, all in flight at once.
fn ten_thousand_waits(c: &mut Criterion) {
    let rt = runtime();
    let engine = Engine::new().max_workers(10_000);
    let mut group = c.benchmark_group("async_10000_waits");
    group.sample_size(20);
    group.bench_function("map_async_with", |b| {
        b.iter(|| {
            let items = (0..10_000).map(|_| WaitInputs { ms: 10 });
            black_box(rt.block_on(Wait.map_async_with(&engine, items)))
        })
    });
    group.finish();
}

/// The cost per item of `map_async` around a node that does nothing,
/// against the same `buffered` stream written by hand.
fn per_item_overhead(c: &mut Criterion) {
    let rt = runtime();
    let n = 10_000u64;
    let in_flight = 128;
    let mut group = c.benchmark_group("async_overhead_10000_no_ops");
    group.bench_function("map_async", |b| {
        b.iter_batched(
            || (0..n).map(|x| NoOpInputs { x }).collect::<Vec<_>>(),
            |items| black_box(rt.block_on(NoOp.map_async(items))),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("hand_written_buffered", |b| {
        b.iter_batched(
            || (0..n).collect::<Vec<_>>(),
            |items| {
                black_box(
                    rt.block_on(
                        stream::iter(items)
                            .map(no_op)
                            .buffered(in_flight)
                            .collect::<Vec<u64>>(),
                    ),
                )
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(
    benches,
    hundred_waits,
    ten_thousand_waits,
    per_item_overhead
);
criterion_main!(benches);
