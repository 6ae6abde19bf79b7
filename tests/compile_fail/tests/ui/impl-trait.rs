use hypernodes::prelude::*;

#[node]
fn total(items: impl Iterator<Item = u32>) -> u32 {
    items.sum()
}

#[node]
fn evens(n: u32) -> impl Iterator<Item = u32> {
    (0..n).filter(|x| x % 2 == 0)
}

fn main() {}
