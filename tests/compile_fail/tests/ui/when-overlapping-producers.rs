// Two producers of one name that can both run: the error at the second
// names both conditions, a note (a warning) points at the first.
use hypernodes::prelude::*;

pipeline! {
    struct OneUnconditional {
        fn needs_search(question: &str) -> bool { question.ends_with('?') }
        #[when(needs_search)] #[node(output = response)]
        fn grounded(question: &str) -> String { question.to_owned() }
        #[node(output = response)]
        fn direct(question: &str) -> String { question.to_owned() }
    }
}

pipeline! {
    struct TwoGates {
        fn long(question: &str) -> bool { question.len() > 10 }
        fn polite(question: &str) -> bool { question.contains("please") }
        #[when(long)] #[node(output = response)]
        fn summary(question: &str) -> String { question.to_owned() }
        #[when(polite)] #[node(output = response)]
        fn thanks(question: &str) -> String { question.to_owned() }
    }
}

fn main() {}
