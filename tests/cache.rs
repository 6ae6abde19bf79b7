//! `#[node(cache)]` with an engine's cache: hits skip the node, on every
//! runner that takes an engine.

use hypernodes::cache::{Cache, Key};
use hypernodes::observe::{Callback, NodeEvent};
use hypernodes::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

static CALLS: AtomicUsize = AtomicUsize::new(0);

/// Keeps everything.
#[derive(Clone, Default)]
struct Everything(Arc<Mutex<HashMap<Key, Vec<u8>>>>);

impl Cache for Everything {
    fn get(&self, key: &Key) -> Option<Vec<u8>> {
        self.0.lock().unwrap().get(key).cloned()
    }
    fn put(&self, key: &Key, value: &[u8]) {
        self.0.lock().unwrap().insert(*key, value.to_vec());
    }
}

#[node(cache)]
fn squared(x: u64) -> u64 {
    CALLS.fetch_add(1, Ordering::SeqCst);
    x * x
}

pipeline! {
    struct Squares {
        squared,
        fn plus_one(squared: u64) -> u64 { squared + 1 }
    }
}

#[derive(Clone, Default)]
struct Hits(Arc<AtomicUsize>);
impl Callback for Hits {
    fn on_cache_hit(&self, _: &NodeEvent) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_second_run_hits() {
    let hits = Hits::default();
    let engine = Engine::new()
        .cache(Everything::default())
        .callback(hits.clone());
    let before = CALLS.load(Ordering::SeqCst);
    assert_eq!(
        Squares
            .run_with(&engine, SquaresInputs { x: 3 })
            .unwrap()
            .plus_one,
        10
    );
    assert_eq!(
        Squares
            .run_with(&engine, SquaresInputs { x: 3 })
            .unwrap()
            .plus_one,
        10
    );
    assert_eq!(CALLS.load(Ordering::SeqCst) - before, 1);
    assert_eq!(hits.0.load(Ordering::SeqCst), 1);
}
