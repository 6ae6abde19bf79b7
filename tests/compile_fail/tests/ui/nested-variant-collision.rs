use hypernodes::prelude::*;

pipeline! {
    struct Parse {
        fn number(text: &str) -> Result<u32, std::num::ParseIntError> { text.parse() }
    }
}

// The node `parse` and the nested `Parse` would both be the variant `Parse`.
pipeline! {
    struct Twice {
        Parse,
        fn parse(number: u32) -> Result<u32, String> { Ok(number) }
    }
}

fn main() {}
