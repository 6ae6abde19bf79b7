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

// With `pub(crate)` nodes the pipeline nests anywhere in the crate, by path
// or after a glob import of its module; imported by its name alone, its
// hidden sibling is not in scope (rustc says which `use` to add).
mod shout {
    use hypernodes::prelude::*;

    pub struct Loud(pub String);

    pipeline! {
        pub struct Shout {
            pub(crate) fn shouted(loud: &Loud) -> String { loud.0.to_uppercase() }
        }
    }
}

use shout::Shout;

hypernodes::pipeline! {
    struct ByPath {
        shout::Shout,
        fn by_path(shouted: String) -> String { shouted }
    }
}

hypernodes::pipeline! {
    struct ByName {
        #[nested]
        Shout,
        fn by_name(shouted: String) -> String { shouted }
    }
}

fn main() {}
