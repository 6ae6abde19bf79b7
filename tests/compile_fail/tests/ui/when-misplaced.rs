// `#[when]` where it cannot stand, twice on one entry, or malformed.
use hypernodes::prelude::*;

#[node]
#[when(flag)]
fn on_a_function(x: u32) -> u32 {
    x
}

mod on_a_pipeline {
    use hypernodes::prelude::*;

    pipeline! {
        #[when(flag)]
        struct OnAPipeline {
            fn flag(x: u32) -> bool { x > 1 }
        }
    }
}

mod on_the_inputs {
    use hypernodes::prelude::*;

    pipeline! {
        struct OnTheInputs {
            #[when(flag)]
            inputs { x: u32 }
            fn flag(x: u32) -> bool { x > 1 }
        }
    }
}

mod twice {
    use hypernodes::prelude::*;

    pipeline! {
        struct Twice {
            fn flag(x: u32) -> bool { x > 1 }
            fn other(x: u32) -> bool { x > 2 }
            #[when(flag)]
            #[when(other)]
            fn gated(x: u32) -> u32 { x }
        }
    }
}

mod malformed {
    use hypernodes::prelude::*;

    pipeline! {
        struct Malformed {
            fn flag(x: u32) -> bool { x > 1 }
            #[when]
            fn empty(x: u32) -> u32 { x }
            #[when(!flag = A)]
            fn negated_variant(x: u32) -> u32 { x }
            #[when(flag, other)]
            fn two_gates(x: u32) -> u32 { x }
        }
    }
}

fn main() {}
