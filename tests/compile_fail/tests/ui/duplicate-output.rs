use hypernodes::prelude::*;

pipeline! {
    struct Duplicate {
        fn load(path: String) -> String { path }
        #[node(output = load)]
        fn read(path: String) -> String { path }
    }
}

fn main() {}
