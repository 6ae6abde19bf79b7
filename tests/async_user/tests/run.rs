//! `run_async`, `map_async` and `map_stream` with no tokio and no futures.

use hypernodes::stream::{self, StreamExt};
use hypernodes_async_user_check::{block_on, Greet, GreetInputs};

#[test]
fn run_async_without_tokio() {
    let out = block_on(Greet.run_async(GreetInputs { name: "ada".into() })).unwrap();
    assert_eq!((out.greeting.as_str(), out.length), ("hello, ada", 10));
}

#[test]
fn map_async_without_tokio() {
    let names = ["a", "bb", "ccc"].map(|name| GreetInputs { name: name.into() });
    let lengths: Vec<usize> = block_on(Greet.map_async(names))
        .into_iter()
        .map(|r| r.unwrap().length)
        .collect();
    assert_eq!(lengths, [8, 9, 10]);
}

#[test]
fn map_stream_without_futures() {
    let inputs = stream::iter(["x", "yy"].map(|name| GreetInputs { name: name.into() }));
    let lengths: Vec<usize> = block_on(
        Greet
            .map_stream(inputs)
            .map(|r| r.unwrap().length)
            .collect(),
    );
    assert_eq!(lengths, [8, 9]);
}
