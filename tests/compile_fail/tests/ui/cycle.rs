use hypernodes::prelude::*;

pipeline! {
    struct Cyclic {
        fn a(b: u32) -> u32 { b }
        fn b(a: u32) -> u32 { a }
    }
}

fn main() {}
