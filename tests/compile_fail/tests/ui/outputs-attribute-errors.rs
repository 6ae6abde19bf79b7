use hypernodes::prelude::*;

pipeline! {
    #[outputs(double, double)]
    #[pipeline(krate = hypernodes)]
    struct Outputs {
        fn double(x: u32) -> u32 { x * 2 }
    }
}

fn main() {}
