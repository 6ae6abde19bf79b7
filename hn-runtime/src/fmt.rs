//! Formatting and `source()` for generated error and output types, whatever
//! traits the user's types implement.
//!
//! A node's error may implement `Error`, only `Display` (`String`), only
//! `Debug`, or nothing at all; `anyhow::Error` and `Box<dyn Error>` implement
//! no `Error` but convert to `&dyn Error`. Generated code has the concrete
//! types at hand, so it picks the best available trait with autoref-based
//! specialization: it calls e.g. `(&&&Probe(&e)).hn_source()`, and method
//! lookup takes the impl that matches with the fewest dereferences.
//! See <https://github.com/dtolnay/case-studies/tree/master/autoref-specialization>.

use crate::error::NodeError;
use core::error::Error;
use core::fmt::{self, Debug, Display};

/// Wraps a reference for autoref-based specialization.
pub struct Probe<'a, T: ?Sized>(pub &'a T);

/// A value shown by the best trait it implements.
pub enum Shown<'a> {
    /// Through `Display`.
    Display(&'a dyn Display),
    /// Through `Debug`, when there is no `Display`.
    Debug(&'a dyn Debug),
    /// Neither is implemented.
    Opaque,
}

impl Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Display(value) => Display::fmt(value, f),
            Shown::Debug(value) => Debug::fmt(value, f),
            Shown::Opaque => f.write_str(".."),
        }
    }
}

impl Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Display(value) => Display::fmt(value, f),
            Shown::Debug(value) => Debug::fmt(value, f),
            Shown::Opaque => f.write_str(".."),
        }
    }
}

/// Writes the `Display` of a generated error enum: the node's path, the
/// items of mapped nested pipelines, then the node's error if it can be
/// shown.
pub fn write_failure<E: NodeError + ?Sized>(f: &mut fmt::Formatter<'_>, error: &E) -> fmt::Result {
    write!(f, "node `{}` failed", error.path())?;
    error.__fmt_items(f)?;
    error.__fmt_detail(f)
}

/// Writes `": "` and a node's error, unless it cannot be shown.
pub fn write_detail(f: &mut fmt::Formatter<'_>, error: Shown<'_>) -> fmt::Result {
    match error {
        Shown::Opaque => Ok(()),
        shown => write!(f, ": {shown}"),
    }
}

/// `(&&&Probe(e)).hn_display()`, first choice: `Display`.
pub trait DisplayViaDisplay<'a> {
    /// The value shown by its `Display`.
    fn hn_display(&self) -> Shown<'a>;
}
impl<'a, T: Display> DisplayViaDisplay<'a> for &&Probe<'a, T> {
    fn hn_display(&self) -> Shown<'a> {
        Shown::Display(self.0)
    }
}

/// Second choice: `Debug`.
pub trait DisplayViaDebug<'a> {
    /// The value shown by its `Debug`.
    fn hn_display(&self) -> Shown<'a>;
}
impl<'a, T: Debug> DisplayViaDebug<'a> for &Probe<'a, T> {
    fn hn_display(&self) -> Shown<'a> {
        Shown::Debug(self.0)
    }
}

/// Last choice: `..`.
pub trait DisplayOpaque<'a> {
    /// Nothing to show.
    fn hn_display(&self) -> Shown<'a>;
}
impl<'a, T: ?Sized> DisplayOpaque<'a> for Probe<'a, T> {
    fn hn_display(&self) -> Shown<'a> {
        Shown::Opaque
    }
}

/// `(&&Probe(v)).hn_debug()`, first choice: `Debug`.
pub trait DebugViaDebug<'a> {
    /// The value shown by its `Debug`.
    fn hn_debug(&self) -> Shown<'a>;
}
impl<'a, T: Debug> DebugViaDebug<'a> for &Probe<'a, T> {
    fn hn_debug(&self) -> Shown<'a> {
        Shown::Debug(self.0)
    }
}

/// Last choice: `..`.
pub trait DebugOpaque<'a> {
    /// Nothing to show.
    fn hn_debug(&self) -> Shown<'a>;
}
impl<'a, T: ?Sized> DebugOpaque<'a> for Probe<'a, T> {
    fn hn_debug(&self) -> Shown<'a> {
        Shown::Opaque
    }
}

/// `(&&&&Probe(e)).hn_source()`, first choice: `e` is an `Error`.
pub trait SourceViaError<'a> {
    /// The error as the source of the pipeline's error.
    fn hn_source(&self) -> Option<&'a (dyn Error + 'static)>;
}
impl<'a, T: Error + 'static> SourceViaError<'a> for &&&Probe<'a, T> {
    fn hn_source(&self) -> Option<&'a (dyn Error + 'static)> {
        Some(self.0)
    }
}

/// Second choice: `e` converts to `&dyn Error` (`anyhow::Error`,
/// `Box<dyn Error>`).
pub trait SourceViaAsRef<'a> {
    /// The error as the source of the pipeline's error.
    fn hn_source(&self) -> Option<&'a (dyn Error + 'static)>;
}
impl<'a, T: AsRef<dyn Error + 'static> + ?Sized> SourceViaAsRef<'a> for &&Probe<'a, T> {
    fn hn_source(&self) -> Option<&'a (dyn Error + 'static)> {
        Some(self.0.as_ref())
    }
}

/// Third choice: `e` converts to `&(dyn Error + Send + Sync)`
/// (`Box<dyn Error + Send + Sync>`).
pub trait SourceViaAsRefSendSync<'a> {
    /// The error as the source of the pipeline's error.
    fn hn_source(&self) -> Option<&'a (dyn Error + 'static)>;
}
impl<'a, T: AsRef<dyn Error + Send + Sync + 'static> + ?Sized> SourceViaAsRefSendSync<'a>
    for &Probe<'a, T>
{
    fn hn_source(&self) -> Option<&'a (dyn Error + 'static)> {
        Some(self.0.as_ref())
    }
}

/// Last choice: no source (`String`, `()`, a plain enum).
pub trait SourceNone<'a> {
    /// No source.
    fn hn_source(&self) -> Option<&'a (dyn Error + 'static)>;
}
impl<'a, T: ?Sized> SourceNone<'a> for Probe<'a, T> {
    fn hn_source(&self) -> Option<&'a (dyn Error + 'static)> {
        None
    }
}

#[cfg(test)]
mod test;
