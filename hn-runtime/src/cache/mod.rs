//! Caching node results across runs and processes: the [`Cache`] trait an
//! [`Engine`](crate::Engine) looks results up in, the [`Key`] of one node
//! call, and the stores [`MemoryCache`] and [`DiskCache`].
//!
//! # What the key holds
//!
//! A node marked `#[node(cache)]` is looked up under a [`Key`], a BLAKE3
//! hash of:
//!
//! - the node's full path (crate, module, name: `my_crate::text::embed`);
//! - a hash of the node's own tokens, computed by the macro at compile
//!   time: editing the function (its body, its signature, even a literal)
//!   invalidates its entries;
//! - the `version` of `#[node(cache, version = N)]` (0 without);
//! - each argument's type name and its value serialized with `serde`
//!   (postcard's compact format), each part length-prefixed, so that two
//!   different calls never hash the same bytes.
//!
//! What is **not** in the key: the code of the functions the node calls,
//! the crates it uses, files or the network it reads. When those change,
//! bump `version` (or [clear the cache](#how-to-clear-a-cache)).
//!
//! Values are stored serialized the same way. A value that cannot be
//! serialized, or an argument that cannot, is simply not cached (the node
//! runs); a stored value that cannot be read back is a miss (the node runs
//! and its value is written again).
//!
//! # The stores
//!
//! - [`MemoryCache`]: in the process, unbounded or holding at most N
//!   entries (least recently used evicted first); a hit costs a lock, a
//!   hash lookup and a copy of the value.
//! - [`DiskCache`]: a directory that outlives the process and that several
//!   processes can share, optionally bounded in bytes (least recently used
//!   evicted first); writes are atomic and reads checked.
//! - Anything else: implement [`Cache`].
//!
//! # How to clear a cache
//!
//! Entries are never stale as far as the key can tell; clear a cache when
//! something outside the key changed (a helper function, a file a node
//! reads), or to reclaim space:
//!
//! - [`MemoryCache::clear`] empties the store for every handle of it; so
//!   does dropping the last handle.
//! - [`DiskCache::clear`] removes every entry from its directory. Other
//!   processes using the directory at the time see misses from then on
//!   (their writes in flight may still land). With no process using it,
//!   deleting the directory does the same.
//! - For one node only, bump its `version` (`#[node(cache, version = 2)]`):
//!   its old entries are no longer looked up. In a [`DiskCache`] with
//!   [`max_bytes`](DiskCache::max_bytes) they are evicted in time, being
//!   the least recently used; without a bound they stay until cleared.
//!
//! ```
//! use hypernodes::cache::{DiskCache, MemoryCache};
//!
//! let memory = MemoryCache::new();
//! memory.clear();
//!
//! let dir = std::env::temp_dir().join(format!("hn-doc-clear-{}", std::process::id()));
//! let disk = DiskCache::open(&dir)?;
//! disk.clear()?;
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```

#[doc(hidden)]
pub mod call;

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::vec::Vec;

mod disk;
mod memory;

pub use disk::DiskCache;
pub use memory::MemoryCache;

/// The key of one node call: a 32-byte BLAKE3 hash of what identifies it
/// (see the [module docs](self)).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key([u8; 32]);

impl Key {
    /// The hash's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key from its bytes (as [`Key::as_bytes`] gave them).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Key(bytes)
    }

    /// The hash in lowercase hexadecimal (64 characters): a name for a file
    /// or an entry.
    pub fn to_hex(&self) -> std::string::String {
        use core::fmt::Write;
        let mut hex = std::string::String::with_capacity(64);
        for byte in self.0 {
            let _ = write!(hex, "{byte:02x}");
        }
        hex
    }
}

impl core::fmt::Debug for Key {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Key({})", self.to_hex())
    }
}

/// Builds a [`Key`]: the node's identity, then its arguments in order.
pub struct KeyBuilder {
    /// What is hashed, gathered first and hashed at once by `finish`: a
    /// few dozen bytes for small arguments. (Updating a `blake3::Hasher`
    /// part by part cost three times as much: each update has a fixed cost,
    /// and the hasher, nearly 2 KiB, is copied at every move of the
    /// builder.)
    bytes: Vec<u8>,
}

/// Tells keys of this format from any other use of the same hash.
const DOMAIN: &[u8] = b"hypernodes node call v1";

/// Room for the identity and a few small arguments without growing.
const KEY_BYTES: usize = 128;

impl KeyBuilder {
    /// The key of a call of the node at `path` whose tokens hash to `code`,
    /// at `version`.
    pub fn new(path: &str, code: u128, version: u32) -> Self {
        let mut builder = KeyBuilder {
            bytes: Vec::with_capacity(KEY_BYTES),
        };
        builder.part(DOMAIN);
        builder.part(path.as_bytes());
        builder.bytes.extend_from_slice(&code.to_le_bytes());
        builder.bytes.extend_from_slice(&version.to_le_bytes());
        builder
    }

    /// Adds one length-prefixed part.
    fn part(&mut self, bytes: &[u8]) {
        self.bytes
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(bytes);
    }

    /// Adds an argument: its type's name and its serialized value. `None`
    /// if it cannot be serialized (then the call is not cached).
    pub fn arg<T: Serialize + ?Sized>(mut self, value: &T) -> Option<Self> {
        self.part(core::any::type_name::<T>().as_bytes());
        // The value is serialized in place, after room for its length.
        let start = self.bytes.len();
        self.bytes.extend_from_slice(&[0; 8]);
        self.bytes = postcard::to_extend(value, self.bytes).ok()?;
        let len = (self.bytes.len() - start - 8) as u64;
        self.bytes[start..start + 8].copy_from_slice(&len.to_le_bytes());
        Some(self)
    }

    /// The key.
    pub fn finish(self) -> Key {
        Key(*blake3::hash(&self.bytes).as_bytes())
    }
}

/// A value as the caches store it; `None` if it cannot be serialized.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Option<Vec<u8>> {
    postcard::to_allocvec(value).ok()
}

/// A stored value read back; `None` if the bytes are not a `T` (a stale or
/// damaged entry: a miss).
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    postcard::from_bytes(bytes).ok()
}

/// A store of node results, looked up by an [`Engine`](crate::Engine) with
/// `Engine::cache(..)`.
///
/// Implement it to plug in another store. It is called from the threads
/// that run the nodes, so it must be `Send + Sync`. Neither method
/// reports errors: a store that cannot read answers `None` (the node runs),
/// and one that cannot write drops the value (it is computed again next
/// time). A store must never return bytes other than those put under the
/// key: check what it reads, if the medium can damage it.
///
/// # Examples
///
/// ```
/// use hypernodes::cache::{Cache, Key};
/// use std::collections::HashMap;
/// use std::sync::Mutex;
///
/// /// Keeps everything, forever.
/// #[derive(Default)]
/// struct Everything(Mutex<HashMap<Key, Vec<u8>>>);
///
/// impl Cache for Everything {
///     fn get(&self, key: &Key) -> Option<Vec<u8>> {
///         self.0.lock().unwrap().get(key).cloned()
///     }
///     fn put(&self, key: &Key, value: &[u8]) {
///         self.0.lock().unwrap().insert(*key, value.to_vec());
///     }
/// }
/// ```
pub trait Cache: Send + Sync + 'static {
    /// The value stored under `key`, if any.
    fn get(&self, key: &Key) -> Option<Vec<u8>>;
    /// Stores `value` under `key`, replacing what was there.
    fn put(&self, key: &Key, value: &[u8]);
}

/// Forwards to the store behind a pointer: a `Box<dyn Cache>`, or an `Arc`
/// shared with other engines or with the code that inspects it.
macro_rules! forward_cache {
    ($($pointer:ty),*) => {$(
        impl<C: Cache + ?Sized> Cache for $pointer {
            fn get(&self, key: &Key) -> Option<Vec<u8>> {
                (**self).get(key)
            }
            fn put(&self, key: &Key, value: &[u8]) {
                (**self).put(key, value);
            }
        }
    )*};
}

forward_cache!(std::boxed::Box<C>, std::sync::Arc<C>);

#[cfg(test)]
mod test;
