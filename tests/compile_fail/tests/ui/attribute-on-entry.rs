use hypernodes::prelude::*;

#[node]
fn double(x: u32) -> u32 {
    x * 2
}

pipeline! {
    struct Attributed {
        #[inline]
        double,
    }
}

fn main() {}
