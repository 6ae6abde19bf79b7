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
}
