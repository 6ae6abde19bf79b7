//! A corpus of text files: load → clean → analyze per file, then one
//! summary over all files (the per-file pipeline plus global summary of the
//! Python docs' Dask guide).
//!
//! `FileStats` is the per-file pipeline: `load_text` reads a file (and can
//! fail), `clean` lowercases it and splits it into words, `analyze` counts
//! them. `Corpus` nests it with `#[nested(map_over = file_path, ..)]`: it
//! takes `file_paths: Vec<PathBuf>`, runs `FileStats` once per path and
//! gets `analyses: Vec<FileAnalysis>`, which its own node `summarize` reads.
//!
//! The same corpus of 200 generated files of about 4 KB (written to a
//! temporary directory, removed at the end) runs:
//!
//! - with `run`: the files one after another;
//! - with `run_parallel`: the files at once on rayon's pool (one thread per
//!   CPU);
//! - with `run_async`: `load_text` is a `#[node(blocking)]` node, so in an
//!   async run the files go to the pool of threads sized for I/O (the
//!   calling worker hands its other tasks over meanwhile), where the reads
//!   overlap. One pipeline serves all three runners.
//!
//! Then a missing file shows how an item's error names the item and the
//! node.
//!
//! The pipeline itself is in `corpus_pipeline/mod.rs`, which the `picture`
//! example draws.
//!
//! Run with `cargo run --release --example corpus`.

mod corpus_pipeline;

use corpus_pipeline::{Corpus, CorpusError, CorpusInputs};
use hypernodes::NestedError;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The number of files.
const FILES: usize = 200;
/// The words of each file.
const WORDS_PER_FILE: usize = 600;
/// Each run is repeated this many times; the table shows the median.
const REPEATS: usize = 5;

/// A directory under `std::env::temp_dir()`, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("hypernodes-corpus-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes `FILES` files of `WORDS_PER_FILE` words drawn from a small
/// vocabulary (a few words far more often than the rest), with capitals and
/// punctuation for `clean` to remove.
fn write_corpus(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    const VOCABULARY: &str = "the of pipeline node graph and data file map rust a parallel \
        item summary word text clean load analyze run thread pool schedule dependency output \
        input error result nested corpus statistics compile macro function value borrow \
        extraordinarily incomprehensibilities";
    let vocabulary: Vec<&str> = VOCABULARY.split_whitespace().collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..FILES)
        .map(|file| {
            let mut text = String::with_capacity(WORDS_PER_FILE * 8);
            for position in 0..WORDS_PER_FILE {
                // The minimum of two draws favours the first words.
                let len = vocabulary.len() as u64;
                let word = vocabulary[(next() % len).min(next() % len) as usize];
                if position % 12 == 0 {
                    let mut chars = word.chars();
                    text.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                    text.push_str(chars.as_str());
                } else {
                    text.push_str(word);
                }
                text.push_str(match position % 12 {
                    11 => ".\n",
                    5 => ", ",
                    _ => " ",
                });
            }
            let path = dir.join(format!("file-{file:03}.txt"));
            std::fs::write(&path, text).map(|()| path)
        })
        .collect()
}

/// The median wall time, in milliseconds, of `REPEATS` calls of `run`.
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = TempDir::new()?;
    let file_paths = write_corpus(&dir.0)?;
    let bytes: u64 = (file_paths.iter())
        .map(|path| std::fs::metadata(path).map(|meta| meta.len()))
        .sum::<std::io::Result<u64>>()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let inputs = || CorpusInputs {
        file_paths: file_paths.clone(),
    };

    // The three runners give the same summary.
    let sequential = Corpus.run(inputs())?;
    let parallel = Corpus.run_parallel(inputs())?;
    let asynchronous = runtime.block_on(Corpus.run_async(inputs()))?;
    assert_eq!(sequential.summary, parallel.summary);
    assert_eq!(sequential.summary, asynchronous.summary);
    assert_eq!(sequential.analyses.len(), FILES);
    assert_eq!(sequential.summary.words, FILES * WORDS_PER_FILE);

    println!(
        "{FILES} files, {:.0} KB in all; median of {REPEATS} runs on {} CPUs\n",
        bytes as f64 / 1e3,
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    println!("{:<34} {:>9} {:>9}", "runner", "time ms", "speedup");
    let run = median_ms(|| {
        Corpus.run(inputs()).unwrap();
    });
    let rows = [
        ("Corpus.run  (one file at a time)", run),
        (
            "Corpus.run_parallel  (rayon)",
            median_ms(|| {
                Corpus.run_parallel(inputs()).unwrap();
            }),
        ),
        (
            "Corpus.run_async  (tokio, I/O pool)",
            median_ms(|| {
                runtime.block_on(Corpus.run_async(inputs())).unwrap();
            }),
        ),
    ];
    for (name, ms) in rows {
        println!("{name:<34} {ms:>9.1} {:>8.2}x", run / ms);
    }

    let summary = &sequential.summary;
    let first = &sequential.analyses[0];
    println!("\nsummary of the corpus:");
    println!("  files          {}", summary.files);
    println!("  words          {}", summary.words);
    println!("  distinct words {}", summary.unique);
    println!("  longest word   {}", summary.longest);
    for (rank, (word, count)) in summary.most_common.iter().enumerate() {
        println!("  #{} {word:<12} {count}", rank + 1);
    }
    println!(
        "file-000.txt: {} words, {} distinct, longest `{}`",
        first.words, first.unique, first.longest
    );

    // A missing file: the error names the item, the node's path, the cause.
    let missing = 3;
    let mut broken = file_paths.clone();
    broken[missing] = dir.0.join("no-such-file.txt");
    let error = Corpus
        .run(CorpusInputs {
            file_paths: broken.clone(),
        })
        .unwrap_err();
    println!("\nwith file {missing} missing:\n  {error}");
    let CorpusError::FileStats(NestedError::Failed { item, path, .. }) = &error else {
        unreachable!("only a file can fail: {error:?}")
    };
    let item = item.expect("map_over gives the item");
    println!("  item {item} ({}), node `{path}`", broken[item].display());
    assert_eq!((item, *path), (missing, "file_stats / load_text"));
    // `run_parallel` runs every file and reports the first failure in input
    // order: the same error.
    let parallel_error = Corpus
        .run_parallel(CorpusInputs { file_paths: broken })
        .unwrap_err();
    assert_eq!(parallel_error.to_string(), error.to_string());
    Ok(())
}
