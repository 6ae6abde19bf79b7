//! Fallible nodes: every supported error type, fail-fast runs, `infallible`,
//! the uninhabited error enum, `NodeError` and `MapError` with a generated
//! error.

use hypernodes::prelude::*;
use hypernodes::NodeError;
use std::error::Error;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, PartialEq)]
enum BadNumber {
    Empty,
    NotANumber(String),
}

impl fmt::Display for BadNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadNumber::Empty => f.write_str("empty input"),
            BadNumber::NotANumber(text) => write!(f, "`{text}` is not a number"),
        }
    }
}

impl Error for BadNumber {}

#[node]
fn parsed(text: &str) -> Result<i64, BadNumber> {
    if text.is_empty() {
        return Err(BadNumber::Empty);
    }
    text.parse()
        .map_err(|_| BadNumber::NotANumber(text.to_owned()))
}

#[node]
fn checked(parsed: i64) -> std::io::Result<u64> {
    u64::try_from(parsed).map_err(|_| std::io::Error::other(format!("{parsed} is negative")))
}

#[node]
fn halved(checked: u64) -> anyhow::Result<u64> {
    anyhow::ensure!(checked % 2 == 0, "{checked} is odd");
    Ok(checked / 2)
}

pipeline! {
    /// Three fallible nodes with three kinds of error.
    struct Parse {
        parsed,
        checked,
        halved,
    }
}

#[test]
fn every_node_succeeds() {
    let out = Parse.run(ParseInputs { text: "42".into() }).unwrap();
    assert_eq!((out.parsed, out.checked, out.halved), (42, 42, 21));
    let fallible: Vec<_> = Parse::NODES.iter().map(|node| node.fallible).collect();
    assert_eq!(fallible, [true, true, true]);
}

#[test]
fn custom_error_enum() {
    let error = Parse.run(ParseInputs { text: "x1".into() }).unwrap_err();
    assert!(matches!(&error, ParseError::Parsed(BadNumber::NotANumber(t)) if t == "x1"));
    assert_eq!(error.node(), "parsed");
    assert_eq!(
        error.to_string(),
        "node `parsed` failed: `x1` is not a number"
    );
    let source = error.source().unwrap();
    assert_eq!(
        source.downcast_ref::<BadNumber>(),
        Some(&BadNumber::NotANumber("x1".into()))
    );
}

static FIRST_CALLS: AtomicUsize = AtomicUsize::new(0);
static SECOND_CALLS: AtomicUsize = AtomicUsize::new(0);
static THIRD_CALLS: AtomicUsize = AtomicUsize::new(0);

pipeline! {
    /// Counts the calls of each node; `second` fails on odd numbers.
    struct Stops {
        fn first(n: u32) -> u32 {
            FIRST_CALLS.fetch_add(1, Ordering::SeqCst);
            n
        }
        fn second(first: u32) -> Result<u32, String> {
            SECOND_CALLS.fetch_add(1, Ordering::SeqCst);
            if first % 2 == 1 { Err(format!("{first} is odd")) } else { Ok(first / 2) }
        }
        fn third(second: u32) -> u32 {
            THIRD_CALLS.fetch_add(1, Ordering::SeqCst);
            second + 1
        }
    }
}

#[test]
fn first_failure_stops_the_run() {
    let counts =
        || [&FIRST_CALLS, &SECOND_CALLS, &THIRD_CALLS].map(|calls| calls.load(Ordering::SeqCst));
    let error = Stops.run(StopsInputs { n: 3 }).unwrap_err();
    assert_eq!(error.to_string(), "node `second` failed: 3 is odd");
    assert_eq!(counts(), [1, 1, 0], "`third` ran after `second` failed");

    let out = Stops.run(StopsInputs { n: 4 }).unwrap();
    assert_eq!((out.first, out.second, out.third), (4, 2, 3));
    assert_eq!(counts(), [2, 2, 1]);
}

#[test]
fn the_custom_error_of_the_first_node() {
    let error = Parse
        .run(ParseInputs {
            text: String::new(),
        })
        .unwrap_err();
    assert!(matches!(error, ParseError::Parsed(BadNumber::Empty)));
    assert_eq!(error.to_string(), "node `parsed` failed: empty input");
}

#[test]
fn io_error() {
    let error = Parse.run(ParseInputs { text: "-4".into() }).unwrap_err();
    let ParseError::Checked(io) = &error else {
        panic!("wrong variant: {error:?}")
    };
    assert_eq!(io.to_string(), "-4 is negative");
    assert_eq!(error.to_string(), "node `checked` failed: -4 is negative");
    assert!(error
        .source()
        .unwrap()
        .downcast_ref::<std::io::Error>()
        .is_some());
}

#[test]
fn anyhow_error() {
    let error = Parse.run(ParseInputs { text: "7".into() }).unwrap_err();
    assert!(matches!(error, ParseError::Halved(_)));
    assert_eq!(error.node(), "halved");
    assert_eq!(error.to_string(), "node `halved` failed: 7 is odd");
    assert_eq!(error.source().unwrap().to_string(), "7 is odd");
}

pipeline! {
    /// Errors without an `Error` impl, or without even `Display`.
    struct Odd {
        fn stringly(code: u8) -> Result<u8, String> {
            if code == 1 { Err(format!("code {code} refused")) } else { Ok(code) }
        }
        fn unit(stringly: u8) -> Result<u8, ()> {
            if stringly == 2 { Err(()) } else { Ok(stringly) }
        }
        fn opaque(unit: u8) -> Result<u8, NoTraits> {
            if unit == 3 { Err(NoTraits) } else { Ok(unit) }
        }
        fn boxed(opaque: u8) -> Result<u8, Box<dyn Error + Send + Sync>> {
            if opaque == 4 { Err("boxed failure".into()) } else { Ok(opaque) }
        }
    }
}

/// Implements nothing at all.
struct NoTraits;

#[test]
fn string_error_shows_its_message_without_a_source() {
    let error = Odd.run(OddInputs { code: 1 }).unwrap_err();
    assert!(matches!(&error, OddError::Stringly(message) if message == "code 1 refused"));
    assert_eq!(error.to_string(), "node `stringly` failed: code 1 refused");
    assert!(error.source().is_none());
}

#[test]
fn error_without_display_still_names_the_node() {
    let error = Odd.run(OddInputs { code: 2 }).unwrap_err();
    assert!(matches!(error, OddError::Unit(())));
    assert_eq!(error.node(), "unit");
    // `()` has `Debug` but no `Display`: shown by its `Debug`.
    assert_eq!(error.to_string(), "node `unit` failed: ()");
    assert!(error.source().is_none());

    let error = Odd.run(OddInputs { code: 3 }).unwrap_err();
    assert!(matches!(error, OddError::Opaque(NoTraits)));
    assert_eq!(error.to_string(), "node `opaque` failed");
    assert!(error.source().is_none());
    assert_eq!(format!("{error:?}"), "Opaque(..)");
}

#[test]
fn boxed_error() {
    let error = Odd.run(OddInputs { code: 4 }).unwrap_err();
    assert_eq!(error.node(), "boxed");
    assert_eq!(error.to_string(), "node `boxed` failed: boxed failure");
    assert_eq!(error.source().unwrap().to_string(), "boxed failure");
    let out = Odd.run(OddInputs { code: 5 }).unwrap();
    assert_eq!(out.boxed, 5);
}

pipeline! {
    /// A `Result` that is a value, not an error.
    struct Attempt {
        #[node(infallible)]
        fn attempt(text: &str) -> Result<u32, std::num::ParseIntError> { text.parse() }
        fn describe(attempt: &Result<u32, std::num::ParseIntError>) -> String {
            match attempt { Ok(n) => format!("ok {n}"), Err(_) => "not a number".to_owned() }
        }
    }
}

#[test]
fn infallible_makes_the_whole_result_an_output() {
    let out = Attempt
        .run(AttemptInputs {
            text: "nope".into(),
        })
        .unwrap();
    assert!(out.attempt.is_err());
    assert_eq!(out.describe, "not a number");
    let out = Attempt.run(AttemptInputs { text: "12".into() }).unwrap();
    assert_eq!(out.attempt, Ok(12));
    assert_eq!(out.describe, "ok 12");
    assert!(Attempt::NODES.iter().all(|node| !node.fallible));
    // The error enum has no variants.
    fn never(error: AttemptError) -> ! {
        match error {}
    }
    let _ = never;
}

pipeline! {
    /// No node can fail.
    struct Safe {
        fn plus_one(n: u8) -> u8 { n.wrapping_add(1) }
    }
}

#[test]
fn infallible_pipeline_error_is_uninhabited() {
    fn never(error: SafeError) -> ! {
        match error {}
    }
    let _: fn(SafeError) -> ! = never;
    let out = match Safe.run(SafeInputs { n: 255 }) {
        Ok(out) => out,
        Err(error) => never(error),
    };
    assert_eq!(out.plus_one, 0);
    fn is_error<E: Error + NodeError + fmt::Debug + fmt::Display>() {}
    is_error::<SafeError>();
    assert_eq!(std::mem::size_of::<SafeError>(), 0);
}

#[test]
fn generated_errors_implement_node_error() {
    fn node_of<E: NodeError>(error: &E) -> &'static str {
        error.node()
    }
    let error = Odd.run(OddInputs { code: 1 }).unwrap_err();
    assert_eq!(node_of(&error), "stringly");
    let error = Parse.run(ParseInputs { text: "-1".into() }).unwrap_err();
    assert_eq!(node_of(&error), "checked");
    fn assert_traits<P: Pipeline>()
    where
        P::Error: NodeError + Error + 'static,
    {
    }
    assert_traits::<Parse>();
    assert_traits::<Odd>();
}

#[test]
fn map_error_with_a_generated_error() {
    let error = Parse.run(ParseInputs { text: "x".into() }).unwrap_err();
    let failed: MapError<ParseError> = MapError::Failed { item: 3, error };
    assert_eq!(failed.item(), 3);
    assert_eq!(failed.node(), "parsed");
    assert_eq!(
        failed.to_string(),
        "item 3: node `parsed` failed: `x` is not a number"
    );
    let source = failed.source().unwrap();
    assert_eq!(
        source.to_string(),
        "node `parsed` failed: `x` is not a number"
    );
    assert!(source.downcast_ref::<ParseError>().is_some());

    let panicked: MapError<ExplodesError> = (Explodes
        .map_with(&Engine::sequential(), [0, 1].map(|n| ExplodesInputs { n }))
        .pop())
    .expect("two items")
    .expect_err("item 1 panics");
    assert_eq!(panicked.item(), 1);
    assert_eq!((panicked.node(), panicked.path()), ("exploded", "exploded"));
    assert_eq!(panicked.message(), Some("boom"));
    assert_eq!(
        panicked.to_string(),
        "item 1: node `exploded` panicked: boom"
    );
    assert!(panicked.source().is_none());
}

pipeline! {
    /// Panics on odd numbers.
    struct Explodes {
        fn exploded(n: u32) -> Result<u32, std::io::Error> {
            assert!(n % 2 == 0, "boom");
            Ok(n)
        }
    }
}

mod elsewhere {
    use hypernodes::prelude::*;

    #[node(infallible)]
    pub fn lookup(key: &str) -> Result<u8, String> {
        key.parse().map_err(|_| format!("no {key}"))
    }

    #[node]
    pub fn render(lookup: &Result<u8, String>) -> std::fmt::Result {
        lookup.as_ref().map(|_| ()).map_err(|_| std::fmt::Error)
    }
}

pipeline! {
    /// `infallible` on a node listed by path; `fmt::Result` is fallible.
    struct Lookup {
        elsewhere::lookup,
        elsewhere::render,
    }
}

#[test]
fn infallible_by_path_and_an_alias_without_generics() {
    let out = Lookup.run(LookupInputs { key: "9".into() }).unwrap();
    assert_eq!(out.lookup, Ok(9));
    assert_eq!(out.render, ());
    let fallible: Vec<_> = Lookup::NODES.iter().map(|node| node.fallible).collect();
    assert_eq!(fallible, [false, true]);

    let error = Lookup.run(LookupInputs { key: "k".into() }).unwrap_err();
    assert!(matches!(error, LookupError::Render(std::fmt::Error)));
    assert_eq!(
        error.to_string(),
        format!("node `render` failed: {}", std::fmt::Error)
    );
    assert!(error.source().unwrap().is::<std::fmt::Error>());
}
