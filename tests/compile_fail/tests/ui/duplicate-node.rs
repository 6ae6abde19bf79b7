use hypernodes::prelude::*;

mod a {
    use hypernodes::prelude::*;

    #[node]
    pub fn load(x: u32) -> u32 {
        x
    }
}

mod b {
    use hypernodes::prelude::*;

    #[node(output = other)]
    pub fn load(x: u32) -> u32 {
        x
    }
}

pipeline! {
    struct TwoLoads {
        a::load,
        b::load,
    }
}

fn main() {}
