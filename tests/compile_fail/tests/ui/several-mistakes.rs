use hypernodes::prelude::*;

pipeline! {
    #[outputs(totl)]
    struct Tangled {
        fn a(b: u32) -> u32 { b }
        fn b(a: u32) -> u32 { a }
        fn c(d: u32) -> u32 { d }
        fn d(e: u32) -> u32 { e }
        fn e(c: u32) -> u32 { c }
        fn total(a: u32, c: u32) -> u32 { a + c }
    }
}

fn main() {}
