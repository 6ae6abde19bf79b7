//! A cluster of copies of the current executable on 127.0.0.1, started the
//! way `mpirun -n` or `torchrun` start theirs.

use super::env::{topology, Lookup, ReadFile, HN_HOSTS, HN_PROCESS};
use super::error::ClusterError;
use super::Cluster;
use std::ffi::OsString;
use std::format;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::string::{String, ToString};
use std::thread;
use std::time::{Duration, Instant};
use std::vec::Vec;

/// How long dropping the leader's [`Cluster`] waits, by default, for the
/// other processes to end on their own before it kills them.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);

/// How often the leader looks whether its children have ended.
const POLL: Duration = Duration::from_millis(10);

/// Starts a cluster of `processes` copies of the current executable on
/// 127.0.0.1: [`Cluster::local`] with more choices.
///
/// In a process without `HN_PROCESS` (the one the user started, which
/// becomes the leader, index 0), [`start`](Local::start) picks one free
/// port on 127.0.0.1 per process, starts the executable again
/// `processes - 1` times with `HN_PROCESS=i` and `HN_HOSTS=<every
/// host:port>` in their environment, and returns the leader's [`Cluster`].
/// In one of those copies (`HN_PROCESS` set), it returns
/// [`Cluster::from_env`]: the same code runs in every process.
///
/// The copies inherit the leader's environment, working directory, stdout
/// and stderr; their stdin is empty, so they do not compete with the
/// leader for its input.
///
/// # Examples
///
/// ```no_run
/// use hypernodes::cluster::Local;
/// use std::time::Duration;
///
/// let cluster = Local::new(4)
///     .args(["--role", "worker"])
///     .env("RUST_LOG", "info")
///     .grace(Duration::from_secs(10))
///     .start()?;
/// println!("process {} of {}", cluster.index(), cluster.processes());
/// # Ok::<(), hypernodes::cluster::ClusterError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a Local starts nothing until `start`"]
pub struct Local {
    processes: usize,
    args: Option<Vec<OsString>>,
    envs: Vec<(OsString, OsString)>,
    grace: Duration,
}

impl Local {
    /// A cluster of `processes` processes, the copies getting this
    /// process's arguments and a [grace period](Local::grace) of
    /// [`DEFAULT_GRACE`].
    pub fn new(processes: usize) -> Local {
        Local {
            processes,
            args: None,
            envs: Vec::new(),
            grace: DEFAULT_GRACE,
        }
    }

    /// The arguments the copies get, instead of this process's (without
    /// the executable's path, as in [`Command::args`]).
    pub fn args<I, S>(mut self, args: I) -> Local
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args = Some(args.into_iter().map(Into::into).collect());
        self
    }

    /// One more environment variable for the copies (the leader's own
    /// environment is left alone).
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Local {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// How long dropping the leader's last [`Cluster`] handle waits for the
    /// copies to end before it kills those still running.
    pub fn grace(mut self, grace: Duration) -> Local {
        self.grace = grace;
        self
    }

    /// Starts the copies (in the leader) or reads the environment (in a
    /// copy).
    ///
    /// # Errors
    ///
    /// [`ClusterError::Setup`] for zero processes, or in a copy whose
    /// environment describes another number of processes;
    /// [`ClusterError::Env`] for a malformed environment in a copy;
    /// [`ClusterError::Bind`] when no free port can be bound;
    /// [`ClusterError::Spawn`] when a copy cannot be started (those
    /// already started are killed).
    pub fn start(self) -> Result<Cluster, ClusterError> {
        self.start_in(&super::env_var, &super::read_file)
    }

    /// [`start`](Local::start) in the environment `var` and `read` describe.
    fn start_in(self, var: Lookup<'_>, read: ReadFile<'_>) -> Result<Cluster, ClusterError> {
        if self.processes == 0 {
            return Err(ClusterError::Setup(String::from(
                "a cluster needs at least one process, not 0",
            )));
        }
        if var(HN_PROCESS).is_some() {
            let topology = topology(var, read)?;
            if topology.hosts.len() != self.processes {
                return Err(ClusterError::Setup(format!(
                    "{HN_HOSTS} lists {} processes, but this process asked for {}",
                    topology.hosts.len(),
                    self.processes
                )));
            }
            return Ok(Cluster::new(topology.index, topology.hosts, None));
        }
        let hosts = free_addresses(self.processes)?;
        let children = self.spawn(&hosts)?;
        Ok(Cluster::new(0, hosts, Some(children)))
    }

    /// Starts processes 1 to n - 1.
    fn spawn(&self, hosts: &[String]) -> Result<Children, ClusterError> {
        // Killed at once if a later copy cannot start: the cluster is
        // incomplete and nothing would ever talk to them.
        let mut children = Children {
            children: Vec::with_capacity(hosts.len() - 1),
            grace: Duration::ZERO,
        };
        if hosts.len() == 1 {
            return Ok(children.with_grace(self.grace));
        }
        let exe =
            std::env::current_exe().map_err(|source| ClusterError::Spawn { process: 1, source })?;
        let args: Vec<OsString> = match &self.args {
            Some(args) => args.clone(),
            None => std::env::args_os().skip(1).collect(),
        };
        let list = hosts.join(",");
        for process in 1..hosts.len() {
            let child = Command::new(&exe)
                .args(&args)
                .envs(self.envs.iter().map(|(k, v)| (k, v)))
                .env(HN_PROCESS, process.to_string())
                .env(HN_HOSTS, &list)
                .stdin(Stdio::null())
                .spawn()
                .map_err(|source| ClusterError::Spawn { process, source })?;
            children.children.push(child);
        }
        Ok(children.with_grace(self.grace))
    }
}

/// `processes` distinct free `127.0.0.1:port`, found by binding port 0.
///
/// Every listener stays open until all are bound, so that the system
/// cannot hand one port out twice; they close before the copies start, and
/// another program could take one of them in between (rare, and the
/// process that then fails to listen reports it).
fn free_addresses(processes: usize) -> Result<Vec<String>, ClusterError> {
    let listeners = (0..processes)
        .map(|_| TcpListener::bind(("127.0.0.1", 0)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| ClusterError::Bind { source })?;
    listeners
        .iter()
        .map(|listener| {
            let address = listener
                .local_addr()
                .map_err(|source| ClusterError::Bind { source })?;
            Ok(format!("127.0.0.1:{}", address.port()))
        })
        .collect()
}

/// The leader's handles on the processes it started: dropping them waits
/// up to `grace` for the processes to end, then kills the rest, and reaps
/// them all, so that none outlives the leader as an orphan or a zombie.
#[derive(Debug)]
pub(crate) struct Children {
    children: Vec<Child>,
    grace: Duration,
}

impl Children {
    fn with_grace(mut self, grace: Duration) -> Children {
        self.grace = grace;
        self
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        let deadline = Instant::now() + self.grace;
        loop {
            // An error asking is treated as still running: the kill below
            // is the safe side.
            self.children
                .retain_mut(|child| !matches!(child.try_wait(), Ok(Some(_))));
            if self.children.is_empty() || Instant::now() >= deadline {
                break;
            }
            thread::sleep(POLL);
        }
        for child in &mut self.children {
            // Errors are ignored: a drop cannot report them, and killing
            // fails only for a process that has just ended by itself.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::ToOwned;
    use std::io;

    fn start(local: Local, vars: &[(&str, &str)]) -> Result<Cluster, ClusterError> {
        let var = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        local.start_in(&var, &|_| Err(io::Error::from(io::ErrorKind::NotFound)))
    }

    #[test]
    fn zero_processes_is_an_error() {
        let error = start(Local::new(0), &[]).unwrap_err();
        assert!(matches!(error, ClusterError::Setup(_)), "{error:?}");
        assert!(error.to_string().contains("at least one process"));
    }

    #[test]
    fn one_process_starts_nothing() {
        let cluster = start(Local::new(1), &[]).unwrap();
        assert_eq!((cluster.index(), cluster.processes()), (0, 1));
        assert!(cluster.is_leader());
        let (host, port) = cluster.hosts()[0].rsplit_once(':').unwrap();
        assert_eq!(host, "127.0.0.1");
        assert_ne!(port.parse::<u16>().unwrap(), 0);
        assert_eq!(cluster.address(), cluster.hosts()[0]);
    }

    #[test]
    fn a_copy_reads_its_environment() {
        let vars = [
            ("HN_PROCESS", "2"),
            ("HN_HOSTS", "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3"),
        ];
        let cluster = start(Local::new(3), &vars).unwrap();
        assert_eq!((cluster.index(), cluster.processes()), (2, 3));
        assert!(!cluster.is_leader());
        assert_eq!(cluster.address(), "127.0.0.1:3");
        let error = start(Local::new(4), &vars).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("lists 3 processes, but this process asked for 4"),
            "{error}"
        );
        let error = start(Local::new(3), &[("HN_PROCESS", "2")]).unwrap_err();
        assert!(
            matches!(
                error,
                ClusterError::Env {
                    var: "HN_HOSTS",
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn free_addresses_are_distinct() {
        let mut hosts = free_addresses(8).unwrap();
        hosts.sort();
        hosts.dedup();
        assert_eq!(hosts.len(), 8);
    }
}
