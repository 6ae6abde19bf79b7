// A pipeline whose `#[when]` entries pass every check: one error at the
// first `#[when]`, until conditional entries are generated, and the code
// using the pipeline raises nothing more (partial values are `Option`s).
use hypernodes::prelude::*;

#[node]
fn needs_search(question: &str) -> bool {
    question.ends_with('?')
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Formal,
    Casual,
    Refuse,
}

#[node]
fn tone(question: &str) -> Tone {
    if question.contains("please") {
        Tone::Formal
    } else if question.is_empty() {
        Tone::Refuse
    } else {
        Tone::Casual
    }
}

#[node]
fn shout(response: &str) -> String {
    response.to_uppercase()
}

pipeline! {
    struct Polish {
        fn polished(response: &str) -> String { response.trim().to_owned() }
    }
}

pipeline! {
    pub struct Answer {
        needs_search,
        tone,
        #[when(needs_search)]
        fn docs(question: &str) -> Vec<String> { vec![question.to_owned()] }
        #[when(needs_search)] #[node(output = response)]
        fn grounded(question: &str, docs: &[String]) -> String { format!("{question}: {}", docs.len()) }
        #[when(!needs_search)] #[node(output = response)]
        fn direct(question: &str) -> String { question.to_owned() }
        #[when(tone = Refuse)]
        fn refusal(question: &str) -> String { format!("no: {question}") }
        #[when(tone = Tone::Formal | Casual)]
        shout,
        #[when(needs_search)]
        Polish,
        fn render(response: &str, docs: Option<&[String]>) -> String { format!("{response} {docs:?}") }
        // Gates from a tuple and from a fallible node.
        #[node(output = (length, long))]
        fn measured(response: &str) -> (usize, bool) { (response.len(), response.len() > 80) }
        fn checked(response: &str) -> Result<bool, std::fmt::Error> { Ok(!response.is_empty()) }
        #[when(!long)] #[node(output = short_note)]
        fn note(length: usize) -> String { length.to_string() }
        #[when(checked)]
        fn approved(render: &str) -> String { render.to_owned() }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = Answer.run(AnswerInputs { question: "why?".into() })?;
    let needs_search: bool = out.needs_search;
    let tone: Tone = out.tone;
    let docs: Option<Vec<String>> = out.docs;
    let response: String = out.response;
    let refusal: Option<String> = out.refusal;
    let render: String = out.render;
    let short_note: Option<String> = out.short_note;
    println!("{needs_search} {tone:?} {docs:?} {response} {refusal:?} {render} {short_note:?}");
    Ok(())
}
