//! The smallest pipeline, then a chain of two nodes.
//!
//! Run with `cargo run --example quickstart`.

use hypernodes::prelude::*;

#[node(output = result)]
fn process(x: i64) -> i64 {
    x * 2
}

mod text {
    use hypernodes::prelude::*;
    use std::path::Path;

    #[node(output = text)]
    pub fn load_text(file_path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(file_path)
    }
}

pipeline! {
    /// One node: doubles `x`.
    pub struct QuickStart {
        process,
    }
}

pipeline! {
    /// Two nodes: `double`, then `add_one`.
    pub struct Chain {
        fn double(x: i64) -> i64 { x * 2 }
        fn add_one(double: i64) -> i64 { double + 1 }
    }
}

pipeline! {
    /// Reads a file and counts its words.
    pub struct Load {
        text::load_text,
        fn words(text: &str) -> usize { text.split_whitespace().count() }
    }
}

fn main() {
    let out = QuickStart.run(QuickStartInputs { x: 5 }).unwrap();
    println!("process(x = 5)            -> result = {}", out.result);

    let out = Chain.run(ChainInputs { x: 5 }).unwrap();
    println!("double -> add_one (x = 5) -> double = {}, add_one = {}", out.double, out.add_one);
    let out = Load.run(LoadInputs { file_path: "Cargo.toml".into() });
    println!("{:?}", out.map(|o| o.words));
    println!("{}", Chain::DOT);
}
