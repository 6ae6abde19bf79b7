use hypernodes::prelude::*;

pipeline! {
    struct SelfLoop {
        fn count(count: u32) -> u32 { count + 1 }
    }
}

fn main() {}
