//! Branches: a question is routed to a search, a direct answer or a
//! refusal, and only the nodes of the arm taken run. The same pipeline runs
//! sequentially, in parallel and async.
//!
//! Run with `cargo run --example branching`.

use hypernodes::observe::{Callback, NodeEvent};
use hypernodes::prelude::*;
use std::sync::Mutex;

/// How to answer a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Look documents up first.
    Search,
    /// Answer from what we know.
    Direct,
    /// Do not answer.
    Refuse,
}

/// The gate: a fieldless enum, one arm per variant.
#[node]
fn route(question: &str) -> Route {
    if question.contains("password") {
        Route::Refuse
    } else if question.ends_with('?') {
        Route::Search
    } else {
        Route::Direct
    }
}

pipeline! {
    /// The retrieval pattern.
    pub struct Answer {
        route,
        #[when(route = Search)]
        fn documents(question: &str) -> Vec<String> {
            vec![format!("the manual, on {}", question.trim_end_matches('?'))]
        }
        #[when(route = Search)] #[node(output = reply)]
        fn grounded(question: &str, documents: &[String]) -> String {
            format!("{question} According to {}: ...", documents.join(" and "))
        }
        #[when(route = Direct)] #[node(output = reply)]
        fn direct(question: &str) -> String {
            format!("Noted: {question}.")
        }
        #[when(route = Refuse)] #[node(output = reply)]
        fn refusal(question: &str) -> String {
            let _ = question;
            String::from("I cannot help with that.")
        }
        /// `reply` exists on every arm; as the arms of an enum gate do not
        /// cover it (the macro cannot see every variant), it is an
        /// `Option`, which this node takes as it is.
        fn rendered(reply: Option<&str>) -> String {
            format!("> {}", reply.unwrap_or("(no reply)"))
        }
    }
}

/// Prints the nodes a run skipped.
struct Skipped(Mutex<Vec<&'static str>>);

impl Callback for Skipped {
    fn on_node_skipped(&self, event: &NodeEvent) {
        self.0.lock().unwrap().push(event.node.name);
    }
}

fn main() -> Result<(), AnswerError> {
    let questions = [
        "How do I reset the router?",
        "Turn the lights on",
        "What is the admin password?",
    ];
    let ask = |question: &str| AnswerInputs {
        question: question.to_string(),
    };
    println!("sequentially (`run_with`, telling the skipped nodes):");
    for question in questions {
        let skipped = std::sync::Arc::new(Skipped(Mutex::new(Vec::new())));
        let engine = Engine::new().callback(skipped.clone());
        let answer = Answer.run_with(&engine, ask(question))?;
        let skipped = skipped.0.lock().unwrap().join(", ");
        println!("  {question:?}: {:?} arm; skipped {skipped}", answer.route);
        println!("    {}", answer.rendered);
    }
    println!("in parallel (`run_parallel`) and as a map (`map`):");
    for question in questions {
        let answer = Answer.run_parallel(ask(question))?;
        println!("  {:?}: {}", answer.route, answer.rendered);
    }
    let mapped = Answer.map(questions.iter().map(|q| ask(q)).collect::<Vec<_>>());
    let routes: Vec<Route> = mapped.iter().flatten().map(|answer| answer.route).collect();
    println!("  map: {routes:?}");
    println!("async (`run_async`):");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    for question in questions {
        let answer = runtime.block_on(Answer.run_async(ask(question)))?;
        let documents = answer.documents.map_or(0, |documents| documents.len());
        println!("  {:?}: {documents} document(s) looked up", answer.route);
    }
    println!(
        "\nThe graph, as Mermaid:\n{}",
        <Answer as Pipeline>::MERMAID
    );
    Ok(())
}
