// A node that can fail but that nothing requested needs never runs: a
// warning at the node (an error here, under `deny`). A check that returns
// `()` always runs and gets none.
#![deny(deprecated)]

use hypernodes::prelude::*;

#[node]
fn lookup(parsed: &i64) -> Result<String, std::fmt::Error> {
    Ok(parsed.to_string())
}

pipeline! {
    #[outputs(doubled)]
    struct Checked {
        fn parsed(raw: &str) -> Result<i64, std::num::ParseIntError> { raw.parse() }
        fn positive(parsed: &i64) -> Result<bool, String> { Ok(*parsed > 0) }
        fn validate(parsed: &i64) -> Result<(), String> {
            if *parsed < 0 { Err("negative".into()) } else { Ok(()) }
        }
        lookup,
        fn doubled(parsed: i64) -> i64 { parsed * 2 }
    }
}

fn main() {
    let _ = Checked.run(CheckedInputs { raw: "1".into() });
}
