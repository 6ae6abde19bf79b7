use hypernodes::prelude::*;

/// Neither serializable nor deserializable.
pub struct Model {
    pub weights: Vec<f32>,
}

pub fn load() -> Model {
    Model { weights: vec![1.0] }
}

#[node(cache)]
fn score(model: &Model, x: f32) -> f32 {
    model.weights[0] * x
}

#[node(cache)]
fn trained(x: f32) -> Model {
    Model { weights: vec![x] }
}

pipeline! {
    struct Scores {
        score,
        trained,
    }
}

pipeline! {
    struct Inline {
        fn model() -> Model { load() }
        #[node(cache)]
        fn weighted(model: &Model, x: f32) -> f32 { model.weights[0] * x }
    }
}

fn main() {}
