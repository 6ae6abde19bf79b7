// `#[pipeline(derive(Eq))]` with an output that is not `Eq`: rustc's error
// at the field, naming its type.
use hypernodes::prelude::*;

pipeline! {
    #[pipeline(derive(PartialEq, Eq))]
    struct Mean {
        fn mean(xs: &[f64]) -> f64 { xs.iter().sum::<f64>() / xs.len() as f64 }
    }
}

fn main() {}
