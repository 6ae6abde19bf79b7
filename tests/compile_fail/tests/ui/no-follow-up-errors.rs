// After a mistake in the graph, the user's code that uses the pipeline
// raises nothing more: the fallback still has the input and output fields
// it can determine, an error type with `Debug`, `Display` and `Error`, and
// every runner.
use std::path::PathBuf;

mod cycle {
    use hypernodes::prelude::*;

    pipeline! {
        pub struct WordStats {
            pub fn text(path: &std::path::Path) -> std::io::Result<String> { std::fs::read_to_string(path) }
            pub fn words(text: &str, count: &usize) -> Vec<String> { let _ = count; text.split(' ').map(str::to_owned).collect() }
            pub fn count(words: &[String]) -> usize { words.len() }
        }
    }
}

mod duplicate {
    use hypernodes::prelude::*;

    pipeline! {
        pub struct Twice {
            pub fn total(x: u32) -> u32 { x }
            #[node(output = total)]
            pub fn other(x: u32) -> u32 { x + 1 }
            pub fn shown(total: u32) -> String { total.to_string() }
        }
    }
}

mod mutable {
    use hypernodes::prelude::*;

    pipeline! {
        pub struct Mutable {
            pub fn parsed(raw: &str) -> u32 { raw.len() as u32 }
            pub fn bumped(parsed: &mut u32) -> u32 { *parsed + 1 }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    use cycle::*;
    let out = WordStats.run(WordStatsInputs { path: PathBuf::from("a") })?;
    println!("{} {:?}", out.text, out.words);
    let results = WordStats.map(vec![WordStatsInputs { path: PathBuf::from("a") }]);
    println!("{}", results.len());
    let all = WordStats.try_map_with(&hypernodes::Engine::new(), Vec::<WordStatsInputs>::new());
    println!("{}", all.map(|outputs| outputs.len()).unwrap_or(0));

    let twice = duplicate::Twice.run(duplicate::TwiceInputs { x: 1 })?;
    println!("{}", twice.shown);

    let parsed = mutable::Mutable.run(mutable::MutableInputs { raw: "ab".into() })?;
    println!("{}", parsed.parsed);
    Ok(())
}
