use hypernodes::prelude::*;

pipeline! {
    #[outputs(text, count)]
    struct Words {
        fn count(text: String) -> usize { text.len() }
    }
}

fn main() {}
