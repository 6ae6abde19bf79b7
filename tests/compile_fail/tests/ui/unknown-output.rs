use hypernodes::prelude::*;

pipeline! {
    #[outputs(cuont)]
    struct Words {
        fn count(text: String) -> usize { text.len() }
    }
}

fn main() {}
