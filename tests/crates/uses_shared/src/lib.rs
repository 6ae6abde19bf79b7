//! Pipelines made of another crate's nodes and pipelines, listed by path.

use hypernodes::prelude::*;
use shared_nodes::text::split;

pipeline! {
    /// A number plus the number of pieces of a text.
    pub struct Sum {
        shared_nodes::parse,
        split,
        /// The parsed number plus the piece count.
        pub fn total(parse: u64, pieces: &[String]) -> u64 {
            parse + pieces.len() as u64
        }
    }
}

pipeline! {
    /// Another crate's pipeline nested: its nodes join this graph.
    pub struct Report {
        #[nested]
        shared_nodes::WordCount,
        /// The report line.
        pub fn report(count: usize, words: &[String]) -> String {
            format!("{count} words, first {:?}", words.first())
        }
    }
}

pipeline! {
    /// Another crate's pipeline mapped over a list of texts.
    pub struct CountAll {
        #[nested(map_over = text, inputs(texts = text), outputs(count = counts))]
        ::shared_nodes::WordCount,
        /// All the words.
        pub fn word_total(counts: &[usize]) -> usize { counts.iter().sum() }
    }
}

pipeline! {
    /// Another crate's async node after its fallible one.
    pub struct Doubled {
        shared_nodes::parse,
        shared_nodes::double_later,
    }
}
