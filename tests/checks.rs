//! Nodes whose output is `()` (checks, side effects) run whatever
//! `#[outputs(..)]` requests.

use hypernodes::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

static LOGGED: AtomicUsize = AtomicUsize::new(0);

/// A bad row.
#[derive(Debug, PartialEq, Eq)]
pub struct Negative(i64);

impl std::fmt::Display for Negative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is negative", self.0)
    }
}

pipeline! {
    /// Parses a number, checks it, logs it, and doubles it.
    #[outputs(doubled)]
    struct Checked {
        fn parsed(raw: &str) -> i64 { raw.parse().unwrap_or(0) }
        fn validate(parsed: &i64) -> Result<(), Negative> {
            if *parsed < 0 { Err(Negative(*parsed)) } else { Ok(()) }
        }
        fn log(parsed: &i64) {
            let _ = parsed;
            LOGGED.fetch_add(1, Ordering::Relaxed);
        }
        fn doubled(parsed: i64) -> i64 { parsed * 2 }
    }
}

#[test]
fn a_check_runs_though_no_requested_output_needs_it() {
    assert_eq!(
        Checked::NODES
            .iter()
            .map(|node| node.name)
            .collect::<Vec<_>>(),
        ["parsed", "validate", "log", "doubled"]
    );
    let before = LOGGED.load(Ordering::Relaxed);
    let out = Checked.run(CheckedInputs { raw: "21".into() }).unwrap();
    assert_eq!(out.doubled, 42);
    assert_eq!(LOGGED.load(Ordering::Relaxed), before + 1, "`log` ran");
    let error = Checked.run(CheckedInputs { raw: "-1".into() }).unwrap_err();
    assert_eq!(error.node(), "validate");
    assert_eq!(error.to_string(), "node `validate` failed: -1 is negative");
    // Every runner runs it.
    let error = Checked
        .run_parallel(CheckedInputs { raw: "-2".into() })
        .unwrap_err();
    assert_eq!(error.node(), "validate");
    let results = Checked.map(
        (0..4)
            .map(|i| CheckedInputs {
                raw: (i - 2).to_string(),
            })
            .collect::<Vec<_>>(),
    );
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 2);
}
