use hypernodes::prelude::*;

#[node]
async fn fetch(url: String) -> usize {
    url.len()
}

pipeline! {
    pub struct Fetch {
        fetch,
    }
}

fn main() {
    let _ = Fetch.run(FetchInputs { url: "a".into() });
    let _ = Fetch.run_parallel(FetchInputs { url: "a".into() });

    // The blocking maps get the same message.
    let items = || vec![FetchInputs { url: "a".into() }];
    let engine = Engine::new();
    let _ = Fetch.run_with(&engine, FetchInputs { url: "a".into() });
    let _ = Fetch.map(items());
    let _ = Fetch.map_with(&engine, items());
    let _ = Fetch.try_map(items());
    let _ = Fetch.try_map_with(&engine, items());
    let _ = Fetch.map_iter(items());
    let _ = Fetch.map_iter_with(&engine, items());
}
