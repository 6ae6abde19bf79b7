//! Every form of `#[when]` in one pipeline: on a node listed by name, on a
//! nested pipeline, arms with `Enum::Variant` and `|`, gates from a tuple
//! output and from a fallible node, and an `Option<&[T]>` parameter.
#![allow(missing_docs)]

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

fn answer(question: &str) -> AnswerOutputs {
    Answer
        .run(AnswerInputs {
            question: question.into(),
        })
        .unwrap()
}

#[test]
fn every_form_runs_its_arm() {
    let searched = answer("why?");
    let (docs, refusal): (Option<Vec<String>>, Option<String>) = (searched.docs, searched.refusal);
    assert_eq!((docs, refusal), (Some(vec!["why?".to_string()]), None));
    assert_eq!(searched.response, "why?: 1");
    assert_eq!(searched.render, "why?: 1 Some([\"why?\"])");
    assert_eq!(searched.short_note.as_deref(), Some("7"));
    assert_eq!(
        searched.approved.as_deref(),
        Some("why?: 1 Some([\"why?\"])")
    );
    assert_eq!(searched.shout.as_deref(), Some("WHY?: 1"), "Casual");
    assert_eq!(
        searched.polished.as_deref(),
        Some("why?: 1"),
        "the nested pipeline ran"
    );

    let refused = answer("");
    assert_eq!(refused.tone, Tone::Refuse);
    assert_eq!(refused.refusal.as_deref(), Some("no: "));
    assert_eq!((refused.shout, refused.polished), (None, None));
    assert_eq!(refused.render, " None");
    assert_eq!(
        refused.approved, None,
        "`checked` is false for an empty response"
    );
}
