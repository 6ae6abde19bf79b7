// A pipeline whose nodes are less visible than itself can be nested only in
// its own module: the outer pipeline calls the nodes.
mod text {
    use hypernodes::prelude::*;

    pipeline! {
        pub struct TextStats {
            fn count(text: &str) -> usize { text.len() }
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
