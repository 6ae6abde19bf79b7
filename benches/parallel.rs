//! Criterion: the parallel runners (see `benches/README.md`, "Parallel
//! runners").
//!
//! - `map_trivial`: 1 000 000 items through a two-node arithmetic pipeline:
//!   `map` against the same two functions in a hand-written rayon loop that
//!   catches panics per item, `try_map` against a plain hand-written
//!   `into_par_iter().map(..).collect::<Vec<u64>>()`, and the `_with`
//!   forms with `Engine::new()`.
//! - `io_map`: 100 items of 10 ms `thread::sleep`, sequential against
//!   `Mode::Threads` with `Workload::Io` (the default pool of 128 threads)
//!   and with `max_workers(100)`, with `map_with` and `try_map_with`; the
//!   pools are created before the timing (`io_first_call.rs` measures the
//!   first call).
//! - `cpu_map`: 64 items of about 5 ms of computation each, sequential
//!   against parallel.
//! - `run_parallel_dags`: `run_parallel` on DAGs of sleeping nodes, against
//!   `run` and against the same sleeps one after another along the critical
//!   path.

use blocking::{items, Io, IO_ITEMS};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use std::any::Any;
use std::hint::black_box;
use trivial::{hand_catch, hand_plain, Arith, ArithError, ArithInputs, ArithOutputs};

mod blocking;
mod trivial;
use std::thread::sleep;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- map_trivial

/// The number of items of `map_trivial`.
const TRIVIAL_ITEMS: u64 = 1_000_000;

/// The items of `map_trivial`, built anew for each timed run.
fn trivial_items() -> Vec<ArithInputs> {
    trivial::items(TRIVIAL_ITEMS)
}

fn map_trivial(c: &mut Criterion) {
    // Every variant agrees before they are timed.
    let hand = hand_plain(trivial_items());
    let caught: Vec<u64> = (hand_catch(trivial_items()).into_iter())
        .map(|result| result.expect("no panic"))
        .collect();
    let engine = Engine::new();
    let outputs = |results: Vec<Result<ArithOutputs, MapError<ArithError>>>| -> Vec<u64> {
        (results.into_iter())
            .map(|result| result.expect("infallible").b)
            .collect()
    };
    let all = |outcome: Result<Vec<ArithOutputs>, MapError<ArithError>>| -> Vec<u64> {
        outcome
            .expect("infallible")
            .into_iter()
            .map(|out| out.b)
            .collect()
    };
    assert_eq!(hand, caught);
    assert_eq!(hand, outputs(Arith.map(trivial_items())));
    assert_eq!(hand, outputs(Arith.map_with(&engine, trivial_items())));
    assert_eq!(hand, all(Arith.try_map(trivial_items())));
    assert_eq!(hand, all(Arith.try_map_with(&engine, trivial_items())));
    eprintln!(
        "map_trivial: {} bytes per result of `map`, {} per result of the catching loop, {} per `u64`",
        std::mem::size_of::<Result<ArithOutputs, MapError<ArithError>>>(),
        std::mem::size_of::<Result<u64, Box<dyn Any + Send>>>(),
        std::mem::size_of::<u64>()
    );

    // Every variant gets its own fresh `Vec` of the items (built outside the
    // timed part) and consumes it, so all pay for the same input.
    // The result goes back to criterion, which drops it outside the timing.
    let mut group = c.benchmark_group("map_trivial");
    let mut bench = |name: &str, run: &dyn Fn(Vec<ArithInputs>) -> Box<dyn Any>| {
        group.bench_function(name, |bencher| {
            bencher.iter_batched(trivial_items, run, BatchSize::PerIteration);
        });
    };
    bench("map", &|items| Box::new(Arith.map(items)));
    bench("hand_written_catch_unwind", &|items| {
        Box::new(hand_catch(items))
    });
    bench("try_map", &|items| Box::new(Arith.try_map(items)));
    bench("hand_written_par_iter", &|items| {
        Box::new(hand_plain(items))
    });
    bench("map_with_engine_new", &|items| {
        Box::new(Arith.map_with(&engine, items))
    });
    bench("try_map_with_engine_new", &|items| {
        Box::new(Arith.try_map_with(&engine, items))
    });
    group.finish();
}

// --------------------------------------------------------------------- io_map

fn io_map(c: &mut Criterion) {
    let sequential = Engine::sequential();
    let threads = Engine::new().map(Mode::Threads).workload(Workload::Io);
    let threads_100 = Engine::new().map(Mode::Threads).max_workers(100);
    // Creates the I/O pools (once per process) and checks the results.
    for engine in [&sequential, &threads, &threads_100] {
        let responses: Vec<u64> = (Io.map_with(engine, items()).into_iter())
            .map(|result| result.expect("infallible").response)
            .collect();
        assert_eq!(responses, (0..IO_ITEMS).collect::<Vec<_>>());
    }

    let mut group = c.benchmark_group("io_map");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("sequential", |bencher| {
        bencher.iter(|| Io.map_with(&sequential, items()));
    });
    group.bench_function("threads_io", |bencher| {
        bencher.iter(|| Io.map_with(&threads, items()));
    });
    group.bench_function("threads_100_workers", |bencher| {
        bencher.iter(|| Io.map_with(&threads_100, items()));
    });
    group.bench_function("threads_100_workers_try_map", |bencher| {
        bencher.iter(|| Io.try_map_with(&threads_100, items()));
    });
    group.finish();
}

// -------------------------------------------------------------------- cpu_map

/// The number of items of `cpu_map`.
const CPU_ITEMS: u64 = 64;
/// The computation each item of `cpu_map` should take.
const CPU_ITEM_TIME: Duration = Duration::from_millis(5);

/// `rounds` steps of a xorshift generator from `seed`: pure computation that
/// the compiler cannot shorten (`black_box` on every step).
fn spin_rounds(seed: u64, rounds: u64) -> u64 {
    let mut state = seed | 1;
    for _ in 0..rounds {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state = black_box(state);
    }
    state
}

pipeline! {
    /// One CPU-bound node.
    pub struct Spin {
        #[node(output = spun)]
        fn spin(seed: u64, rounds: u64) -> u64 {
            spin_rounds(seed, rounds)
        }
    }
}

/// How many rounds of [`spin_rounds`] take [`CPU_ITEM_TIME`] on this machine:
/// the median of 21 timed runs of the pipeline itself (after one to warm
/// up), scaled.
fn calibrate() -> u64 {
    const PROBE: u64 = 1 << 20;
    let probe = || {
        let start = Instant::now();
        black_box(Spin.run(SpinInputs {
            seed: black_box(1),
            rounds: black_box(PROBE),
        }))
        .expect("infallible");
        start.elapsed()
    };
    probe();
    let mut times: Vec<Duration> = (0..21).map(|_| probe()).collect();
    times.sort_unstable();
    let median = times[times.len() / 2];
    let rounds = (CPU_ITEM_TIME.as_secs_f64() / median.as_secs_f64() * PROBE as f64) as u64;
    eprintln!(
        "cpu_map: {rounds} rounds per item ({:.2} ns per round)",
        median.as_secs_f64() * 1e9 / PROBE as f64
    );
    rounds.max(1)
}

fn cpu_map(c: &mut Criterion) {
    let rounds = calibrate();
    let items = move || (0..CPU_ITEMS).map(move |seed| SpinInputs { seed, rounds });
    let sequential = Engine::sequential();
    let parallel = Engine::new();
    let expected: Vec<u64> = (0..CPU_ITEMS)
        .map(|seed| spin_rounds(seed, rounds))
        .collect();
    for results in [
        Spin.map_with(&sequential, items()),
        Spin.map_with(&parallel, items()),
        Spin.map(items().collect::<Vec<_>>()),
    ] {
        let spun: Vec<u64> = (results.into_iter())
            .map(|result| result.expect("infallible").spun)
            .collect();
        assert_eq!(spun, expected);
    }

    let mut group = c.benchmark_group("cpu_map");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("sequential", |bencher| {
        bencher.iter(|| Spin.map_with(&sequential, items()));
    });
    group.bench_function("map_with_engine_new", |bencher| {
        bencher.iter(|| Spin.map_with(&parallel, items()));
    });
    group.bench_function("map", |bencher| {
        bencher.iter_batched(
            || items().collect::<Vec<_>>(),
            |items| Spin.map(items),
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

// ---------------------------------------------------------- run_parallel_dags

/// Sleeps `ms` milliseconds and passes `value` on.
fn nap(ms: u64, value: u64) -> u64 {
    sleep(Duration::from_millis(ms));
    value
}

pipeline! {
    /// `source -> (left, right) -> sink`, 10 ms each: critical path 30 ms.
    #[outputs(sink)]
    pub struct Diamond {
        fn source(x: &u64) -> u64 { nap(10, *x) }
        fn left(source: &u64) -> u64 { nap(10, source + 1) }
        fn right(source: &u64) -> u64 { nap(10, source + 2) }
        fn sink(left: u64, right: u64) -> u64 { nap(10, left + right) }
    }
}

pipeline! {
    /// `long` (20 ms) beside `short` (2 ms) `-> after` (30 ms), then `join`
    /// (no sleep): critical path 32 ms; level by level 50 ms; all in a row
    /// 52 ms.
    #[outputs(join)]
    pub struct Uneven {
        fn long(x: &u64) -> u64 { nap(20, x + 1) }
        fn short(x: &u64) -> u64 { nap(2, x + 2) }
        fn after(short: u64) -> u64 { nap(30, short + 3) }
        fn join(long: u64, after: u64) -> u64 { long + after }
    }
}

pipeline! {
    /// `root` (10 ms) `-> f00 .. f15` (10 ms each) `-> gather` (10 ms):
    /// critical path 30 ms, all in a row 180 ms.
    #[outputs(gather)]
    pub struct FanOut {
        fn root(x: &u64) -> u64 { nap(10, *x) }
        fn f00(root: &u64) -> u64 { nap(10, *root) }
        fn f01(root: &u64) -> u64 { nap(10, root + 1) }
        fn f02(root: &u64) -> u64 { nap(10, root + 2) }
        fn f03(root: &u64) -> u64 { nap(10, root + 3) }
        fn f04(root: &u64) -> u64 { nap(10, root + 4) }
        fn f05(root: &u64) -> u64 { nap(10, root + 5) }
        fn f06(root: &u64) -> u64 { nap(10, root + 6) }
        fn f07(root: &u64) -> u64 { nap(10, root + 7) }
        fn f08(root: &u64) -> u64 { nap(10, root + 8) }
        fn f09(root: &u64) -> u64 { nap(10, root + 9) }
        fn f10(root: &u64) -> u64 { nap(10, root + 10) }
        fn f11(root: &u64) -> u64 { nap(10, root + 11) }
        fn f12(root: &u64) -> u64 { nap(10, root + 12) }
        fn f13(root: &u64) -> u64 { nap(10, root + 13) }
        fn f14(root: &u64) -> u64 { nap(10, root + 14) }
        fn f15(root: &u64) -> u64 { nap(10, root + 15) }
        #[allow(clippy::too_many_arguments, reason = "one parameter per branch")]
        fn gather(
            f00: u64, f01: u64, f02: u64, f03: u64, f04: u64, f05: u64, f06: u64, f07: u64,
            f08: u64, f09: u64, f10: u64, f11: u64, f12: u64, f13: u64, f14: u64, f15: u64,
        ) -> u64 {
            nap(10, f00 + f01 + f02 + f03 + f04 + f05 + f06 + f07
                + f08 + f09 + f10 + f11 + f12 + f13 + f14 + f15)
        }
    }
}

/// The threads of the pool the fan-out runs in: one per sleeping branch.
const FAN_OUT_THREADS: usize = 16;

fn run_parallel_dags(c: &mut Criterion) {
    let fan_out_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(FAN_OUT_THREADS)
        .build()
        .expect("a pool of 16 threads");
    let x = 1;
    assert_eq!(
        Diamond
            .run_parallel(DiamondInputs { x })
            .ok()
            .map(|o| o.sink),
        Diamond.run(DiamondInputs { x }).ok().map(|o| o.sink)
    );
    assert_eq!(
        Uneven.run_parallel(UnevenInputs { x }).ok().map(|o| o.join),
        Uneven.run(UnevenInputs { x }).ok().map(|o| o.join)
    );
    assert_eq!(
        fan_out_pool
            .install(|| FanOut.run_parallel(FanOutInputs { x }))
            .ok()
            .map(|o| o.gather),
        FanOut.run(FanOutInputs { x }).ok().map(|o| o.gather)
    );

    let mut group = c.benchmark_group("run_parallel_dags");
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));

    // On the global pool (one thread per CPU): two branches at a time.
    group.bench_function("diamond/run_parallel", |bencher| {
        bencher.iter(|| Diamond.run_parallel(DiamondInputs { x: black_box(x) }));
    });
    group.bench_function("diamond/run", |bencher| {
        bencher.iter(|| Diamond.run(DiamondInputs { x: black_box(x) }));
    });
    group.bench_function("diamond/critical_path_sleeps", |bencher| {
        bencher.iter(|| nap(10, nap(10, nap(10, black_box(x)))));
    });

    group.bench_function("uneven/run_parallel", |bencher| {
        bencher.iter(|| Uneven.run_parallel(UnevenInputs { x: black_box(x) }));
    });
    group.bench_function("uneven/run", |bencher| {
        bencher.iter(|| Uneven.run(UnevenInputs { x: black_box(x) }));
    });
    group.bench_function("uneven/critical_path_sleeps", |bencher| {
        bencher.iter(|| nap(30, nap(2, black_box(x))));
    });

    // Sixteen branches sleep at once: they need sixteen threads, more than
    // this machine's CPUs, so the run is installed in a pool of sixteen.
    group.bench_function("fan_out_16/run_parallel", |bencher| {
        bencher.iter(|| {
            fan_out_pool.install(|| FanOut.run_parallel(FanOutInputs { x: black_box(x) }))
        });
    });
    group.bench_function("fan_out_16/run", |bencher| {
        bencher.iter(|| FanOut.run(FanOutInputs { x: black_box(x) }));
    });
    group.bench_function("fan_out_16/critical_path_sleeps", |bencher| {
        bencher.iter(|| nap(10, nap(10, nap(10, black_box(x)))));
    });
    group.finish();
}

criterion_group!(benches, map_trivial, io_map, cpu_map, run_parallel_dags);
criterion_main!(benches);
