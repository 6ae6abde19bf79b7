//! Where the processes of a cluster are: [`Cluster`], this process's place
//! among them.
//!
//! The same executable runs as every process of a cluster. Each one learns
//! from its environment which process it is (its index, 0 being the
//! leader) and the `host:port` of every process, in index order:
//!
//! - `HN_PROCESS=i` and `HN_HOSTS`: either a comma-separated list of
//!   `host:port`, or the path of a hostfile with one `host:port` per line
//!   (blank lines and `#` comments ignored). A value with a comma is a
//!   list; without, it is a hostfile if a file has that path, else a list
//!   of one.
//! - Else, under SLURM's `srun`: `SLURM_PROCID`, `SLURM_NTASKS` and the
//!   node list (`SLURM_STEP_NODELIST`, else `SLURM_JOB_NODELIST`, in
//!   SLURM's compact form `node[01-04,07],gpu1`). The tasks on each node
//!   come from `SLURM_STEP_TASKS_PER_NODE` (else `SLURM_TASKS_PER_NODE`,
//!   as in `2(x3),1`); without either, SLURM's default block distribution
//!   is assumed: consecutive tasks on one node, as many on each node as
//!   possible evenly, the first nodes taking one more. The `k`-th task on a
//!   node listens on port `HN_PORT + k`, `HN_PORT` being 7400
//!   ([`DEFAULT_PORT`]) unless set.
//! - Else a single process: index 0 of 1, on `127.0.0.1:HN_PORT`.
//!
//! [`Cluster::from_env`] reads these; [`Cluster::local`] (and [`Local`])
//! start copies of the current executable on 127.0.0.1 with `HN_PROCESS`
//! and `HN_HOSTS` set, like `mpirun -n` or `torchrun`.
//!
//! # Maps over a cluster
//!
//! An engine with a cluster ([`Engine::cluster`](crate::Engine::cluster))
//! connects this process to the others, in the background, and the
//! generated `map_cluster(&engine, items)` maps a pipeline over all of
//! them (the pipeline needs `#[pipeline(serde)]`):
//!
//! - Process 0, the leader, sends item `i` to process `i % processes()`
//!   (itself included); the others' items are ignored. Each process maps
//!   its share as `map_with` does, with the rest of the engine (mode, pool,
//!   callbacks, cache); the leader gets every item's result in input
//!   order, the others an empty `Vec`.
//! - A node's error comes back as a [`RemoteError`], a panic as
//!   `MapError::Panicked` for that item only; inputs or outputs that
//!   cannot be encoded or decoded are that item's error.
//! - Every process calls `map_cluster` as many times as the leader: each
//!   call is one map of the whole cluster. The connections are made once
//!   and shared by the maps.
//!
//! # Faults
//!
//! The processes connect with a deadline ([`Cluster::connect_timeout`]) and
//! send each other heartbeats on connections of their own
//! ([`Cluster::heartbeat_timeout`]). A process that is killed, freezes,
//! panics outside a node (a callback, say) or never connects is a
//! [`ClusterError::Lost`] or [`ClusterError::Setup`] within those
//! timeouts, on the leader, which passes it on to the others; never a hang
//! or an abort. A process notices a fault between the items it receives
//! and once its share is mapped: a share of long items is finished first.
//!
//! A cluster with a fault cannot map again, and a process that got such an
//! error should end: the transport's threads may be stuck on the lost
//! peer (they end with the process). Let `main` return the error.
//!
//! The transport is timely-dataflow's (one worker per process, one small
//! dataflow per map), on sockets this module connects.

mod connect;
mod env;
mod error;
mod health;
mod hosts;
mod local;
mod map;
mod nodelist;
mod session;
mod transport;
mod wire;

pub use env::DEFAULT_PORT;
pub use error::{ClusterError, RemoteError};
pub use local::{Local, DEFAULT_GRACE};
#[doc(hidden)]
pub use map::{map_cluster, CrossProcess};
pub use session::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_HEARTBEAT_TIMEOUT};

use local::Children;
use session::{Link, Session, Timeouts};
use std::io;
use std::string::String;
use std::sync::Arc;
use std::time::Duration;
use std::vec::Vec;

/// This process's place in a cluster: its index among the processes and
/// every process's `host:port`.
///
/// Clones share one value. The leader of a cluster made by
/// [`Cluster::local`] also holds the processes it started: when its last
/// clone is dropped, it waits up to a grace period ([`DEFAULT_GRACE`], or
/// [`Local::grace`]) for them to end, then kills those still running, so
/// that none is left behind. A leader that never drops its `Cluster`
/// (`std::process::exit`, a kill signal, an abort) cannot do this.
///
/// # Examples
///
/// ```
/// use hypernodes::cluster::Cluster;
///
/// // In a process with neither HN_* nor SLURM variables: a single process.
/// let cluster = Cluster::from_env()?;
/// if cluster.processes() == 1 {
///     assert!(cluster.is_leader());
/// }
/// assert!(cluster.index() < cluster.processes());
/// # Ok::<(), hypernodes::cluster::ClusterError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Cluster {
    inner: Arc<Inner>,
    timeouts: Timeouts,
}

#[derive(Debug)]
struct Inner {
    index: usize,
    hosts: Vec<String>,
    /// The connections, once an engine or a map asked for them. Dropped
    /// before the children: the others learn that this process left.
    link: Arc<Link>,
    /// Dropped with the last clone, which waits for or kills them.
    _children: Option<Children>,
}

impl Cluster {
    fn new(index: usize, hosts: Vec<String>, children: Option<Children>) -> Cluster {
        Cluster {
            inner: Arc::new(Inner {
                index,
                hosts,
                link: Arc::default(),
                _children: children,
            }),
            timeouts: Timeouts::default(),
        }
    }

    /// The cluster the environment describes (see the [module](self)'s
    /// documentation for the variables): a single process when none is set.
    ///
    /// # Errors
    ///
    /// [`ClusterError::Env`] naming the variable that is missing, malformed
    /// or inconsistent with the others: an index out of range, an empty
    /// list, a bad port, unbalanced brackets or a reversed range in a node
    /// list, an unreadable hostfile...
    pub fn from_env() -> Result<Cluster, ClusterError> {
        let topology = env::topology(&env_var, &read_file)?;
        Ok(Cluster::new(topology.index, topology.hosts, None))
    }

    /// A cluster of `processes` copies of the current executable on
    /// 127.0.0.1, started with this process's arguments:
    /// `Local::new(processes).start()` (see [`Local`]).
    ///
    /// In the process the user started, it starts `processes - 1` copies
    /// and returns the leader's `Cluster` (index 0); in a copy, it returns
    /// [`Cluster::from_env`]. One process starts nothing.
    ///
    /// # Errors
    ///
    /// As [`Local::start`]: zero processes is an error.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use hypernodes::cluster::Cluster;
    ///
    /// // Runs three times: in this process and in two copies of it.
    /// let cluster = Cluster::local(3)?;
    /// println!("process {} of {}", cluster.index(), cluster.processes());
    /// # Ok::<(), hypernodes::cluster::ClusterError>(())
    /// ```
    pub fn local(processes: usize) -> Result<Cluster, ClusterError> {
        Local::new(processes).start()
    }

    /// This process's index, from 0 to [`processes`](Cluster::processes)
    /// minus 1.
    pub fn index(&self) -> usize {
        self.inner.index
    }

    /// How many processes the cluster has (at least 1).
    pub fn processes(&self) -> usize {
        self.inner.hosts.len()
    }

    /// Whether this process is the leader, index 0: the one that gathers
    /// results.
    pub fn is_leader(&self) -> bool {
        self.inner.index == 0
    }

    /// Every process's `host:port`, in index order. Hosts are names or
    /// addresses as the environment gave them, not resolved.
    pub fn hosts(&self) -> &[String] {
        &self.inner.hosts
    }

    /// This process's own `host:port`: `hosts()[index()]`.
    pub fn address(&self) -> &str {
        &self.inner.hosts[self.inner.index]
    }

    /// How long this process waits for the others to connect, counted
    /// from the first [`Engine::cluster`](crate::Engine::cluster) (or map)
    /// with this cluster: [`DEFAULT_CONNECT_TIMEOUT`] unless set. A process
    /// that has not connected by then is a [`ClusterError::Setup`]. Set it
    /// before the engine: the connections start there.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Cluster {
        self.timeouts.connect = timeout;
        self
    }

    /// How long another process may stay silent before it counts as lost
    /// ([`ClusterError::Lost`]): [`DEFAULT_HEARTBEAT_TIMEOUT`] unless set.
    /// Processes send a heartbeat eight times per timeout, from a thread
    /// of their own, so a busy process is not mistaken for a frozen one.
    /// Set it before the engine.
    #[must_use]
    pub fn heartbeat_timeout(mut self, timeout: Duration) -> Cluster {
        self.timeouts.heartbeat = timeout;
        self
    }

    /// Starts connecting to the other processes in the background, unless
    /// it started already (one process has nothing to connect to).
    pub(crate) fn connect(&self) {
        if self.processes() > 1 {
            let inner = &self.inner;
            inner.link.start(inner.index, &inner.hosts, self.timeouts);
        }
    }

    /// The connections, once made.
    pub(crate) fn session(&self) -> Result<Arc<Session>, ClusterError> {
        self.connect();
        self.inner.link.session()
    }
}

/// The process's environment variable `name`; a value that is not UTF-8 is
/// kept lossily, for the parser to reject with a message rather than to be
/// taken as unset.
fn env_var(name: &str) -> Option<String> {
    std::env::var_os(name).map(|value| value.to_string_lossy().into_owned())
}

fn read_file(path: &str) -> io::Result<String> {
    std::fs::read_to_string(path)
}
