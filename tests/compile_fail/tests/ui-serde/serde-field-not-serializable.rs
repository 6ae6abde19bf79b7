use hypernodes::prelude::*;

pub struct Model;

#[node]
pub fn model(path: &str) -> Model {
    let _ = path;
    Model
}

pipeline! {
    #[pipeline(serde)]
    pub struct Load {
        model,
        fn size(model: &Model, scale: std::time::Instant) -> usize { let _ = (model, scale); 1 }
    }
}

fn main() {}
