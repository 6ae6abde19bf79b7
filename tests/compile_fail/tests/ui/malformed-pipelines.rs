use hypernodes::prelude::*;

mod empty {
    use hypernodes::prelude::*;

    pipeline! {
        struct Empty {}
    }
}

mod not_a_struct {
    use hypernodes::prelude::*;

    pipeline! {
        enum Pipeline { A }
    }
}

mod garbage {
    use hypernodes::prelude::*;

    pipeline! {
        struct Garbage { 1 + 2 }
    }
}

mod missing_comma {
    use hypernodes::prelude::*;

    #[node]
    fn a(x: u32) -> u32 {
        x
    }

    #[node]
    fn b(a: u32) -> u32 {
        a
    }

    pipeline! {
        struct MissingComma { a b }
    }
}

fn main() {}
