// Mistakes in the graph that `#[when]` makes: a node gated by its own
// output, a cycle through a gate, a node that can never run (its
// consumers are not reported).
use hypernodes::prelude::*;

pipeline! {
    struct SelfGate {
        #[when(flag)]
        fn flag(x: u32) -> bool { x > 1 }
    }
}

pipeline! {
    struct GateCycle {
        #[when(decided)]
        fn early(x: u32) -> u32 { x }
        fn decided(early: Option<u32>) -> bool { early.is_some() }
    }
}

pipeline! {
    struct NeverRuns {
        fn needs_search(question: &str) -> bool { question.ends_with('?') }
        #[when(needs_search)]
        fn docs(question: &str) -> Vec<String> { vec![question.to_owned()] }
        #[when(!needs_search)]
        fn cited(docs: &[String]) -> usize { docs.len() }
        fn shown(cited: &usize) -> String { cited.to_string() }
    }
}

fn main() {}
