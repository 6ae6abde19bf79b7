//! What can go wrong while setting a cluster up, and a node's error that
//! came back from another process.

use std::fmt;
use std::io;
use std::string::String;

/// Why a cluster could not be set up.
///
/// Every malformed environment variable is an [`Env`](ClusterError::Env)
/// error naming the variable, never a panic.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClusterError {
    /// An environment variable is missing, malformed or inconsistent with
    /// the others.
    Env {
        /// The variable, e.g. `"HN_HOSTS"` or `"SLURM_JOB_NODELIST"`.
        var: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The cluster asked for cannot exist (zero processes, or a size other
    /// than the one the environment describes).
    Setup(String),
    /// Free ports on 127.0.0.1 could not be found for a local cluster.
    Bind {
        /// The error of binding a port.
        source: io::Error,
    },
    /// A process of the cluster was lost during a map, or before it: it
    /// ended or was killed (its connection closed), stopped answering
    /// (no heartbeat within the heartbeat timeout), failed outside a node
    /// (a panic, which it reports before it unwinds), or the leader told of
    /// another process's loss. A cluster with a lost process cannot map
    /// again; the process should end (see [`Cluster`](super::Cluster)).
    Lost {
        /// The index of the process at fault.
        process: usize,
        /// What happened to it.
        reason: String,
    },
    /// A copy of the current executable could not be started.
    Spawn {
        /// The index the process would have had.
        process: usize,
        /// The error of finding the executable or starting it.
        source: io::Error,
    },
}

impl ClusterError {
    /// An [`Env`](ClusterError::Env) error.
    pub(crate) fn env(var: &'static str, message: impl Into<String>) -> ClusterError {
        ClusterError::Env {
            var,
            message: message.into(),
        }
    }
}

impl fmt::Display for ClusterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterError::Env { var, message } => {
                write!(f, "environment variable {var}: {message}")
            }
            ClusterError::Setup(message) => write!(f, "cluster setup: {message}"),
            ClusterError::Lost { process, reason } => write!(f, "lost process {process}: {reason}"),
            ClusterError::Bind { source } => {
                write!(f, "cannot find a free port on 127.0.0.1: {source}")
            }
            ClusterError::Spawn { process, source } => {
                write!(f, "cannot start process {process}: {source}")
            }
        }
    }
}

impl std::error::Error for ClusterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClusterError::Bind { source } | ClusterError::Spawn { source, .. } => Some(source),
            ClusterError::Env { .. } | ClusterError::Setup(_) | ClusterError::Lost { .. } => None,
        }
    }
}

/// A node's error that happened in another process of the cluster.
///
/// The original error's type stays in the process where it happened: what
/// crosses the network is where it happened and its `Display`, which this
/// error shows again.
///
/// ```
/// use hypernodes::cluster::RemoteError;
///
/// let error = RemoteError {
///     process: 2,
///     node: "load_text".into(),
///     path: "text_stats / load_text".into(),
///     message: "file not found".into(),
/// };
/// assert_eq!(
///     error.to_string(),
///     "process 2: node `text_stats / load_text` failed: file not found"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RemoteError {
    /// The index of the process where the node failed.
    pub process: usize,
    /// The node's name.
    pub node: String,
    /// The node's path: its name, or for a node of a nested pipeline the
    /// nested pipelines' names and its own (`"text_stats / load_text"`).
    pub path: String,
    /// The original error's `Display`.
    pub message: String,
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let RemoteError {
            process,
            path,
            message,
            ..
        } = self;
        write!(f, "process {process}: node `{path}` failed: {message}")
    }
}

impl std::error::Error for RemoteError {}
