use super::*;
use proptest::prelude::*;
use std::string::String;
use std::vec;

fn key_of(path: &str, code: u128, version: u32, args: &[&str]) -> Key {
    let mut builder = KeyBuilder::new(path, code, version);
    for arg in args {
        builder = builder.arg(*arg).unwrap();
    }
    builder.finish()
}

#[test]
fn each_part_of_the_identity_changes_the_key() {
    let base = key_of("krate::embed", 7, 0, &["a"]);
    assert_eq!(base, key_of("krate::embed", 7, 0, &["a"]));
    assert_ne!(base, key_of("krate::other", 7, 0, &["a"]));
    assert_ne!(base, key_of("krate::embed", 8, 0, &["a"]));
    assert_ne!(base, key_of("krate::embed", 7, 1, &["a"]));
    assert_ne!(base, key_of("krate::embed", 7, 0, &["b"]));
    assert_eq!(base.to_hex().len(), 64);
}

#[test]
fn values_that_differ_only_in_type_have_different_keys() {
    let identity = || KeyBuilder::new("krate::node", 1, 0);
    let as_u32 = identity().arg(&5u32).unwrap().finish();
    let as_i32 = identity().arg(&5i32).unwrap().finish();
    let as_u64 = identity().arg(&5u64).unwrap().finish();
    assert_ne!(as_u32, as_i32);
    assert_ne!(as_u32, as_u64);
    // `None` and empty values are values like any other.
    let none = identity().arg(&None::<u32>).unwrap().finish();
    let empty = identity().arg(&Vec::<u32>::new()).unwrap().finish();
    let no_string = identity().arg("").unwrap().finish();
    assert_ne!(none, empty);
    assert_ne!(empty, no_string);
}

#[test]
fn values_round_trip_and_damage_is_a_miss() {
    let value = (vec![1u64, 2, 3], Some(String::from("x")), None::<i8>);
    let bytes = encode(&value).unwrap();
    assert_eq!(
        decode::<(Vec<u64>, Option<String>, Option<i8>)>(&bytes),
        Some(value)
    );
    assert_eq!(
        decode::<(Vec<u64>, Option<String>, Option<i8>)>(&bytes[..2]),
        None
    );
}

proptest! {
    /// Length prefixes keep the parts apart: moving bytes from one
    /// argument to the next, or from the path to an argument, changes the key.
    #[test]
    fn distinct_calls_never_share_a_key(
        a in proptest::collection::vec(".{0,6}", 0..4),
        b in proptest::collection::vec(".{0,6}", 0..4),
        path_a in "[a-z:]{1,8}",
        path_b in "[a-z:]{1,8}",
    ) {
        let (args_a, args_b): (Vec<&str>, Vec<&str>) = (
            a.iter().map(String::as_str).collect(),
            b.iter().map(String::as_str).collect(),
        );
        let key_a = key_of(&path_a, 1, 0, &args_a);
        let key_b = key_of(&path_b, 1, 0, &args_b);
        prop_assert_eq!(key_a == key_b, a == b && path_a == path_b);
    }
}

// What every store must do, run by the tests of each store.

/// The key of test entry `n`.
pub(super) fn key(n: u64) -> Key {
    KeyBuilder::new("test::node", 0, 0)
        .arg(&n)
        .unwrap()
        .finish()
}

/// The value of test entry `n`: `n` and a few bytes of filler, so that
/// values differ in length; checked by [`check_value`].
pub(super) fn value(n: u64) -> Vec<u8> {
    encode(&(n, vec![n as u8; (n % 50) as usize])).unwrap()
}

/// Panics unless `bytes` is the value of test entry `n`.
pub(super) fn check_value(n: u64, bytes: &[u8]) {
    assert_eq!(bytes, value(n), "a wrong value under the key of {n}");
}

/// Misses, hits, `None` and empty values, overwrites.
pub(super) fn stores_like_any_value(cache: &dyn Cache) {
    assert_eq!(cache.get(&key(1)), None);
    cache.put(&key(1), b"one");
    assert_eq!(cache.get(&key(1)).as_deref(), Some(&b"one"[..]));
    assert_eq!(cache.get(&key(1)).as_deref(), Some(&b"one"[..]));
    assert_eq!(cache.get(&key(2)), None);

    // `None` and empty values are values like any other.
    cache.put(&key(2), &encode(&None::<u32>).unwrap());
    let none = cache.get(&key(2)).unwrap();
    assert_eq!(decode::<Option<u32>>(&none), Some(None));
    cache.put(&key(3), &[]);
    assert_eq!(cache.get(&key(3)), Some(Vec::new()));
    cache.put(&key(4), &encode(&0u64).unwrap());
    assert_eq!(decode::<u64>(&cache.get(&key(4)).unwrap()), Some(0));

    // Overwrites: with another value, with the same one again, and with a
    // value that another key holds too.
    cache.put(&key(1), b"uno");
    assert_eq!(cache.get(&key(1)).as_deref(), Some(&b"uno"[..]));
    cache.put(&key(1), b"uno");
    assert_eq!(cache.get(&key(1)).as_deref(), Some(&b"uno"[..]));
    cache.put(&key(5), b"uno");
    cache.put(&key(1), b"one");
    assert_eq!(cache.get(&key(5)).as_deref(), Some(&b"uno"[..]));
    assert_eq!(cache.get(&key(1)).as_deref(), Some(&b"one"[..]));
    assert_eq!(cache.get(&key(3)), Some(Vec::new()));
}

/// 8 threads putting and getting the same `keys` keys, `rounds` times
/// each, in different orders: every hit is its key's value. Returns the
/// number of hits.
pub(super) fn hammer(cache: &dyn Cache, keys: u64, rounds: u64) -> u64 {
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..8u64)
            .map(|thread| {
                scope.spawn(move || {
                    let mut hits = 0;
                    for round in 0..rounds {
                        for step in 0..keys {
                            let n = (step * (thread + 1) + round) % keys;
                            match cache.get(&key(n)) {
                                Some(bytes) => {
                                    check_value(n, &bytes);
                                    hits += 1;
                                }
                                None => cache.put(&key(n), &value(n)),
                            }
                        }
                    }
                    hits
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| thread.join().unwrap())
            .sum()
    })
}

#[test]
fn keys_do_not_change_between_versions() {
    // Stored entries are found again only if the same call hashes to the
    // same key: any change of these bytes must bump `DOMAIN`.
    let key = KeyBuilder::new("krate::embed", 0x0123_4567_89ab_cdef_0011_2233_4455_6677, 3)
        .arg("some text")
        .unwrap()
        .arg(&(7u64, None::<i8>, vec![1.5f32]))
        .unwrap()
        .finish();
    assert_eq!(
        key.to_hex(),
        "acf96564581045e71bc4ff642e29fecfad0faa3424faf688bb2b29b4fc3ad13d"
    );
    assert_eq!(
        KeyBuilder::new("a::b", 0, 0).finish().to_hex(),
        "2567fb669ef382eb4a3b33958c2e9b9ba48f712db1c7b911429924191c1d8f4b"
    );
}
