use hypernodes::prelude::*;

fn plain(x: u32) -> u32 {
    x
}

pipeline! {
    struct Plain {
        plain,
    }
}

fn main() {}
