//! What the first `Mode::Threads` map of a process costs: the I/O pool's
//! threads are created on first use. Each measurement needs a fresh
//! process, so `io_first_call [rounds]` (default 10) runs itself as a child
//! `rounds` times per variant and prints the medians, in ms, of 100 items
//! of 10 ms with `max_workers(100)`:
//!
//! - `first_call`: the first map (which creates the pool), then a second
//!   one (warm);
//! - `warm_up`: `Engine::warm_up()` alone, then the first map after it;
//! - `tree_spawn`: the same 100 items by hand on a new rayon pool of 100
//!   threads whose threads are spawned by a tree of threads (each new thread
//!   spawns the next ones before it starts working), so that creating the
//!   threads overlaps the first items;
//! - `built_pool`: the same by hand on a new pool built the usual way
//!   (every thread spawned before `build` returns), as the I/O pool is.
//!
//! The sequential map of the same items is timed once, for the ratios.

use blocking::{items, Io, IO_ITEMS};
use hypernodes::__private::rayon;
use hypernodes::prelude::*;
use rayon::prelude::*;
use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

mod blocking;

/// The number of items.
const ITEMS: u64 = IO_ITEMS;

fn threads() -> Engine {
    Engine::new().map(Mode::Threads).max_workers(ITEMS as usize)
}

/// Milliseconds since `start`.
fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

/// Times one map, checking its results.
fn timed_map(engine: &Engine) -> f64 {
    let start = Instant::now();
    let results = Io.map_with(engine, items());
    let took = ms(start);
    assert!(results.iter().all(Result::is_ok));
    took
}

/// The 100 items by hand on `pool`, one per thread.
fn by_hand(pool: &rayon::ThreadPool) {
    pool.install(|| {
        (0..ITEMS as usize)
            .into_par_iter()
            .with_max_len(1)
            .for_each(|_| sleep(Duration::from_millis(10)));
    });
}

/// A pool whose threads are spawned by a tree of threads: `build` returns
/// at once, and each new thread spawns two more before it starts working.
fn tree_pool(threads: usize) -> rayon::ThreadPool {
    type Waiting = Arc<Mutex<Vec<rayon::ThreadBuilder>>>;
    fn spawn_next(waiting: &Waiting) {
        let next = waiting.lock().expect("not poisoned").pop();
        if let Some(thread) = next {
            let waiting = Arc::clone(waiting);
            std::thread::spawn(move || {
                spawn_next(&waiting);
                spawn_next(&waiting);
                thread.run();
            });
        }
    }
    let waiting: Waiting = Arc::default();
    let queue = Arc::clone(&waiting);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .spawn_handler(move |thread| {
            queue.lock().expect("not poisoned").push(thread);
            Ok(())
        })
        .build()
        .expect("a pool");
    spawn_next(&waiting);
    pool
}

/// One child's measurement: the figures it prints, space-separated.
fn child(variant: &str) -> Option<Vec<f64>> {
    Some(match variant {
        "first_call" => {
            let first = timed_map(&threads());
            vec![first, timed_map(&threads())]
        }
        "warm_up" => {
            let start = Instant::now();
            threads().warm_up();
            let pool = ms(start);
            vec![pool, timed_map(&threads())]
        }
        "tree_spawn" => {
            let start = Instant::now();
            by_hand(&tree_pool(ITEMS as usize));
            vec![ms(start)]
        }
        "built_pool" => {
            let start = Instant::now();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(ITEMS as usize)
                .build()
                .expect("a pool");
            by_hand(&pool);
            vec![ms(start)]
        }
        _ => return None,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, variant] = args.as_slice() {
        if flag == "--child" {
            let Some(figures) = child(variant) else {
                eprintln!("io_first_call: unknown variant {variant:?}");
                return ExitCode::from(2);
            };
            let text: Vec<String> = figures.iter().map(f64::to_string).collect();
            println!("{}", text.join(" "));
            return ExitCode::SUCCESS;
        }
    }
    // `cargo bench` passes `--bench`; a number sets the rounds.
    let rounds = (args.iter())
        .find_map(|arg| arg.parse::<usize>().ok())
        .unwrap_or(10);
    let exe = std::env::current_exe().expect("the bench's own path");
    let sequential = timed_map(&Engine::sequential());
    println!("sequential map of {ITEMS} items of 10 ms: {sequential:.1} ms");
    let labels: [(&str, &[&str]); 4] = [
        ("first_call", &["first map", "second map"]),
        ("warm_up", &["warm_up()", "first map after it"]),
        ("tree_spawn", &["tree-spawned pool + items"]),
        ("built_pool", &["built pool + items"]),
    ];
    for (variant, names) in labels {
        let mut columns = vec![Vec::new(); names.len()];
        for _ in 0..rounds {
            let output = Command::new(&exe)
                .args(["--child", variant])
                .output()
                .expect("a child process");
            let text = String::from_utf8_lossy(&output.stdout);
            let figures: Vec<f64> = text
                .split_whitespace()
                .filter_map(|f| f.parse().ok())
                .collect();
            assert_eq!(figures.len(), names.len(), "child {variant}: {text}");
            for (column, figure) in columns.iter_mut().zip(figures) {
                column.push(figure);
            }
        }
        let cells: Vec<String> = (names.iter().zip(columns))
            .map(|(name, column)| {
                let value = median(column);
                format!(
                    "{name} {value:.2} ms ({:.1}x the sequential map)",
                    sequential / value
                )
            })
            .collect();
        println!("{variant:>10}: {}", cells.join(", "));
    }
    ExitCode::SUCCESS
}
