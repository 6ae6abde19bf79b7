use hypernodes::prelude::*;

mod nodes {
    use hypernodes::prelude::*;

    #[node]
    pub fn text(path: String) -> String {
        path
    }

    #[node]
    pub fn length(text: &u64) -> u64 {
        *text
    }
}

pipeline! {
    struct Mismatch {
        nodes::text,
        nodes::length,
    }
}

fn main() {}
