//! `map_cluster`, on the calling thread of every process: hand the map to
//! the transport, map this process's share as it arrives, send the results
//! back, and at the leader gather everyone's in input order, watching the
//! cluster's health at every wait.

use super::error::{ClusterError, RemoteError};
use super::health::Fault;
use super::session::Session;
use super::transport::{Delivery, Job, Record};
use super::wire;
use crate::{Engine, MapError, NodeError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::format;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::string::String;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::Duration;
use std::vec::Vec;

/// How often a waiting process looks at the cluster's health.
const WATCH: Duration = Duration::from_millis(25);

/// A pipeline whose inputs and outputs can cross processes:
/// `#[pipeline(serde)]` implements it, and `map_cluster` needs it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot map on a cluster: its inputs and outputs cannot cross processes",
    label = "`{Self}` needs `#[pipeline(serde)]`",
    note = "add `#[pipeline(serde)]` to the pipeline: `map_cluster` sends its inputs and outputs to other processes"
)]
pub trait CrossProcess {
    /// The pipeline's inputs.
    type Inputs: Serialize + DeserializeOwned;
    /// The pipeline's outputs.
    type Outputs: Serialize + DeserializeOwned;
}

/// One result per item, in input order, at the leader; empty elsewhere.
type Results<O> = Vec<Result<O, MapError<RemoteError>>>;

/// Maps a pipeline over `items` on the processes of the engine's cluster
/// (see the generated `map_cluster`); `map_share` maps one process's share
/// with the engine (as `map_with` does), results in the order of its items.
///
/// A process maps its share once all of it has arrived, in one map: the
/// engine's callbacks see one map with its total, and the items run as
/// fast as in `map_with`. A fault seen meanwhile ends the map when the
/// share is done.
pub fn map_cluster<P, E>(
    engine: &Engine,
    items: impl IntoIterator<Item = P::Inputs>,
    map_share: impl FnOnce(&Engine, Vec<P::Inputs>) -> Vec<Result<P::Outputs, MapError<E>>>,
) -> Result<Results<P::Outputs>, ClusterError>
where
    P: CrossProcess,
    E: NodeError,
{
    let Some(cluster) = engine
        .cluster_of()
        .filter(|cluster| cluster.processes() > 1)
    else {
        let results = map_share(engine, items.into_iter().collect());
        return Ok(results
            .into_iter()
            .map(|result| wire::as_remote(0, result))
            .collect());
    };
    let session = cluster.session()?;
    let health = &session.health;
    let map = health.begin_map();
    let watch = || {
        health
            .fault_for(map)
            .map_or(Ok(()), |fault| Err(lost(fault)))
    };
    watch()?;
    let (mut records, mut unsent) = (Vec::new(), Vec::new());
    if cluster.is_leader() {
        for (index, item) in items.into_iter().enumerate() {
            match wire::encode(&item) {
                Ok(bytes) => records.push((index as u64, bytes)),
                Err(message) => unsent.push((index, message)),
            }
        }
    }
    let total = records.len() + unsent.len();
    let (share, share_from) = channel();
    let (results, results_from) = channel();
    let (gathered, gathered_from) = channel();
    let job = Job {
        items: records,
        share,
        results: results_from,
        gathered,
    };
    if session.transport.submit(job).is_err() {
        return Err(transport_ended(&session));
    }
    let index = cluster.index();
    let send = |record: Record| {
        let _ = results.send(Some(record));
    };
    let mut share = Vec::new();
    receive(
        &session,
        &watch,
        &share_from,
        |(item, bytes)| match wire::decode::<P::Inputs>(&bytes) {
            Ok(inputs) => share.push((item, inputs)),
            Err(message) => {
                let message = format!("cannot decode the item's inputs: {message}");
                send((
                    item,
                    wire::encode_data_error(wire::data_error(index, message)),
                ));
            }
        },
    )?;
    let (indices, inputs): (Vec<u64>, Vec<P::Inputs>) = share.into_iter().unzip();
    let mapped = catch_unwind(AssertUnwindSafe(|| map_share(engine, inputs)));
    let mapped = mapped.unwrap_or_else(|payload| {
        let message = crate::observe::panic_message(&*payload);
        health.report(index, format!("panicked outside a node: {message}"));
        resume_unwind(payload)
    });
    watch()?;
    for (item, result) in indices.into_iter().zip(&mapped) {
        send((item, wire::encode_result(index, result)));
    }
    drop(mapped);
    let _ = results.send(None);
    session.transport.wake();
    let mut slots: Vec<Option<Result<P::Outputs, MapError<RemoteError>>>> =
        (0..total).map(|_| None).collect();
    for (item, message) in unsent {
        let message = format!("cannot encode the item's inputs: {message}");
        let error = wire::data_error(0, message);
        slots[item] = Some(Err(MapError::Failed { item, error }));
    }
    let processes = cluster.processes();
    receive(&session, &watch, &gathered_from, |(item, bytes)| {
        let item = item as usize;
        if let Some(slot) = slots.get_mut(item) {
            *slot = Some(wire::decode_result(item % processes, item, &bytes));
        }
    })?;
    if cluster.is_leader() {
        health.announce_mapped(map);
    } else {
        // Leaving before the leader has everything could take messages it
        // still needs (timely's last progress updates) with this process.
        while !health.leader_has(map) {
            watch()?;
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(item, slot)| {
            slot.ok_or_else(|| {
                lost(Fault {
                    process: item % processes,
                    reason: format!("sent no result for item {item}"),
                })
            })
        })
        .collect()
}

/// Receives records from the transport until it says no more will come,
/// looking at the cluster's health while it waits.
fn receive(
    session: &Session,
    watch: &impl Fn() -> Result<(), ClusterError>,
    from: &Receiver<Delivery>,
    mut each: impl FnMut(Record),
) -> Result<(), ClusterError> {
    loop {
        match from.recv_timeout(WATCH) {
            Ok(Delivery::Record(record)) => each(record),
            Ok(Delivery::End) => return Ok(()),
            Err(RecvTimeoutError::Timeout) => watch()?,
            Err(RecvTimeoutError::Disconnected) => return Err(transport_ended(session)),
        }
    }
}

fn lost(Fault { process, reason }: Fault) -> ClusterError {
    ClusterError::Lost { process, reason }
}

/// The transport's thread is gone: a peer's fault, if the heartbeats tell
/// one within their timeout, else the transport's own end.
fn transport_ended(session: &Session) -> ClusterError {
    let waited = std::time::Instant::now();
    while waited.elapsed() < Duration::from_secs(5) {
        if let Some(fault) = session.health.fault() {
            return lost(fault);
        }
        std::thread::sleep(WATCH);
    }
    let process = session.health.index();
    let reason = String::from("its transport (timely) stopped");
    ClusterError::Lost { process, reason }
}
