//! A cached node's call, as generated code makes it: look the key up in
//! the run's cache, else run the node and store its value.

use super::{decode, encode, Key, KeyBuilder};
use crate::observe::Observer;
use crate::types::CachedNode;
use crate::NodeInfo;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What a lookup found.
pub enum Lookup<T> {
    /// The stored value: the node does not run.
    Hit(T),
    /// Run the node, then store its value under the key, if there is one
    /// (none: no cache, or an argument that cannot be serialized).
    Miss(Option<Key>),
}

/// Looks up the call of node `N` (`node`) whose arguments `args` adds to
/// the key, in the cache of `observer`; a hit is reported to it.
#[inline]
pub fn cache_lookup<N: CachedNode + ?Sized, O: Observer + ?Sized, T: DeserializeOwned>(
    observer: &O,
    node: &'static NodeInfo,
    args: impl FnOnce(KeyBuilder) -> Option<KeyBuilder>,
) -> Lookup<T> {
    let Some(cache) = observer.cache() else {
        return Lookup::Miss(None);
    };
    let Some(key) = args(KeyBuilder::new(N::PATH, N::CODE, N::VERSION)).map(KeyBuilder::finish)
    else {
        return Lookup::Miss(None);
    };
    match cache.get(&key).and_then(|bytes| decode(&bytes)) {
        Some(value) => {
            observer.cache_hit(node);
            Lookup::Hit(value)
        }
        None => Lookup::Miss(Some(key)),
    }
}

/// Stores a computed value under `key` (from a [`Lookup::Miss`]).
#[inline]
pub fn cache_store<O: Observer + ?Sized, T: Serialize>(observer: &O, key: Option<Key>, value: &T) {
    if let (Some(key), Some(cache)) = (key, observer.cache()) {
        if let Some(bytes) = encode(value) {
            cache.put(&key, &bytes);
        }
    }
}
