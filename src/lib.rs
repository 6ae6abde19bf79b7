#![doc = include_str!("../README.md")]
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Marks a plain function as a pipeline node.
///
/// The function stays an ordinary function: callable and testable directly.
/// Its parameters name what it consumes; its output is named after the
/// function unless `output = ...` says otherwise.
///
/// # Options
///
/// | option | meaning |
/// | --- | --- |
/// | `output = name` | name the output (default: the function's name) |
/// | `output = (a, b)` | several outputs, from a returned tuple |
/// | `infallible` | a `Result` return value is an ordinary output, not an error |
/// | `blocking` | a sync node that blocks (file or network I/O): `run_async` runs it on the tokio blocking pool |
/// | `timeout_ms = N` | an async node's attempt fails after N ms |
/// | `retries = N` | an async node is tried up to N more times after an error or timeout |
/// | `backoff_ms = N` | the wait before the first retry, doubling before each next one |
/// | `crate = path` | where `hypernodes` is, if it was renamed |
///
/// A node with `timeout_ms` or `retries` ends a run with
/// [`Attempted`] (its last error or its timeout, with the
/// number of attempts) in its variant of the pipeline's error enum; its
/// by-value arguments are cloned for every attempt but the last.
///
/// A return type whose last path segment is `Result` (`Result<T, E>`,
/// `io::Result<T>`, `anyhow::Result<T>`) makes the node fallible: its output
/// is `T` and its error ends the run with the pipeline's `<Name>Error`.
///
/// # Examples
///
/// ```
/// use hypernodes::prelude::*;
///
/// #[node(output = text)]
/// pub fn load_text(file_path: &std::path::Path) -> std::io::Result<String> {
///     std::fs::read_to_string(file_path)
/// }
///
/// #[node(output = (mean, max))]
/// pub fn stats(xs: &[f64]) -> (f64, f64) {
///     let max = xs.iter().copied().fold(f64::MIN, f64::max);
///     (xs.iter().sum::<f64>() / xs.len() as f64, max)
/// }
///
/// // Still an ordinary function.
/// assert_eq!(stats(&[1.0, 3.0]), (2.0, 3.0));
/// ```
///
/// # What it generates
///
/// Beside the function, hidden from the docs: a marker type and a macro, both
/// named like the function (types and macros live in other namespaces than
/// functions, so `use module::load_text;` brings all three). `pipeline!`
/// reads the node's signature from the macro and names its types through the
/// marker, so a pipeline in another module needs no imports of those types.
///
/// # Errors
///
/// These are compile errors, each at the offending token: generic functions,
/// methods (`self`), patterns as parameters, `&mut` parameters, `impl Trait`
/// in a parameter or the return type, and an `output = (..)` whose arity
/// differs from the returned tuple.
#[doc(inline)]
pub use hn_macros::node;

/// Declares a pipeline: a struct whose `run` calls the listed nodes in
/// dependency order.
///
/// See the [crate documentation](crate) for the full syntax and what is
/// generated.
///
/// # Examples
///
/// ```
/// use hypernodes::prelude::*;
///
/// #[node]
/// fn double(x: i32) -> i32 {
///     x * 2
/// }
///
/// pipeline! {
///     /// Doubles, then adds one.
///     pub struct Chain {
///         double,
///         #[node(output = result)]
///         fn add_one(double: i32) -> i32 { double + 1 }
///     }
/// }
///
/// let out = Chain.run(ChainInputs { x: 5 }).unwrap();
/// assert_eq!((out.double, out.result), (10, 11));
/// ```
#[doc(inline)]
pub use hn_macros::pipeline;

#[cfg(feature = "alloc")]
pub use hn_runtime::NodePanic;
#[cfg(feature = "rayon")]
pub use hn_runtime::ThreadSafe;
pub use hn_runtime::{
    partition, Attempted, Engine, MapError, MapInput, MapMode, MapOverError, Mode, NestedError,
    NodeError, NodeInfo, Pipeline, Workload,
};

/// What consuming the stream of `map_stream` needs, so that users need not
/// depend on `futures` themselves.
///
/// # Examples
///
/// ```
/// use hypernodes::prelude::*;
/// use hypernodes::stream::{self, StreamExt};
///
/// pipeline! {
///     struct Double {
///         fn doubled(x: u32) -> u32 { x * 2 }
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let inputs = stream::iter((1..=3).map(|x| DoubleInputs { x }));
/// let doubled: Vec<u32> = Double.map_stream(inputs).map(|r| r.unwrap().doubled).collect().await;
/// assert_eq!(doubled, [2, 4, 6]);
/// # });
/// ```
#[cfg(feature = "tokio")]
pub mod stream {
    pub use hn_runtime::__private::futures::stream::{iter, Stream, StreamExt};
}

/// serde, re-exported for `#[pipeline(serde)]`: the generated structs
/// derive its traits through this path, so the crate that declares the
/// pipeline needs no serde dependency of its own.
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub use serde;

/// Caching node results across runs and processes (feature `cache`): the
/// [`Cache`](cache::Cache) trait that `Engine::cache` takes, the stores
/// `MemoryCache` and `DiskCache`, and what a cached call's [`Key`](cache::Key)
/// holds.
#[cfg(feature = "cache")]
#[cfg_attr(docsrs, doc(cfg(feature = "cache")))]
pub mod cache {
    pub use hn_runtime::cache::*;
}

/// Maps over the processes of a cluster (feature `cluster`): where the
/// processes are ([`Cluster`](cluster::Cluster), from the environment
/// (`HN_PROCESS` and `HN_HOSTS`, or SLURM's variables) or started on
/// 127.0.0.1 with [`Cluster::local`](cluster::Cluster::local)), an engine
/// that maps on them ([`Engine::cluster`]), what can go wrong
/// ([`ClusterError`](cluster::ClusterError)) and a node's error from
/// another process ([`RemoteError`](cluster::RemoteError)).
///
/// # Examples
///
/// ```no_run
/// use hypernodes::cluster::{Cluster, ClusterError};
/// use hypernodes::prelude::*;
///
/// pipeline! {
///     #[pipeline(serde)]
///     pub struct Square {
///         fn squared(x: u64) -> u64 { x * x }
///     }
/// }
///
/// fn main() -> Result<(), ClusterError> {
///     // The same binary is every process: 2 copies of it start here.
///     let cluster = Cluster::local(3)?;
///     let engine = Engine::new().cluster(cluster.clone());
///     let results = Square.map_cluster(&engine, (0..1000).map(|x| SquareInputs { x }))?;
///     if cluster.is_leader() {
///         assert_eq!(results[7].as_ref().unwrap().squared, 49);
///     }
///     Ok(())
/// }
/// ```
#[cfg(feature = "cluster")]
#[cfg_attr(docsrs, doc(cfg(feature = "cluster")))]
pub mod cluster {
    pub use hn_runtime::cluster::*;
}

/// Pictures of pipelines drawn in pure Rust (feature `svg`).
///
/// [`svg`](viz::svg) lays a pipeline out and writes it as a standalone SVG
/// document, with no Graphviz to install: the picture of
/// [`Pipeline::DOT`] and [`Pipeline::MERMAID`], with inputs as dashed
/// ellipses, nodes as boxes, edges labelled with the values they carry,
/// returned values as double ellipses and nested pipelines as titled
/// rectangles around their nodes.
///
/// # Examples
///
/// ```
/// use hypernodes::prelude::*;
///
/// pipeline! {
///     struct Chain {
///         fn double(x: i64) -> i64 { x * 2 }
///         #[node(output = result)]
///         fn add_one(double: i64) -> i64 { double + 1 }
///     }
/// }
///
/// let svg = hypernodes::viz::svg::<Chain>();
/// assert!(svg.starts_with("<svg"));
/// assert!(svg.contains(">add_one<"));
/// // Write it to a file and open it in a browser:
/// // std::fs::write("chain.svg", svg)?;
/// ```
#[cfg(feature = "svg")]
#[cfg_attr(docsrs, doc(cfg(feature = "svg")))]
pub mod viz {
    pub use hn_runtime::viz::svg;
}

/// Watching runs: the [`Callback`](observe::Callback) trait that an
/// [`Engine`] calls around runs and node calls (`Engine::callback`),
/// [`Timings`](observe::Timings), which times every node, and with their
/// features `Progress` (progress bars) and `Tracing` (spans and events).
#[cfg(feature = "std")]
pub mod observe {
    #[cfg(feature = "tracing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
    pub use hn_runtime::callback::Tracing;
    #[cfg(feature = "progress")]
    #[cfg_attr(docsrs, doc(cfg(feature = "progress")))]
    pub use hn_runtime::callback::{BarCounts, Progress};
    pub use hn_runtime::callback::{Callback, Interest, MapEvent, NodeEvent, NodeTiming, Timings};
}

/// `use hypernodes::prelude::*;` brings the macros and the types most
/// pipelines need.
pub mod prelude {
    pub use crate::{
        node, pipeline, Engine, MapError, MapInput, MapMode, Mode, NestedError, Pipeline, Workload,
    };
}

// Generated code names this crate `::hypernodes`; inside it, for the
// example below, that is this crate itself.
#[cfg(doc)]
extern crate self as hypernodes;

/// What `pipeline!` generates, on an example: the pipeline below, as the
/// docs of your own crate would show it (this module exists only in the
/// documentation).
///
/// ```ignore
/// #[node(output = text)]
/// pub fn load_text(file_path: &std::path::Path) -> std::io::Result<String> { .. }
///
/// pipeline! {
///     /// Word statistics of one text file.
///     pub struct TextStats {
///         load_text,
///         pub fn tokens(text: &str) -> Vec<String> { .. }
///         #[node(output = count)]
///         pub fn count_words(tokens: &[String]) -> usize { .. }
///     }
/// }
/// ```
///
/// It generates the unit struct [`TextStats`](example_generated::TextStats)
/// with its runners (`run`, `run_parallel`, `run_async`, the maps), the
/// structs [`TextStatsInputs`](example_generated::TextStatsInputs) and
/// [`TextStatsOutputs`](example_generated::TextStatsOutputs), the error enum
/// [`TextStatsError`](example_generated::TextStatsError), and the
/// [`Pipeline`] impl; the node functions stay ordinary functions.
#[cfg(all(doc, feature = "rayon", feature = "tokio"))]
pub mod example_generated {
    extern crate std;
    use crate::{node, pipeline};

    /// Reads a text file.
    #[node(output = text)]
    pub fn load_text(file_path: &std::path::Path) -> std::io::Result<std::string::String> {
        std::fs::read_to_string(file_path)
    }

    pipeline! {
        /// Word statistics of one text file.
        pub struct TextStats {
            load_text,
            /// Splits the text into words.
            pub fn tokens(text: &str) -> std::vec::Vec<std::string::String> {
                text.split_whitespace().map(std::borrow::ToOwned::to_owned).collect()
            }
            /// Counts the words.
            #[node(output = count)]
            pub fn count_words(tokens: &[std::string::String]) -> usize { tokens.len() }
        }
    }
}

/// Items used by generated code. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use hn_runtime::__private::*;
    pub use hn_runtime::{Engine, MapError, Mode, NodeError, NodeInfo, Pipeline};

    /// The re-entry point of `pipeline!` once a node has described itself.
    pub use hn_macros::pipeline;
}
