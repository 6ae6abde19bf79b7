// A variant the gate's enum lacks: rustc's error at the variant.
use hypernodes::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Formal,
    Casual,
}

pipeline! {
    pub struct Answer {
        fn tone(question: &str) -> Tone {
            if question.contains("please") { Tone::Formal } else { Tone::Casual }
        }
        #[when(tone = Rude)]
        fn refusal(question: &str) -> String { format!("no: {question}") }
    }
}

fn main() {
    let _ = Answer.run(AnswerInputs { question: "hi".into() });
}
