use super::*;
use crate::cache::test::{check_value, hammer, key, stores_like_any_value, value};
use std::fs;
use std::process::{Child, Command, Stdio};
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

/// cacache's content store, where `max_bytes` applies: it must exist once
/// something was written (the tests would pass vacuously otherwise).
fn content_dir(cache: &Path) -> PathBuf {
    let dir = cache.join("content-v2");
    assert!(dir.is_dir(), "no content store at {}", dir.display());
    dir
}

/// The bytes of all content files, as the file system reports them.
fn content_bytes(cache: &Path) -> u64 {
    files_under(&content_dir(cache))
        .iter()
        .map(|(_, size)| size)
        .sum()
}

/// The bytes of all index files.
fn index_bytes(cache: &Path) -> u64 {
    files_under(&cache.join("index-v5"))
        .iter()
        .map(|(_, size)| size)
        .sum()
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
fn damaged_content_is_a_miss_then_rewritten() {
    let dir = TempDir::new("damaged");
    let cache = DiskCache::open(&dir).unwrap();
    for n in 0..20 {
        cache.put(&key(n), &value(n));
    }
    let files = files_under(&content_dir(&dir));
    assert_eq!(files.len(), 20);
    // Each file damaged a different way: a flipped bit, truncated, emptied,
    // or extended; all keep being valid-looking files.
    for (i, (path, _)) in files.iter().enumerate() {
        let mut bytes = fs::read(path).unwrap();
        match i % 4 {
            0 => *bytes.last_mut().unwrap() ^= 1,
            1 => bytes.truncate(bytes.len() / 2),
            2 => bytes.clear(),
            _ => bytes.extend_from_slice(b"more"),
        }
        fs::write(path, bytes).unwrap();
    }
    for n in 0..20 {
        assert_eq!(cache.get(&key(n)), None, "damaged entry {n} was read");
    }
    // The damaged entries were removed, and are written again.
    assert_eq!(content_bytes(&dir), 0);
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
fn a_deleted_content_file_is_a_miss() {
    let dir = TempDir::new("deleted");
    let cache = DiskCache::open(&dir).unwrap();
    cache.put(&key(1), &value(1));
    for (path, _) in files_under(&content_dir(&dir)) {
        fs::remove_file(path).unwrap();
    }
    assert_eq!(cache.get(&key(1)), None);
    cache.put(&key(1), &value(1));
    check_value(1, &cache.get(&key(1)).unwrap());
}

#[test]
fn damaged_index_lines_are_misses() {
    let dir = TempDir::new("index");
    let cache = DiskCache::open(&dir).unwrap();
    for n in 0..10 {
        cache.put(&key(n), &value(n));
    }
    let files = files_under(&dir.join("index-v5"));
    assert_eq!(files.len(), 10);
    for (path, _) in files {
        let mut bytes = fs::read(&path).unwrap();
        // A digit of the line's time: still JSON, no longer its checksum.
        let time = bytes.windows(7).position(|w| w == b"\"time\":").unwrap();
        bytes[time + 8] = if bytes[time + 8] == b'1' { b'2' } else { b'1' };
        fs::write(&path, bytes).unwrap();
    }
    for n in 0..10 {
        assert_eq!(cache.get(&key(n)), None);
        cache.put(&key(n), &value(n));
        check_value(n, &cache.get(&key(n)).unwrap());
    }
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

    // Bounded to about 8 of the 32 values: evictions all along.
    let stored = (KEY_LEN + value(49).len()) as u64;
    let bounded = touching_every_hit(&dir.join("bounded")).max_bytes(8 * stored);
    hammer(&bounded, 32, 4);
    bounded.put(&key(0), &value(0)); // a last put, to settle the total
    assert!(content_bytes(&dir.join("bounded")) <= 8 * stored);
}

#[test]
fn eviction_keeps_the_most_recently_used_under_the_bound() {
    let dir = TempDir::new("evict");
    let stored = KEY_LEN as u64 + 1000;
    let max = 10 * stored + 500;
    let cache = touching_every_hit(&dir).max_bytes(max);
    // Uses a few milliseconds apart, so that their times differ.
    let use_then_wait = |action: &dyn Fn()| {
        action();
        sleep(Duration::from_millis(3));
    };
    let put = |n: u64| {
        use_then_wait(&|| cache.put(&key(n), &vec![n as u8; 1000]));
        assert!(content_bytes(&dir) <= max, "over the bound after {n}");
    };
    for n in 0..10 {
        put(n);
    }
    assert_eq!(content_bytes(&dir), 10 * stored);
    for n in 0..3 {
        use_then_wait(&|| assert!(cache.get(&key(n)).is_some()));
    }
    // Each put over the bound evicts the two oldest (down to 7/8 of it).
    for n in 10..16 {
        put(n);
    }
    let present: Vec<u64> = (0..16).filter(|&n| cache.get(&key(n)).is_some()).collect();
    assert_eq!(present, [0, 1, 2, 9, 10, 11, 12, 13, 14, 15]);

    // A value larger than the bound is not stored, and evicts nothing.
    cache.put(&key(99), &vec![0; max as usize]);
    assert_eq!(cache.get(&key(99)), None);
    assert_eq!(content_bytes(&dir), 10 * stored);
}

#[test]
fn eviction_sees_what_other_handles_wrote() {
    let dir = TempDir::new("others");
    let stored = KEY_LEN as u64 + 1000;
    let max = 10 * stored;
    let first = DiskCache::open(&dir).unwrap().max_bytes(max);
    let second = DiskCache::open(&dir).unwrap().max_bytes(max);
    for n in 0..8 {
        first.put(&key(n), &vec![1; 1000]);
        sleep(Duration::from_millis(2));
    }
    // The second handle scans at its first write, and finds 9 entries;
    // each of its next writes up to the bound is counted; the write past
    // it scans and evicts the first handle's oldest entries.
    for n in 8..12 {
        second.put(&key(n), &vec![2; 1000]);
        sleep(Duration::from_millis(2));
    }
    assert!(content_bytes(&dir) <= max);
    assert_eq!(first.get(&key(0)), None);
    assert!(second.get(&key(11)).is_some());
}

#[test]
fn hits_record_their_time_and_index_files_stay_short() {
    let dir = TempDir::new("touch");
    let cache = touching_every_hit(&dir);
    cache.put(&key(1), &value(1));
    let written = cacache::index::find(&dir, &key(1).to_hex())
        .unwrap()
        .unwrap();
    let one_line = index_bytes(&dir);
    sleep(Duration::from_millis(3));
    for _ in 0..100 {
        check_value(1, &cache.get(&key(1)).unwrap());
    }
    let touched = cacache::index::find(&dir, &key(1).to_hex())
        .unwrap()
        .unwrap();
    assert!(touched.time > written.time);
    assert!(index_bytes(&dir) > one_line);
    assert!(
        index_bytes(&dir) <= (one_line + 2) * MAX_LINES,
        "{} bytes of index for one entry",
        index_bytes(&dir)
    );

    // An unbounded cache's hits write nothing at all.
    let unbounded = DiskCache::open(&dir).unwrap();
    sleep(Duration::from_millis(3));
    let before = index_bytes(&dir);
    check_value(1, &unbounded.get(&key(1)).unwrap());
    assert_eq!(index_bytes(&dir), before);

    // By default, a hit within a second of the last recorded use records
    // nothing.
    let quiet = DiskCache::open(&dir).unwrap().max_bytes(1 << 30);
    quiet.put(&key(2), &value(2));
    let before = index_bytes(&dir);
    for _ in 0..10 {
        check_value(2, &quiet.get(&key(2)).unwrap());
    }
    assert_eq!(index_bytes(&dir), before);
}

#[test]
fn io_errors_are_misses_and_dropped_writes() {
    let dir = TempDir::new("io");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("file"), b"x").unwrap();
    assert!(DiskCache::open(dir.join("file/cache")).is_err());

    let path = dir.join("cache");
    let cache = DiskCache::open(&path).unwrap().max_bytes(1 << 20);
    cache.put(&key(1), &value(1));
    check_value(1, &cache.get(&key(1)).unwrap());

    // The content store replaced by a file: nothing can be read or written.
    fs::remove_dir_all(content_dir(&path)).unwrap();
    fs::write(path.join("content-v2"), b"not a directory").unwrap();
    assert_eq!(cache.get(&key(1)), None);
    cache.put(&key(2), &value(2));
    assert_eq!(cache.get(&key(2)), None);

    // The whole directory replaced by a file.
    fs::remove_dir_all(&path).unwrap();
    fs::write(&path, b"not a directory").unwrap();
    assert_eq!(cache.get(&key(1)), None);
    cache.put(&key(3), &value(3));
    assert_eq!(cache.get(&key(3)), None);
    assert!(cache.clear().is_err());

    // Gone: the next write creates the directory again.
    fs::remove_file(&path).unwrap();
    assert_eq!(cache.get(&key(3)), None);
    cache.put(&key(3), &value(3));
    check_value(3, &cache.get(&key(3)).unwrap());
}

#[cfg(unix)]
#[test]
fn a_read_only_directory_answers_hits_and_drops_writes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("read-only");
    let cache = DiskCache::open(&dir).unwrap();
    cache.put(&key(1), &value(1));
    let read_only = |path: &Path| {
        for (file, _) in files_under(path) {
            fs::set_permissions(file, fs::Permissions::from_mode(0o444)).unwrap();
        }
        fs::set_permissions(path, fs::Permissions::from_mode(0o555)).unwrap();
    };
    for sub in ["", "index-v5", "content-v2", "tmp"] {
        if dir.join(sub).is_dir() {
            read_only(&dir.join(sub));
        }
    }
    let probe = dir.join("probe");
    if fs::write(&probe, b"").is_ok() {
        // Permissions do not bind this user (root): nothing to test.
        let _ = fs::remove_file(probe);
    } else {
        check_value(1, &cache.get(&key(1)).unwrap());
        cache.put(&key(2), &value(2));
        assert_eq!(cache.get(&key(2)), None);
    }
    // Writable again, for `TempDir` to remove it.
    for (path, _) in files_under(&dir) {
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o644));
    }
    let _ = fs::set_permissions(&*dir, fs::Permissions::from_mode(0o755));
}

#[test]
fn clear_removes_every_entry() {
    let dir = TempDir::new("clear");
    let cache = DiskCache::open(&dir).unwrap().max_bytes(1 << 20);
    for n in 0..5 {
        cache.put(&key(n), &value(n));
    }
    let other = cache.clone();
    other.clear().unwrap();
    assert!(dir.is_dir());
    assert!(files_under(&dir).is_empty());
    assert_eq!(cache.get(&key(0)), None);
    cache.put(&key(0), &value(0));
    check_value(0, &cache.get(&key(0)).unwrap());
}

#[test]
fn stale_temporary_files_are_removed_by_a_scan() {
    let dir = TempDir::new("temporary");
    let cache = DiskCache::open(&dir).unwrap().max_bytes(1 << 20);
    fs::create_dir_all(dir.join(TEMPORARY_DIR)).unwrap();
    let stale = dir.join(TEMPORARY_DIR).join("left-by-a-crash");
    let fresh = dir.join(TEMPORARY_DIR).join("being-written");
    fs::write(&stale, b"partial").unwrap();
    fs::write(&fresh, b"partial").unwrap();
    let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
    fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    // The first write of a bounded handle scans.
    cache.put(&key(1), &value(1));
    assert!(!stale.exists());
    assert!(fresh.exists());
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
    while files_under(&dir.join("content-v2")).len() < 10 && Instant::now() < deadline {
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
