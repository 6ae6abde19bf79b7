//! The writes of a [`DiskCache`](super::DiskCache), off the callers'
//! threads: puts and recorded uses wait in memory, where this process's
//! reads find them, and a thread of the cache commits them in batches.
//!
//! A commit costs tens of microseconds (a write to SQLite's log, locks,
//! the pages of the total) whatever it holds: one per put would add that
//! to every node call of a first run, one per batch adds a few
//! microseconds. The price: another process sees a put some milliseconds
//! later ([`GATHER`] plus the commit), and a process killed in that window
//! loses what was waiting (never a torn entry: each batch is one
//! transaction).

use super::database::{Budget, Database, Entry};
use super::CHECKSUM_LEN;
use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use std::vec::Vec;

type KeyBytes = [u8; 32];

/// How long the first write of a batch waits for others to join it.
const GATHER: Duration = Duration::from_millis(10);

/// A batch this large is committed without waiting.
const FULL_BATCH: usize = 1024;

/// A batch of this many bytes of values is committed without waiting, and
/// puts wait while this many wait (when writes outrun the disk). Less with
/// a bound: the share of it a batch may take, so that a batch (which the
/// database holds whole, and its log too, before it evicts) stays small
/// beside it.
const MAX_WAITING_BYTES: u64 = 8 << 20;

/// One value to store.
pub(super) struct Put {
    /// Counted against the bound.
    pub size: u64,
    /// Milliseconds since the Unix epoch.
    pub used: i64,
    pub checksum: [u8; CHECKSUM_LEN],
    pub value: Vec<u8>,
    /// The bound of the handle that put it.
    pub max: Option<u64>,
}

/// What waits for the thread, and how far it got.
#[derive(Default)]
struct Waiting {
    puts: HashMap<KeyBytes, Put>,
    /// The bytes of the values in `puts`.
    bytes: u64,
    /// The smallest bound of the handles whose puts wait.
    tightest: Option<u64>,
    /// Recorded uses: the latest per key.
    uses: HashMap<KeyBytes, i64>,
    /// The batch being committed: reads still find it here until it is.
    committing: Arc<HashMap<KeyBytes, Put>>,
    /// Batches taken by the thread, and batches it finished.
    taken: u64,
    finished: u64,
    /// Someone waits for the next batch: no gathering.
    urgent: bool,
    /// The last handle went: the thread commits what waits and ends.
    closing: bool,
}

impl Waiting {
    fn is_empty(&self) -> bool {
        self.puts.is_empty() && self.uses.is_empty()
    }

    /// Whether the puts waiting make a whole batch.
    fn is_full(&self) -> bool {
        let bytes = match self.tightest {
            Some(max) => Budget::of(max).batch.min(MAX_WAITING_BYTES),
            None => MAX_WAITING_BYTES,
        };
        !self.puts.is_empty() && (self.puts.len() >= FULL_BATCH || self.bytes >= bytes)
    }
}

/// What the handles and the thread share.
#[derive(Default)]
struct Shared {
    waiting: Mutex<Waiting>,
    /// Wakes the thread: something to commit, or to hurry, or to end.
    wake: Condvar,
    /// Wakes the callers: a batch was taken (room for puts) or finished.
    progress: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(
        &self,
        condvar: &Condvar,
        guard: MutexGuard<'a, Waiting>,
    ) -> MutexGuard<'a, Waiting> {
        condvar.wait(guard).unwrap_or_else(PoisonError::into_inner)
    }
}

/// The queue of a directory's writes in this process, and its thread.
/// Dropping it commits what waits, then ends the thread.
pub(super) struct Writes {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Writes {
    /// Starts the thread that commits to `database`.
    pub fn start(database: Arc<Database>) -> io::Result<Writes> {
        let shared = Arc::new(Shared::default());
        let thread = std::thread::Builder::new()
            .name("hn-disk-cache".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || commit_until_closed(&shared, &database)
            })?;
        Ok(Writes {
            shared,
            thread: Some(thread),
        })
    }

    /// Queues `put` under `key`, in place of what waits there. Waits first
    /// while too many bytes wait.
    pub fn put(&self, key: KeyBytes, put: Put) {
        let shared = &*self.shared;
        let mut waiting = shared.lock();
        while waiting.is_full() && !waiting.closing {
            shared.wake.notify_one();
            waiting = shared.wait(&shared.progress, waiting);
        }
        let first = waiting.is_empty();
        waiting.bytes += put.value.len() as u64;
        if let Some(max) = put.max {
            waiting.tightest = Some(waiting.tightest.map_or(max, |tightest| tightest.min(max)));
        }
        if let Some(replaced) = waiting.puts.insert(key, put) {
            waiting.bytes -= replaced.value.len() as u64;
        }
        if first || waiting.is_full() {
            shared.wake.notify_one();
        }
    }

    /// Queues a use of `key`'s entry at `used`.
    pub fn touch(&self, key: KeyBytes, used: i64) {
        let mut waiting = self.shared.lock();
        let first = waiting.is_empty();
        waiting.uses.insert(key, used);
        if first {
            self.shared.wake.notify_one();
        }
    }

    /// The value put under `key` that is not committed yet, if any.
    pub fn find(&self, key: &KeyBytes) -> Option<Vec<u8>> {
        let waiting = self.shared.lock();
        let put = waiting
            .puts
            .get(key)
            .or_else(|| waiting.committing.get(key))?;
        Some(put.value.clone())
    }

    /// Returns once everything queued before the call is committed (or
    /// failed to be).
    pub fn flush(&self) {
        let shared = &*self.shared;
        let mut waiting = shared.lock();
        let last = if waiting.is_empty() {
            waiting.taken
        } else {
            waiting.urgent = true;
            shared.wake.notify_one();
            waiting.taken + 1
        };
        while waiting.finished < last {
            waiting = shared.wait(&shared.progress, waiting);
        }
    }

    /// Drops what waits, and returns once the batch being committed (if
    /// any) is.
    pub fn discard(&self) {
        let shared = &*self.shared;
        let mut waiting = shared.lock();
        waiting.puts.clear();
        waiting.uses.clear();
        waiting.bytes = 0;
        waiting.tightest = None;
        shared.progress.notify_all();
        let last = waiting.taken;
        while waiting.finished < last {
            waiting = shared.wait(&shared.progress, waiting);
        }
    }
}

impl Drop for Writes {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The thread's loop: waits for a write, gathers others for up to
/// [`GATHER`], commits them all in one transaction; until closed.
fn commit_until_closed(shared: &Shared, database: &Database) {
    let mut waiting = shared.lock();
    loop {
        if waiting.is_empty() {
            if waiting.closing {
                return;
            }
            waiting = shared.wait(&shared.wake, waiting);
            continue;
        }
        let deadline = Instant::now() + GATHER;
        while !waiting.closing && !waiting.urgent && !waiting.is_full() {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            waiting = shared
                .wake
                .wait_timeout(waiting, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        waiting.urgent = false;
        let puts = Arc::new(core::mem::take(&mut waiting.puts));
        let uses = core::mem::take(&mut waiting.uses);
        waiting.bytes = 0;
        waiting.tightest = None;
        waiting.committing = Arc::clone(&puts);
        waiting.taken += 1;
        shared.progress.notify_all();
        drop(waiting);

        // Never ends the thread, even by a panic: puts and flushes wait for
        // it. (A batch that panicked is dropped, like one that failed.)
        let _ = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| {
            commit(database, &puts, &uses);
        }));

        waiting = shared.lock();
        waiting.committing = Arc::default();
        waiting.finished += 1;
        shared.progress.notify_all();
    }
}

/// Commits one batch; a failure drops it (the cache misses those entries).
fn commit(database: &Database, puts: &HashMap<KeyBytes, Put>, uses: &HashMap<KeyBytes, i64>) {
    let entries: Vec<Entry<'_>> = puts
        .iter()
        .map(|(key, put)| Entry {
            key,
            size: put.size,
            used: put.used,
            checksum: &put.checksum,
            value: &put.value,
        })
        .collect();
    let uses: Vec<(&[u8], i64)> = uses.iter().map(|(key, used)| (&key[..], *used)).collect();
    // The tightest bound of the handles that wrote.
    let max = puts.values().filter_map(|put| put.max).min();
    let _ = database.store(&entries, &uses, max);
}
