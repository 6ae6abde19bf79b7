//! [`DiskCache`]: node results in a directory, shared by threads and
//! processes, in an SQLite database.

mod database;
mod writes;

use super::{Cache, Key};
use database::Database;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use std::vec::Vec;
use writes::{Put, Writes};

/// Node results stored in a directory: they outlive the process, and any
/// number of threads and processes may use one directory at once.
///
/// Entries live in one [SQLite](https://sqlite.org) database in the
/// directory (`entries.sqlite3`, with SQLite's write-ahead log next to
/// it), through [`rusqlite`]. So:
///
/// - writes are transactions: a crash or a kill in the middle of one
///   leaves either no entry or the whole one, never a torn one, and
///   several processes writing at once take turns;
/// - each entry carries a BLAKE3 checksum of its key and value, which every
///   read checks: a damaged value is a miss (the node runs and its value is
///   written again), never a wrong value. A file that is no longer an
///   SQLite database at all is started afresh by the next
///   [`open`](DiskCache::open);
/// - `get` and `put` never fail nor panic: a database that cannot be read
///   answers misses, one that cannot be written drops what is put.
///
/// # Writes in batches
///
/// A put returns at once: its value waits in memory, where every handle of
/// this process on the directory finds it, and a thread of the cache
/// commits what waits in one transaction, after gathering writes for 10 ms
/// (at once past 1024 of them, or 8 MiB of values, or a sixteenth of the
/// bound, see below). One commit per put would cost each node
/// call of a first run tens of microseconds; per batch it is a few. So:
///
/// - other processes see a put some milliseconds later, or at once after
///   [`flush`](DiskCache::flush);
/// - dropping the last handle of the directory in this process commits
///   what waits; a process killed, or ending without dropping its handles
///   (`std::process::exit`, a handle in a `static`), loses what waited
///   (those nodes run again next time);
/// - puts wait while a whole batch waits (writes faster than the disk).
///
/// Every [`open`](DiskCache::open) of one directory in a process shares
/// its connections and its queue (bounds may differ per handle); a clone
/// is the same handle. The directory must be on a local file system
/// (SQLite's write-ahead log shares memory between the processes, which
/// network file systems do not support).
///
/// # Size bound: least recently used first
///
/// With [`max_bytes`](DiskCache::max_bytes), the directory (the database,
/// its log and their shared-memory index) stays under that many bytes, the
/// least recently used entries going first:
///
/// - SQLite's fixed files take about 64 KiB; of the rest, the entries'
///   pages may take 9/16, the log 1/16 (past which it is folded into the
///   database and truncated), a batch of writes 1/16, and the remainder is
///   room for a commit in progress. So the entries' own bytes (values and
///   keys) come to about half the bound, less for values of a few hundred
///   bytes (SQLite's bookkeeping per row), and a bound under about 100 KiB
///   holds next to nothing. Measured: 0.66-0.91 of the bound at the peak,
///   for 1 and 4 MiB bounds and values of 200 B to 100 KB.
/// - Each entry holds its last use: the time of the write, updated by a
///   hit when it is older than a second (so a hot entry costs at most one
///   small write per second, and entries used within the same second are
///   in no particular order). Without a bound, hits write nothing: nothing
///   is ever evicted.
/// - A commit that takes the entries' pages over their share evicts the
///   oldest entries down to 15/16 of it, in the same transaction. The
///   database counts pages of every process: the bound holds across
///   processes (with handles of different bounds, a commit keeps to the
///   smallest among its writes).
/// - A value larger than the bound is not stored at all.
/// - While processes keep reading without a pause, SQLite cannot fold the
///   log into the database, and the log can grow past its share until they
///   pause.
///
/// Without `max_bytes` the database grows until it is cleared.
///
/// # Examples
///
/// ```
/// use hypernodes::cache::{Cache, DiskCache, KeyBuilder};
///
/// let dir = std::env::temp_dir().join(format!("hn-doc-disk-cache-{}", std::process::id()));
/// let cache = DiskCache::open(&dir)?.max_bytes(64 << 20);
///
/// let key = KeyBuilder::new("demo::square", 0, 0).arg(&3u64).unwrap().finish();
/// cache.put(&key, b"nine");
///
/// // Another handle on the directory sees the entry: at once in this
/// // process, within milliseconds (or after `cache.flush()`) in another.
/// let other = DiskCache::open(&dir)?;
/// assert_eq!(other.get(&key).as_deref(), Some(&b"nine"[..]));
///
/// cache.clear()?;
/// assert_eq!(other.get(&key), None);
/// # drop((cache, other));
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct DiskCache {
    dir: PathBuf,
    max_bytes: Option<u64>,
    /// How old (ms) an entry's recorded use may be before a hit records a
    /// new one.
    touch_after_ms: i64,
    /// Shared by every handle of this process on the directory.
    store: Arc<Store>,
}

/// A directory's database and write queue, shared by the handles of this
/// process on it (so that a read sees what another handle put a moment
/// ago, not yet committed).
struct Store {
    // Dropped first: the queue commits what waits before the connections
    // close.
    writes: Writes,
    database: Arc<Database>,
}

/// The directories this process has open, by canonical path.
static OPEN: Mutex<Vec<(PathBuf, Weak<Store>)>> = Mutex::new(Vec::new());

impl core::fmt::Debug for DiskCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DiskCache")
            .field("dir", &self.dir)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

/// Each entry's size counts its key too: an entry of an empty value is not
/// free.
const KEY_LEN: u64 = 32;

/// How long a hit waits before recording a use again, by default.
const TOUCH_AFTER: Duration = Duration::from_secs(1);

/// The bytes of an entry's checksum: a BLAKE3 hash of key and value, cut
/// to 128 bits.
const CHECKSUM_LEN: usize = 16;

impl DiskCache {
    /// A cache in `dir`, created if needed (with its parents). Entries
    /// already there, from earlier runs or other processes, are hits.
    ///
    /// Fails if the directory or the database in it cannot be created or
    /// opened for writing, or if the database was written by a later
    /// version of this crate in a layout this one does not know.
    pub fn open(dir: impl AsRef<Path>) -> io::Result<DiskCache> {
        let dir = dir.as_ref();
        Ok(DiskCache {
            dir: dir.to_path_buf(),
            max_bytes: None,
            touch_after_ms: TOUCH_AFTER.as_millis() as i64,
            store: Store::open(dir)?,
        })
    }

    /// Bounds the directory to `bytes`, evicting the least recently used
    /// entries (see [the policy](DiskCache#size-bound-least-recently-used-first)).
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    /// The cache's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes every entry, for every handle and process using the
    /// directory, and gives the space back to the file system (unless
    /// another process is reading at that moment: the space is then reused
    /// by the next entries). Fails if the database cannot be written.
    pub fn clear(&self) -> io::Result<()> {
        self.store.writes.discard();
        self.store.database.clear()
    }

    /// Returns once every put and recorded use of this process on the
    /// directory so far is committed, and so seen by other processes (or
    /// failed to be, and is dropped). They are committed by themselves
    /// within milliseconds, and when the last handle of the directory in
    /// this process is dropped: call this before another process needs
    /// them, or before the process exits without dropping its handles
    /// (`std::process::exit`, a handle in a `static`).
    pub fn flush(&self) {
        self.store.writes.flush();
    }
}

impl Store {
    /// The store of `dir` in this process: the one already open, or a new
    /// one.
    fn open(dir: &Path) -> io::Result<Arc<Store>> {
        std::fs::create_dir_all(dir)?;
        let canonical = std::fs::canonicalize(dir)?;
        let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
        open.retain(|(_, store)| store.strong_count() > 0);
        let existing = open
            .iter()
            .find(|(path, _)| *path == canonical)
            .and_then(|(_, store)| store.upgrade());
        // Unless its file was deleted since (with the directory, say): its
        // connections still use the deleted one.
        if let Some(store) = existing.filter(|_| canonical.join(database::FILE).is_file()) {
            return Ok(store);
        }
        open.retain(|(path, _)| *path != canonical);
        let database = Arc::new(Database::open(&canonical)?);
        let store = Arc::new(Store {
            writes: Writes::start(Arc::clone(&database))?,
            database,
        });
        open.push((canonical, Arc::downgrade(&store)));
        Ok(store)
    }
}

impl Cache for DiskCache {
    fn get(&self, key: &Key) -> Option<Vec<u8>> {
        let store = &*self.store;
        if let Some(value) = store.writes.find(key.as_bytes()) {
            return Some(value);
        }
        let found = store.database.find(key.as_bytes())?;
        if found.checksum != checksum(key, &found.value) {
            store.database.forget(key.as_bytes(), &found.checksum);
            return None;
        }
        // Last uses only order evictions: an unbounded cache never evicts,
        // so its hits write nothing.
        if self.max_bytes.is_some() {
            let now = now_ms();
            if now.saturating_sub(found.used) >= self.touch_after_ms {
                store.writes.touch(*key.as_bytes(), now);
            }
        }
        Some(found.value)
    }

    fn put(&self, key: &Key, value: &[u8]) {
        let size = KEY_LEN + value.len() as u64;
        if self.max_bytes.is_some_and(|max| size > max) {
            // It would be the first to go, along with everything else.
            return;
        }
        let put = Put {
            size,
            used: now_ms(),
            checksum: checksum(key, value),
            value: value.to_vec(),
            max: self.max_bytes,
        };
        self.store.writes.put(*key.as_bytes(), put);
    }
}

fn checksum(key: &Key, value: &[u8]) -> [u8; CHECKSUM_LEN] {
    let hash = blake3::Hasher::new()
        .update(key.as_bytes())
        .update(value)
        .finalize();
    let mut checksum = [0; CHECKSUM_LEN];
    checksum.copy_from_slice(&hash.as_bytes()[..CHECKSUM_LEN]);
    checksum
}

/// Milliseconds since the Unix epoch (0 if the clock is set before it).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod test;
