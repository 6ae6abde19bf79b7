//! The SQLite side of [`DiskCache`](super::DiskCache): the file and its
//! schema, a handle's connections, and the statements it runs. What to
//! store, check and evict is decided by the caller.

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use std::vec::Vec;

/// The database's file in the cache's directory.
pub(super) const FILE: &str = "entries.sqlite3";

/// The layout of the tables, kept in SQLite's `user_version`: a file of a
/// later layout is an error at `open`, never misread; one of an earlier
/// layout is started afresh (it only held a cache).
const FORMAT: i64 = 2;

/// Created once per file, in the transaction that sets `FORMAT`. A rowid
/// table: its leaves hold rows of up to 4 KiB whole, where a table
/// without rowid (an index b-tree) spills any row over 1 KiB into an
/// overflow page of its own, most of it empty. The value comes last, so
/// that reading the other columns (as eviction does) never reads a large
/// value's overflow pages.
const SCHEMA: &str = "
    DROP TABLE IF EXISTS entries;
    DROP TABLE IF EXISTS totals;
    CREATE TABLE entries (
        key BLOB NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        used INTEGER NOT NULL,
        checksum BLOB NOT NULL,
        value BLOB NOT NULL
    );
    CREATE TABLE totals (
        id INTEGER PRIMARY KEY CHECK (id = 0),
        bytes INTEGER NOT NULL
    );
    INSERT INTO totals (id, bytes) VALUES (0, 0);
";

const FIND: &str = "SELECT value, checksum, used FROM entries WHERE key = ?1";
const SIZE_OF: &str = "SELECT size FROM entries WHERE key = ?1";
const REPLACE: &str =
    "INSERT OR REPLACE INTO entries (key, size, used, checksum, value) VALUES (?1, ?2, ?3, ?4, ?5)";
const ADD_TO_TOTAL: &str = "UPDATE totals SET bytes = bytes + ?1 WHERE id = 0 RETURNING bytes";
const OLDEST_FIRST: &str = "SELECT key, size FROM entries ORDER BY used";
const REMOVE: &str = "DELETE FROM entries WHERE key = ?1";
const REMOVE_IF_STILL: &str = "DELETE FROM entries WHERE key = ?1 AND checksum = ?2 RETURNING size";
const TOUCH: &str = "UPDATE entries SET used = ?2 WHERE key = ?1";

/// How long a connection waits for another process's write to end before
/// giving up (a dropped put, a miss).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The write-ahead log is folded into the database every thousand pages
/// (SQLite's default), and then truncated to this.
const LOG_LIMIT: i64 = 4 << 20;

/// The bytes of an empty database's pages (its schema, the tables' first
/// pages, some slack): not counted against a bound.
const EMPTY_DATABASE: u64 = 8 * 4096;

/// Eviction stops after this many rounds even if the pages are not yet
/// down to their target.
const EVICTION_ROUNDS: usize = 4;

/// Idle reading connections a handle keeps at most (one per thread that
/// reads at once is all it ever needs).
const IDLE_READERS: usize = 64;

/// One entry to store.
#[derive(Clone, Copy)]
pub(super) struct Entry<'a> {
    pub key: &'a [u8],
    /// Counted against the bound.
    pub size: u64,
    /// Milliseconds since the Unix epoch.
    pub used: i64,
    pub checksum: &'a [u8],
    pub value: &'a [u8],
}

/// One entry as a read finds it, unchecked.
pub(super) struct Found {
    pub value: Vec<u8>,
    pub checksum: Vec<u8>,
    pub used: i64,
}

/// The connections of one handle (and its clones) to the database.
pub(super) struct Database {
    path: PathBuf,
    /// The connection that writes. This process's threads take turns on
    /// its lock rather than in SQLite's busy handler, which sleeps a
    /// millisecond or more per retry. `None` after an error: the next
    /// write connects afresh.
    writer: Mutex<Option<Connection>>,
    /// Idle connections that read: a reading thread takes one (or
    /// connects), and gives it back.
    readers: Mutex<Vec<Connection>>,
}

impl Database {
    /// The database in `dir`, created (with the directory) if needed. A
    /// file that is not an SQLite database, or a damaged one, is removed
    /// and started afresh: it only held a cache.
    pub fn open(dir: &Path) -> io::Result<Database> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(FILE);
        let writer = match initialize(&path) {
            Err(Unusable::Sqlite(error)) if is_damage(&error) => {
                remove_files(&path)?;
                initialize(&path)
            }
            other => other,
        }
        .map_err(|unusable| unusable.into_io(&path))?;
        Ok(Database {
            path,
            writer: Mutex::new(Some(writer)),
            readers: Mutex::default(),
        })
    }

    /// The entry of `key`, if there is one that can be read.
    pub fn find(&self, key: &[u8]) -> Option<Found> {
        self.read(|connection| {
            connection
                .prepare_cached(FIND)?
                .query_row(params![key], |row| {
                    Ok(Found {
                        value: row.get(0)?,
                        checksum: row.get(1)?,
                        used: row.get(2)?,
                    })
                })
                .optional()
        })
        .ok()
        .flatten()
    }

    /// Stores `entries`, each in place of its key's previous one, and
    /// records `uses`, in one transaction with the total; with a bound
    /// `max`, keeps the log and the entries' pages within their share of
    /// it (see [`Budget`]), evicting the least recently used entries in the
    /// same transaction. A failure stores nothing.
    pub fn store(
        &self,
        entries: &[Entry<'_>],
        uses: &[(&[u8], i64)],
        max: Option<u64>,
    ) -> rusqlite::Result<()> {
        let budget = max.map(Budget::of);
        self.write(|connection| {
            if let Some(budget) = &budget {
                keep_log_within(connection, budget.log)?;
            }
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut added: i64 = 0;
            {
                let mut size_of = transaction.prepare_cached(SIZE_OF)?;
                let mut replace = transaction.prepare_cached(REPLACE)?;
                for entry in entries {
                    let previous: Option<i64> = size_of
                        .query_row(params![entry.key], |row| row.get(0))
                        .optional()?;
                    replace.execute(params![
                        entry.key,
                        as_sql(entry.size),
                        entry.used,
                        entry.checksum,
                        entry.value
                    ])?;
                    added += as_sql(entry.size) - previous.unwrap_or(0);
                }
                let mut touch = transaction.prepare_cached(TOUCH)?;
                for (key, used) in uses {
                    touch.execute(params![key, used])?;
                }
            }
            let total = add_to_total(&transaction, added)?;
            if let Some(budget) = &budget {
                evict_to_fit(&transaction, total, budget.pages)?;
            }
            transaction.commit()
        })
    }

    /// Removes the entry of `key` if it still has `checksum` (a damaged
    /// one, found by a read; another process may have rewritten it since).
    pub fn forget(&self, key: &[u8], checksum: &[u8]) {
        let _ = self.write(|connection| {
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let size: Option<i64> = transaction
                .prepare_cached(REMOVE_IF_STILL)?
                .query_row(params![key, checksum], |row| row.get(0))
                .optional()?;
            if let Some(size) = size {
                add_to_total(&transaction, -size)?;
            }
            transaction.commit()
        });
    }

    /// Removes every entry, then gives the file's space back to the file
    /// system if no other process is in the middle of a read.
    pub fn clear(&self) -> io::Result<()> {
        self.write(|connection| {
            let transaction =
                connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            transaction.execute("DELETE FROM entries", [])?;
            transaction.execute("UPDATE totals SET bytes = 0 WHERE id = 0", [])?;
            transaction.commit()
        })
        .map_err(|error| Unusable::Sqlite(error).into_io(&self.path))?;
        let _ = self.write(|connection| {
            connection.execute_batch("VACUUM")?;
            connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        });
        Ok(())
    }

    /// Runs `write` on the writing connection, connecting first if needed.
    /// After an error the connection is dropped (rolling back what `write`
    /// left open), so that the next write starts from a fresh one.
    fn write<R>(
        &self,
        write: impl FnOnce(&mut Connection) -> rusqlite::Result<R>,
    ) -> rusqlite::Result<R> {
        let mut writer = lock(&self.writer);
        let connection = match &mut *writer {
            Some(connection) => connection,
            empty => empty.insert(connect(&self.path)?),
        };
        let result = write(connection);
        if result.is_err() {
            *writer = None;
        }
        result
    }

    /// Runs `read` on an idle reading connection, or a new one; keeps the
    /// connection for the next read unless `read` failed.
    fn read<R>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<R>,
    ) -> rusqlite::Result<R> {
        let idle = lock(&self.readers).pop();
        let connection = match idle {
            Some(connection) => connection,
            None => connect(&self.path)?,
        };
        let result = read(&connection);
        if result.is_ok() {
            let mut readers = lock(&self.readers);
            if readers.len() < IDLE_READERS {
                readers.push(connection);
            }
        }
        result
    }
}

/// Why a database could not be opened.
enum Unusable {
    Sqlite(rusqlite::Error),
    /// Written by a later version, in a layout this one does not know.
    Format(i64),
}

impl Unusable {
    fn into_io(self, path: &Path) -> io::Error {
        match self {
            Unusable::Sqlite(rusqlite::Error::SqliteFailure(error, message))
                if error.code == ErrorCode::CannotOpen =>
            {
                io::Error::other(std::format!(
                    "cannot open the cache database {}: {}",
                    path.display(),
                    message.as_deref().unwrap_or("unable to open the file")
                ))
            }
            Unusable::Sqlite(error) => {
                io::Error::other(std::format!("cache database {}: {error}", path.display()))
            }
            Unusable::Format(format) => io::Error::other(std::format!(
                "the cache database {} has layout {format}, written by a later version \
                 (this one reads layout {FORMAT}): use another directory, or clear this one",
                path.display()
            )),
        }
    }
}

impl From<rusqlite::Error> for Unusable {
    fn from(error: rusqlite::Error) -> Self {
        Unusable::Sqlite(error)
    }
}

/// A connection to the database at `path`, set up to write: in WAL mode
/// (kept in the file) with the tables of `FORMAT`, created if this is the
/// first connection ever.
fn initialize(path: &Path) -> Result<Connection, Unusable> {
    let mut connection = connect(path)?;
    // Readers never wait for the writer, nor it for them; only one process
    // writes at a time.
    let _: std::string::String =
        connection.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let format: i64 = transaction.pragma_query_value(None, "user_version", |row| row.get(0))?;
    match format {
        // New, or of an earlier layout.
        0..FORMAT => {
            transaction.execute_batch(SCHEMA)?;
            transaction.pragma_update(None, "user_version", FORMAT)?;
        }
        FORMAT => {}
        later => return Err(Unusable::Format(later)),
    }
    transaction.commit()?;
    Ok(connection)
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    // With the write-ahead log, NORMAL syncs at checkpoints only: a commit
    // is a write to the log. A crashed process loses nothing committed; a
    // crashed machine may lose the last commits, never consistency.
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "journal_size_limit", LOG_LIMIT)?;
    Ok(connection)
}

/// Adds `bytes` (negative to subtract) to the total, returning the new one.
fn add_to_total(connection: &Connection, bytes: i64) -> rusqlite::Result<u64> {
    let total: i64 = connection
        .prepare_cached(ADD_TO_TOTAL)?
        .query_row(params![bytes], |row| row.get(0))?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// How a bound on the directory is shared: SQLite's fixed files first
/// (the shared-memory index of the log and an empty database), then the
/// log, the entries' pages, and room for a batch (the database holds a
/// batch whole before it evicts, and the log holds each transaction
/// whole).
pub(super) struct Budget {
    /// The pages the entries take, beyond an empty database's (the file
    /// keeps the pages it frees, and reuses them).
    pub pages: u64,
    /// The log's size: folded into the database, then truncated, past it.
    pub log: u64,
    /// The bytes of values a batch gathers at most.
    pub batch: u64,
}

/// The shared-memory index of the log (`-shm`): 32 KiB.
const SHARED_MEMORY: u64 = 32 << 10;

impl Budget {
    pub fn of(max: u64) -> Budget {
        let rest = max.saturating_sub(SHARED_MEMORY + EMPTY_DATABASE);
        Budget {
            pages: rest / 16 * 9,
            log: (rest / 16).clamp(16 << 10, LOG_LIMIT as u64),
            batch: rest / 16,
        }
    }
}

/// Checkpoints the log once it reaches `bytes`, and truncates it to them.
fn keep_log_within(connection: &Connection, bytes: u64) -> rusqlite::Result<()> {
    let page: i64 = connection.pragma_query_value(None, "page_size", |row| row.get(0))?;
    let bytes = as_sql(bytes);
    connection.pragma_update(None, "wal_autocheckpoint", (bytes / page).max(1))?;
    connection.pragma_update(None, "journal_size_limit", bytes)
}

/// The bytes of the database's pages in use (not free).
fn pages_in_use(connection: &Connection) -> rusqlite::Result<u64> {
    let pragma = |name| connection.pragma_query_value(None, name, |row| row.get::<_, i64>(0));
    let used = (pragma("page_count")? - pragma("freelist_count")?) * pragma("page_size")?;
    Ok(u64::try_from(used).unwrap_or(0))
}

/// If the pages the entries take are over `allowed`, evicts the least
/// recently used entries until they are at most 15/16 of it (so that
/// evictions, each a transaction of its own size, stay small and apart).
/// `total` is the entries' own bytes: each round evicts them in
/// proportion to the pages to free, and a few rounds are enough (the last
/// pages left partly empty are filled by the next writes).
fn evict_to_fit(connection: &Connection, mut total: u64, allowed: u64) -> rusqlite::Result<()> {
    let entry_pages = || -> rusqlite::Result<u64> {
        Ok(pages_in_use(connection)?.saturating_sub(EMPTY_DATABASE))
    };
    let mut used = entry_pages()?;
    if used <= allowed {
        return Ok(());
    }
    let target = allowed - allowed / 16;
    for _round in 0..EVICTION_ROUNDS {
        if used <= target || total == 0 {
            break;
        }
        // Pages hold the entries and SQLite's bookkeeping: keep the same
        // share of each.
        let keep = (total as u128 * target as u128 / used as u128) as u64;
        let left = evict(connection, total, keep)?;
        if left == total {
            // Nothing left to evict (a total that disagrees with the rows).
            break;
        }
        total = left;
        used = entry_pages()?;
    }
    Ok(())
}

/// Removes the least recently used entries until the total is at most
/// `target`; returns the new total.
fn evict(connection: &Connection, mut total: u64, target: u64) -> rusqlite::Result<u64> {
    let mut victims = Vec::new();
    let mut removed: i64 = 0;
    {
        let mut oldest = connection.prepare_cached(OLDEST_FIRST)?;
        let mut rows = oldest.query([])?;
        while total > target {
            let Some(row) = rows.next()? else { break };
            let size: i64 = row.get(1)?;
            victims.push(row.get::<_, Vec<u8>>(0)?);
            removed += size;
            total = total.saturating_sub(u64::try_from(size).unwrap_or(0));
        }
    }
    let mut remove = connection.prepare_cached(REMOVE)?;
    for key in &victims {
        remove.execute(params![key])?;
    }
    add_to_total(connection, -removed)
}

/// Whether `error` means the file is not a (whole) SQLite database.
fn is_damage(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Removes the database and its log files.
fn remove_files(path: &Path) -> io::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.to_path_buf().into_os_string();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
            _ => {}
        }
    }
    Ok(())
}

/// Sizes are `u64` in Rust, `INTEGER` (i64) in SQLite; a value of more
/// than 8 EiB is not a concern.
fn as_sql(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

/// A lock whose holder panicked is still good: every write is one
/// transaction, rolled back if it did not commit.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
