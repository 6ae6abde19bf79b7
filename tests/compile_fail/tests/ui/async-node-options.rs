use hypernodes::prelude::*;

#[node(blocking)]
async fn fetch(url: String) -> usize {
    url.len()
}

#[node(timeout_ms = 100, retries = 2)]
fn parse(text: String) -> usize {
    text.len()
}

#[node(backoff_ms = 10)]
async fn upload(url: String) -> usize {
    url.len()
}

#[node(timeout_ms = 0)]
async fn never(url: String) -> usize {
    url.len()
}

fn main() {}
