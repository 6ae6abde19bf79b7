// Two pipelines of one module with inline nodes of the same name: rustc's
// "defined multiple times", and nothing that follows from it.
use hypernodes::prelude::*;

pipeline! {
    pub struct First {
        fn clean(text: &str) -> String { text.trim().to_string() }
    }
}

pipeline! {
    pub struct Second {
        fn clean(text: &str) -> String { text.to_lowercase() }
        fn size(clean: &str) -> usize { clean.len() }
    }
}

fn main() {}
