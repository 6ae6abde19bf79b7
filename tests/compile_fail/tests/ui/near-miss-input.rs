// A parameter nobody produces becomes an input of the pipeline; when its
// name is a near miss of a produced name, it is likely a typo: a warning at
// the parameter (an error here, under `deny`), or an error when the
// pipeline declares its inputs.
#![deny(deprecated)]

mod undeclared {
    use hypernodes::prelude::*;

    pipeline! {
        struct WordStats {
            fn words(text: &str) -> Vec<String> { text.split(' ').map(str::to_owned).collect() }
            fn count(wrods: &[String]) -> usize { wrods.len() }
        }
    }
}

mod declared {
    use hypernodes::prelude::*;

    pipeline! {
        struct Declared {
            inputs { text: String }
            fn words(text: &str) -> Vec<String> { text.split(' ').map(str::to_owned).collect() }
            fn longest(wrods: &[String]) -> usize { wrods.iter().map(String::len).max().unwrap_or(0) }
        }
    }
}

// Not typos: a node named after what it consumes, plurals, short names.
mod not_typos {
    use hypernodes::prelude::*;

    pipeline! {
        struct NotTypos {
            fn scaled(scale: u32) -> u32 { scale * 2 }
            fn number(numbers: &[u8]) -> usize { numbers.len() }
            fn a(x: u8) -> u8 { x }
        }
    }
}

fn main() {}
