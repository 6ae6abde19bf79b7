//! [`DiskCache`]: node results in a directory, shared by threads and
//! processes, on [`cacache`]'s content store.

use super::{Cache, Key};
use cacache::{Algorithm, Integrity, Metadata, RemoveOpts, Value, WriteOpts};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use std::vec::Vec;

/// Node results stored in a directory: they outlive the process, and any
/// number of threads and processes may use one directory at once.
///
/// Entries are stored with [`cacache`]: each value is a content file named
/// by its SHA-256, written to a temporary file and renamed into place, and
/// an index file per key, appended to, whose lines each carry their own
/// checksum. So:
///
/// - a crash or a kill in the middle of a write leaves either no entry or
///   the whole one, never a torn one;
/// - every read checks the content against its hash: a damaged, truncated
///   or missing file is a miss (the node runs and its value is written
///   again), never a wrong value. Each content file also starts with the
///   key it belongs to, which the read checks too;
/// - `get` and `put` never fail nor panic: a directory that cannot be read
///   answers misses, one that cannot be written drops what is put.
///
/// The directory belongs to the cache: [`clear`](DiskCache::clear) removes
/// everything in it. A clone of a `DiskCache` is the same handle (it shares
/// the running total below); [`open`](DiskCache::open) again for another.
///
/// An entry's index file grows by a line at each overwrite and recorded
/// use; at the 16th line the entry is written anew, from one line: a read
/// of that entry at that very moment is a miss.
///
/// # Size bound: least recently used first
///
/// With [`max_bytes`](DiskCache::max_bytes), the content files (each value
/// plus the 32 bytes of its key) are kept under that many bytes, the least
/// recently used entries going first. The bookkeeping is cheap and
/// approximate:
///
/// - Each entry's index line holds its last use: the time of the write,
///   updated by a hit when it is older than a second (so a hot entry costs
///   at most one small append per second, and entries used within the
///   same second are in no particular order). Without a bound, hits write
///   nothing: nothing is ever evicted.
/// - Each handle keeps a running total: what the last scan of the index
///   found, plus what it wrote since. Only when that total goes over the
///   bound (and once, at the first write) does it scan the index, and it
///   then evicts the oldest entries down to 7/8 of the bound, so that the
///   next scan is at least an eighth of the bound of writes away.
/// - Other processes' writes are only seen at the next scan: with several
///   processes writing, the directory can go over the bound by what the
///   others wrote since this handle's last scan, until a scan.
/// - A value larger than the bound is not stored at all.
/// - Not counted: the index (a few hundred bytes per entry), and content
///   orphaned by a crash between writing it and indexing it (removed by
///   `clear`). Temporary files a crash left behind are removed by the next
///   scan (of a bounded handle) once they are an hour old.
///
/// Without `max_bytes` the directory grows until it is cleared.
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
/// // Another handle on the directory, in this process or another one,
/// // sees the entry.
/// let other = DiskCache::open(&dir)?;
/// assert_eq!(other.get(&key).as_deref(), Some(&b"nine"[..]));
///
/// cache.clear()?;
/// assert_eq!(other.get(&key), None);
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct DiskCache {
    dir: PathBuf,
    max_bytes: Option<u64>,
    /// How old (ms) an entry's recorded use may be before a hit records a
    /// new one.
    touch_after_ms: u128,
    /// Shared by the clones of this handle.
    usage: Arc<Usage>,
}

/// A handle's view of how much content the directory holds.
#[derive(Debug, Default)]
struct Usage {
    /// What the last scan found, plus what this handle wrote since, minus
    /// what it removed.
    bytes: AtomicU64,
    /// Whether `bytes` starts from a scan yet.
    scanned: AtomicBool,
    /// Held by the thread that scans and evicts; the others do not wait
    /// for it.
    scanning: Mutex<()>,
}

impl Usage {
    fn add(&self, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    fn sub(&self, bytes: u64) {
        // Saturating: another thread's scan may have reset the total since
        // these bytes were counted.
        let _ = self
            .bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |total| {
                Some(total.saturating_sub(bytes))
            });
    }
}

/// Each content file starts with the key, so that two keys never share a
/// content file (removing one entry's content never damages another's) and
/// a read can check that the content is the key's.
const KEY_LEN: usize = 32;

/// How long a hit waits before recording a use again, by default.
const TOUCH_AFTER: Duration = Duration::from_secs(1);

/// An index file gains a line per write and per recorded use; past this
/// many, the next one rewrites the entry from scratch, so that reading it
/// (which parses every line) stays cheap. The count is kept in each
/// line's metadata.
const MAX_LINES: u64 = 16;

/// Where cacache writes content before renaming it into place.
const TEMPORARY_DIR: &str = "tmp";

/// Temporary files older than this were left by a crash (a write takes
/// far less), and are removed by the next scan.
const STALE_TEMPORARY: Duration = Duration::from_secs(3600);

impl DiskCache {
    /// A cache in `dir`, created if needed (with its parents). Entries
    /// already there, from earlier runs or other processes, are hits.
    pub fn open(dir: impl AsRef<Path>) -> io::Result<DiskCache> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        Ok(DiskCache {
            dir: dir.to_path_buf(),
            max_bytes: None,
            touch_after_ms: TOUCH_AFTER.as_millis(),
            usage: Arc::default(),
        })
    }

    /// Bounds the content to about `bytes`, evicting the least recently
    /// used entries (see [the policy](DiskCache#size-bound-least-recently-used-first)).
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    /// The cache's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes every entry, and everything else in the directory, which is
    /// kept. Fails if something in it cannot be removed; what could be is
    /// gone.
    pub fn clear(&self) -> io::Result<()> {
        cacache::clear_sync(&self.dir).map_err(into_io)?;
        self.usage.bytes.store(0, Ordering::Relaxed);
        self.usage.scanned.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// The index entry of `hex`, if it has one that can be read.
    fn find(&self, hex: &str) -> Option<Metadata> {
        cacache::index::find(&self.dir, hex).ok().flatten()
    }

    /// Writes `stored` (key and value) as the entry `hex`: the content,
    /// then an index line. `previous` is the entry's index line before, if
    /// any: when its file has grown long it is removed first. The
    /// content's integrity, `None` if the write failed.
    fn write(&self, hex: &str, stored: &[u8], previous: Option<&Metadata>) -> Option<Integrity> {
        let mut lines = previous.map_or(0, lines);
        if lines >= MAX_LINES {
            if let Some(previous) = previous {
                self.remove(hex, previous);
            }
            lines = 0;
        }
        let mut writer = WriteOpts::new()
            .algorithm(Algorithm::Sha256)
            .size(stored.len())
            .metadata(Value::from(lines + 1))
            .open_sync(&self.dir, hex)
            .ok()?;
        // One write of the whole buffer: with cacache's `mmap` feature
        // (which another crate of the build may turn on), a writer told
        // the size takes its bytes in exactly one write.
        writer.write_all(stored).ok()?;
        writer.commit().ok()
    }

    /// Records a hit on `entry` (whose content is `stored`), unless its
    /// last recorded use is recent.
    fn touch(&self, hex: &str, entry: &Metadata, stored: &[u8]) {
        // Last uses only order evictions: an unbounded cache never evicts,
        // so its hits write nothing.
        if self.max_bytes.is_none() {
            return;
        }
        let now = now_ms();
        if now.saturating_sub(entry.time) < self.touch_after_ms {
            return;
        }
        if lines(entry) >= MAX_LINES {
            // Rewritten with a fresh index file (time: now).
            let _ = self.write(hex, stored, Some(entry));
            return;
        }
        let line = WriteOpts::new()
            .integrity(entry.integrity.clone())
            .size(entry.size)
            .time(now)
            .metadata(Value::from(lines(entry) + 1));
        // A cache that cannot be written still answers hits.
        let _ = cacache::index::insert(&self.dir, hex, line);
    }

    /// Removes the entry `hex`, whose index line was `entry`: its content
    /// and its index file. Best effort: failures leave at worst an entry
    /// that reads as a miss. Whether a content file was removed (rather
    /// than found gone already).
    fn remove(&self, hex: &str, entry: &Metadata) -> bool {
        // Removes the content the index points to now, then the index
        // file; stops at the first failure (content already gone).
        let removed = RemoveOpts::new()
            .remove_fully(true)
            .remove_sync(&self.dir, hex)
            .is_ok();
        if !removed {
            // Then a line without content hides the entry.
            let _ = cacache::remove_sync(&self.dir, hex);
        }
        // The content `entry` points to, in case the index had moved on to
        // another one: no other key shares it (it starts with the key).
        cacache::remove_hash_sync(&self.dir, &entry.integrity).is_ok() || removed
    }

    /// Removes an entry found damaged, so that the next put starts afresh.
    fn forget(&self, hex: &str, entry: &Metadata) {
        // Only what this call removed leaves the total: content found gone
        // was subtracted by whoever removed it (an eviction, say).
        if self.remove(hex, entry) {
            self.usage.sub(entry.size as u64);
        }
    }

    /// Scans the index and evicts if the content is over the bound, unless
    /// this handle's running total says it is not, or another thread is
    /// at it already.
    fn evict_if_over(&self, max: u64) {
        let usage = &self.usage;
        if usage.scanned.load(Ordering::Relaxed) && usage.bytes.load(Ordering::Relaxed) <= max {
            return;
        }
        let _scanning = match usage.scanning.try_lock() {
            Ok(guard) => guard,
            // A scan that panicked left nothing half done.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        let before = usage.bytes.load(Ordering::Relaxed);
        remove_stale_temporaries(&self.dir);
        let mut entries: Vec<Metadata> = cacache::list_sync(&self.dir)
            .filter_map(Result::ok)
            .collect();
        let mut total: u64 = entries.iter().map(|entry| entry.size as u64).sum();
        if total > max {
            entries.sort_unstable_by_key(|entry| entry.time);
            let target = max - max / 8;
            for entry in &entries {
                if total <= target {
                    break;
                }
                self.remove(&entry.key, entry);
                total -= entry.size as u64;
            }
        }
        // What other threads wrote during the scan is added to what it
        // found, though the scan may have seen some of it: too high a
        // total only brings the next scan closer, too low a one would let
        // the content grow past the bound.
        let _ = usage
            .bytes
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| {
                Some(total + now.saturating_sub(before))
            });
        usage.scanned.store(true, Ordering::Relaxed);
    }
}

impl Cache for DiskCache {
    fn get(&self, key: &Key) -> Option<Vec<u8>> {
        let hex = key.to_hex();
        let entry = self.find(&hex)?;
        let mut stored = match cacache::read_hash_sync(&self.dir, &entry.integrity) {
            Ok(stored) if stored.starts_with(key.as_bytes()) => stored,
            Ok(_) => {
                self.forget(&hex, &entry);
                return None;
            }
            Err(error) => {
                if is_damage(&error) {
                    self.forget(&hex, &entry);
                }
                return None;
            }
        };
        self.touch(&hex, &entry, &stored);
        stored.drain(..KEY_LEN);
        Some(stored)
    }

    fn put(&self, key: &Key, value: &[u8]) {
        let mut stored = Vec::with_capacity(KEY_LEN + value.len());
        stored.extend_from_slice(key.as_bytes());
        stored.extend_from_slice(value);
        let size = stored.len() as u64;
        if self.max_bytes.is_some_and(|max| size > max) {
            // It would be the first to go, along with everything else.
            return;
        }
        let hex = key.to_hex();
        let previous = self.find(&hex);
        let Some(integrity) = self.write(&hex, &stored, previous.as_ref()) else {
            return;
        };
        self.usage.add(size);
        if let Some(previous) = previous {
            // The old content is no longer in addition to the new one if
            // this call removed it. (The same bytes put again overwrote
            // the same file, if it was there: counted twice until the next
            // scan, rather than risk counting it never.)
            if previous.integrity != integrity
                && cacache::remove_hash_sync(&self.dir, &previous.integrity).is_ok()
            {
                self.usage.sub(previous.size as u64);
            }
        }
        if let Some(max) = self.max_bytes {
            self.evict_if_over(max);
        }
    }
}

/// How many lines the entry's index file holds, as its latest line
/// records (entries written by other tools count as one).
fn lines(entry: &Metadata) -> u64 {
    entry.metadata.as_u64().unwrap_or(1)
}

/// Whether a failed read means the entry itself is bad (content changed,
/// truncated or gone), rather than the directory being unreadable for
/// now.
fn is_damage(error: &cacache::Error) -> bool {
    match error {
        cacache::Error::IntegrityError(_) | cacache::Error::SizeMismatch(..) => true,
        cacache::Error::IoError(error, _) => error.kind() == io::ErrorKind::NotFound,
        _ => false,
    }
}

fn into_io(error: cacache::Error) -> io::Error {
    match error {
        cacache::Error::IoError(error, _) => error,
        other => io::Error::other(other),
    }
}

/// Milliseconds since the Unix epoch, as cacache records them (0 if the
/// clock is set before it).
fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis())
}

/// Removes the temporary files a crash left in the cache.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(files) = std::fs::read_dir(dir.join(TEMPORARY_DIR)) else {
        return;
    };
    for file in files.flatten() {
        let stale = file
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > STALE_TEMPORARY);
        if stale {
            let _ = std::fs::remove_file(file.path());
        }
    }
}

#[cfg(test)]
mod test;
