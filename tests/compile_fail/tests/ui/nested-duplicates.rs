use hypernodes::prelude::*;

pipeline! {
    struct A {
        #[node(output = words)]
        fn count_a(text: &str) -> usize { text.len() }
    }
}

pipeline! {
    struct B {
        #[node(output = words)]
        fn count_b(text: &str) -> usize { text.len() }
    }
}

// Both nested pipelines produce `words`: rename one's output.
pipeline! {
    struct Both {
        A,
        B,
    }
}

fn main() {}
