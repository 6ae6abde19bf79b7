//! Chains of nodes: outputs of one node feed the next, whatever the order of
//! the entries and wherever the node functions are declared.

use hypernodes::prelude::*;

#[node]
fn double(x: i64) -> i64 {
    x * 2
}

#[node]
fn add_one(double: i64) -> i64 {
    double + 1
}

pipeline! {
    /// `double`, then `add_one`.
    struct Chain {
        double,
        add_one,
    }
}

pipeline! {
    /// The same nodes listed consumer first.
    struct Reversed {
        add_one,
        double,
    }
}

fn node_names<P: Pipeline>() -> Vec<&'static str> {
    P::NODES.iter().map(|node| node.name).collect()
}

#[test]
fn chain_returns_every_output() {
    let out = Chain.run(ChainInputs { x: 5 }).unwrap();
    assert_eq!(out.double, 10);
    assert_eq!(out.add_one, 11);
    assert_eq!(Chain::INPUTS, ["x"]);
    assert_eq!(Chain::OUTPUTS, ["double", "add_one"]);
    assert_eq!(node_names::<Chain>(), ["double", "add_one"]);
    assert_eq!(Chain::NODES[1].inputs, ["double"]);
    assert!(Chain::DOT.contains("\"node:double\" -> \"node:add_one\""));
}

#[test]
fn reversed_entries_run_in_dependency_order() {
    let out = Reversed.run(ReversedInputs { x: 5 }).unwrap();
    assert_eq!((out.double, out.add_one), (10, 11));
    assert_eq!(node_names::<Reversed>(), ["double", "add_one"]);
    assert_eq!(Reversed::OUTPUTS, ["double", "add_one"]);
}

pipeline! {
    /// Inline nodes, with and without options.
    struct Inline {
        fn triple(x: i64) -> i64 { x * 3 }
        #[node(output = shifted)]
        fn shift(triple: i64, offset: i64) -> i64 { triple + offset },
        #[node]
        fn negate(shifted: i64) -> i64 { -shifted }
    }
}

#[test]
fn inline_nodes_with_and_without_attribute() {
    let out = Inline.run(InlineInputs { x: 2, offset: 4 }).unwrap();
    assert_eq!((out.triple, out.shifted, out.negate), (6, 10, -10));
    assert_eq!(Inline::INPUTS, ["x", "offset"]);
    assert_eq!(Inline::OUTPUTS, ["triple", "shifted", "negate"]);
    assert_eq!(node_names::<Inline>(), ["triple", "shift", "negate"]);
    // Inline nodes are emitted as ordinary functions.
    assert_eq!(shift(triple(1), 1), 4);
    assert_eq!(negate(3), -3);
}

mod nodes {
    use hypernodes::prelude::*;

    #[node]
    pub fn square(n: u32) -> u32 {
        n * n
    }

    #[node(output = halved)]
    pub(crate) fn halve(square: u32) -> u32 {
        square / 2
    }

    pub mod deeper {
        use hypernodes::prelude::*;

        #[node]
        pub fn describe(halved: u32) -> String {
            format!("half of the square is {halved}")
        }
    }
}

pipeline! {
    /// Nodes of another module, by `crate::` path.
    struct ByPath {
        crate::nodes::square,
        crate::nodes::halve,
        crate::nodes::deeper::describe,
    }
}

#[test]
fn nodes_listed_by_crate_path() {
    let out = ByPath.run(ByPathInputs { n: 6 }).unwrap();
    assert_eq!((out.square, out.halved), (36, 18));
    assert_eq!(out.describe, "half of the square is 18");
    assert_eq!(node_names::<ByPath>(), ["square", "halve", "describe"]);
}

mod outer {
    use hypernodes::prelude::*;

    #[node]
    fn private_parent(n: u32) -> u32 {
        n + 100
    }

    #[node]
    pub fn sibling(private_parent: u32) -> u32 {
        private_parent * 2
    }

    pub mod inner {
        use hypernodes::prelude::*;

        #[node]
        pub fn local_one(sibling: u32) -> u32 {
            sibling + 1
        }

        pipeline! {
            /// `super::` for the parent's nodes (one of them private),
            /// `self::` for this module's.
            pub struct Relative {
                super::private_parent,
                super::sibling,
                self::local_one,
            }
        }
    }
}

#[test]
fn nodes_listed_by_self_and_super_paths() {
    use outer::inner::{Relative, RelativeInputs};
    let out = Relative.run(RelativeInputs { n: 1 }).unwrap();
    assert_eq!(
        (out.private_parent, out.sibling, out.local_one),
        (101, 202, 203)
    );
    assert_eq!(
        node_names::<Relative>(),
        ["private_parent", "sibling", "local_one"]
    );
}

mod imported {
    use crate::nodes::deeper::describe;
    use crate::nodes::{halve, square};
    use hypernodes::prelude::*;

    pipeline! {
        /// Nodes brought in with `use`.
        pub struct Imported {
            square,
            halve,
            describe,
        }
    }
}

#[test]
fn nodes_imported_with_use() {
    use imported::{Imported, ImportedInputs};
    let out = Imported.run(ImportedInputs { n: 4 }).unwrap();
    assert_eq!((out.square, out.halved), (16, 8));
    assert_eq!(out.describe, "half of the square is 8");
}

#[test]
fn pipeline_inside_a_function_body() {
    #[node]
    fn decrement(start: i32) -> i32 {
        start - 1
    }

    pipeline! {
        struct Local {
            decrement,
            fn times_ten(decrement: i32) -> i32 { decrement * 10 }
        }
    }

    let out = Local.run(LocalInputs { start: 3 }).unwrap();
    assert_eq!((out.decrement, out.times_ten), (2, 20));
    assert_eq!(node_names::<Local>(), ["decrement", "times_ten"]);
}

#[test]
fn inline_only_pipeline_inside_a_function_body() {
    pipeline! {
        struct LocalInline {
            fn plus(a: i32, b: i32) -> i32 { a + b }
            fn minus(plus: i32, b: i32) -> i32 { plus - 2 * b }
        }
    }
    let out = LocalInline.run(LocalInlineInputs { a: 10, b: 3 }).unwrap();
    assert_eq!((out.plus, out.minus), (13, 7));
    assert_eq!(LocalInline::INPUTS, ["a", "b"]);
}

pipeline! {
    /// No inputs at all: the first node takes no parameters.
    struct NoInputs {
        fn seed() -> u64 { 6 }
        fn seven(seed: u64) -> u64 { seed + 1 }
    }
}

#[test]
fn a_pipeline_without_inputs() {
    let out = NoInputs.run(NoInputsInputs {}).unwrap();
    assert_eq!((out.seed, out.seven), (6, 7));
    assert!(NoInputs::INPUTS.is_empty());
    assert_eq!(NoInputs::NODES[0].inputs, [""; 0]);
}
