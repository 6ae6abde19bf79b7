use hypernodes::prelude::*;

pub struct Model(Vec<f32>);

pipeline! {
    struct Predict {
        fn model(size: usize) -> Model { Model(vec![0.0; size]) }
        fn predict(model: Model) -> usize { model.0.len() }
    }
}

fn main() {}
