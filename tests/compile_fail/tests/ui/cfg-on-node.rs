use hypernodes::prelude::*;

pipeline! {
    struct Conditional {
        fn seed(x: u32) -> u32 { x }
        #[cfg(any())]
        fn gone(seed: u32) -> u32 { seed }
    }
}

fn main() {}
