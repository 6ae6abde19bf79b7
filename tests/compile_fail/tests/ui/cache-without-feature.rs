use hypernodes::prelude::*;

#[node(cache)]
fn squared(x: u64) -> u64 {
    x * x
}

pipeline! {
    struct Squares {
        squared,
        #[node(cache, version = 2)]
        fn doubled(squared: u64) -> u64 { squared * 2 }
    }
}

#[node(version = 3)]
fn versioned(x: u64) -> u64 {
    x
}

fn main() {}
