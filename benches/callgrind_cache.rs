//! A plain `fn main` to count what a cache lookup costs under callgrind
//! (see `benches/README.md`, "Cache lookups"):
//! `callgrind_cache <variant> <N>` does N lookups; only the functions named
//! `measured_*` are meant to be counted (`--toggle-collect=*measured_*`),
//! so filling the cache is left out. Variants:
//!
//! - `key_u64`: a `KeyBuilder` key for a call with one `u64` argument;
//! - `memory_hit`, `memory_hit_bounded`: `MemoryCache::get` of one of 1024
//!   stored keys (8-byte values), unbounded and bounded to 4096 entries;
//! - `memory_miss`: `MemoryCache::get` of a key not stored;
//! - `lookup_u64`: the key, `get` and `decode` of a hit.
//!
//! Needs the `cache` feature of this crate.

use hypernodes::cache::{decode, encode, Cache, Key, KeyBuilder, MemoryCache};
use std::hint::black_box;
use std::process::ExitCode;

mod cli;

/// The key of a call of `bench::node` with `n`.
fn key(n: u64) -> Key {
    KeyBuilder::new("bench::node", 42, 0)
        .arg(&n)
        .unwrap()
        .finish()
}

/// A cache holding the keys `0..1024`, each with its number.
fn filled(cache: MemoryCache) -> (MemoryCache, Vec<Key>) {
    let keys: Vec<Key> = (0..1024).map(key).collect();
    for (n, key) in keys.iter().enumerate() {
        cache.put(key, &encode(&(n as u64)).unwrap());
    }
    (cache, keys)
}

#[inline(never)]
fn measured_key(n: u64) -> u64 {
    let mut checksum = 0u64;
    for i in 0..n {
        let key = KeyBuilder::new("bench::node", 42, 0)
            .arg(black_box(&i))
            .unwrap()
            .finish();
        checksum = checksum.wrapping_add(u64::from(key.as_bytes()[0]));
    }
    checksum
}

#[inline(never)]
fn measured_get(cache: &MemoryCache, keys: &[Key], n: u64) -> u64 {
    let mut checksum = 0u64;
    for i in 0..n {
        let key = &keys[(i % keys.len() as u64) as usize];
        let value = cache.get(black_box(key));
        checksum = checksum.wrapping_add(value.map_or(1, |bytes| bytes.len() as u64));
    }
    checksum
}

#[inline(never)]
fn measured_lookup(cache: &MemoryCache, n: u64) -> u64 {
    let mut checksum = 0u64;
    for i in 0..n {
        let key = KeyBuilder::new("bench::node", 42, 0)
            .arg(black_box(&(i % 1024)))
            .unwrap()
            .finish();
        let value = cache.get(&key).and_then(|bytes| decode::<u64>(&bytes));
        checksum = checksum.wrapping_add(value.unwrap());
    }
    checksum
}

fn main() -> ExitCode {
    let (variant, n) = match cli::variant_and_count(
        "callgrind_cache",
        "key_u64|memory_hit|memory_hit_bounded|memory_miss|lookup_u64",
    ) {
        Ok((variant, n)) => (variant, n),
        Err(code) => return code,
    };
    let checksum = match variant.as_str() {
        "key_u64" => measured_key(n),
        "memory_hit" => {
            let (cache, keys) = filled(MemoryCache::new());
            measured_get(&cache, &keys, n)
        }
        "memory_hit_bounded" => {
            let (cache, keys) = filled(MemoryCache::with_capacity(4096));
            measured_get(&cache, &keys, n)
        }
        "memory_miss" => {
            let (cache, _) = filled(MemoryCache::new());
            measured_get(&cache, &[key(1 << 40)], n)
        }
        "lookup_u64" => measured_lookup(&filled(MemoryCache::new()).0, n),
        _ => {
            eprintln!("callgrind_cache: unknown variant {variant:?}");
            return ExitCode::from(2);
        }
    };
    println!("{checksum}");
    ExitCode::SUCCESS
}
