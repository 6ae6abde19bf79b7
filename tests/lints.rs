//! Generated code is lint-clean under strict lints, and uses fully qualified
//! paths: it compiles in a module that redefines the prelude's names.
#![deny(
    warnings,
    missing_docs,
    unused_qualifications,
    unused_results,
    unreachable_pub,
    missing_debug_implementations,
    trivial_casts,
    trivial_numeric_casts,
    unused_import_braces,
    unused_lifetimes,
    single_use_lifetimes,
    elided_lifetimes_in_paths,
    variant_size_differences,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]

use hypernodes::prelude::*;

/// Not `Clone`: moved by the pipeline.
#[derive(Debug)]
pub struct Token(u32);

/// A node error.
#[derive(Debug)]
pub struct Invalid;

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid")
    }
}

impl std::error::Error for Invalid {}

/// Parses a number.
///
/// # Errors
///
/// When `text` is not a number.
#[node]
pub fn number(text: &str) -> Result<u32, Invalid> {
    text.trim().parse().map_err(|_| Invalid)
}

/// Splits a number.
#[node(output = (high, low))]
#[must_use]
pub const fn halves(number: u32) -> (u16, u16) {
    #[allow(clippy::cast_possible_truncation)]
    ((number >> 16) as u16, number as u16)
}

/// Records a number.
#[node]
pub fn log(low: u16, lines: &std::cell::RefCell<Vec<String>>) {
    lines.borrow_mut().push(format!("low {low}"));
}

pipeline! {
    /// Fallible and infallible nodes, tuple outputs, clones, moves, drops,
    /// a unit-returning node.
    #[outputs(number, high, low, log, peek, spend, shout, tag)]
    pub struct Everything {
        number,
        halves,
        log,
        /// Makes a token.
        #[must_use]
        fn token(high: u16) -> Token { Token(u32::from(high)) }
        /// Borrows the token.
        #[must_use]
        const fn peek(token: &Token) -> u32 { token.0 }
        /// Takes a clone of the label.
        #[must_use]
        fn shout(mut label: String) -> String { label.make_ascii_uppercase(); label }
        /// Takes the label by value, and a `Vec` by reference.
        #[must_use]
        #[allow(clippy::needless_pass_by_value)]
        fn tag(label: String, shout: &str, numbers: &[u8]) -> String { format!("{label}/{shout}/{}", numbers.len()) }
        /// Owns the token at last.
        #[must_use]
        #[allow(clippy::needless_pass_by_value)]
        const fn spend(token: Token, peek: u32) -> u32 { token.0 + peek }
    }
}

pipeline! {
    /// Pruned, with an uninhabited error.
    #[outputs(doubled)]
    pub struct Pruned {
        halves,
        /// Doubles.
        #[must_use]
        fn doubled(low: u16) -> u32 { u32::from(low) * 2 }
    }
}

#[test]
fn strict_lints_pass_on_generated_code() {
    let lines = std::cell::RefCell::new(Vec::new());
    let inputs = EverythingInputs {
        text: String::from("65539"),
        lines,
        label: String::from("a"),
        numbers: vec![1, 2],
    };
    let out = Everything.run(inputs).unwrap();
    assert_eq!((out.number, out.high, out.low), (65539, 1, 3));
    assert_eq!(out.log, ());
    assert_eq!((out.peek, out.spend), (1, 2));
    assert_eq!((out.shout.as_str(), out.tag.as_str()), ("A", "a/A/2"));

    let error = Everything
        .run(EverythingInputs {
            text: String::from("x"),
            lines: std::cell::RefCell::default(),
            label: String::new(),
            numbers: Vec::new(),
        })
        .unwrap_err();
    assert_eq!(error.to_string(), "node `number` failed: invalid");

    let out = match Pruned.run(PrunedInputs { number: 7 }) {
        Ok(out) => out,
        Err(never) => match never {},
    };
    assert_eq!(out.doubled, 14);
    assert_eq!(format!("{out:?}"), "PrunedOutputs { doubled: 14 }");
}

/// Shadows every prelude name generated code might use unqualified.
#[allow(
    dead_code,
    non_camel_case_types,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
mod redefined_prelude {
    use ::hypernodes::prelude::*;

    struct Result;
    struct Option;
    struct Ok;
    struct Err;
    struct Some;
    struct None;
    struct String;
    struct Vec;
    struct Box;
    struct Sized;
    struct Send;
    struct Sync;
    struct Copy;
    struct Default;
    struct PartialEq;
    struct Eq;
    struct Iterator;
    struct IntoIterator;
    struct From;
    struct Into;
    struct ToString;
    struct ToOwned;
    struct Drop;
    struct Fn;
    struct FnOnce;
    struct AsRef;
    trait Clone {}
    trait Debug {}
    trait Display {}
    trait Error {}
    fn drop() {}
    mod core {}
    mod std {}
    mod alloc {}
    mod hypernodes {}

    /// Fails on zero.
    #[node]
    pub(super) fn checked(n: u32) -> ::core::result::Result<u32, ::std::string::String> {
        if n == 0 {
            ::core::result::Result::Err(::std::string::String::from("zero"))
        } else {
            ::core::result::Result::Ok(n)
        }
    }

    pipeline! {
        /// A pipeline among redefined names.
        #[outputs(spent, label)]
        pub(super) struct Shadowed {
            checked,
            #[node(output = (half, rest))]
            fn split(checked: u32) -> (u32, u32) { (checked / 2, checked - checked / 2) }
            fn words(half: u32) -> ::std::vec::Vec<::std::string::String> {
                ::core::iter::repeat(::std::string::String::from("w")).take(half as usize).collect()
            }
            fn label(words: ::std::vec::Vec<::std::string::String>, name: &::core::primitive::str) -> ::std::string::String {
                ::std::format!("{name}:{}", words.concat())
            }
            fn keep(words: &[::std::string::String], rest: u32) -> ::std::boxed::Box<u32> {
                ::std::boxed::Box::new(rest + words.len() as u32)
            }
            fn spent(keep: ::std::boxed::Box<u32>) -> u32 { *keep }
            fn never_run(spent: u32) -> u32 { spent }
        }
    }

    pub(super) fn run(
        n: u32,
    ) -> ::core::result::Result<(u32, ::std::string::String), ::std::string::String> {
        match Shadowed.run(ShadowedInputs {
            n,
            name: ::std::string::String::from("n"),
        }) {
            ::core::result::Result::Ok(out) => ::core::result::Result::Ok((out.spent, out.label)),
            ::core::result::Result::Err(error) => {
                ::core::result::Result::Err(::std::string::ToString::to_string(&error))
            }
        }
    }
}

#[test]
fn generated_code_survives_a_redefined_prelude() {
    assert_eq!(redefined_prelude::run(5), Ok((5, String::from("n:ww"))));
    assert_eq!(
        redefined_prelude::run(0),
        Err(String::from("node `checked` failed: zero"))
    );
}
