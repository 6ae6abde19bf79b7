//! `pub` nodes and pipelines for another crate (`uses_shared`) to list by
//! path, next to crate-local ones that must keep working as before.

use hypernodes::prelude::*;

/// The words of a text.
#[node(output = words)]
pub fn split(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// A number written in a text: a fallible node.
#[node]
pub fn parse(raw: &str) -> Result<u64, std::num::ParseIntError> {
    raw.trim().parse()
}

/// Twice the parsed number, once awaited: an async node.
#[node(output = doubled)]
pub async fn double_later(parse: u64) -> u64 {
    std::future::ready(parse * 2).await
}

/// Nodes named like the ones at the crate root.
pub mod text {
    use hypernodes::prelude::*;

    /// The comma-separated pieces of a text: the second `split` of the
    /// crate, so the two exported describing macros need distinct names.
    #[node(output = pieces)]
    pub fn split(text: &str) -> Vec<String> {
        text.split(',')
            .map(|piece| piece.trim().to_owned())
            .collect()
    }

    pipeline! {
        /// The pieces of a comma-separated text and their number.
        pub struct Pieces {
            split,
            /// How many pieces there are.
            #[node(output = piece_count)]
            pub fn count(pieces: &[String]) -> usize { pieces.len() }
        }
    }
}

pipeline! {
    /// The words of a text and their number.
    pub struct WordCount {
        split,
        /// How many words there are.
        pub fn count(words: &[String]) -> usize { words.len() }
    }
}

pipeline! {
    /// Cleans a text and counts its words; the cleaning node is private.
    pub struct CleanCount {
        fn cleaned(text: &str) -> String { text.trim().to_lowercase() }
        /// How many words the cleaned text has.
        pub fn cleaned_words(cleaned: &str) -> usize { cleaned.split_whitespace().count() }
    }
}

/// `pub` items in a private module stay reachable inside the crate only.
#[cfg(test)]
mod internal {
    use hypernodes::prelude::*;

    /// The text in upper case.
    #[node]
    pub fn shout(text: &str) -> String {
        text.to_uppercase()
    }

    /// A crate-wide node named like the root's `parse`.
    #[node(output = parsed_twice)]
    pub(crate) fn parse(raw: &str) -> Result<u64, std::num::ParseIntError> {
        raw.trim().parse::<u64>().map(|n| n * 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pipeline! {
        /// Crate-local nodes listed through a glob import, `crate::` and `super::`.
        struct Local {
            internal::shout,
            crate::internal::parse,
            super::split,
            text::Pieces,
            fn summary(shout: &str, parsed_twice: u64, words: &[String], piece_count: usize) -> String {
                format!("{shout} {parsed_twice} {} {piece_count}", words.len())
            }
        }
    }

    #[test]
    fn crate_local_paths_still_resolve() {
        let out = Local
            .run(LocalInputs {
                text: "a, b c".into(),
                raw: "21".into(),
            })
            .unwrap();
        assert_eq!(out.summary, "A, B C 42 3 2");
    }

    #[test]
    fn pub_nodes_inside_a_function_body() {
        #[node(output = len)]
        pub fn measure(text: &str) -> usize {
            text.len()
        }

        pipeline! {
            pub struct Measure { measure, super::split }
        }

        let out = Measure
            .run(MeasureInputs {
                text: "one two".into(),
            })
            .unwrap();
        assert_eq!((out.len, out.words.len()), (7, 2));
    }
}
