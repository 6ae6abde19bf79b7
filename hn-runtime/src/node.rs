//! Static description of one node of a pipeline.

/// What `pipeline!` knows about one node, available as
/// [`Pipeline::NODES`](crate::Pipeline::NODES) in topological order.
///
/// # Examples
///
/// ```
/// use hypernodes::prelude::*;
///
/// pipeline! {
///     struct Double {
///         fn doubled(x: u32) -> u32 { x * 2 }
///     }
/// }
///
/// let node = &Double::NODES[0];
/// assert_eq!(node.name, "doubled");
/// assert_eq!(node.path, "doubled");
/// assert_eq!(node.inputs, ["x"]);
/// assert_eq!(node.outputs, ["doubled"]);
/// assert!(!node.fallible);
/// assert_eq!(node.when, "", "it always runs");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct NodeInfo {
    /// The function's name.
    pub name: &'static str,
    /// Where the node is: its name, or for a node of a nested pipeline the
    /// nested pipelines' names and its own (`"text_stats / load_text"`).
    pub path: &'static str,
    /// The names the function consumes, in parameter order.
    pub inputs: &'static [&'static str],
    /// The names the function produces (one, or one per tuple element).
    pub outputs: &'static [&'static str],
    /// Whether the function returns a `Result` whose error ends the run.
    pub fallible: bool,
    /// Whether the function is an `async fn`.
    pub is_async: bool,
    /// When the node runs, as written in its `#[when(..)]` and inherited
    /// from the conditional values it takes (`"needs_search"`,
    /// `"!needs_search"`, `"tone = Refuse"`, several joined by `" && "`);
    /// `""` for a node that always runs.
    pub when: &'static str,
}

impl NodeInfo {
    /// Used by generated code; `NodeInfo` is `#[non_exhaustive]` so that
    /// fields can be added without breaking users.
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        path: &'static str,
        inputs: &'static [&'static str],
        outputs: &'static [&'static str],
        fallible: bool,
        is_async: bool,
    ) -> Self {
        NodeInfo {
            name,
            path,
            inputs,
            outputs,
            fallible,
            is_async,
            when: "",
        }
    }

    /// This node with its condition (see [`when`](NodeInfo::when)).
    #[doc(hidden)]
    #[must_use]
    pub const fn __when(mut self, when: &'static str) -> Self {
        self.when = when;
        self
    }
}
