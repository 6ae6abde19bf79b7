// A pipeline whose nodes are less visible than itself can be nested only in
// its own module (and the modules inside it) when a node's signature names
// a type of the crate's own: the outer pipeline names the node's types
// through its marker type, which then cannot be more visible than the node.
// (A private inline node whose types are all std's nests anywhere.)
mod text {
    use hypernodes::prelude::*;

    pub struct Text(pub String);

    pipeline! {
        pub struct TextStats {
            fn count(text: &Text) -> usize { text.0.len() }
        }
    }
}

pub use text::TextStats;

hypernodes::pipeline! {
    struct Report {
        text::TextStats,
        fn report(count: usize) -> String { count.to_string() }
    }
}



// Imported: the same error, after rustc's "cannot find".
hypernodes::pipeline! {
    struct Imported {
        #[nested]
        TextStats,
        fn imported_report(count: usize) -> String { count.to_string() }
    }
}
fn main() {}
