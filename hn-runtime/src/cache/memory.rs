//! [`MemoryCache`]: node results kept in the process, optionally bounded
//! with least-recently-used eviction.

use super::{Cache, Key};
use core::hash::{BuildHasherDefault, Hash, Hasher};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::vec::Vec;

/// Node results kept in memory, for the life of the process.
///
/// [`MemoryCache::new`] keeps every entry; [`MemoryCache::with_capacity`]
/// keeps at most that many and evicts the least recently used one (a hit
/// or a store counts as a use) to make room for a new one.
///
/// A `MemoryCache` is a handle: its clones share one store, so you can give
/// a clone to an [`Engine`](crate::Engine) and keep one to look at or
/// [`clear`](MemoryCache::clear) the store. Any number of threads may use it
/// at once.
///
/// The store is split in up to 16 shards, each behind its own lock and
/// picked by the key's last byte (keys are uniform hashes), so threads
/// working on different keys seldom wait for each other. A bounded cache
/// gets one shard per 256 entries of capacity (a power of two, at most 16),
/// each with its share of the capacity and its own recency order: below
/// 512 entries the eviction order is exactly least-recently-used; above,
/// the entry evicted is the least recently used of its shard, which holds
/// a random sixteenth (at most) of the keys.
///
/// # Examples
///
/// ```
/// use hypernodes::cache::{Cache, KeyBuilder, MemoryCache};
///
/// let cache = MemoryCache::with_capacity(2);
/// let key = |n: u64| KeyBuilder::new("demo::square", 0, 0).arg(&n).unwrap().finish();
///
/// cache.put(&key(1), b"one");
/// cache.put(&key(2), b"two");
/// assert_eq!(cache.get(&key(1)).as_deref(), Some(&b"one"[..])); // 1 is now the most recent
/// cache.put(&key(3), b"three"); // evicts 2, the least recently used
/// assert_eq!(cache.get(&key(2)), None);
/// assert_eq!(cache.len(), 2);
///
/// // A clone is the same store.
/// let handle = cache.clone();
/// handle.clear();
/// assert!(cache.is_empty());
/// ```
#[derive(Clone)]
pub struct MemoryCache {
    /// A power-of-two number of shards; a key lives in
    /// `shards[last byte & (len - 1)]`.
    shards: Arc<[Mutex<Shard>]>,
    /// The bound given to `with_capacity`, for `Debug`.
    capacity: Option<usize>,
}

/// The most shards a cache is split into: more than the cores that
/// usually contend, few enough that `len` and `clear` stay cheap.
const MAX_SHARDS: usize = 16;

/// A bounded cache gets a shard per this many entries of capacity, so
/// that each shard's recency order covers enough keys for its
/// least-recently-used entry to be among the globally oldest.
const ENTRIES_PER_SHARD: usize = 256;

impl MemoryCache {
    /// An unbounded cache: entries stay until [`clear`](MemoryCache::clear)
    /// or until the last handle is dropped.
    pub fn new() -> Self {
        Self::with_shards(MAX_SHARDS, None)
    }

    /// A cache of at most `entries` entries: storing one more evicts the
    /// least recently used (see the [type docs](MemoryCache) for the order
    /// of large caches). With `0`, nothing is stored.
    pub fn with_capacity(entries: usize) -> Self {
        let shards = (entries / ENTRIES_PER_SHARD).clamp(1, MAX_SHARDS);
        // Round down to a power of two, for the mask in `shard`.
        let shards = 1 << shards.ilog2();
        Self::with_shards(shards, Some(entries))
    }

    fn with_shards(count: usize, capacity: Option<usize>) -> Self {
        let shards = (0..count)
            .map(|index| {
                // The capacity spread as evenly as it divides: the shards
                // add up to exactly `capacity`.
                let share = capacity.map_or(usize::MAX, |total| {
                    total / count + usize::from(index < total % count)
                });
                Mutex::new(Shard::new(share))
            })
            .collect();
        MemoryCache { shards, capacity }
    }

    /// How many entries the cache holds.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|shard| lock(shard).map.len()).sum()
    }

    /// Whether the cache holds no entry.
    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(|shard| lock(shard).map.is_empty())
    }

    /// Removes every entry, for every handle of this cache.
    pub fn clear(&self) {
        for shard in self.shards.iter() {
            // Taken out under the lock, freed after it.
            let _entries = lock(shard).take();
        }
    }

    fn shard(&self, key: &Key) -> MutexGuard<'_, Shard> {
        // The map hashes the key's first bytes; the shard is picked by
        // another one, so that a shard's keys still spread over its map.
        let index = usize::from(key.as_bytes()[31]) & (self.shards.len() - 1);
        lock(&self.shards[index])
    }
}

/// The lock of a shard. No code that can panic runs under it, but a
/// poisoned lock would only mean a half-updated recency order, never a
/// wrong value: go on rather than panic.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Default for MemoryCache {
    /// [`MemoryCache::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl Cache for MemoryCache {
    fn get(&self, key: &Key) -> Option<Vec<u8>> {
        // Only the reference count is taken under the lock; the copy the
        // caller owns is made after it is released.
        let value = self.shard(key).get(key)?;
        Some(value.to_vec())
    }

    fn put(&self, key: &Key, value: &[u8]) {
        let value: Arc<[u8]> = Arc::from(value);
        // What the store lets go of (an evicted or replaced value) is freed
        // after the lock is released.
        let _released = self.shard(key).put(*key, value);
    }
}

/// One shard: a map from keys to slots of `entries`, which are linked
/// from the most to the least recently used. Slots are reused, never
/// removed one by one, so indices stay valid without an allocator per
/// entry.
struct Shard {
    map: HashMap<MapKey, usize, BuildHasherDefault<FirstWord>>,
    entries: Vec<Entry>,
    /// The most recently used slot, or `NIL`.
    newest: usize,
    /// The least recently used slot, or `NIL`: the next to be evicted.
    oldest: usize,
    capacity: usize,
}

/// No slot.
const NIL: usize = usize::MAX;

struct Entry {
    key: Key,
    value: Arc<[u8]>,
    /// The slot used just after this one, or `NIL`.
    newer: usize,
    /// The slot used just before this one, or `NIL`.
    older: usize,
}

impl Shard {
    fn new(capacity: usize) -> Self {
        Shard {
            map: HashMap::default(),
            entries: Vec::new(),
            newest: NIL,
            oldest: NIL,
            capacity,
        }
    }

    fn get(&mut self, key: &Key) -> Option<Arc<[u8]>> {
        let slot = *self.map.get(&MapKey(*key))?;
        self.make_newest(slot);
        Some(Arc::clone(&self.entries[slot].value))
    }

    /// Stores `value` under `key`; returns the value it displaced, if any
    /// (or `value` itself when the capacity is 0).
    fn put(&mut self, key: Key, value: Arc<[u8]>) -> Option<Arc<[u8]>> {
        if let Some(&slot) = self.map.get(&MapKey(key)) {
            self.make_newest(slot);
            return Some(core::mem::replace(&mut self.entries[slot].value, value));
        }
        if self.capacity == 0 {
            return Some(value);
        }
        let entry = Entry {
            key,
            value,
            newer: NIL,
            older: NIL,
        };
        let (slot, evicted) = if self.entries.len() < self.capacity {
            self.entries.push(entry);
            (self.entries.len() - 1, None)
        } else {
            let slot = self.oldest;
            self.unlink(slot);
            let evicted = core::mem::replace(&mut self.entries[slot], entry);
            self.map.remove(&MapKey(evicted.key));
            (slot, Some(evicted.value))
        };
        self.link_newest(slot);
        self.map.insert(MapKey(key), slot);
        evicted
    }

    fn make_newest(&mut self, slot: usize) {
        if self.newest != slot {
            self.unlink(slot);
            self.link_newest(slot);
        }
    }

    fn unlink(&mut self, slot: usize) {
        let Entry { newer, older, .. } = self.entries[slot];
        match newer {
            NIL => self.newest = older,
            newer => self.entries[newer].older = older,
        }
        match older {
            NIL => self.oldest = newer,
            older => self.entries[older].newer = newer,
        }
    }

    fn link_newest(&mut self, slot: usize) {
        let previous = self.newest;
        self.entries[slot].older = previous;
        self.entries[slot].newer = NIL;
        match previous {
            NIL => self.oldest = slot,
            previous => self.entries[previous].newer = slot,
        }
        self.newest = slot;
    }

    /// Empties the shard, handing its entries to the caller to free.
    fn take(&mut self) -> Vec<Entry> {
        self.map.clear();
        self.newest = NIL;
        self.oldest = NIL;
        core::mem::take(&mut self.entries)
    }
}

/// A key as the map hashes it: by its first 8 bytes, which are already
/// uniform (a BLAKE3 output), instead of running SipHash over all 32.
#[derive(PartialEq, Eq)]
struct MapKey(Key);

impl Hash for MapKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let bytes = self.0.as_bytes();
        state.write_u64(u64::from_le_bytes([
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
        ]));
    }
}

/// The hasher of [`MapKey`]: the word it is given is the hash.
#[derive(Default)]
struct FirstWord(u64);

impl Hasher for FirstWord {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = word;
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `MapKey` is hashed with this hasher, through `write_u64`;
        // still a valid hash (FNV-1a) for anything else.
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod test;
