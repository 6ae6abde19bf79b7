//! `Cluster::local` starts real copies of this test binary: each copy runs
//! only the test that started it (`--exact`), finds itself a copy
//! (`HN_PROCESS` set), does its part and returns.

use hypernodes::cluster::{Cluster, Local};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

/// The directory where copies leave their records, given to them by the
/// leader (which creates it).
const DIR: &str = "HN_TEST_CLUSTER_DIR";

/// A cluster of `processes` copies of this binary, each running `test`
/// alone and quietly.
fn start(test: &str, processes: usize, dir: &Path, grace: Duration) -> Cluster {
    Local::new(processes)
        .args(["--exact", test, "--quiet", "--test-threads=1"])
        .env(DIR, dir)
        .grace(grace)
        .start()
        .expect("the cluster starts")
}

/// A fresh directory for the leader's test, else (in a copy) the one the
/// leader made.
fn records_dir(test: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os(DIR) {
        return dir.into();
    }
    let dir = std::env::temp_dir().join(format!("hn-cluster-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a record whole: written under another name, then renamed, so that
/// the leader never reads half of it.
fn write_record(dir: &Path, index: usize, text: &str) {
    let partial = dir.join(format!("{index}.partial"));
    std::fs::write(&partial, text).unwrap();
    std::fs::rename(partial, dir.join(index.to_string())).unwrap();
}

/// The record of process `index`, waiting for it until `deadline`.
fn wait_for_record(dir: &Path, index: usize, deadline: Instant) -> String {
    loop {
        if let Ok(text) = std::fs::read_to_string(dir.join(index.to_string())) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "no record from process {index} in {}",
            dir.display()
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn three_processes_know_their_place() {
    let dir = records_dir("place");
    let cluster = start(
        "three_processes_know_their_place",
        3,
        &dir,
        Duration::from_secs(5),
    );
    if !cluster.is_leader() {
        let record = format!(
            "{} {} {}",
            cluster.index(),
            cluster.processes(),
            cluster.hosts().join(",")
        );
        write_record(&dir, cluster.index(), &record);
        return;
    }
    assert_eq!((cluster.index(), cluster.processes()), (0, 3));
    assert_eq!(cluster.hosts().len(), 3);
    assert!(cluster.hosts().iter().all(|h| h.starts_with("127.0.0.1:")));
    let deadline = Instant::now() + Duration::from_secs(30);
    for index in 1..3 {
        let record = wait_for_record(&dir, index, deadline);
        let hosts = cluster.hosts().join(",");
        assert_eq!(record, format!("{index} 3 {hosts}"));
    }
    drop(cluster);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn dropping_the_leader_kills_the_processes_still_running() {
    let dir = records_dir("drop");
    let cluster = start(
        "dropping_the_leader_kills_the_processes_still_running",
        2,
        &dir,
        Duration::from_millis(200),
    );
    if !cluster.is_leader() {
        // Listening on its own address shows from outside that it runs.
        let _listener = TcpListener::bind(cluster.address()).unwrap();
        write_record(&dir, cluster.index(), "listening");
        // Far longer than the test waits: only a kill ends it in time.
        thread::sleep(Duration::from_secs(30));
        return;
    }
    let child = cluster.hosts()[1].clone();
    wait_for_record(&dir, 1, Instant::now() + Duration::from_secs(30));
    TcpStream::connect(&child).expect("process 1 listens");
    let clone = cluster.clone();
    drop(cluster);
    // Another handle keeps the processes: they still run.
    TcpStream::connect(&child).expect("process 1 still listens");
    let dropped = Instant::now();
    drop(clone);
    assert!(
        dropped.elapsed() < Duration::from_secs(10),
        "the drop waited {:?}",
        dropped.elapsed()
    );
    let deadline = dropped + Duration::from_secs(10);
    while TcpStream::connect(&child).is_ok() {
        assert!(
            Instant::now() < deadline,
            "process 1 still listens on {child} 10 s after the drop"
        );
        thread::sleep(Duration::from_millis(50));
    }
    std::fs::remove_dir_all(dir).unwrap();
}
