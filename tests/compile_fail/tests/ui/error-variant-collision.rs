use hypernodes::prelude::*;

pipeline! {
    struct Steps {
        fn step1(x: u8) -> Result<u8, String> { Ok(x) }
        fn step_1(step1: u8) -> Result<u8, String> { Ok(step1) }
    }
}

fn main() {}
