//! Paths of nodes seen from further out.
//!
//! A mapped pipeline inside a nested pipeline runs in a wrapper that the
//! nested pipeline generated, with `NodeInfo`s whose paths start at the
//! nested pipeline (`"text_stats / tokens"`). The outer run knows the entry
//! it nests it under (`"corpus"`) and hands the wrapper an observer scoped
//! to it, which reports the full path (`"corpus / text_stats / tokens"`).
//!
//! Events carry `&'static` paths and nodes, so the joined ones are made
//! once per distinct (prefix, path) and kept for the life of the process:
//! their number is bounded by the program's pipelines, not by its runs.

use crate::observe::{LocatePanics, Observer};
use crate::NodeInfo;
use std::boxed::Box;
use std::collections::HashMap;
use std::format;
use std::string::String;
use std::sync::{Mutex, OnceLock, PoisonError};

/// `"prefix / path"`, made once per distinct pair.
pub fn join_paths(prefix: &'static str, path: &'static str) -> &'static str {
    static JOINED: OnceLock<Mutex<HashMap<(&'static str, &'static str), &'static str>>> =
        OnceLock::new();
    let mut joined =
        (JOINED.get_or_init(Default::default).lock()).unwrap_or_else(PoisonError::into_inner);
    joined
        .entry((prefix, path))
        .or_insert_with(|| Box::leak(String::into_boxed_str(format!("{prefix} / {path}"))))
}

/// `node` with its path under `prefix`, made once per distinct pair.
pub fn scoped_node(prefix: &'static str, node: &'static NodeInfo) -> &'static NodeInfo {
    /// Keyed by the node's address: every `NodeInfo` is a constant.
    type Nodes = HashMap<(&'static str, usize), &'static NodeInfo>;
    static NODES: OnceLock<Mutex<Nodes>> = OnceLock::new();
    let key = (prefix, core::ptr::from_ref(node) as usize);
    if let Some(scoped) = (NODES.get_or_init(Default::default).lock())
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return scoped;
    }
    // Joined outside the nodes' lock: `join_paths` takes its own.
    let scoped: &'static NodeInfo = Box::leak(Box::new(NodeInfo {
        path: join_paths(prefix, node.path),
        ..*node
    }));
    (NODES.get_or_init(Default::default).lock())
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key)
        .or_insert(scoped)
}

/// [`LocatePanics`] one level in: tags a panic with the node's full path.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScopedPanics {
    prefix: Option<&'static str>,
}

impl ScopedPanics {
    /// This, with `entry` added to the prefix.
    pub fn scoped(self, entry: &'static str) -> Self {
        ScopedPanics {
            prefix: Some(match self.prefix {
                Some(prefix) => join_paths(prefix, entry),
                None => entry,
            }),
        }
    }

    fn path(self, node: &'static NodeInfo) -> &'static str {
        match self.prefix {
            Some(prefix) => join_paths(prefix, node.path),
            None => node.path,
        }
    }
}

impl Observer for ScopedPanics {
    type Began = ();
    type Map = ();
    type Inner<'m> = ScopedPanics;

    #[inline(always)]
    fn begin(&self, _: &'static NodeInfo) {}

    #[inline(always)]
    fn map_begin(&self, _: &'static str, _: &'static str, _: usize) {}

    #[inline(always)]
    fn item_begin(&self, _: &(), _: usize) -> ScopedPanics {
        *self
    }

    #[inline(always)]
    fn scoped(&self, entry: &'static str) -> ScopedPanics {
        ScopedPanics::scoped(*self, entry)
    }

    /// The path is joined only when the node panics.
    #[inline(always)]
    fn call<R>(&self, node: &'static NodeInfo, _: &(), run: impl FnOnce() -> R) -> R {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
            .unwrap_or_else(|payload| LocatePanics::tag(self.path(node), payload))
    }

    /// Records the node in a thread-local while its future is polled
    /// (cheaper than a `catch_unwind` per node): a panic leaves it set for
    /// the map's `catch_unwind` around the whole item to read.
    #[cfg(feature = "tokio")]
    #[inline(always)]
    fn call_async<F: core::future::Future>(
        &self,
        node: &'static NodeInfo,
        run: F,
        failure: impl Fn(&F::Output, &mut dyn FnMut(&dyn core::fmt::Display)) + Copy + Send + Sync,
    ) -> impl core::future::Future<Output = F::Output> {
        let _ = failure;
        crate::observe::Polled::new(run, self.path(node))
    }
}

#[cfg(test)]
mod test {
    use super::*;

    static NODE: NodeInfo =
        NodeInfo::__new("tokens", "text_stats / tokens", &[], &[], false, false);

    #[test]
    fn joined_paths_and_nodes_are_made_once() {
        let joined = join_paths("corpus", "text_stats");
        assert_eq!(joined, "corpus / text_stats");
        assert!(core::ptr::eq(joined, join_paths("corpus", "text_stats")));
        let node = scoped_node("corpus", &NODE);
        assert_eq!(node.path, "corpus / text_stats / tokens");
        assert_eq!(node.name, "tokens");
        assert!(core::ptr::eq(node, scoped_node("corpus", &NODE)));
        assert_eq!(
            scoped_node("shelf", &NODE).path,
            "shelf / text_stats / tokens"
        );
    }

    #[test]
    fn scoped_panics_accumulate_entries() {
        let scoped = ScopedPanics::default().scoped("shelves").scoped("corpus");
        assert_eq!(scoped.path(&NODE), "shelves / corpus / text_stats / tokens");
        assert_eq!(ScopedPanics::default().path(&NODE), "text_stats / tokens");
    }
}
