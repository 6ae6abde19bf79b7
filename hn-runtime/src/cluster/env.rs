//! The topology the environment describes: `HN_PROCESS` and `HN_HOSTS`,
//! else SLURM's variables, else one process.
//!
//! Everything here reads variables through a lookup function and files
//! through a reader, so that tests describe environments without touching
//! the process's own.

use super::error::ClusterError;
use super::hosts::{check_addresses, parse_hostfile, parse_list};
use super::nodelist::{expand_nodelist, expand_tasks_per_node};
use std::format;
use std::io;
use std::string::String;
use std::vec::Vec;

/// Looks an environment variable up (`None` when it is not set).
pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;
/// Reads a whole file, given its path.
pub(crate) type ReadFile<'a> = &'a dyn Fn(&str) -> io::Result<String>;

/// This process's index among the cluster's processes.
pub(crate) const HN_PROCESS: &str = "HN_PROCESS";
/// Every process's `host:port`, or a hostfile's path.
pub(crate) const HN_HOSTS: &str = "HN_HOSTS";
/// The first port of each node under SLURM, or the port of a single process.
const HN_PORT: &str = "HN_PORT";
/// The port `HN_PORT` defaults to: the first port of each node under
/// SLURM, and the port of a single process.
pub const DEFAULT_PORT: u16 = 7400;

/// Where the processes of a cluster are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Topology {
    /// This process's index in `hosts`.
    pub(crate) index: usize,
    /// Every process's `host:port`, in index order.
    pub(crate) hosts: Vec<String>,
}

/// The topology that the variables describe, by precedence: `HN_PROCESS`
/// or `HN_HOSTS` set, then `SLURM_PROCID` set, then a single process.
pub(crate) fn topology(var: Lookup<'_>, read: ReadFile<'_>) -> Result<Topology, ClusterError> {
    if var(HN_PROCESS).is_some() || var(HN_HOSTS).is_some() {
        from_hn(var, read)
    } else if var("SLURM_PROCID").is_some() {
        from_slurm(var)
    } else {
        Ok(Topology {
            index: 0,
            hosts: Vec::from([format!("127.0.0.1:{}", base_port(var)?)]),
        })
    }
}

/// `HN_PROCESS` and `HN_HOSTS`, both required once either is set.
fn from_hn(var: Lookup<'_>, read: ReadFile<'_>) -> Result<Topology, ClusterError> {
    let index = number(HN_PROCESS, &required(var, HN_PROCESS)?)?;
    let hosts = required(var, HN_HOSTS)?;
    let hosts = read_hosts(&hosts, read).map_err(|message| ClusterError::env(HN_HOSTS, message))?;
    check_index(HN_PROCESS, index, hosts.len(), HN_HOSTS)?;
    Ok(Topology { index, hosts })
}

/// `HN_HOSTS`'s value: a list when it has a comma; else a hostfile when a
/// file has that path, else a list of one.
fn read_hosts(value: &str, read: ReadFile<'_>) -> Result<Vec<String>, String> {
    if value.contains(',') {
        return parse_list(value);
    }
    let path = value.trim();
    match read(path) {
        Ok(text) => {
            parse_hostfile(&text).map_err(|message| format!("hostfile `{path}`: {message}"))
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            parse_list(value).map_err(|message| {
                format!("neither an existing hostfile nor a host:port list: {message}")
            })
        }
        Err(error) => Err(format!("cannot read the hostfile `{path}`: {error}")),
    }
}

/// SLURM's variables: the step's node list and tasks per node when `srun`
/// set them (a step may use part of the job's nodes), else the job's.
fn from_slurm(var: Lookup<'_>) -> Result<Topology, ClusterError> {
    let index = number("SLURM_PROCID", &required(var, "SLURM_PROCID")?)?;
    let tasks = number("SLURM_NTASKS", &required(var, "SLURM_NTASKS")?)?;
    check_index("SLURM_PROCID", index, tasks, "SLURM_NTASKS")?;
    let (nodes_var, nodes) = first_set(var, ["SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST"])?;
    let nodes = expand_nodelist(&nodes).map_err(|message| ClusterError::env(nodes_var, message))?;
    let per_node = match first_set(var, ["SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE"]) {
        Ok((counts_var, counts)) => {
            let counts = expand_tasks_per_node(&counts)
                .map_err(|message| ClusterError::env(counts_var, message))?;
            check_counts(counts_var, &counts, nodes.len(), tasks)?;
            counts
        }
        Err(_) => block_distribution(tasks, nodes.len()),
    };
    let base = base_port(var)?;
    let mut hosts = Vec::with_capacity(tasks);
    for (node, &count) in nodes.iter().zip(&per_node) {
        for local in 0..count {
            let port = u16::try_from(usize::from(base) + local).map_err(|_| {
                ClusterError::env(
                    HN_PORT,
                    format!("{base} + {local} (task {local} on node {node}) is past port 65535"),
                )
            })?;
            hosts.push(format!("{node}:{port}"));
        }
    }
    check_addresses(&hosts).map_err(|message| ClusterError::env(nodes_var, message))?;
    Ok(Topology { index, hosts })
}

/// Tasks per node when SLURM does not say: its default block distribution,
/// consecutive tasks on one node, as even as possible with the first nodes
/// taking one more.
fn block_distribution(tasks: usize, nodes: usize) -> Vec<usize> {
    (0..nodes)
        .map(|node| tasks / nodes + usize::from(node < tasks % nodes))
        .collect()
}

/// Tasks per node must name every node once and add up to the tasks.
fn check_counts(
    counts_var: &'static str,
    counts: &[usize],
    nodes: usize,
    tasks: usize,
) -> Result<(), ClusterError> {
    if counts.len() != nodes {
        return Err(ClusterError::env(
            counts_var,
            format!(
                "describes {} nodes but the node list has {nodes}",
                counts.len()
            ),
        ));
    }
    let sum: usize = counts.iter().sum();
    if sum != tasks {
        return Err(ClusterError::env(
            counts_var,
            format!("adds up to {sum} tasks but SLURM_NTASKS is {tasks}"),
        ));
    }
    Ok(())
}

/// `HN_PORT`, or [`DEFAULT_PORT`] when it is not set.
fn base_port(var: Lookup<'_>) -> Result<u16, ClusterError> {
    let Some(value) = var(HN_PORT) else {
        return Ok(DEFAULT_PORT);
    };
    value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|&port| port > 0)
        .ok_or_else(|| {
            ClusterError::env(HN_PORT, format!("`{value}` is not a port from 1 to 65535"))
        })
}

fn required(var: Lookup<'_>, name: &'static str) -> Result<String, ClusterError> {
    var(name).ok_or_else(|| ClusterError::env(name, "not set"))
}

/// The value of the first of `names` that is set.
fn first_set(
    var: Lookup<'_>,
    names: [&'static str; 2],
) -> Result<(&'static str, String), ClusterError> {
    names
        .into_iter()
        .find_map(|name| Some((name, var(name)?)))
        .ok_or_else(|| ClusterError::env(names[1], format!("not set (nor {})", names[0])))
}

fn number(name: &'static str, value: &str) -> Result<usize, ClusterError> {
    value
        .trim()
        .parse()
        .map_err(|_| ClusterError::env(name, format!("`{value}` is not a number")))
}

fn check_index(
    name: &'static str,
    index: usize,
    processes: usize,
    processes_var: &str,
) -> Result<(), ClusterError> {
    match processes {
        0 => Err(ClusterError::env(name, format!("{processes_var} is 0"))),
        _ if index >= processes => Err(ClusterError::env(
            name,
            format!(
                "{index} is out of range: {processes_var} gives {processes} processes (0 to {})",
                processes - 1
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::ToOwned;
    use std::collections::BTreeMap;
    use std::string::ToString;

    /// The topology of `vars`, with `files` as the only files.
    fn topology_of(
        vars: &[(&str, &str)],
        files: &[(&str, &str)],
    ) -> Result<Topology, ClusterError> {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let files: BTreeMap<String, String> = files
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        topology(&|name| vars.get(name).cloned(), &|path| match path {
            "a-directory" => Err(io::Error::other("is a directory")),
            _ => files
                .get(path)
                .cloned()
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound)),
        })
    }

    fn hosts(index: usize, hosts: &[&str]) -> Topology {
        Topology {
            index,
            hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
        }
    }

    /// The variable and message of an `Env` error.
    fn env_error(result: Result<Topology, ClusterError>) -> (&'static str, String) {
        match result {
            Err(ClusterError::Env { var, message }) => (var, message),
            other => panic!("not an Env error: {other:?}"),
        }
    }

    fn assert_env_error(vars: &[(&str, &str)], var: &str, expected: &str) {
        let (got_var, message) = env_error(topology_of(vars, &[("hosts.txt", "a:1\n")]));
        assert_eq!(got_var, var, "{vars:?}: {message}");
        assert!(message.contains(expected), "{vars:?}: {message}");
    }

    #[test]
    fn nothing_set_is_one_process() {
        assert_eq!(
            topology_of(&[], &[]).unwrap(),
            hosts(0, &["127.0.0.1:7400"])
        );
        assert_eq!(
            topology_of(&[("HN_PORT", "9000")], &[]).unwrap(),
            hosts(0, &["127.0.0.1:9000"])
        );
        assert_env_error(&[("HN_PORT", "0")], "HN_PORT", "not a port");
        assert_env_error(&[("HN_PORT", "http")], "HN_PORT", "not a port");
    }

    #[test]
    fn hn_list() {
        let vars = [("HN_PROCESS", "1"), ("HN_HOSTS", "a:1,b:2,c:3")];
        assert_eq!(
            topology_of(&vars, &[]).unwrap(),
            hosts(1, &["a:1", "b:2", "c:3"])
        );
        // HN_* wins over SLURM.
        let vars = [
            ("HN_PROCESS", "0"),
            ("HN_HOSTS", "a:1"),
            ("SLURM_PROCID", "3"),
        ];
        assert_eq!(topology_of(&vars, &[]).unwrap(), hosts(0, &["a:1"]));
    }

    #[test]
    fn hn_hostfile() {
        let vars = [("HN_PROCESS", "2"), ("HN_HOSTS", "hosts.txt")];
        let files = [(
            "hosts.txt",
            "# cluster\nn1:7400\nn1:7401\n\nn2:7400 # last\n",
        )];
        assert_eq!(
            topology_of(&vars, &files).unwrap(),
            hosts(2, &["n1:7400", "n1:7401", "n2:7400"])
        );
        let (var, message) = env_error(topology_of(&vars, &[("hosts.txt", "n1:7400\nn2\n")]));
        assert_eq!(var, "HN_HOSTS");
        assert!(
            message.contains("hostfile `hosts.txt`: line 2"),
            "{message}"
        );
    }

    #[test]
    fn hn_errors() {
        for (vars, var, expected) in [
            (&[("HN_PROCESS", "0")][..], "HN_HOSTS", "not set"),
            (&[("HN_HOSTS", "a:1")], "HN_PROCESS", "not set"),
            (
                &[("HN_PROCESS", "x"), ("HN_HOSTS", "a:1")],
                "HN_PROCESS",
                "not a number",
            ),
            (
                &[("HN_PROCESS", "-1"), ("HN_HOSTS", "a:1")],
                "HN_PROCESS",
                "not a number",
            ),
            (
                &[("HN_PROCESS", "2"), ("HN_HOSTS", "a:1,b:2")],
                "HN_PROCESS",
                "2 is out of range: HN_HOSTS gives 2 processes (0 to 1)",
            ),
            (
                &[("HN_PROCESS", "0"), ("HN_HOSTS", "")],
                "HN_HOSTS",
                "neither",
            ),
            (
                &[("HN_PROCESS", "0"), ("HN_HOSTS", "a:1,")],
                "HN_HOSTS",
                "empty",
            ),
            (
                &[("HN_PROCESS", "0"), ("HN_HOSTS", "a:1,b:99999")],
                "HN_HOSTS",
                "`99999`",
            ),
            (
                &[("HN_PROCESS", "0"), ("HN_HOSTS", "missing.txt")],
                "HN_HOSTS",
                "neither",
            ),
            (
                &[("HN_PROCESS", "0"), ("HN_HOSTS", "a-directory")],
                "HN_HOSTS",
                "cannot read",
            ),
        ] {
            assert_env_error(vars, var, expected);
        }
    }

    fn slurm<'a>(procid: &'a str, ntasks: &'a str, nodes: &'a str) -> Vec<(&'a str, &'a str)> {
        Vec::from([
            ("SLURM_PROCID", procid),
            ("SLURM_NTASKS", ntasks),
            ("SLURM_JOB_NODELIST", nodes),
        ])
    }

    #[test]
    fn slurm_block_distribution() {
        let vars = slurm("4", "5", "node[01-02]");
        assert_eq!(
            topology_of(&vars, &[]).unwrap(),
            hosts(
                4,
                &[
                    "node01:7400",
                    "node01:7401",
                    "node01:7402",
                    "node02:7400",
                    "node02:7401"
                ]
            )
        );
        let mut vars = slurm("0", "2", "a,b,c");
        vars.push(("HN_PORT", "9000"));
        assert_eq!(
            topology_of(&vars, &[]).unwrap(),
            hosts(0, &["a:9000", "b:9000"])
        );
    }

    #[test]
    fn slurm_tasks_per_node() {
        let mut vars = slurm("3", "4", "n[1-3]");
        vars.push(("SLURM_TASKS_PER_NODE", "1,2(x1),1"));
        assert_eq!(
            topology_of(&vars, &[]).unwrap(),
            hosts(3, &["n1:7400", "n2:7400", "n2:7401", "n3:7400"])
        );
        // The step's variables come before the job's.
        vars.push(("SLURM_STEP_NODELIST", "n[2-3]"));
        vars.push(("SLURM_STEP_TASKS_PER_NODE", "2(x2)"));
        assert_eq!(
            topology_of(&vars, &[]).unwrap(),
            hosts(3, &["n2:7400", "n2:7401", "n3:7400", "n3:7401"])
        );
    }

    #[test]
    fn slurm_errors() {
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut vars = slurm("0", "4", "n[1-2]");
            vars.extend_from_slice(extra);
            vars
        };
        for (vars, var, expected) in [
            (
                Vec::from([("SLURM_PROCID", "0")]),
                "SLURM_NTASKS",
                "not set",
            ),
            (
                Vec::from([("SLURM_PROCID", "0"), ("SLURM_NTASKS", "1")]),
                "SLURM_JOB_NODELIST",
                "not set (nor SLURM_STEP_NODELIST)",
            ),
            (slurm("4", "4", "n1"), "SLURM_PROCID", "out of range"),
            (slurm("0", "0", "n1"), "SLURM_PROCID", "SLURM_NTASKS is 0"),
            (slurm("0", "four", "n1"), "SLURM_NTASKS", "not a number"),
            (
                slurm("0", "2", "n[1-2"),
                "SLURM_JOB_NODELIST",
                "never closed",
            ),
            (slurm("0", "2", "n[2-1]"), "SLURM_JOB_NODELIST", "reversed"),
            (slurm("0", "2", "n1,n1"), "SLURM_JOB_NODELIST", "twice"),
            (
                with(&[("SLURM_TASKS_PER_NODE", "2")]),
                "SLURM_TASKS_PER_NODE",
                "1 nodes",
            ),
            (
                with(&[("SLURM_TASKS_PER_NODE", "2,1")]),
                "SLURM_TASKS_PER_NODE",
                "3 tasks",
            ),
            (
                with(&[("SLURM_TASKS_PER_NODE", "2(x")]),
                "SLURM_TASKS_PER_NODE",
                "count(xN)",
            ),
            (with(&[("HN_PORT", "65535")]), "HN_PORT", "past port 65535"),
        ] {
            assert_env_error(&vars, var, expected);
        }
    }

    #[test]
    fn errors_name_the_variable() {
        let error = topology_of(&[("HN_PROCESS", "9"), ("HN_HOSTS", "a:1")], &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "environment variable HN_PROCESS: 9 is out of range: HN_HOSTS gives 1 processes (0 to 0)"
        );
    }
}
