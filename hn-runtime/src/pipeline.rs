//! The trait every generated pipeline implements.

use crate::NodeInfo;

/// Implemented by every struct that `pipeline!` generates: the pipeline's
/// types and a static description of its graph.
///
/// The runners (`run`, `run_parallel`, `run_async`, the maps) are inherent
/// methods of the generated struct, so that a pipeline only has the ones
/// its nodes allow (an `async` node rules out `run`, `run_parallel` and the
/// blocking maps, whose calls then fail to compile with a message that
/// says what to use instead).
///
/// # Examples
///
/// ```
/// use hypernodes::prelude::*;
///
/// pipeline! {
///     struct Chain {
///         fn double(x: i64) -> i64 { x * 2 }
///         fn add_one(double: i64) -> i64 { double + 1 }
///     }
/// }
///
/// assert_eq!(Chain::INPUTS, ["x"]);
/// assert_eq!(Chain::OUTPUTS, ["double", "add_one"]);
/// let names: Vec<_> = Chain::NODES.iter().map(|n| n.name).collect();
/// assert_eq!(names, ["double", "add_one"]);
/// assert!(Chain::DOT.starts_with("digraph Chain {"));
/// ```
pub trait Pipeline {
    /// The generated `<Name>Inputs` struct: one owned field per input.
    type Inputs;
    /// The generated `<Name>Outputs` struct: one field per output.
    type Outputs;
    /// The generated `<Name>Error` enum: one variant per fallible node.
    type Error;
    /// Every node that runs, in the topological order `run` uses.
    const NODES: &'static [NodeInfo];
    /// The pipeline's input names, in the order of their first consumer.
    const INPUTS: &'static [&'static str];
    /// The names `run` returns, in `Outputs` field order.
    const OUTPUTS: &'static [&'static str];
    /// The graph in Graphviz DOT: inputs as ellipses, nodes as boxes, one
    /// edge per consumed name.
    const DOT: &'static str;
}
