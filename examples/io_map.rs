//! Blocking I/O over many items: the same map on three engines.
//!
//! Each of 100 items reads a small file and then waits 10 ms
//! (`thread::sleep`, standing in for a network round trip), and a second
//! node counts the words read. The map runs on:
//!
//! - `Engine::sequential()`: one item after another, about 1 s;
//! - `Engine::new()`: items at once on rayon's CPU pool, one thread per
//!   core, so only as many calls wait at once as there are cores;
//! - `Engine::new().map(Mode::Threads).workload(Workload::Io)`: items on a
//!   pool of threads sized for blocking work (at least 128), so all 100
//!   calls wait at once and the map takes little more than one call.
//!
//! Run with `cargo run --release --example io_map`.

use hypernodes::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The number of items.
const ITEMS: usize = 100;
/// The simulated latency of one call.
const LATENCY: Duration = Duration::from_millis(10);
/// Each map is repeated this many times; the table shows the median.
const REPEATS: usize = 3;

pipeline! {
    /// Reads one file with a simulated 10 ms latency, then counts its words.
    #[outputs(words)]
    pub struct Fetch {
        #[node(output = text)]
        fn fetch(file_path: &Path) -> std::io::Result<String> {
            let text = std::fs::read_to_string(file_path)?;
            std::thread::sleep(LATENCY);
            Ok(text)
        }
        #[node(output = words)]
        fn count_words(text: &str) -> usize {
            text.split_whitespace().count()
        }
    }
}

/// The median wall time, in milliseconds, of `REPEATS` maps over `files`
/// with `engine`; checks every item's result.
fn median_ms(engine: &Engine, files: &[PathBuf]) -> f64 {
    let mut times: Vec<f64> = (0..REPEATS)
        .map(|_| {
            let items = files.iter().map(|file_path| FetchInputs {
                file_path: file_path.clone(),
            });
            let start = Instant::now();
            let results = Fetch.map_with(engine, items);
            let elapsed = start.elapsed().as_secs_f64() * 1e3;
            assert_eq!(results.len(), files.len());
            for (index, result) in results.into_iter().enumerate() {
                let outputs = result.expect("every file exists");
                assert_eq!(outputs.words, index % 7 + 1);
            }
            elapsed
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[REPEATS / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Item `i` is a file of `i % 7 + 1` words, in a directory of this run.
    let dir = std::env::temp_dir().join(format!("hypernodes-io-map-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let files: Vec<PathBuf> = (0..ITEMS)
        .map(|index| {
            let path = dir.join(format!("item-{index:03}.txt"));
            let words = vec!["word"; index % 7 + 1].join(" ");
            std::fs::write(&path, words).map(|()| path)
        })
        .collect::<std::io::Result<_>>()?;

    let engines = [
        ("Engine::sequential()", Engine::sequential()),
        ("Engine::new()  (rayon, CPU pool)", Engine::new()),
        (
            "Engine::new().map(Mode::Threads).workload(Workload::Io)",
            Engine::new().map(Mode::Threads).workload(Workload::Io),
        ),
    ];
    // The I/O pool's threads are created on first use: start them now.
    engines[2].1.warm_up();

    println!(
        "{ITEMS} items, each a file read plus {} ms of waiting; median of {REPEATS} maps on {} CPUs\n",
        LATENCY.as_millis(),
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    println!("{:<56} {:>9} {:>9}", "engine", "time ms", "speedup");
    let mut sequential_ms = None;
    for (name, engine) in &engines {
        let ms = median_ms(engine, &files);
        let baseline = *sequential_ms.get_or_insert(ms);
        println!("{name:<56} {ms:>9.1} {:>8.1}x", baseline / ms);
    }
    println!(
        "\none call alone takes {} ms: the lower bound of any map",
        LATENCY.as_millis()
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
