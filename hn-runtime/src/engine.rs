//! How a pipeline runs: within one item (nodes) and across items (map).

use crate::partition::{npartitions, Workload};

/// An execution mode, for the nodes of one item ([`Engine::nodes`]) or for
/// the items of a map ([`Engine::map`]).
///
/// What each mode means depends on the runner:
///
/// | mode | `map_with`, `try_map_with`, `map_iter_with`, `map_over_with`: the items | the same maps: the nodes of one item |
/// | --- | --- | --- |
/// | `Sequential` (default) | one after another, on the calling thread | one after another (`run`) |
/// | `Parallel` | at once on the engine's or the current rayon pool | independent nodes at once (`run_parallel`) |
/// | `Threads` | on a pool of threads sized for blocking I/O | as `Parallel` |
/// | `Async` | as `Sequential`: these maps block, there is nothing to await | as `Sequential` |
///
/// The async maps (`map_async_with`, `try_map_async_with`,
/// `map_stream_with`, `map_over_async_with`) always run their items as
/// futures in the calling task, at most `max_workers` at once, each with
/// `run_async`; they do not look at either mode.
///
/// # Examples
///
/// ```
/// use hypernodes::{Engine, Mode};
///
/// let engine = Engine::new().nodes(Mode::Parallel).map(Mode::Threads);
/// assert_eq!(engine.node_mode(), Mode::Parallel);
/// assert_eq!(engine.map_mode(), Mode::Threads);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// One at a time, on the calling thread.
    #[default]
    Sequential,
    /// At once on the rayon pool: for CPU-bound work.
    Parallel,
    /// On a dedicated pool of threads sized for blocking work (file or
    /// network I/O, `thread::sleep`), never on rayon's CPU pool.
    Threads,
    /// Awaited on the async runtime (the async runner).
    Async,
}

/// How a map runs: where its items go ([`Engine::map`]), how the nodes of
/// one item run ([`Engine::nodes`]), how many threads or futures at once
/// ([`Engine::max_workers`]), how the items are cut into pieces
/// ([`Engine::workload`], [`Engine::npartitions`]), on which rayon pool
/// ([`Engine::pool`]), and whether to stop after a failure
/// ([`Engine::fail_fast`]).
///
/// `Engine` is cheap to clone: a custom pool is shared through an `Arc`.
///
/// # Examples
///
/// ```
/// use hypernodes::{Engine, Mode, Workload};
///
/// let engine = Engine::new()
///     .nodes(Mode::Parallel)
///     .map(Mode::Threads)
///     .workload(Workload::Io)
///     .max_workers(64)
///     .npartitions(16);
/// assert_eq!(engine.partitions_for(1000, 8), 16);
/// ```
#[derive(Clone, Debug)]
pub struct Engine {
    nodes: Mode,
    map: Mode,
    workload: Workload,
    max_workers: Option<usize>,
    npartitions: Option<usize>,
    fail_fast: bool,
    #[cfg(feature = "rayon")]
    pool: Option<std::sync::Arc<rayon::ThreadPool>>,
    #[cfg(feature = "std")]
    callbacks: CallbackList,
    #[cfg(feature = "cache")]
    cache: Option<CacheHandle>,
    #[cfg(feature = "cluster")]
    cluster: Option<crate::cluster::Cluster>,
}

/// The engine's cache.
#[cfg(feature = "cache")]
#[derive(Clone)]
struct CacheHandle(std::sync::Arc<dyn crate::cache::Cache>);

#[cfg(feature = "cache")]
impl core::fmt::Debug for CacheHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Cache")
    }
}

/// An engine's callbacks, in the order they were added.
#[cfg(feature = "std")]
#[derive(Clone)]
struct CallbackList(std::vec::Vec<std::sync::Arc<dyn crate::callback::Callback>>);

#[cfg(feature = "std")]
impl core::fmt::Debug for CallbackList {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "[{} callbacks]", self.0.len())
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// The default engine: nodes of a run one after another, items of a map
    /// in parallel on the current rayon pool, a mixed workload, the
    /// partition heuristic, and every item run even when some fail.
    pub const fn new() -> Self {
        Engine {
            nodes: Mode::Sequential,
            map: if cfg!(feature = "rayon") {
                Mode::Parallel
            } else {
                Mode::Sequential
            },
            workload: Workload::Mixed,
            max_workers: None,
            npartitions: None,
            fail_fast: false,
            #[cfg(feature = "rayon")]
            pool: None,
            #[cfg(feature = "std")]
            callbacks: CallbackList(std::vec::Vec::new()),
            #[cfg(feature = "cache")]
            cache: None,
            #[cfg(feature = "cluster")]
            cluster: None,
        }
    }

    /// Adds a callback, called after the ones added before it, around the
    /// runs, maps and node calls of the runners that take this engine
    /// (`run_with`, ...). See [`Callback`](crate::callback::Callback).
    #[cfg(feature = "std")]
    #[must_use]
    pub fn callback(mut self, callback: impl crate::callback::Callback) -> Self {
        self.callbacks.0.push(std::sync::Arc::new(callback));
        self
    }

    /// The callbacks, for generated runners.
    #[cfg(feature = "std")]
    #[doc(hidden)]
    pub fn __callbacks(&self) -> &[std::sync::Arc<dyn crate::callback::Callback>] {
        &self.callbacks.0
    }

    /// Looks up the results of `#[node(cache)]` nodes in `cache` before
    /// running them, and stores what they compute, in the runners that
    /// take this engine (`run_with`, `run_async_with`, the `*_with` maps and
    /// the nested pipelines inside them). A second call replaces the first
    /// cache. Without a cache nothing is looked up. See
    /// [`cache`](crate::cache) for what the key holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use hypernodes::cache::MemoryCache;
    /// use hypernodes::Engine;
    ///
    /// let engine = Engine::new().cache(MemoryCache::new());
    /// ```
    #[cfg(feature = "cache")]
    #[must_use]
    pub fn cache(mut self, cache: impl crate::cache::Cache) -> Self {
        self.cache = Some(CacheHandle(std::sync::Arc::new(cache)));
        self
    }

    /// Maps with `map_cluster` over the processes of `cluster`, each
    /// process mapping its share of the items with the rest of this engine
    /// (its mode, pool, callbacks and cache). Starts connecting to the
    /// other processes, in the background; the first map waits for the
    /// connections, up to the cluster's
    /// [`connect_timeout`](crate::cluster::Cluster::connect_timeout).
    ///
    /// ```no_run
    /// use hypernodes::{cluster::Cluster, Engine};
    ///
    /// let cluster = Cluster::from_env()?;
    /// let engine = Engine::new().cluster(cluster.clone());
    /// # Ok::<(), hypernodes::cluster::ClusterError>(())
    /// ```
    #[cfg(feature = "cluster")]
    #[must_use]
    pub fn cluster(mut self, cluster: crate::cluster::Cluster) -> Self {
        cluster.connect();
        self.cluster = Some(cluster);
        self
    }

    /// The cluster that `map_cluster` maps over, if any.
    #[cfg(feature = "cluster")]
    pub(crate) fn cluster_of(&self) -> Option<&crate::cluster::Cluster> {
        self.cluster.as_ref()
    }

    /// The cache, for generated runners.
    #[cfg(feature = "cache")]
    #[doc(hidden)]
    pub fn __cache(&self) -> Option<&dyn crate::cache::Cache> {
        self.cache.as_ref().map(|cache| &*cache.0)
    }

    /// The cache, shared.
    #[cfg(feature = "cache")]
    pub(crate) fn __cache_arc(&self) -> Option<std::sync::Arc<dyn crate::cache::Cache>> {
        self.cache
            .as_ref()
            .map(|cache| std::sync::Arc::clone(&cache.0))
    }

    /// Whether runs on this engine are watched: by callbacks, or by a cache
    /// that nodes are looked up in. Generated runners take their plain path
    /// otherwise.
    #[cfg(feature = "std")]
    #[doc(hidden)]
    pub fn __watched(&self) -> bool {
        #[cfg(feature = "cache")]
        if self.cache.is_some() {
            return true;
        }
        !self.callbacks.0.is_empty()
    }

    /// Everything on the calling thread, one at a time: for debugging and
    /// for measuring overhead.
    pub const fn sequential() -> Self {
        let mut engine = Engine::new();
        engine.map = Mode::Sequential;
        engine
    }

    /// How the nodes of one item run.
    #[must_use]
    pub const fn nodes(mut self, mode: Mode) -> Self {
        self.nodes = mode;
        self
    }

    /// How the items of a map run.
    #[must_use]
    pub const fn map(mut self, mode: Mode) -> Self {
        self.map = mode;
        self
    }

    /// What the work mostly does; it sets how far the partition heuristic
    /// oversubscribes the CPUs.
    #[must_use]
    pub const fn workload(mut self, workload: Workload) -> Self {
        self.workload = workload;
        self
    }

    /// At most this many threads (`Threads`) or futures in flight (`Async`).
    /// Zero is taken as one.
    #[must_use]
    pub const fn max_workers(mut self, workers: usize) -> Self {
        self.max_workers = Some(if workers == 0 { 1 } else { workers });
        self
    }

    /// Splits a map into this many partitions instead of asking the
    /// heuristic. Zero is taken as one.
    #[must_use]
    pub const fn npartitions(mut self, partitions: usize) -> Self {
        self.npartitions = Some(if partitions == 0 { 1 } else { partitions });
        self
    }

    /// After the first item fails or panics, starts no new items; the items
    /// already running finish, and the others are reported as
    /// [`MapError::NotRun`](crate::MapError::NotRun).
    #[must_use]
    pub const fn fail_fast(mut self, fail_fast: bool) -> Self {
        self.fail_fast = fail_fast;
        self
    }

    /// Runs `Mode::Parallel` maps on this rayon pool instead of the current
    /// one. (`Mode::Threads` work always runs on the I/O pool, whose size
    /// `max_workers` sets.)
    ///
    /// # Examples
    ///
    /// ```
    /// use hypernodes::Engine;
    ///
    /// let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    /// let engine = Engine::new().pool(pool);
    /// assert_eq!(engine.custom_pool().unwrap().current_num_threads(), 2);
    /// ```
    #[cfg(feature = "rayon")]
    #[must_use]
    pub fn pool(mut self, pool: impl Into<std::sync::Arc<rayon::ThreadPool>>) -> Self {
        self.pool = Some(pool.into());
        self
    }

    /// Starts the threads this engine's maps and parallel runs use, now,
    /// and waits until every one of them is running: the I/O pool of
    /// `Mode::Threads` (of `max_workers` threads), and the engine's or the
    /// current rayon pool for `Mode::Parallel`. Pools are created on first
    /// use otherwise, so the first map pays for them: for an I/O pool of
    /// 100 threads, about as long as one 10 ms item (see
    /// `benches/README.md`). Call it where a delay is harmless, at start-up.
    ///
    /// # Examples
    ///
    /// ```
    /// use hypernodes::{Engine, Mode};
    ///
    /// let engine = Engine::new().map(Mode::Threads).max_workers(16);
    /// engine.warm_up(); // the 16 threads are running now
    /// ```
    #[cfg(feature = "rayon")]
    pub fn warm_up(&self) {
        crate::executor::pools::warm_up(self);
    }

    /// The mode for the nodes of one item.
    pub const fn node_mode(&self) -> Mode {
        self.nodes
    }

    /// The mode for the items of a map.
    pub const fn map_mode(&self) -> Mode {
        self.map
    }

    /// The workload type.
    pub const fn workload_type(&self) -> Workload {
        self.workload
    }

    /// The `max_workers` setting, if any.
    pub const fn worker_limit(&self) -> Option<usize> {
        self.max_workers
    }

    /// Whether the map stops starting items after a failure.
    pub const fn is_fail_fast(&self) -> bool {
        self.fail_fast
    }

    /// The pool given with [`pool`](Engine::pool), if any.
    #[cfg(feature = "rayon")]
    pub fn custom_pool(&self) -> Option<&std::sync::Arc<rayon::ThreadPool>> {
        self.pool.as_ref()
    }

    /// How many partitions a map of `items` items gets on `cpus` CPUs: the
    /// manual setting if there is one (never more than the items), else the
    /// heuristic ([`npartitions`]).
    pub fn partitions_for(&self, items: usize, cpus: usize) -> usize {
        match self.npartitions {
            Some(partitions) => partitions.min(items).max(1),
            None => npartitions(items, self.workload, cpus),
        }
    }
}
