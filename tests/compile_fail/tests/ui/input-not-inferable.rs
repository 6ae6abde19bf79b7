use hypernodes::prelude::*;
use std::fmt::Display;

pipeline! {
    struct Show {
        fn show(value: &dyn Display) -> String { value.to_string() }
    }
}

fn main() {}
