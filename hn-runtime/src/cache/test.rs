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
