use super::*;
use crate::cache::test::{check_value, hammer, key, stores_like_any_value, value};
use std::fs;
use std::process::{Child, Command, Stdio};
use std::string::ToString;
use std::thread::sleep;
use std::time::Instant;
use std::{format, vec};

/// A directory of its own for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("hn-disk-cache-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl core::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

/// Every file under `dir`, with its size.
fn files_under(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut files = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push((path, entry.metadata().unwrap().len()));
        }
    }
    files
}

/// The bytes of every file in `dir` (the database, its log, its shared
/// memory).
fn directory_bytes(dir: &Path) -> u64 {
    files_under(dir).iter().map(|(_, size)| size).sum()
}

/// A connection of the test's own to the cache's database, to look into
/// it or damage it.
fn sql(cache: &Path) -> rusqlite::Connection {
    let path = cache.join(database::FILE);
    assert!(path.is_file(), "no database at {}", path.display());
    let connection = rusqlite::Connection::open(path).unwrap();
    connection.busy_timeout(Duration::from_secs(5)).unwrap();
    connection
}

/// The bytes of all entries in `cache`'s database, where `max_bytes`
/// applies, once what waits is committed; checks that the total the
/// database keeps agrees.
fn stored_bytes(cache: &DiskCache) -> u64 {
    cache.flush();
    let connection = sql(cache.dir());
    let sum: i64 = connection
        .query_row("SELECT COALESCE(SUM(size), 0) FROM entries", [], |row| {
            row.get(0)
        })
        .unwrap();
    let total: i64 = connection
        .query_row("SELECT bytes FROM totals", [], |row| row.get(0))
        .unwrap();
    assert_eq!(sum, total, "the kept total is off");
    sum as u64
}

/// The last recorded use of `n`'s entry, once what waits is committed.
fn used(cache: &DiskCache, n: u64) -> i64 {
    cache.flush();
    sql(cache.dir())
        .query_row(
            "SELECT used FROM entries WHERE key = ?1",
            [key(n).as_bytes().as_slice()],
            |row| row.get(0),
        )
        .unwrap()
}

/// A cache in `dir` that records every hit, so that tests need not wait a
/// second between uses.
fn touching_every_hit(dir: &Path) -> DiskCache {
    // Bounded: an unbounded cache records no uses.
    let mut cache = DiskCache::open(dir).unwrap().max_bytes(1 << 30);
    cache.touch_after_ms = 0;
    cache
}

#[test]
fn stores_like_any_value_bounded_or_not() {
    let dir = TempDir::new("values");
    stores_like_any_value(&DiskCache::open(dir.join("unbounded")).unwrap());
    stores_like_any_value(
        &DiskCache::open(dir.join("bounded"))
            .unwrap()
            .max_bytes(4096),
    );
}

#[test]
fn another_handle_reads_back_what_was_written() {
    let dir = TempDir::new("reopen");
    let cache = DiskCache::open(dir.join("nested/cache")).unwrap();
    assert_eq!(cache.dir(), dir.join("nested/cache"));
    for n in 0..20 {
        cache.put(&key(n), &value(n));
    }
    drop(cache);
    let reopened = DiskCache::open(dir.join("nested/cache")).unwrap();
    for n in 0..20 {
        check_value(n, &reopened.get(&key(n)).unwrap());
    }
    assert_eq!(reopened.get(&key(20)), None);
}

#[test]
fn damaged_values_are_misses_then_rewritten() {
    let dir = TempDir::new("damaged");
    let cache = DiskCache::open(&dir).unwrap();
    for n in 0..20 {
        cache.put(&key(n), &value(n));
    }
    cache.flush();
    // Each value damaged a different way (a flipped bit, truncated,
    // emptied, extended), or its checksum.
    let connection = sql(&dir);
    for n in 0..20 {
        let mut bytes = value(n);
        match n % 5 {
            0 => *bytes.last_mut().unwrap() ^= 1,
            1 => bytes.truncate(bytes.len() / 2),
            2 => bytes.clear(),
            3 => bytes.extend_from_slice(b"more"),
            _ => {
                connection
                    .execute(
                        "UPDATE entries SET checksum = zeroblob(16) WHERE key = ?1",
                        [key(n).as_bytes().as_slice()],
                    )
                    .unwrap();
                continue;
            }
        }
        let changed = connection
            .execute(
                "UPDATE entries SET value = ?2 WHERE key = ?1",
                rusqlite::params![key(n).as_bytes().as_slice(), bytes],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    for n in 0..20 {
        assert_eq!(cache.get(&key(n)), None, "damaged entry {n} was read");
    }
    // The damaged entries were removed, and are written again.
    assert_eq!(stored_bytes(&cache), 0);
    for n in 0..20 {
        cache.put(&key(n), &value(n));
        check_value(n, &cache.get(&key(n)).unwrap());
    }
    // A new handle finds them whole.
    let reopened = DiskCache::open(&dir).unwrap();
    for n in 0..20 {
        check_value(n, &reopened.get(&key(n)).unwrap());
    }
}

#[test]
fn puts_reach_the_database_by_themselves_and_at_the_last_drop() {
    let dir = TempDir::new("committed");
    let cache = DiskCache::open(&dir).unwrap();
    let rows = || -> i64 {
        sql(&dir)
            .query_row("SELECT COUNT(*) FROM entries", [], |row| row.get(0))
            .unwrap()
    };
    // Seen at once by another handle of this process, committed (seen by
    // other processes) within milliseconds without a flush.
    cache.put(&key(1), &value(1));
    check_value(1, &DiskCache::open(&dir).unwrap().get(&key(1)).unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    while rows() < 1 {
        assert!(Instant::now() < deadline, "the put was never committed");
        sleep(Duration::from_millis(1));
    }
    // The last handle's drop commits what waits.
    for n in 2..100 {
        cache.put(&key(n), &value(n));
    }
    drop(cache);
    assert_eq!(rows(), 99);
}

/// Overwrites `len` bytes of the database file at `at` with garbage, every
/// connection to it closed (so that its log is folded into it).
fn scribble(dir: &Path, at: u64, len: usize) {
    use std::io::{Seek, SeekFrom, Write};
    let path = dir.join(database::FILE);
    assert!(!dir.join(format!("{}-wal", database::FILE)).exists());
    let mut file = fs::File::options().write(true).open(path).unwrap();
    file.seek(SeekFrom::Start(at)).unwrap();
    file.write_all(&vec![0xa5; len]).unwrap();
}

#[test]
fn damaged_pages_are_misses_never_wrong_values() {
    let dir = TempDir::new("pages");
    let cache = DiskCache::open(&dir).unwrap();
    for n in 0..400 {
        cache.put(&key(n), &value(n));
    }
    drop(cache);
    let len = fs::metadata(dir.join(database::FILE)).unwrap().len();
    assert!(len > 8 * 4096, "{len} bytes");
    // Pages in the middle and near the end: b-tree pages of the entries.
    scribble(&dir, len / 2, 4096);
    scribble(&dir, len - 6000, 3000);
    let cache = DiskCache::open(&dir).unwrap();
    let mut whole = 0;
    for n in 0..400 {
        if let Some(bytes) = cache.get(&key(n)) {
            check_value(n, &bytes);
            whole += 1;
        }
    }
    assert!(whole > 0, "nothing readable was left");
    // Writes go on or are dropped, without a panic; what reads back is
    // right.
    for n in 400..420 {
        cache.put(&key(n), &value(n));
        if let Some(bytes) = cache.get(&key(n)) {
            check_value(n, &bytes);
        }
    }
}

#[test]
fn a_file_that_is_not_a_database_is_started_afresh() {
    let dir = TempDir::new("garbage");
    let cache = DiskCache::open(&dir).unwrap();
    cache.put(&key(1), &value(1));
    drop(cache);
    // The header gone: no longer an SQLite database.
    scribble(&dir, 0, 100);
    let cache = DiskCache::open(&dir).unwrap();
    assert_eq!(cache.get(&key(1)), None);
    cache.put(&key(1), &value(1));
    check_value(1, &cache.get(&key(1)).unwrap());

    // Not even a file of a database's size.
    drop(cache);
    fs::write(dir.join(database::FILE), b"not a database").unwrap();
    let cache = DiskCache::open(&dir).unwrap();
    assert_eq!(cache.get(&key(1)), None);
    cache.put(&key(2), &value(2));
    check_value(2, &cache.get(&key(2)).unwrap());
}

#[test]
fn a_database_of_a_later_layout_is_an_error_at_open() {
    let dir = TempDir::new("later");
    drop(DiskCache::open(&dir).unwrap());
    sql(&dir).pragma_update(None, "user_version", 99).unwrap();
    let error = DiskCache::open(&dir).unwrap_err().to_string();
    assert!(error.contains("layout 99"), "{error}");
}

#[test]
fn eight_threads_on_the_same_keys() {
    let dir = TempDir::new("threads");
    let unbounded = touching_every_hit(&dir.join("unbounded"));
    let hits = hammer(&unbounded, 32, 4);
    assert!(hits >= 8 * 32 * 4 - 8 * 32, "{hits} hits");
    for n in 0..32 {
        check_value(n, &unbounded.get(&key(n)).unwrap());
    }

    // Bounded so that the database holds a few of the values at a time:
    // evictions all along.
    let max = 1 << 20;
    let bounded = touching_every_hit(&dir.join("bounded")).max_bytes(max);
    std::thread::scope(|scope| {
        for thread in 0..8u64 {
            let bounded = &bounded;
            scope.spawn(move || {
                for round in 0..4 {
                    for n in 0..32 {
                        let n = (n + thread * 4) % 32;
                        bounded.put(&key(n), &checked_value(n, round, 30_000));
                        if let Some(bytes) = bounded.get(&key((n * 7) % 32)) {
                            assert!(is_whole((n * 7) % 32, &bytes));
                        }
                    }
                }
            });
        }
    });
    assert!(stored_bytes(&bounded) < 32 * 30_000, "nothing was evicted");
    // (Closed, so that the log is folded in: with eight threads reading
    // all along, checkpoints may wait, and the log grow past its share.)
    drop(bounded);
    let bytes = directory_bytes(&dir.join("bounded"));
    assert!(
        bytes <= max,
        "{bytes} bytes: {:?}",
        files_under(&dir.join("bounded"))
    );
}

#[test]
fn eviction_keeps_the_most_recently_used_under_the_bound() {
    let dir = TempDir::new("evict");
    let max = 256 << 10;
    let cache = touching_every_hit(&dir).max_bytes(max);
    // Each use committed before the next, a few milliseconds apart, so
    // that their times differ.
    let use_then_wait = |action: &dyn Fn()| {
        action();
        cache.flush();
        sleep(Duration::from_millis(3));
    };
    let put = |n: u64| use_then_wait(&|| cache.put(&key(n), &vec![n as u8; 3000]));
    for n in 0..10 {
        put(n);
    }
    for n in 0..3 {
        use_then_wait(&|| assert!(cache.get(&key(n)).is_some()));
    }
    // Then many more than the bound holds.
    for n in 10..200 {
        put(n);
        assert!(directory_bytes(&dir) <= max, "over the bound after {n}");
    }
    // What is left is the most recently used, in the order of use.
    let order: Vec<u64> = (3..10).chain(0..3).chain(10..200).collect();
    let present: Vec<bool> = order
        .iter()
        .map(|&n| cache.get(&key(n)).is_some())
        .collect();
    let first = present.iter().position(|&present| present).unwrap();
    assert!(first > 0, "nothing was evicted");
    assert!(
        present[first..].iter().all(|&present| present),
        "not the least recently used first: {present:?}"
    );
    assert!(
        order.len() - first > 20,
        "only {} left",
        order.len() - first
    );

    // A value larger than the bound is not stored, and evicts nothing.
    let before = stored_bytes(&cache);
    cache.put(&key(999), &vec![0; max as usize]);
    assert_eq!(cache.get(&key(999)), None);
    assert_eq!(stored_bytes(&cache), before);

    // Overwriting an entry counts its new size only.
    cache.put(&key(199), &[1; 10]);
    assert_eq!(stored_bytes(&cache), before - 3000 + 10);
}

#[test]
fn the_directory_stays_under_the_bound() {
    let dir = TempDir::new("directory");
    let max = 1 << 20;
    // Small values (many rows per page), values of about a page, values
    // of several pages: ten times what the bound holds, as fast as the
    // writes go.
    for (round, len) in [200, 3000, 20_000].into_iter().enumerate() {
        let path = dir.join(format!("{len}"));
        let cache = DiskCache::open(&path).unwrap().max_bytes(max);
        let count = 10 * max / len as u64;
        let mut peak = 0;
        for n in 0..count {
            cache.put(&key(n), &checked_value(n, round as u64, len));
            if n % 16 == 0 {
                peak = peak.max(directory_bytes(&path));
            }
        }
        cache.flush();
        peak = peak.max(directory_bytes(&path));
        assert!(peak <= max, "{len}-byte values: {peak} bytes");
        // And it holds a fair share of the bound.
        assert!(stored_bytes(&cache) > max / 4, "{len}-byte values");
        for n in count - 10..count {
            assert!(is_whole(n, &cache.get(&key(n)).unwrap()));
        }
    }
}

#[test]
fn hits_record_their_time_only_when_bounded_and_not_too_often() {
    let dir = TempDir::new("touch");
    let cache = touching_every_hit(&dir);
    cache.put(&key(1), &value(1));
    let written = used(&cache, 1);
    sleep(Duration::from_millis(3));
    check_value(1, &cache.get(&key(1)).unwrap());
    assert!(used(&cache, 1) > written);

    // An unbounded cache's hits write nothing at all.
    let unbounded = DiskCache::open(&dir).unwrap();
    let before = used(&unbounded, 1);
    sleep(Duration::from_millis(3));
    check_value(1, &unbounded.get(&key(1)).unwrap());
    assert_eq!(used(&unbounded, 1), before);

    // By default, a hit within a second of the last recorded use records
    // nothing.
    let quiet = DiskCache::open(&dir).unwrap().max_bytes(1 << 30);
    quiet.put(&key(2), &value(2));
    let before = used(&quiet, 2);
    sleep(Duration::from_millis(3));
    for _ in 0..10 {
        check_value(2, &quiet.get(&key(2)).unwrap());
    }
    assert_eq!(used(&quiet, 2), before);
}

#[test]
fn a_directory_that_cannot_hold_the_database_is_an_error_at_open() {
    let dir = TempDir::new("io");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("file"), b"x").unwrap();
    assert!(DiskCache::open(dir.join("file/cache")).is_err());
    // The database's own name taken by a directory.
    fs::create_dir_all(dir.join("cache").join(database::FILE)).unwrap();
    let error = DiskCache::open(dir.join("cache")).unwrap_err().to_string();
    assert!(error.contains(database::FILE), "{error}");
}

#[test]
fn a_deleted_directory_panics_nothing_and_a_new_handle_starts_afresh() {
    let dir = TempDir::new("deleted");
    let cache = DiskCache::open(&dir).unwrap().max_bytes(1 << 20);
    cache.put(&key(1), &value(1));
    check_value(1, &cache.get(&key(1)).unwrap());
    fs::remove_dir_all(&dir).unwrap();
    // The handle's open connections may still read and write the deleted
    // file, new ones cannot open it: what is read back is still right.
    let other = cache.clone();
    let read = std::thread::spawn(move || (other.get(&key(1)), other.get(&key(2))));
    cache.put(&key(2), &value(2));
    let (first, second) = read.join().unwrap();
    for (n, bytes) in [(1, first), (2, second)] {
        if let Some(bytes) = bytes {
            check_value(n, &bytes);
        }
    }
    let reopened = DiskCache::open(&dir).unwrap();
    assert_eq!(reopened.get(&key(1)), None);
    reopened.put(&key(3), &value(3));
    check_value(3, &reopened.get(&key(3)).unwrap());
}

#[test]
fn clear_removes_every_entry_and_gives_the_space_back() {
    let dir = TempDir::new("clear");
    let cache = DiskCache::open(&dir).unwrap().max_bytes(1 << 24);
    for n in 0..200 {
        cache.put(&key(n), &vec![n as u8; 10_000]);
    }
    cache.flush();
    let full: u64 = files_under(&dir).iter().map(|(_, size)| size).sum();
    assert!(full > 2_000_000, "{full} bytes");
    let other = cache.clone();
    other.clear().unwrap();
    assert_eq!(stored_bytes(&cache), 0);
    let cleared: u64 = files_under(&dir).iter().map(|(_, size)| size).sum();
    assert!(cleared < 100_000, "{cleared} bytes after clear");
    assert_eq!(cache.get(&key(0)), None);
    // Another handle sees it too.
    assert_eq!(DiskCache::open(&dir).unwrap().get(&key(1)), None);
    cache.put(&key(0), &value(0));
    check_value(0, &cache.get(&key(0)).unwrap());
}

// Processes killed while writing.

/// The directory the child writes to; it writes nothing without it.
const CHILD_DIR: &str = "HN_DISK_CACHE_TEST_CHILD_DIR";
/// Where the child starts in the keys (children start apart).
const CHILD_START: &str = "HN_DISK_CACHE_TEST_CHILD_START";
/// The keys the children write.
const CHILD_KEYS: u64 = 200;
/// The file a child creates if it ever reads a wrong value.
const WRONG: &str = "wrong-value-read";

/// A value that checks itself: the hex of its key, `len` bytes derived
/// from `round`, and a BLAKE3 hash of both.
fn checked_value(n: u64, round: u64, len: usize) -> Vec<u8> {
    let mut bytes = key(n).to_hex().into_bytes();
    bytes.extend((0..len).map(|i| (i as u64 ^ round) as u8));
    let hash = blake3::hash(&bytes);
    bytes.extend_from_slice(hash.as_bytes());
    bytes
}

/// Whether `bytes` is a whole value written by `checked_value` for key `n`.
fn is_whole(n: u64, bytes: &[u8]) -> bool {
    let Some(split) = bytes.len().checked_sub(32) else {
        return false;
    };
    let (body, hash) = bytes.split_at(split);
    body.starts_with(key(n).to_hex().as_bytes()) && blake3::hash(body).as_bytes() == hash
}

/// Not a test of its own: the body of the processes that
/// `killed_writers_leave_whole_entries_or_none` starts and kills. It
/// writes values of up to 64 KiB in a loop, reads others back, and checks
/// them; bounded, so that it evicts too. It stops by itself after a
/// minute, should nobody kill it.
#[test]
#[ignore = "run as a child process by killed_writers_leave_whole_entries_or_none"]
fn child_writes_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let start: u64 = std::env::var(CHILD_START).unwrap().parse().unwrap();
    let cache = touching_every_hit(Path::new(&dir)).max_bytes(1 << 20);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut round = 0;
    while Instant::now() < deadline {
        for step in 0..CHILD_KEYS {
            let n = (start + step) % CHILD_KEYS;
            let len = ((n * 7919 + round * 104_729) % 65_536) as usize;
            cache.put(&key(n), &checked_value(n, round, len));
            let m = (n * 31) % CHILD_KEYS;
            if let Some(bytes) = cache.get(&key(m)) {
                if !is_whole(m, &bytes) {
                    fs::write(Path::new(&dir).join(WRONG), format!("key {m}")).unwrap();
                }
            }
        }
        round += 1;
    }
}

/// How many entries the database holds (0 before it exists).
fn written(dir: &Path) -> i64 {
    if !dir.join(database::FILE).is_file() {
        return 0;
    }
    sql(dir)
        .query_row("SELECT COUNT(*) FROM entries", [], |row| row.get(0))
        .unwrap_or(0)
}

/// Waits for `child` to end, at most `timeout`.
fn wait_for(child: &mut Child, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn killed_writers_leave_whole_entries_or_none() {
    let dir = TempDir::new("killed");
    fs::create_dir_all(&dir).unwrap();
    let spawn = |start: u64| {
        Command::new(std::env::current_exe().unwrap())
            .args([
                "cache::disk::test::child_writes_until_killed",
                "--exact",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, &*dir)
            .env(CHILD_START, format!("{start}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Two processes on the same keys, from different starts.
    let mut children = [spawn(0), spawn(CHILD_KEYS / 2)];
    // Kill them once they have been writing for a while (but never wait
    // for them more than 30 s).
    let deadline = Instant::now() + Duration::from_secs(30);
    while written(&dir) < 10 && Instant::now() < deadline {
        sleep(Duration::from_millis(10));
    }
    sleep(Duration::from_millis(200));
    for child in &mut children {
        // SIGKILL on Unix: no destructor, no buffered write runs.
        child.kill().unwrap();
        assert!(
            wait_for(child, Duration::from_secs(10)),
            "a child outlived SIGKILL"
        );
    }
    assert!(
        !dir.join(WRONG).exists(),
        "a child read a wrong value: {}",
        fs::read_to_string(dir.join(WRONG)).unwrap_or_default()
    );

    let cache = DiskCache::open(&dir).unwrap();
    // Both children's writes stayed under their bound together.
    assert!(stored_bytes(&cache) <= 1 << 20);
    let mut whole = 0;
    for n in 0..CHILD_KEYS {
        if let Some(bytes) = cache.get(&key(n)) {
            assert!(is_whole(n, &bytes), "a torn or wrong value under key {n}");
            whole += 1;
        }
    }
    assert!(
        whole >= 10,
        "only {whole} entries: the children barely wrote"
    );
    // And the directory is still a working cache.
    let value = checked_value(CHILD_KEYS, 0, 100);
    cache.put(&key(CHILD_KEYS), &value);
    assert_eq!(cache.get(&key(CHILD_KEYS)), Some(value));
}
