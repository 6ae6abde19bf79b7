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
    let out = Renamed.run(RenamedInputs { path: "x".into() }).unwrap();
    assert_eq!(out.summary, "3 words");
    let paths: Vec<&str> = Renamed::NODES.iter().map(|node| node.path).collect();
    assert_eq!(
        paths,
        [
            "text_stats / load_text",
            "text_stats / tokens",
            "text_stats / count_words",
            "summary"
        ]
    );
    assert_eq!(Renamed::NODES[1].inputs, ["__hn_0_text"]);
    assert!(
        Renamed::DOT.contains("subgraph \"cluster_text_stats\""),
        "{}",
        Renamed::DOT
    );
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
    let out = OnlyText
        .run(OnlyTextInputs {
            file_path: "f".into(),
        })
        .unwrap();
    assert_eq!(out.loaded, "f alpha beta");
}

mod three_levels {
    use hypernodes::__private::rayon;
    use hypernodes::prelude::*;
    use hypernodes::NestedError;
    use std::collections::HashSet;
    use std::sync::Mutex;
    use std::thread::ThreadId;

    static THREADS: Mutex<Option<HashSet<ThreadId>>> = Mutex::new(None);

    fn record_thread() {
        THREADS
            .lock()
            .unwrap()
            .get_or_insert_with(HashSet::new)
            .insert(std::thread::current().id());
    }

    pipeline! {
        struct Clean {
            fn cleaned(text: &str) -> String {
                if text.starts_with("Pool") {
                    record_thread();
                }
                text.to_lowercase()
            }
            fn words(cleaned: &str) -> Result<usize, String> {
                if cleaned.is_empty() { Err("no words".to_owned()) } else { Ok(cleaned.split_whitespace().count()) }
            }
        }
    }

    pipeline! {
        struct Analyze {
            #[nested(outputs(words = word_count))]
            Clean,
            fn shouted(cleaned_len: usize) -> usize { cleaned_len * 2 }
            fn cleaned_len(word_count: usize) -> usize { word_count }
        }
    }

    pipeline! {
        struct Corpus {
            #[nested(map_over = text, inputs(texts = text), outputs(shouted = shouts))]
            Analyze,
            fn total(shouts: &[usize]) -> usize { shouts.iter().sum() }
        }
    }

    fn texts(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("A b {i}")).collect()
    }

    #[test]
    fn three_levels_run_and_report_paths() {
        let out = Corpus.run(CorpusInputs { texts: texts(4) }).unwrap();
        assert_eq!(out.shouts, [6, 6, 6, 6]);
        assert_eq!(out.total, 24);
        let paths: Vec<&str> = Corpus::NODES.iter().map(|node| node.path).collect();
        assert_eq!(
            paths,
            [
                "analyze / clean / cleaned",
                "analyze / clean / words",
                "analyze / cleaned_len",
                "analyze / shouted",
                "total"
            ]
        );
        let mut bad = texts(3);
        bad[2].clear();
        let error = Corpus.run(CorpusInputs { texts: bad }).unwrap_err();
        assert_eq!(error.path(), "analyze / clean / words");
        assert_eq!(error.node(), "words");
        assert_eq!(
            error.to_string(),
            "node `analyze / clean / words` failed on item 2 of `analyze`: no words"
        );
        let CorpusError::Analyze(NestedError::Failed {
            item: Some(2),
            error: inner,
            ..
        }) = error
        else {
            panic!("{error:?}");
        };
        assert_eq!(inner.path(), "clean / words");
    }

    #[test]
    fn nested_maps_under_a_map_stay_in_the_pool() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let engine = Engine::new().pool(pool).nodes(Mode::Parallel);
        // Only these texts record their threads (tests run at once).
        let pool_texts: Vec<String> = (0..64).map(|i| format!("Pool b {i}")).collect();
        let items: Vec<CorpusInputs> = (0..16)
            .map(|_| CorpusInputs {
                texts: pool_texts.clone(),
            })
            .collect();
        let results = Corpus.map_with(&engine, items);
        assert!(results
            .iter()
            .all(|result| result.as_ref().unwrap().total == 64 * 6));
        let threads = THREADS.lock().unwrap().take().unwrap_or_default();
        assert!(
            !threads.is_empty() && threads.len() <= 3,
            "{} threads",
            threads.len()
        );
    }
}

mod mapped_inside_nested {
    use hypernodes::prelude::*;
    use hypernodes::NestedError;

    pipeline! {
        struct Words {
            fn words(text: &str) -> Result<usize, String> {
                if text.is_empty() { Err("no words".to_owned()) } else { Ok(text.split_whitespace().count()) }
            }
        }
    }

    pipeline! {
        struct Corpus {
            #[nested(map_over = text, inputs(texts = text), outputs(words = counts))]
            Words,
            fn total(counts: &[usize]) -> usize { counts.iter().sum() }
        }
    }

    pipeline! {
        struct Library {
            Corpus,
            fn report(total: usize, counts: &[usize]) -> String { format!("{total} words in {} texts", counts.len()) }
        }
    }

    pipeline! {
        struct Shelves {
            #[nested(map_over = texts, inputs(shelves = texts), outputs(total = totals))]
            Corpus,
        }
    }

    fn texts() -> Vec<String> {
        vec!["a b".into(), "c d e".into()]
    }

    #[test]
    fn a_pipeline_that_maps_can_be_nested() {
        for out in [
            Library.run(LibraryInputs { texts: texts() }).unwrap(),
            Library
                .run_parallel(LibraryInputs { texts: texts() })
                .unwrap(),
        ] {
            assert_eq!(out.report, "5 words in 2 texts");
        }
        let paths: Vec<&str> = Library::NODES.iter().map(|node| node.path).collect();
        assert_eq!(paths, ["corpus / words", "corpus / total", "report"]);
        let error = Library
            .run(LibraryInputs {
                texts: vec!["a".into(), String::new()],
            })
            .unwrap_err();
        assert_eq!(error.path(), "corpus / words");
        assert_eq!(
            error.to_string(),
            "node `corpus / words` failed on item 1 of `words`: no words"
        );
        let LibraryError::Corpus(NestedError::Failed { error: inner, .. }) = error else {
            panic!("{error:?}")
        };
        assert_eq!(inner.path(), "words / words");
    }

    #[test]
    fn a_pipeline_that_maps_can_be_mapped() {
        let shelves = vec![texts(), vec!["f".into()], Vec::new()];
        for out in [
            Shelves
                .run(ShelvesInputs {
                    shelves: shelves.clone(),
                })
                .unwrap(),
            Shelves
                .run_parallel(ShelvesInputs {
                    shelves: shelves.clone(),
                })
                .unwrap(),
        ] {
            assert_eq!(out.totals, [5, 1, 0]);
        }
        let error = Shelves
            .run(ShelvesInputs {
                shelves: vec![texts(), vec!["g".into(), String::new()]],
            })
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "node `corpus / words` failed on item 1 of `corpus` on item 1 of `words`: no words"
        );
    }
}

mod internal_names {
    use hypernodes::prelude::*;

    pipeline! {
        #[outputs(out_a)]
        struct P1 {
            #[node(output = b_c)]
            fn hidden_a(x: u32) -> u32 { x + 1 }
            fn out_a(b_c: u32) -> u32 { b_c * 10 }
        }
    }

    pipeline! {
        #[outputs(out_b)]
        struct P2 {
            #[node(output = c)]
            fn hidden_b(x: u32) -> u32 { x + 2 }
            fn out_b(c: u32) -> u32 { c * 100 }
        }
    }

    // `a`'s hidden `b_c` and `a_b`'s hidden `c` must stay apart.
    pipeline! {
        struct Both {
            #[nested(name = a)]
            P1,
            #[nested(name = a_b)]
            P2,
        }
    }

    #[test]
    fn hidden_values_of_two_entries_never_meet() {
        let out = Both.run(BothInputs { x: 1 }).unwrap();
        assert_eq!((out.out_a, out.out_b), (20, 300));
    }
}

/// A `pub` pipeline with a private node whose type is the crate's own (so
/// the node's marker stays private): nestable where the node is in reach,
/// its own module and the modules inside it, flattened or mapped.
mod private_node {
    use hypernodes::prelude::*;

    /// A cleaned text.
    #[derive(Clone)]
    pub struct Cleaned(pub String);

    pipeline! {
        pub struct PerFile {
            fn clean(text: &str) -> Cleaned { Cleaned(text.trim().to_lowercase()) }
            pub fn words(clean: &Cleaned) -> usize { clean.0.split_whitespace().count() }
        }
    }

    pipeline! {
        pub struct Here {
            #[nested]
            PerFile,
            fn report(words: usize, clean: &Cleaned) -> String { format!("{}: {words}", clean.0) }
        }
    }

    pub mod inside {
        use hypernodes::prelude::*;

        pipeline! {
            pub struct Corpus {
                #[nested(map_over = text, inputs(texts = text), outputs(words = counts))]
                super::PerFile,
                fn total(counts: &[usize]) -> usize { counts.iter().sum() }
            }
        }
    }
}

#[test]
fn a_pipeline_with_a_private_node_nests_where_the_node_is_in_reach() {
    let here = private_node::Here
        .run(private_node::HereInputs {
            text: " A b ".into(),
        })
        .unwrap();
    assert_eq!(here.report, "a b: 2");
    let inputs = || private_node::inside::CorpusInputs {
        texts: vec!["a b".into(), " C ".into()],
    };
    let corpus = private_node::inside::Corpus;
    assert_eq!(corpus.run(inputs()).unwrap().total, 3);
    assert_eq!(corpus.run_parallel(inputs()).unwrap().total, 3);
}

/// A `pub` pipeline whose nodes are `pub(crate)` with the crate's own types:
/// nestable anywhere in the crate, by path from a parent module, after a
/// glob import of its module, and mapped.
mod crate_wide_nodes {
    pub mod text {
        use hypernodes::prelude::*;

        /// A text.
        pub struct Text(pub String);

        pipeline! {
            pub struct TextStats {
                pub(crate) fn count(text: &Text) -> usize { text.0.len() }
                pub(crate) fn loud(text: &Text, count: usize) -> String {
                    format!("{}{}", text.0.to_uppercase(), "!".repeat(count))
                }
            }
        }
    }

    use hypernodes::prelude::*;
    // A glob: the pipeline's members are reached through a hidden sibling
    // (`__hn_private_nodes_of_TextStats`), which `use text::TextStats`
    // alone would leave behind.
    use text::*;

    pipeline! {
        pub struct ByPath {
            text::TextStats,
            fn report(count: usize, loud: &str) -> String { format!("{count} {loud}") }
        }
    }

    pipeline! {
        pub struct ByImport {
            #[nested]
            TextStats,
            fn summary(loud: String) -> String { loud }
        }
    }

    pipeline! {
        pub struct Mapped {
            #[nested(map_over = text, inputs(texts = text), outputs(count = counts))]
            text::TextStats,
            fn total(counts: &[usize]) -> usize { counts.iter().sum() }
        }
    }
}

#[test]
fn a_pipeline_with_crate_wide_nodes_nests_anywhere_in_the_crate() {
    use crate_wide_nodes::text::Text;
    use crate_wide_nodes::*;
    let by_path = ByPath
        .run(ByPathInputs {
            text: Text("ab".into()),
        })
        .unwrap();
    assert_eq!(by_path.report, "2 AB!!");
    let by_import = ByImport
        .run(ByImportInputs {
            text: Text("x".into()),
        })
        .unwrap();
    assert_eq!(by_import.summary, "X!");
    let texts = || vec![Text("a".into()), Text("bcd".into())];
    assert_eq!(
        Mapped.run(MappedInputs { texts: texts() }).unwrap().total,
        4
    );
    assert_eq!(
        Mapped
            .run_parallel(MappedInputs { texts: texts() })
            .unwrap()
            .total,
        4
    );
}
