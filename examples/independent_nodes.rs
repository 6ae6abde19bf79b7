//! Independent nodes at once: `run` calls the nodes one after another,
//! `run_parallel` starts every node as soon as the nodes it depends on are
//! done, so its wall time follows the graph's critical path.
//!
//! Two pipelines whose nodes sleep (`thread::sleep`, standing in for slow
//! work):
//!
//! - `Stats`, the diamond `load_data -> (stats_a, stats_b) -> combine`,
//!   100 ms per node: about 0.4 s with `run`, 0.3 s with `run_parallel`.
//! - `Uneven`, the branches `a` (100 ms) and `c` (10 ms) `-> d` (150 ms),
//!   joined by `join`: about 260 ms with `run`, and 160 ms (the chain
//!   `c -> d`) with `run_parallel`. A scheduler that ran the graph level by
//!   level (`{a, c}`, then `d`) would take 250 ms.
//!
//! Run with `cargo run --release --example independent_nodes`.

use hypernodes::prelude::*;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Each run is repeated this many times; the table shows the median.
const REPEATS: usize = 5;

pipeline! {
    /// The diamond of the execution-modes guide: two statistics of the same
    /// data, computed independently, then combined.
    pub struct Stats {
        #[node(output = data)]
        fn load_data() -> Vec<u64> {
            sleep(Duration::from_millis(100));
            vec![1, 2, 3, 4, 5]
        }
        #[node(output = stats_a)]
        fn compute_stats_a(data: &[u64]) -> u64 {
            sleep(Duration::from_millis(100));
            data.iter().sum()
        }
        #[node(output = stats_b)]
        fn compute_stats_b(data: &[u64]) -> u64 {
            sleep(Duration::from_millis(100));
            data.iter().copied().max().unwrap_or(0)
        }
        #[node(output = result)]
        fn combine(stats_a: u64, stats_b: u64) -> (u64, u64) {
            sleep(Duration::from_millis(100));
            (stats_a, stats_b)
        }
    }
}

pipeline! {
    /// Two branches of different lengths: `a` alone (100 ms), and `c` (10 ms)
    /// followed by `d` (150 ms); `join` waits for both.
    #[outputs(join)]
    pub struct Uneven {
        fn a(x: u64) -> u64 {
            sleep(Duration::from_millis(100));
            x + 1
        }
        fn c(x: u64) -> u64 {
            sleep(Duration::from_millis(10));
            x * 2
        }
        fn d(c: u64) -> u64 {
            sleep(Duration::from_millis(150));
            c + 3
        }
        fn join(a: u64, d: u64) -> u64 {
            a + d
        }
    }
}

/// The median wall time of `REPEATS` calls of `run`, in milliseconds.
fn median_ms(mut run: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..REPEATS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[REPEATS / 2]
}

/// One row of the table.
fn row(pipeline: &str, critical_path_ms: f64, sequential_ms: f64, parallel_ms: f64) {
    println!(
        "{pipeline:<8} {sequential_ms:>10.1} {parallel_ms:>14.1} {critical_path_ms:>15.0} {:>9.2}x",
        sequential_ms / parallel_ms
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Both runners give the same outputs.
    let sequential = Stats.run(StatsInputs {})?;
    let parallel = Stats.run_parallel(StatsInputs {})?;
    assert_eq!(sequential.result, parallel.result);
    assert_eq!(sequential.result, (15, 5));
    let uneven = Uneven.run_parallel(UnevenInputs { x: 1 })?;
    assert_eq!(uneven.join, Uneven.run(UnevenInputs { x: 1 })?.join);

    println!(
        "median of {REPEATS} runs, in ms, on {} CPUs\n",
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    println!(
        "{:<8} {:>10} {:>14} {:>15} {:>10}",
        "pipeline", "run", "run_parallel", "critical path", "speedup"
    );

    let run = median_ms(|| {
        Stats.run(StatsInputs {}).unwrap();
    });
    let run_parallel = median_ms(|| {
        Stats.run_parallel(StatsInputs {}).unwrap();
    });
    // load_data, then stats_a or stats_b, then combine.
    row("Stats", 300.0, run, run_parallel);

    let run = median_ms(|| {
        Uneven.run(UnevenInputs { x: 1 }).unwrap();
    });
    let run_parallel = median_ms(|| {
        Uneven.run_parallel(UnevenInputs { x: 1 }).unwrap();
    });
    // c then d; a runs meanwhile. Level by level it would be 100 + 150 ms.
    row("Uneven", 160.0, run, run_parallel);

    println!("\nStats:  load_data -> (stats_a, stats_b) -> combine, 100 ms each");
    println!("Uneven: a (100 ms) and c (10 ms) -> d (150 ms), then join;");
    println!("        level by level ({{a, c}}, then d) would take 250 ms");
    Ok(())
}
