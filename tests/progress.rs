//! `Progress`: items counted to their totals by every map runner, with
//! failures and panics, one handle shared by maps on several threads; bars
//! drawn on a terminal only.
//!
//! The last two tests run one test of this binary again as a child process
//! (`child_maps_with_a_bar`, which does nothing unless `CHILD` is set):
//! once with stderr piped, once under a pseudo-terminal made by `script`.

use hypernodes::observe::{BarCounts, Progress};
use hypernodes::prelude::*;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pipeline! {
    /// Fails on negative input, panics on zero.
    struct Checked {
        fn checked(x: i64) -> Result<i64, String> {
            assert!(x != 0, "zero is not allowed");
            if x < 0 { Err(format!("negative: {x}")) } else { Ok(x * 2) }
        }
    }
}

pipeline! {
    /// The same, awaited.
    struct Awaited {
        async fn awaited(x: i64) -> Result<i64, String> {
            tokio::task::yield_now().await;
            assert!(x != 0, "zero is not allowed");
            if x < 0 { Err(format!("negative: {x}")) } else { Ok(x * 2) }
        }
    }
}

/// Set in the child process, to the kind of run the parent wants.
const CHILD: &str = "HN_PROGRESS_CHILD";

/// 1..=n, with item 2 negative (fails) and item 5 zero (panics).
fn xs(n: i64) -> impl Iterator<Item = i64> {
    (1..=n).map(|x| match x {
        3 => -3,
        6 => 0,
        x => x,
    })
}

/// Depth, total, done, failed, finished.
fn counts(bar: &BarCounts) -> (usize, Option<u64>, u64, u64, bool) {
    (bar.depth, bar.total, bar.done, bar.failed, bar.finished)
}

#[test]
fn every_map_runner_counts_its_items_to_the_total_with_failures_and_panics() {
    let progress = Progress::hidden();
    let engine = Engine::new().max_workers(4).callback(progress.clone());

    let results = Checked.map_with(&engine, xs(3000).map(|x| CheckedInputs { x }));
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 2);

    // All or nothing, one item at a time: stops at the failure.
    let sequential = Engine::sequential().callback(progress.clone());
    let error = Checked
        .try_map_with(&sequential, xs(3000).map(|x| CheckedInputs { x }))
        .unwrap_err();
    assert_eq!(error.item(), 2);

    // A lazy map whose total is unknown (a filter hides it).
    let lazy = Checked.map_iter_with(
        &engine,
        xs(3000).filter(|_| true).map(|x| CheckedInputs { x }),
    );
    assert_eq!(lazy.count(), 3000);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let results =
        runtime.block_on(Awaited.map_async_with(&engine, xs(3000).map(|x| AwaitedInputs { x })));
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 2);

    let bars = progress.bars();
    let bars: Vec<_> = bars.iter().map(|bar| (bar.pipeline, counts(bar))).collect();
    assert_eq!(
        bars,
        [
            ("Checked", (0, Some(3000), 3000, 2, true)),
            ("Checked", (0, Some(3000), 3, 1, true)),
            ("Checked", (0, None, 3000, 2, true)),
            ("Awaited", (0, Some(3000), 3000, 2, true)),
        ]
    );
}

#[test]
fn one_handle_counts_maps_running_at_once_on_several_threads() {
    let progress = Progress::hidden();
    std::thread::scope(|scope| {
        for n in [20_000, 30_000] {
            let engine = Engine::new().callback(progress.clone());
            scope.spawn(move || {
                let results = Checked.map_with(&engine, xs(n).map(|x| CheckedInputs { x }));
                assert_eq!(results.len(), n as usize);
            });
        }
    });
    let mut bars: Vec<_> = progress.bars().iter().map(counts).collect();
    bars.sort();
    assert_eq!(
        bars,
        [
            (0, Some(20_000), 20_000, 2, true),
            (0, Some(30_000), 30_000, 2, true)
        ]
    );
}

#[test]
fn a_running_map_shows_in_the_counts_before_its_end() {
    let progress = Progress::hidden();
    let engine = Engine::sequential().callback(progress.clone());
    let mut lazy = Checked.map_iter_with(&engine, (1..=10).map(|x| CheckedInputs { x }));
    for _ in 0..4 {
        lazy.next().unwrap().unwrap();
    }
    assert_eq!(
        progress.bars().iter().map(counts).collect::<Vec<_>>(),
        [(0, Some(10), 4, 0, false)]
    );
    drop(lazy);
    let bars = progress.bars();
    assert_eq!(counts(&bars[0]), (0, Some(10), 4, 0, true));
    assert!(progress
        .to_string()
        .starts_with("Checked: 4/10 items, 0 failed in "));
}

/// Runs in the child process: a slow map with a bar on stderr, whatever
/// stderr is; prints whether the bar is drawn.
mod fixtures;

#[test]
fn a_mapped_nested_pipeline_counts_in_a_child_bar() {
    use fixtures::corpus::{Corpus, CorpusInputs};
    let progress = Progress::hidden();
    let engine = Engine::new().callback(progress.clone());
    let texts = |n: usize| (0..n).map(|i| format!("text {i}")).collect::<Vec<_>>();
    let items = [2, 3, 5].map(|n| CorpusInputs {
        text: "a b".into(),
        texts: texts(n),
    });
    assert!(Corpus.map_with(&engine, items).iter().all(Result::is_ok));
    let bars = progress.bars();
    let top: Vec<_> = bars.iter().filter(|bar| bar.depth == 0).collect();
    let children: Vec<_> = bars.iter().filter(|bar| bar.depth == 1).collect();
    assert_eq!(top.len(), 1, "{bars:?}");
    assert_eq!(counts(top[0]), (0, Some(3), 3, 0, true));
    // One child bar for the nested path under the map, its total grown by
    // each nested map: 2 + 3 + 5 items.
    assert_eq!(children.len(), 1, "{bars:?}");
    assert_eq!(children[0].path, "text_stats");
    assert_eq!(counts(children[0]), (1, Some(10), 10, 0, true));
}

#[test]
fn child_maps_with_a_bar() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    // The panicking item's message would be on stderr too.
    std::panic::set_hook(Box::new(|_| {}));
    let progress = Progress::new();
    println!("drawn={}", progress.is_drawn());
    pipeline! {
        /// Takes its time, so that the bar is drawn before its end.
        struct Slow {
            fn slow(x: i64) -> Result<i64, String> {
                std::thread::sleep(Duration::from_millis(10));
                assert!(x != 0, "zero is not allowed");
                if x < 0 { Err(format!("negative: {x}")) } else { Ok(x) }
            }
        }
    }
    let engine = Engine::new()
        .map(Mode::Sequential)
        .callback(progress.clone());
    let results = Slow.map_with(&engine, xs(40).map(|x| SlowInputs { x }));
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 2);
    println!("counted: {progress}");
}

/// Runs `command` (with `CHILD` set) to its end, or fails after a minute;
/// returns its stdout and stderr.
fn run_child(command: &mut Command) -> (String, String) {
    let mut child = command
        .env(CHILD, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the child starts");
    // Read both pipes as they fill, so that the child never blocks on one.
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).map(|_| text)
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the child process did not end within a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (
        stdout.join().unwrap().unwrap(),
        stderr.join().unwrap().unwrap(),
    );
    assert!(
        status.success(),
        "{status}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

/// The arguments that run only `child_maps_with_a_bar`.
const CHILD_TEST: [&str; 4] = [
    "child_maps_with_a_bar",
    "--exact",
    "--nocapture",
    "--test-threads=1",
];

#[test]
fn nothing_is_drawn_when_stderr_is_not_a_terminal() {
    let exe = std::env::current_exe().unwrap();
    let (stdout, stderr) = run_child(Command::new(exe).args(CHILD_TEST));
    assert!(stdout.contains("drawn=false"), "{stdout}");
    // Counted all the same.
    assert!(
        stdout.contains("counted: Slow: 40/40 items, 2 failed in "),
        "{stdout}"
    );
    assert_eq!(stderr, "", "nothing on stderr");
}

#[test]
fn a_terminal_shows_the_bar_and_its_final_line() {
    if Command::new("script").arg("--version").output().is_err() {
        println!("note: `script` (util-linux) is not installed; the terminal test is skipped");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    // One shell word per argument: the path quoted for `sh`.
    let quoted = format!("'{}'", exe.display().to_string().replace('\'', r"'\''"));
    let command = format!("{quoted} {}", CHILD_TEST.join(" "));
    let (terminal, _) = run_child(
        Command::new("script")
            .args(["-qfec", &command, "/dev/null"])
            // `TERM` unset or `dumb` hides the bars, as in some CI shells.
            .env("TERM", "xterm-256color"),
    );
    assert!(terminal.contains("drawn=true"), "{terminal}");
    // The bar while it runs, then the line it leaves.
    assert!(terminal.contains("/40 "), "no bar drawn:\n{terminal}");
    assert!(
        terminal.contains("Slow: 40/40 items, 2 failed in "),
        "{terminal}"
    );
    assert!(
        terminal.contains("counted: Slow: 40/40 items, 2 failed in "),
        "{terminal}"
    );
}
