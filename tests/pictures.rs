//! `Pipeline::MERMAID` and `Pipeline::DOT`: the graph as text, built at
//! compile time.

use hypernodes::prelude::*;

pipeline! {
    /// Two inputs, a node with two outputs, a returned value.
    struct Stats {
        #[node(output = (sum, count))]
        fn totals(xs: &[f64]) -> (f64, usize) { (xs.iter().sum(), xs.len()) }
        fn mean(sum: f64, count: usize, scale: f64) -> f64 { scale * sum / count as f64 }
    }
}

#[test]
fn mermaid_draws_inputs_nodes_edges_and_outputs() {
    let expected = r#"flowchart LR
  in_xs(["xs"])
  in_scale(["scale"])
  node_totals["totals<br/>→ sum, count"]
  node_mean["mean"]
  in_xs -->|"xs"| node_totals
  node_totals -->|"sum"| node_mean
  node_totals -->|"count"| node_mean
  in_scale -->|"scale"| node_mean
  out_sum(("sum"))
  node_totals --> out_sum
  out_count(("count"))
  node_totals --> out_count
  out_mean(("mean"))
  node_mean --> out_mean
"#;
    assert_eq!(Stats::MERMAID, expected);
}

mod fixtures;
use fixtures::corpus::Corpus;

#[test]
fn mermaid_draws_nested_pipelines_as_subgraphs() {
    let mermaid = Corpus::MERMAID;
    for expected in [
        "  subgraph nested_first[\"first\"]\n    node_first__tokens[\"tokens\"]\n    node_first__count[\"count\"]\n  end\n",
        "  subgraph nested_text_stats[\"text_stats (mapped over text)\"]\n    node_text_stats[\"text_stats<br/>map over text\"]\n",
        "    node_text_stats__tokens[\"tokens\"]\n",
        "  node_text_stats -->|\"text\"| node_text_stats__tokens\n",
        "  node_text_stats__tokens -->|\"tokens\"| node_text_stats__count\n",
        "  in_texts -->|\"texts\"| node_text_stats\n",
        "  node_text_stats -->|\"counts\"| node_total\n",
        "  node_first__count -->|\"count\"| node_total\n",
    ] {
        assert!(mermaid.contains(expected), "missing {expected:?} in\n{mermaid}");
    }
    // Every subgraph is closed, every id is plain.
    assert_eq!(
        mermaid.matches("subgraph").count(),
        mermaid.matches("\n  end\n").count()
    );
    assert!(!mermaid.contains(" / "), "{mermaid}");
}

mod hidden {
    use hypernodes::prelude::*;

    pipeline! {
        /// `lower` is not among its outputs: nested, it is a hidden value.
        #[outputs(trimmed)]
        pub struct Clean {
            fn lower(text: String) -> String { text.to_lowercase() }
            fn trimmed(lower: String) -> String { lower.trim().to_string() }
        }
    }

    pipeline! {
        pub struct Measure {
            Clean,
            fn length(trimmed: String) -> usize { trimmed.len() }
        }
    }
}

#[test]
fn nested_values_outside_the_outputs_are_shown_by_their_own_names() {
    let mermaid = hidden::Measure::MERMAID;
    assert!(
        mermaid.contains("  node_clean__lower -->|\"lower\"| node_clean__trimmed\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("    node_clean__lower[\"lower\"]\n"),
        "{mermaid}"
    );
    for picture in [mermaid, hidden::Measure::DOT] {
        assert!(!picture.contains("__hn_"), "{picture}");
    }
}

#[test]
fn dot_and_mermaid_show_the_same_edges() {
    let dot_edges = Corpus::DOT.matches(" -> ").count();
    let mermaid_edges =
        Corpus::MERMAID.matches(" --> ").count() + Corpus::MERMAID.matches(" -->|").count();
    assert_eq!(
        dot_edges,
        mermaid_edges,
        "{}\n{}",
        Corpus::DOT,
        Corpus::MERMAID
    );
}

mod readme {
    use hypernodes::prelude::*;
    use std::path::Path;

    #[node(output = text)]
    pub fn load_text(file_path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(file_path)
    }

    #[node]
    pub fn tokens(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    pipeline! {
        /// The README's example.
        pub struct TextStats {
            load_text,
            tokens,
            #[node(output = count)]
            fn count_words(tokens: &[String]) -> usize { tokens.len() }
        }
    }
}

#[test]
fn the_readme_shows_its_example_pipeline_s_mermaid() {
    let readme = include_str!("../README.md");
    let block = readme
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a mermaid block in the README");
    assert_eq!(block, readme::TextStats::MERMAID);
}
