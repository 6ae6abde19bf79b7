use hypernodes::prelude::*;

#[node]
struct NotAFunction;

fn main() {}
