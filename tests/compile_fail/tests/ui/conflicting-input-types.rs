use hypernodes::prelude::*;

pipeline! {
    struct Conflict {
        fn a(x: &str) -> usize { x.len() }
        fn b(x: u32) -> u32 { x }
    }
}

fn main() {}
