// What pipelines with `#[when]` do not support yet: a `blocking` node, and
// a `#[when]` on a nested pipeline that branches inside.
use hypernodes::prelude::*;

pipeline! {
    pub struct Blocking {
        fn cached(key: &str) -> bool { key.starts_with('c') }
        #[when(cached)]
        #[node(blocking)]
        fn read(key: &str) -> String { format!("read {key}") }
    }
}

pipeline! {
    pub struct Inner {
        fn odd(x: &u64) -> bool { x % 2 == 1 }
        #[when(odd)]
        fn tripled(x: &u64) -> u64 { x * 3 }
    }
}

pipeline! {
    pub struct Outer {
        fn wanted(x: &u64) -> bool { *x > 10 }
        #[when(wanted)]
        Inner,
    }
}

fn main() {}
