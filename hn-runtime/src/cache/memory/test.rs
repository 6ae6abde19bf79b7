use super::*;
use crate::cache::test::{check_value, hammer, key, stores_like_any_value, value};
use std::format;

#[test]
fn stores_like_any_value_bounded_or_not() {
    stores_like_any_value(&MemoryCache::new());
    stores_like_any_value(&MemoryCache::with_capacity(100));
}

#[test]
fn evicts_the_least_recently_used() {
    let cache = MemoryCache::with_capacity(3);
    let present = |cache: &MemoryCache| -> Vec<u64> {
        (0..10).filter(|&n| cache.get(&key(n)).is_some()).collect()
    };
    for n in 0..3 {
        cache.put(&key(n), &value(n));
    }
    // Use order now: 0, 1, 2. A hit on 0 makes 1 the oldest.
    assert!(cache.get(&key(0)).is_some());
    cache.put(&key(3), &value(3));
    assert_eq!(cache.len(), 3);
    // (`present` gets the keys in order: the use order is now 0, 2, 3.)
    assert_eq!(present(&cache), [0, 2, 3]);
    // A store counts as a use too: overwriting 0 makes 2 the oldest.
    cache.put(&key(0), b"again");
    cache.put(&key(4), &value(4));
    assert_eq!(present(&cache), [0, 3, 4]);
    assert_eq!(cache.get(&key(0)).as_deref(), Some(&b"again"[..]));
    // A miss is no use: the order is 3, 4, 0.
    assert_eq!(cache.get(&key(9)), None);
    cache.put(&key(5), &value(5));
    cache.put(&key(6), &value(6));
    assert_eq!(present(&cache), [0, 5, 6]);
}

#[test]
fn capacity_zero_stores_nothing() {
    let cache = MemoryCache::with_capacity(0);
    cache.put(&key(1), b"one");
    assert_eq!(cache.get(&key(1)), None);
    assert!(cache.is_empty());
}

#[test]
fn large_capacities_are_sharded_and_still_exact_in_size() {
    for capacity in [511, 512, 1000, 4096, 100_000] {
        let cache = MemoryCache::with_capacity(capacity);
        let expected_shards = (capacity / ENTRIES_PER_SHARD).clamp(1, MAX_SHARDS);
        assert!(cache.shards.len().is_power_of_two());
        assert!(cache.shards.len() <= expected_shards);
        assert_eq!(capacity < 512, cache.shards.len() == 1);
        for n in 0..capacity as u64 * 2 {
            cache.put(&key(n), &[]);
        }
        assert_eq!(cache.len(), capacity);
        // The most recent entries are all there: each shard keeps its
        // newest share, and the newest tenth of the keys fits every share
        // (the shards' fill differs by a few percent at most).
        let recent = capacity as u64 / 10;
        let kept = (capacity as u64 * 2 - recent..capacity as u64 * 2)
            .filter(|&n| cache.get(&key(n)).is_some())
            .count();
        assert_eq!(kept as u64, recent);
    }
}

#[test]
fn clones_share_the_store_and_clear_empties_it() {
    let cache = MemoryCache::new();
    let handle = cache.clone();
    assert!(cache.is_empty());
    handle.put(&key(1), &value(1));
    handle.put(&key(2), &value(2));
    assert_eq!(cache.len(), 2);
    check_value(1, &cache.get(&key(1)).unwrap());
    assert_eq!(
        format!("{cache:?}"),
        "MemoryCache { len: 2, capacity: None }"
    );
    cache.clear();
    assert!(handle.is_empty());
    assert_eq!(handle.get(&key(1)), None);
    // Usable again after a clear.
    handle.put(&key(1), &value(1));
    assert_eq!(cache.len(), 1);
}

#[test]
fn eight_threads_on_the_same_keys() {
    let unbounded = MemoryCache::new();
    let hits = hammer(&unbounded, 64, 200);
    assert_eq!(unbounded.len(), 64);
    // Each key is missed by at most each thread once.
    assert!(hits >= 8 * 64 * 200 - 8 * 64, "{hits} hits");

    // Bounded below the keys used: evictions all the time.
    let bounded = MemoryCache::with_capacity(16);
    hammer(&bounded, 64, 200);
    assert_eq!(bounded.len(), 16);
}
