use hypernodes::prelude::*;

struct Model;

impl Model {
    #[node]
    fn predict(&self, x: f64) -> f64 {
        x
    }
}

fn main() {}
