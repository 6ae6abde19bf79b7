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
/// # Examples
///
/// ```
/// use hypernodes::MapError;
///
/// let error: MapError<&str> = MapError::Failed { item: 3, error: "bad row" };
/// assert_eq!(error.item(), 3);
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
    /// A node panicked while processing the item.
    #[cfg(feature = "alloc")]
    Panicked {
        /// The item's index in the input order.
        item: usize,
        /// The node that panicked.
        node: &'static str,
        /// The panic message (`"<non-string panic payload>"` when the payload
        /// is neither `&str` nor `String`).
        message: alloc::string::String,
    },
    /// The item was not started: an earlier item failed under a fail-fast
    /// engine ([`Engine::fail_fast`](crate::Engine::fail_fast)).
    NotRun {
        /// The item's index in the input order.
        item: usize,
    },
}

impl<E> MapError<E> {
    /// The index of the item in the input order.
    pub fn item(&self) -> usize {
        match self {
            MapError::Failed { item, .. } => *item,
            #[cfg(feature = "alloc")]
            MapError::Panicked { item, .. } => *item,
            MapError::NotRun { item } => *item,
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
            MapError::Panicked { item, .. } => *item = index,
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
            MapError::Panicked { node, .. } => node,
            MapError::NotRun { .. } => "",
        }
    }
}

impl<E: fmt::Display> fmt::Display for MapError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::Failed { item, error } => write!(f, "item {item}: {error}"),
            #[cfg(feature = "alloc")]
            MapError::Panicked {
                item,
                node,
                message,
            } => write!(f, "item {item}: node `{node}` panicked: {message}"),
            MapError::NotRun { item } => write!(f, "item {item}: not run, an earlier item failed"),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for MapError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            MapError::Failed { error, .. } => Some(error),
            #[cfg(feature = "alloc")]
            MapError::Panicked { .. } => None,
            MapError::NotRun { .. } => None,
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
