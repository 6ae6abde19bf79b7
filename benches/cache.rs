//! Criterion: what a cache lookup costs (see `benches/README.md`, "Cache
//! lookups"). Needs the `cache` feature of this crate:
//! `cargo bench -p hn-benches --features cache --bench cache`.
//!
//! - `key_u64`: a `KeyBuilder` key for a call with one `u64` argument.
//! - `decode_u64`: reading a stored `u64` back.
//! - `memory_hit`, `memory_hit_bounded`, `memory_miss`: `MemoryCache::get`
//!   of one of 1024 stored keys (8-byte values), unbounded and bounded to
//!   4096 entries; and of a key not stored.
//! - `lookup_u64`: the whole path of a hit, as a cached node pays it: the
//!   key, `get`, `decode`.
//! - `memory_hit_8_threads`, `memory_hit_8_threads_one_lock`: 8 threads
//!   getting the same 64 keys at once, unbounded (16 shards) and bounded to
//!   100 entries (one shard, one lock); the time reported is the wall time
//!   divided by all the threads' hits.
//! - `disk_hit`: `DiskCache::get` of one of 64 keys stored and committed
//!   (the page cache warm).

use criterion::{criterion_group, criterion_main, Criterion};
use hypernodes::cache::{decode, encode, Cache, DiskCache, Key, KeyBuilder, MemoryCache};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The key of a call of `bench::node` with `n`.
fn key(n: u64) -> Key {
    KeyBuilder::new("bench::node", 42, 0)
        .arg(&n)
        .unwrap()
        .finish()
}

/// `cache` with the keys `0..count`, each holding its number.
fn filled<C: Cache>(cache: C, count: u64) -> (C, Vec<Key>) {
    let keys: Vec<Key> = (0..count).map(key).collect();
    for (n, key) in keys.iter().enumerate() {
        cache.put(key, &encode(&(n as u64)).unwrap());
    }
    (cache, keys)
}

/// Gets the keys in turn, one per iteration; every one must hit.
fn hits(bencher: &mut criterion::Bencher, cache: &dyn Cache, keys: &[Key]) {
    let mut i = 0;
    bencher.iter(|| {
        i = (i + 1) % keys.len();
        cache.get(black_box(&keys[i])).unwrap()
    });
}

fn lookups(c: &mut Criterion) {
    let mut group = c.benchmark_group("cache_lookup");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));

    group.bench_function("key_u64", |bencher| {
        bencher.iter(|| {
            KeyBuilder::new("bench::node", 42, 0)
                .arg(black_box(&7u64))
                .unwrap()
                .finish()
        });
    });
    let stored = encode(&7u64).unwrap();
    group.bench_function("decode_u64", |bencher| {
        bencher.iter(|| decode::<u64>(black_box(&stored)).unwrap());
    });

    let (memory, keys) = filled(MemoryCache::new(), 1024);
    group.bench_function("memory_hit", |bencher| hits(bencher, &memory, &keys));
    let (bounded, keys) = filled(MemoryCache::with_capacity(4096), 1024);
    group.bench_function("memory_hit_bounded", |bencher| {
        hits(bencher, &bounded, &keys)
    });
    let absent = key(1 << 40);
    group.bench_function("memory_miss", |bencher| {
        bencher.iter(|| memory.get(black_box(&absent)));
    });
    let mut n = 0u64;
    group.bench_function("lookup_u64", |bencher| {
        bencher.iter(|| {
            n = (n + 1) % 1024;
            let key = KeyBuilder::new("bench::node", 42, 0)
                .arg(black_box(&n))
                .unwrap()
                .finish();
            decode::<u64>(&memory.get(&key).unwrap()).unwrap()
        });
    });

    for (name, cache) in [
        ("memory_hit_8_threads", MemoryCache::new()),
        (
            "memory_hit_8_threads_one_lock",
            MemoryCache::with_capacity(100),
        ),
    ] {
        let (cache, keys) = filled(cache, 64);
        group.bench_function(name, |bencher| {
            bencher.iter_custom(|iters| eight_threads(&cache, &keys, iters));
        });
    }

    let dir = std::env::temp_dir().join(format!("hn-bench-cache-{}", std::process::id()));
    let (disk, keys) = filled(DiskCache::open(&dir).unwrap(), 64);
    // Read from the database, not from the writes waiting in memory.
    disk.flush();
    group.bench_function("disk_hit", |bencher| hits(bencher, &disk, &keys));
    group.finish();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The wall time of 8 threads getting `iters` keys each, divided by 8: the
/// machine's time per hit.
fn eight_threads(cache: &MemoryCache, keys: &[Key], iters: u64) -> Duration {
    let start = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..8 {
            scope.spawn(move || {
                for i in 0..iters {
                    let key = &keys[((i + thread * 8) % keys.len() as u64) as usize];
                    black_box(cache.get(black_box(key)).unwrap());
                }
            });
        }
    });
    start.elapsed() / 8
}

criterion_group!(benches, lookups);
criterion_main!(benches);
