//! The thread pools maps run on.
//!
//! - CPU work runs on the engine's own pool if it has one, else on the
//!   current rayon pool (the one the calling thread belongs to, or the
//!   global pool). A map inside a node of a mapped pipeline therefore stays
//!   in its pool, and nested maps never multiply threads.
//! - Blocking work (`Mode::Threads`) runs on an I/O pool: a rayon pool with
//!   many threads, which mostly wait. Pools are created once per size and
//!   reused. A `Threads` map started on an I/O pool thread stays on that
//!   pool.

use crate::partition::Workload;
use crate::Engine;
use std::cell::Cell;
use std::sync::{Arc, Mutex, PoisonError};
use std::vec::Vec;

/// Blocking calls only overlap if each has a thread, and a waiting thread
/// costs memory, not CPU: the default I/O pool has at least this many.
pub const MIN_IO_THREADS: usize = 128;

static IO_POOLS: Mutex<Vec<Arc<rayon::ThreadPool>>> = Mutex::new(Vec::new());

std::thread_local! {
    static ON_IO_POOL: Cell<bool> = const { Cell::new(false) };
}

/// The number of CPUs, as the standard library reports them (1 if unknown).
pub fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The I/O pool's size: `max_workers`, else the I/O oversubscription factor
/// times the CPUs, but at least [`MIN_IO_THREADS`].
pub fn io_threads(engine: &Engine) -> usize {
    engine
        .worker_limit()
        .unwrap_or_else(|| (Workload::Io.factor() * cpus()).max(MIN_IO_THREADS))
}

/// The I/O pool with `threads` threads, created on first use. `None` if the
/// threads cannot be created; callers then use the current pool.
fn io_pool(threads: usize) -> Option<Arc<rayon::ThreadPool>> {
    let mut pools = IO_POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(pool) = pools
        .iter()
        .find(|pool| pool.current_num_threads() == threads)
    {
        return Some(Arc::clone(pool));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|index| std::format!("hypernodes-io-{index}"))
        .start_handler(|_| ON_IO_POOL.with(|flag| flag.set(true)))
        .build()
        .ok()?;
    let pool = Arc::new(pool);
    pools.push(Arc::clone(&pool));
    Some(pool)
}

/// The I/O pool an engine's `Threads` maps use, created on first use.
pub fn io_pool_for(engine: &Engine) -> Option<Arc<rayon::ThreadPool>> {
    io_pool(io_threads(engine))
}

/// Runs `work` on the engine's CPU pool.
pub fn on_cpu_pool<R: Send>(engine: &Engine, work: impl FnOnce() -> R + Send) -> R {
    match engine.custom_pool() {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// Runs `work` on an I/O pool (the current one when already on one).
pub fn on_io_pool<R: Send>(engine: &Engine, work: impl FnOnce() -> R + Send) -> R {
    if ON_IO_POOL.with(Cell::get) {
        return work();
    }
    match io_pool(io_threads(engine)) {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// Creates the pools `engine` uses and waits until every thread of each
/// has started (a broadcast runs once on every thread, so it returns only
/// when all are up).
pub fn warm_up(engine: &Engine) {
    use crate::Mode;
    let ready = || drop(rayon::broadcast(|_| ()));
    if engine.map_mode() == Mode::Threads {
        on_io_pool(engine, ready);
    }
    if engine.map_mode() == Mode::Parallel || engine.node_mode() == Mode::Parallel {
        on_cpu_pool(engine, ready);
    }
}
