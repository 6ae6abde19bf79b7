//! Errors of runs and mapped runs.

use core::fmt;

/// An error that knows which node produced it. Every generated
/// `<Name>Error` enum implements it.
///
/// # Examples
///
/// ```
/// use hypernodes::{prelude::*, NodeError};
///
/// pipeline! {
///     struct Parse {
///         fn number(text: String) -> Result<i32, core::num::ParseIntError> { text.parse() }
///     }
/// }
///
/// let error = Parse.run(ParseInputs { text: "x".into() }).unwrap_err();
/// assert_eq!(NodeError::node(&error), "number");
/// ```
pub trait NodeError {
    /// The name of the node whose error this is.
    fn node(&self) -> &'static str;

    /// The node's path from the pipeline: its name, or for a node of a
    /// nested pipeline the nested pipelines' names and its own, e.g.
    /// `"text_stats / load_text"`.
    fn path(&self) -> &'static str {
        self.node()
    }

    /// Writes where in mapped nested pipelines the error happened
    /// (`" on item 3 of `text_stats`"`), for `Display`.
    #[doc(hidden)]
    fn __fmt_items(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _ = f;
        Ok(())
    }

    /// Writes `": "` and the node's own error, if it can be shown.
    #[doc(hidden)]
    fn __fmt_detail(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// Why one item of a map produced no outputs.
///
/// A map never loses an item: each item's result is either its outputs or
/// one of these, carrying the item's index in the input order.
///
/// It is small on purpose: a panic's details are boxed, so that for a
/// pipeline whose nodes cannot fail a map's element
/// `Result<Outputs, MapError<Error>>` costs at most one word more than the
/// outputs themselves.
///
/// # Examples
///
/// ```
/// use hypernodes::MapError;
///
/// let error: MapError<&str> = MapError::Failed { item: 3, error: "bad row" };
/// assert_eq!(error.item(), 3);
/// assert_eq!(error.message(), None);
/// assert_eq!(error.to_string(), "item 3: bad row");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MapError<E> {
    /// A node returned an error; `error` is the pipeline's error enum, which
    /// names the node.
    Failed {
        /// The item's index in the input order.
        item: usize,
        /// The pipeline's error.
        error: E,
    },
    /// A node panicked while processing the item: where, and the panic's
    /// message.
    #[cfg(feature = "alloc")]
    Panicked(alloc::boxed::Box<NodePanic>),
    /// The item was not started: an earlier item failed under a fail-fast
    /// engine ([`Engine::fail_fast`](crate::Engine::fail_fast)).
    NotRun {
        /// The item's index in the input order.
        item: usize,
    },
}

/// A panic in a node, caught by a map: the item, the node and the message.
///
/// # Examples
///
/// ```
/// use hypernodes::{prelude::*, MapError};
///
/// pipeline! {
///     struct Halve {
///         fn half(x: u32) -> u32 {
///             assert!(x % 2 == 0, "{x} is odd");
///             x / 2
///         }
///     }
/// }
///
/// # std::panic::set_hook(Box::new(|_| {}));
/// let results = Halve.map_with(&Engine::sequential(), [4, 3].map(|x| HalveInputs { x }));
/// let Err(MapError::Panicked(panic)) = &results[1] else { panic!("item 1 panics") };
/// assert_eq!((panic.item, panic.node, panic.message.as_str()), (1, "half", "3 is odd"));
/// assert_eq!(results[1].as_ref().unwrap_err().message(), Some("3 is odd"));
/// ```
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodePanic {
    /// The item's index in the input order.
    pub item: usize,
    /// The name of the node that panicked.
    pub node: &'static str,
    /// The node's path from the pipeline: its name, or for a node of a
    /// nested pipeline the nested pipelines' names and its own
    /// (`"text_stats / load_text"`).
    pub path: &'static str,
    /// The panic message (`"<non-string panic payload>"` when the payload
    /// is neither `&str` nor `String`).
    pub message: alloc::string::String,
}

#[cfg(feature = "alloc")]
impl NodePanic {
    /// A panic of the node at `path` (its name is the path's last part).
    #[cfg_attr(
        not(feature = "std"),
        allow(dead_code, reason = "maps catch panics, which needs std")
    )]
    pub(crate) fn new(item: usize, path: &'static str, message: alloc::string::String) -> Self {
        let node = path.rsplit(" / ").next().unwrap_or(path);
        NodePanic {
            item,
            node,
            path,
            message,
        }
    }
}

impl<E> MapError<E> {
    /// The index of the item in the input order.
    pub fn item(&self) -> usize {
        match self {
            MapError::Failed { item, .. } | MapError::NotRun { item } => *item,
            #[cfg(feature = "alloc")]
            MapError::Panicked(panic) => panic.item,
        }
    }

    /// The panic message, if a node panicked.
    pub fn message(&self) -> Option<&str> {
        match self {
            #[cfg(feature = "alloc")]
            MapError::Panicked(panic) => Some(&panic.message),
            _ => None,
        }
    }

    /// Sets the item index, for executors that learn it late.
    #[cfg_attr(
        not(feature = "rayon"),
        allow(dead_code, reason = "used by the rayon map")
    )]
    pub(crate) fn set_item(&mut self, index: usize) {
        match self {
            MapError::Failed { item, .. } | MapError::NotRun { item } => *item = index,
            #[cfg(feature = "alloc")]
            MapError::Panicked(panic) => panic.item = index,
        }
    }
}

impl<E: NodeError> MapError<E> {
    /// The name of the node that failed or panicked (`""` for an item that
    /// did not run).
    pub fn node(&self) -> &'static str {
        match self {
            MapError::Failed { error, .. } => error.node(),
            #[cfg(feature = "alloc")]
            MapError::Panicked(panic) => panic.node,
            MapError::NotRun { .. } => "",
        }
    }

    /// The path of the node that failed or panicked: its name, or for a
    /// node of a nested pipeline the nested pipelines' names and its own
    /// (`"text_stats / load_text"`); `""` for an item that did not run.
    pub fn path(&self) -> &'static str {
        match self {
            MapError::Failed { error, .. } => error.path(),
            #[cfg(feature = "alloc")]
            MapError::Panicked(panic) => panic.path,
            MapError::NotRun { .. } => "",
        }
    }
}

impl<E: fmt::Display> fmt::Display for MapError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::Failed { item, error } => write!(f, "item {item}: {error}"),
            #[cfg(feature = "alloc")]
            MapError::Panicked(panic) => fmt::Display::fmt(panic, f),
            MapError::NotRun { item } => write!(f, "item {item}: not run, an earlier item failed"),
        }
    }
}

#[cfg(feature = "alloc")]
impl fmt::Display for NodePanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let NodePanic {
            item,
            path,
            message,
            ..
        } = self;
        write!(f, "item {item}: node `{path}` panicked: {message}")
    }
}

impl<E: core::error::Error + 'static> core::error::Error for MapError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            MapError::Failed { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Why a node with a timeout or retries (`#[node(timeout_ms = .., retries =
/// .., backoff_ms = ..)]`) ended the run: its error or its timeout, on the
/// last attempt, with the number of attempts made.
///
/// # Examples
///
/// ```
/// use hypernodes::Attempted;
/// use std::time::Duration;
///
/// let error: Attempted<&str> = Attempted::TimedOut { after: Duration::from_millis(50), attempts: 3 };
/// assert_eq!(error.attempts(), 3);
/// assert_eq!(error.to_string(), "timed out after 50 ms (3 attempts)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attempted<E> {
    /// The last attempt returned an error.
    Failed {
        /// The last attempt's error.
        error: E,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The last attempt did not finish in time.
    TimedOut {
        /// The node's timeout.
        after: core::time::Duration,
        /// How many attempts were made.
        attempts: u32,
    },
}

impl<E> Attempted<E> {
    /// How many attempts were made.
    pub fn attempts(&self) -> u32 {
        match self {
            Attempted::Failed { attempts, .. } | Attempted::TimedOut { attempts, .. } => *attempts,
        }
    }
}

impl<E: fmt::Display> fmt::Display for Attempted<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        match self {
            Attempted::Failed { error, attempts } => {
                write!(f, "{error} ({attempts} attempt{})", plural(*attempts))
            }
            Attempted::TimedOut { after, attempts } => write!(
                f,
                "timed out after {} ms ({attempts} attempt{})",
                after.as_millis(),
                plural(*attempts)
            ),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for Attempted<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Attempted::Failed { error, .. } => Some(error),
            Attempted::TimedOut { .. } => None,
        }
    }
}
