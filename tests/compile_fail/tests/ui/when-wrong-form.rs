// The form of a `#[when]` must fit its gate: `gate` or `!gate` for a
// `bool`, `gate = Variant` for an enum.
use hypernodes::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Formal,
    Casual,
}

#[node]
fn tone(question: &str) -> Tone {
    if question.contains("please") {
        Tone::Formal
    } else {
        Tone::Casual
    }
}

pipeline! {
    struct VariantOfBool {
        fn needs_search(question: &str) -> bool { question.ends_with('?') }
        #[when(needs_search = Yes)]
        fn docs(question: &str) -> Vec<String> { vec![question.to_owned()] }
    }
}

pipeline! {
    struct BoolOfEnum {
        tone,
        #[when(tone)]
        fn formal(question: &str) -> String { question.to_owned() }
        #[when(!tone)]
        fn casual(question: &str) -> String { question.to_lowercase() }
    }
}

fn main() {}
