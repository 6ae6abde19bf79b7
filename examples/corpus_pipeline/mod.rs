//! The corpus pipeline, shared by the `corpus` example (which runs it) and
//! the `picture` example (which draws it): `FileStats` reads, cleans and
//! analyzes one file; `Corpus` maps it over a list of files and summarizes.

use hypernodes::prelude::*;

/// The per-file nodes and pipelines, in their own module: a `pub` pipeline
/// nested from another module needs `pub` nodes.
mod text {
    use hypernodes::prelude::*;
    use std::collections::HashMap;
    use std::path::Path;

    /// The statistics of one file.
    #[derive(Clone, Debug, Default)]
    pub struct FileAnalysis {
        /// How many words it has.
        pub words: usize,
        /// How many distinct words.
        pub unique: usize,
        /// Its longest word (the first in alphabetical order if several).
        pub longest: String,
        /// How often each word occurs.
        pub counts: HashMap<String, usize>,
    }

    /// Reads one file. `blocking`: an async run keeps it off the executor.
    #[node(output = text, blocking)]
    pub fn load_text(file_path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(file_path)
    }

    /// The words of a text, lowercased, without punctuation.
    #[node(output = words)]
    pub fn clean(text: &str) -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric() && c != '\'')
            .map(|word| word.trim_matches('\'').to_lowercase())
            .filter(|word| !word.is_empty())
            .collect()
    }

    /// Counts the words.
    #[node(output = analysis)]
    pub fn analyze(words: &[String]) -> FileAnalysis {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for word in words {
            *counts.entry(word.clone()).or_default() += 1;
        }
        let longest = (counts.keys())
            .max_by(|a, b| a.len().cmp(&b.len()).then_with(|| b.cmp(a)))
            .cloned()
            .unwrap_or_default();
        FileAnalysis {
            words: words.len(),
            unique: counts.len(),
            longest,
            counts,
        }
    }

    pipeline! {
        /// load → clean → analyze, for one file.
        #[outputs(analysis)]
        pub struct FileStats {
            load_text,
            clean,
            analyze,
        }
    }
}

pub use text::FileAnalysis;

/// The statistics of the whole corpus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// How many files.
    pub files: usize,
    /// Words in all files.
    pub words: usize,
    /// Distinct words in all files.
    pub unique: usize,
    /// The longest word of any file.
    pub longest: String,
    /// The five most common words and their counts over all files.
    pub most_common: Vec<(String, usize)>,
}

/// Merges the per-file statistics.
#[node(output = summary)]
pub fn summarize(analyses: &[FileAnalysis]) -> Summary {
    let mut counts: std::collections::HashMap<&str, usize> = Default::default();
    for analysis in analyses {
        for (word, count) in &analysis.counts {
            *counts.entry(word).or_default() += count;
        }
    }
    let mut most_common: Vec<(String, usize)> = (counts.iter())
        .map(|(word, count)| ((*word).to_owned(), *count))
        .collect();
    most_common.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    most_common.truncate(5);
    let longest = (analyses.iter())
        .map(|analysis| analysis.longest.as_str())
        .max_by(|a, b| a.len().cmp(&b.len()).then_with(|| b.cmp(a)))
        .unwrap_or_default()
        .to_owned();
    Summary {
        files: analyses.len(),
        words: analyses.iter().map(|analysis| analysis.words).sum(),
        unique: counts.len(),
        longest,
        most_common,
    }
}

pipeline! {
    /// Every file through `FileStats`, then one summary.
    pub struct Corpus {
        #[nested(map_over = file_path, inputs(file_paths = file_path), outputs(analysis = analyses))]
        text::FileStats,
        summarize,
    }
}
