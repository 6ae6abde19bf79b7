//! Maps on clusters of real processes on 127.0.0.1: this test binary runs
//! itself as every process of each cluster.
//!
//! Each test starts the binary again, running only [`scenario_host`] with
//! `HN_TEST_SCENARIO` set; that process becomes the leader of a
//! `Cluster::local` and starts the other processes (copies of itself, with
//! the same arguments, so they run `scenario_host` too). Every process
//! prints `PID <index> <pid>` first; the leader prints what it saw. The
//! test reads their shared stdout, with a deadline: a hang fails the test
//! and kills every process it started.

use hypernodes::cluster::{Cluster, ClusterError};
use hypernodes::observe::{Callback, MapEvent};
use hypernodes::prelude::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SCENARIO: &str = "HN_TEST_SCENARIO";

/// A node's error.
#[derive(Debug)]
struct Odd;

impl std::fmt::Display for Odd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an unlucky number")
    }
}

impl std::error::Error for Odd {}

/// Which process ran an item: its `HN_PROCESS` (0 for the leader).
fn process_index() -> usize {
    std::env::var("HN_PROCESS")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

/// Says once per process that it is mapping, for tests that act then.
fn mapping() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| println!("MAPPING {}", process_index()));
}

pipeline! {
    /// Doubles, fails on some items, panics on others, and tells where it ran.
    #[pipeline(serde)]
    pub struct Work {
        fn checked(x: u64, sleep_ms: u64) -> Result<u64, Odd> {
            mapping();
            std::thread::sleep(Duration::from_millis(sleep_ms));
            if x % 17 == 5 { Err(Odd) } else { Ok(x) }
        }
        fn doubled(checked: u64) -> u64 {
            assert!(checked % 23 != 7, "{checked} is cursed");
            checked * 2
        }
        fn ran_on(checked: &u64) -> usize {
            let _ = checked;
            process_index()
        }
    }
}

/// A callback that panics as its map starts: a failure outside any node.
struct PanicsAtStart;

impl Callback for PanicsAtStart {
    fn on_map_start(&self, _: &MapEvent) {
        panic!("a callback gave up");
    }
}

fn items(n: u64, sleep_ms: u64) -> impl Iterator<Item = WorkInputs> {
    (0..n).map(move |x| WorkInputs { x, sleep_ms })
}

/// Runs the scenario named in `HN_TEST_SCENARIO`, in every process of its
/// cluster; does nothing when it is not set (a plain `cargo test`).
#[test]
fn scenario_host() {
    let Ok(scenario) = std::env::var(SCENARIO) else {
        return;
    };
    let (name, processes) = scenario.split_once(':').unwrap_or((&scenario, "3"));
    let processes: usize = processes.parse().unwrap();
    let index = process_index();
    if name == "missing" && index == 2 {
        // Alive, but never connects.
        println!("PID {index} {}", std::process::id());
        std::thread::sleep(Duration::from_secs(30));
        return;
    }
    let cluster = Cluster::local(processes).unwrap();
    println!("PID {} {}", cluster.index(), std::process::id());
    let mut engine = Engine::new();
    if name == "panic" && index == 1 {
        engine = engine.callback(PanicsAtStart);
    }
    let engine = engine.cluster(cluster.clone());
    let sleep_ms = match name {
        "ordered" | "twice" | "missing" | "panic" => 0,
        _ => 20,
    };
    let started = Instant::now();
    let outcome = Work.map_cluster(&engine, items(300, sleep_ms));
    let outcome = match (name, outcome) {
        ("twice", Ok(_)) => Work.map_cluster(&engine, items(50, 0)),
        (_, outcome) => outcome,
    };
    let elapsed = started.elapsed().as_millis();
    match outcome {
        Ok(results) if cluster.is_leader() => report(&results, processes, name),
        Ok(results) => assert!(results.is_empty(), "only the leader gets results"),
        Err(ClusterError::Lost { process, reason }) => {
            println!("LOST {index} {process} {elapsed} {reason}");
            std::process::exit(3);
        }
        Err(error) => {
            println!("ERROR {index} {elapsed} {error}");
            std::process::exit(4);
        }
    }
}

/// Checks every item's result at the leader and prints `VERIFIED <n>`.
fn report(
    results: &[Result<WorkOutputs, MapError<hypernodes::cluster::RemoteError>>],
    processes: usize,
    name: &str,
) {
    let n = if name == "twice" { 50 } else { 300 };
    assert_eq!(results.len(), n);
    for (x, result) in results.iter().enumerate() {
        let on = x % processes;
        match result {
            Ok(outputs) => {
                assert_eq!(outputs.doubled, 2 * x as u64);
                assert_eq!(outputs.ran_on, on, "item {x} ran on its process");
            }
            Err(MapError::Failed { item, error }) => {
                assert_eq!((*item, x % 17), (x, 5));
                assert_eq!(
                    (error.process, error.node.as_str(), error.path.as_str()),
                    (on, "checked", "checked")
                );
                assert_eq!(error.message, "an unlucky number");
            }
            Err(MapError::Panicked(panic)) => {
                assert_eq!((panic.item, x % 23, panic.node), (x, 7, "doubled"));
                assert_eq!(panic.message, format!("{x} is cursed"));
            }
            Err(other) => panic!("item {x}: {other:?}"),
        }
    }
    println!("VERIFIED {n}");
}

/// What the processes of one scenario printed, as they printed it.
struct Run {
    leader: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    pids: Vec<(usize, u32)>,
}

impl Run {
    fn start(scenario: &str) -> Run {
        let mut leader = Command::new(std::env::current_exe().unwrap())
            .args([
                "scenario_host",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(SCENARIO, scenario)
            .env_remove("HN_PROCESS")
            .env_remove("HN_HOSTS")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = leader.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The test harness may print `test scenario_host ... ` first.
                let marker = ["PID ", "MAPPING ", "VERIFIED ", "LOST ", "ERROR "]
                    .iter()
                    .filter_map(|marker| line.find(marker))
                    .min();
                let _ = sender.send(marker.map_or(line.clone(), |at| line[at..].to_string()));
            }
        });
        Run {
            leader,
            lines,
            seen: Vec::new(),
            pids: Vec::new(),
        }
    }

    /// The next line starting with `prefix`, waiting until `deadline`;
    /// `None` if every process closed its stdout first.
    fn wait_for(&mut self, prefix: &str, deadline: Instant) -> Option<String> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(pid) = line.strip_prefix("PID ") {
                        let (index, pid) = pid.split_once(' ').unwrap();
                        self.pids
                            .push((index.parse().unwrap(), pid.parse().unwrap()));
                    }
                    self.seen.push(line.clone());
                    if line.starts_with(prefix) {
                        return Some(line);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return None,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!(
                        "no `{prefix}` in time; the processes printed {:#?}",
                        self.seen
                    )
                }
            }
        }
    }

    /// Whether a line starting with `prefix` came, or comes by `deadline`.
    fn has_seen(&mut self, prefix: &str, deadline: Instant) -> bool {
        self.seen.iter().any(|line| line.starts_with(prefix))
            || self.wait_for(prefix, deadline).is_some()
    }

    fn pid(&self, index: usize) -> u32 {
        self.pids
            .iter()
            .find(|(i, _)| *i == index)
            .map(|&(_, pid)| pid)
            .unwrap()
    }

    /// Waits for every process to close its stdout (all ended) by
    /// `deadline`.
    fn wait_all_ended(&mut self, deadline: Instant) {
        while self.wait_for("\u{0}never", deadline).is_some() {}
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // Nothing outlives a test, whatever happened.
        for &(_, pid) in &self.pids {
            signal("KILL", pid);
        }
        let _ = self.leader.kill();
        let _ = self.leader.wait();
    }
}

fn signal(name: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

fn within(seconds: u64) -> Instant {
    Instant::now() + Duration::from_secs(seconds)
}

fn ordered(processes: usize) {
    let mut run = Run::start(&format!("ordered:{processes}"));
    let verified = run.wait_for("VERIFIED", within(60));
    assert_eq!(verified.as_deref(), Some("VERIFIED 300"), "{:#?}", run.seen);
    run.wait_all_ended(within(30));
    assert!(run.leader.wait().unwrap().success());
    assert_eq!(run.pids.len(), processes);
}

#[test]
fn one_process_maps_every_item_in_order() {
    ordered(1);
}

#[test]
fn two_processes_map_every_item_in_order() {
    ordered(2);
}

#[test]
fn three_processes_map_every_item_in_order() {
    ordered(3);
}

#[test]
fn several_maps_in_a_row_share_the_connections() {
    let mut run = Run::start("twice:3");
    let verified = run.wait_for("VERIFIED", within(60));
    assert_eq!(verified.as_deref(), Some("VERIFIED 50"), "{:#?}", run.seen);
    run.wait_all_ended(within(30));
    assert!(run.leader.wait().unwrap().success());
}

/// Parses `LOST <seen by> <process> <ms> <reason>`.
fn lost(line: &str) -> (usize, usize, u128, String) {
    let mut parts = line.splitn(5, ' ').skip(1);
    let mut next = || parts.next().unwrap().to_string();
    (
        next().parse().unwrap(),
        next().parse().unwrap(),
        next().parse().unwrap(),
        next(),
    )
}

/// Starts a 3-process slow map, waits for process 1 to map, and sends it
/// `signal_name`: the leader must name process 1 within 10 s.
fn leader_sees_worker_lost(signal_name: &str) -> String {
    let mut run = Run::start("slow:3");
    assert!(run.has_seen("MAPPING 1", within(60)), "process 1 maps");
    let victim = run.pid(1);
    let sent = Instant::now();
    signal(signal_name, victim);
    let line = run
        .wait_for("LOST 0", within(20))
        .expect("the leader reports the loss");
    let noticed = sent.elapsed();
    let (_, process, _, reason) = lost(&line);
    assert_eq!(process, 1, "{line}");
    assert!(
        noticed < Duration::from_secs(10),
        "noticed after {noticed:?}"
    );
    assert_eq!(run.leader.wait().unwrap().code(), Some(3));
    reason
}

#[test]
fn a_killed_worker_is_lost_within_10_s() {
    let reason = leader_sees_worker_lost("KILL");
    assert!(
        reason.contains("closed") || reason.contains("failed"),
        "{reason}"
    );
}

#[test]
fn a_stopped_worker_is_lost_within_10_s() {
    let reason = leader_sees_worker_lost("STOP");
    assert!(reason.contains("no heartbeat"), "{reason}");
}

#[test]
fn a_worker_that_never_connects_fails_the_setup_within_10_s() {
    let mut run = Run::start("missing:3");
    let line = run
        .wait_for("ERROR 0", within(20))
        .expect("the leader reports the setup");
    let mut parts = line.splitn(4, ' ').skip(2);
    let elapsed: u64 = parts.next().unwrap().parse().unwrap();
    let message = parts.next().unwrap();
    assert!(elapsed < 10_000, "{line}");
    assert!(message.contains("process 2"), "{line}");
    assert_eq!(run.leader.wait().unwrap().code(), Some(4));
}

#[test]
fn a_panic_outside_a_node_is_reported_by_the_leader() {
    let mut run = Run::start("panic:3");
    let line = run
        .wait_for("LOST 0", within(30))
        .expect("the leader reports the panic");
    let (_, process, elapsed, reason) = lost(&line);
    assert_eq!(process, 1, "{line}");
    assert!(elapsed < 10_000, "{line}");
    assert!(
        reason.contains("panicked outside a node: a callback gave up"),
        "{reason}"
    );
}

#[test]
fn workers_end_within_10_s_when_the_leader_is_killed() {
    let mut run = Run::start("slow:3");
    assert!(run.has_seen("MAPPING 1", within(60)), "process 1 maps");
    assert!(run.has_seen("MAPPING 2", within(60)), "process 2 maps");
    let (one, two) = (run.pid(1), run.pid(2));
    let killed = Instant::now();
    signal("KILL", run.pid(0));
    let mut lost_by = Vec::new();
    while let Some(line) = run.wait_for("LOST", within(20)) {
        let (seen_by, process, _, _) = lost(&line);
        assert_eq!(process, 0, "{line}");
        lost_by.push(seen_by);
    }
    lost_by.sort_unstable();
    assert_eq!(lost_by, [1, 2], "{:#?}", run.seen);
    let deadline = killed + Duration::from_secs(10);
    while (alive(one) || alive(two)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !alive(one) && !alive(two),
        "a worker outlived its leader by 10 s"
    );
}
