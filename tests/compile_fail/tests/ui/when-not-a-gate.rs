// `#[when]` names something that is not a gate: a typo of a gate (with a
// hint), an input, a value of another type. On an inline node, a listed
// node and a nested pipeline alike.
use hypernodes::prelude::*;

#[node]
fn double(x: u32) -> u32 {
    x * 2
}

pipeline! {
    struct Inner {
        fn halved(x: u32) -> u32 { x / 2 }
    }
}

mod typo {
    use hypernodes::prelude::*;

    pipeline! {
        struct Typo {
            fn needs_search(question: &str) -> bool { question.ends_with('?') }
            #[when(needs_serch)]
            fn docs(question: &str) -> Vec<String> { vec![question.to_owned()] }
        }
    }
}

mod input {
    use hypernodes::prelude::*;

    pipeline! {
        struct Input {
            fn docs(question: &str) -> Vec<String> { vec![question.to_owned()] }
            fn short(question: &str) -> bool { question.len() < 10 }
            #[when(question)]
            super::double,
        }
    }
}

mod not_bool_nor_enum {
    use hypernodes::prelude::*;

    pipeline! {
        struct NotBoolNorEnum {
            fn count(question: &str) -> usize { question.len() }
            fn words(question: &str) -> Vec<String> { vec![question.to_owned()] }
            #[when(count)]
            super::Inner,
            #[when(words)]
            fn shout(question: &str) -> String { question.to_uppercase() }
        }
    }
}

fn main() {}
