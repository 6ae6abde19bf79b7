//! Nested pipelines without `map_over`: their nodes join the outer graph.

use hypernodes::prelude::*;
use hypernodes::NodeError;

mod text {
    use hypernodes::prelude::*;

    #[node(output = text)]
    pub fn load_text(file_path: &str) -> Result<String, String> {
        if file_path.is_empty() {
            Err("empty path".to_owned())
        } else {
            Ok(format!("{file_path} alpha beta"))
        }
    }

    pipeline! {
        /// Word statistics of one text.
        pub struct TextStats {
            load_text,
            pub fn tokens(text: &str) -> Vec<String> {
                text.split_whitespace().map(str::to_owned).collect()
            }
            #[node(output = count)]
            pub fn count_words(tokens: &[String]) -> usize { tokens.len() }
        }
    }
}

pipeline! {
    struct Report {
        text::TextStats,
        fn report(count: usize, text: &str) -> String { format!("{text}: {count}") }
    }
}

#[test]
fn nested_outputs_join_the_outer_graph_under_their_names() {
    let out = Report
        .run(ReportInputs {
            file_path: "a.txt".into(),
        })
        .unwrap();
    assert_eq!(out.text, "a.txt alpha beta");
    assert_eq!(out.count, 3);
    assert_eq!(out.report, "a.txt alpha beta: 3");
    assert_eq!(Report::OUTPUTS, ["text", "tokens", "count", "report"]);
    assert_eq!(Report::INPUTS, ["file_path"]);
}

#[test]
fn nested_errors_carry_the_path() {
    let error = Report
        .run(ReportInputs {
            file_path: String::new(),
        })
        .unwrap_err();
    assert_eq!(error.node(), "load_text");
    assert_eq!(error.path(), "text_stats / load_text");
    assert_eq!(NodeError::path(&error), "text_stats / load_text");
    assert_eq!(
        error.to_string(),
        "node `text_stats / load_text` failed: empty path"
    );
    assert!(matches!(
        error,
        ReportError::TextStats(hypernodes::NestedError::Failed { item: None, .. })
    ));
}

pipeline! {
    #[outputs(summary)]
    struct Renamed {
        #[nested(inputs(path = file_path), outputs(count = words))]
        text::TextStats,
        fn summary(words: usize) -> String { format!("{words} words") }
    }
}

#[test]
fn renames_and_pruning() {
    let out = Renamed
        .run(RenamedInputs { path: "x".into() })
        .unwrap();
    assert_eq!(out.summary, "3 words");
    let paths: Vec<&str> = Renamed::NODES.iter().map(|node| node.path).collect();
    assert_eq!(
        paths,
        ["text_stats / load_text", "text_stats / tokens", "text_stats / count_words", "summary"]
    );
    assert_eq!(Renamed::NODES[1].inputs, ["__hn_text_stats_text"]);
    assert!(Renamed::DOT.contains("subgraph \"cluster_text_stats\""), "{}", Renamed::DOT);
}

pipeline! {
    struct OnlyText {
        #[nested(outputs(text = loaded))]
        text::TextStats,
    }
}

#[test]
fn nodes_the_outer_graph_does_not_need_are_pruned() {
    let names: Vec<&str> = OnlyText::NODES.iter().map(|node| node.name).collect();
    assert_eq!(names, ["load_text"]);
    assert_eq!(OnlyText::OUTPUTS, ["loaded"]);
    let out = OnlyText.run(OnlyTextInputs { file_path: "f".into() }).unwrap();
    assert_eq!(out.loaded, "f alpha beta");
}
