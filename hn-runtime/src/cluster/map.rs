//! `map_cluster`, on the calling thread of every process: hand the map to
//! the transport, map this process's share as it arrives, send the results
//! back, and at the leader gather everyone's in input order, watching the
//! cluster's health at every wait.

use super::error::{ClusterError, RemoteError};
use super::health::Fault;
use super::session::Session;
use super::transport::{Delivery, Job, Record};
use super::wire::{self, Frames};
use crate::{Engine, MapError, NodeError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::format;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::string::String;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
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
    let (processes, index) = (cluster.processes(), cluster.index());
    let mut sent = match cluster.is_leader() {
        true => batch_items(items, processes),
        false => Sent::default(),
    };
    let (share, share_from) = channel();
    let (results, results_from) = channel();
    let (gathered, gathered_from) = channel();
    let job = Job {
        items: core::mem::take(&mut sent.records),
        share,
        results: results_from,
        gathered,
    };
    if session.transport.submit(job).is_err() {
        return Err(transport_ended(&session));
    }
    let mut outbox = Outbox {
        frames: Frames::default(),
        to: &results,
    };
    let (indices, inputs) = receive_share(&session, &watch, &share_from, &mut outbox, index)?;
    let mapped = catch_unwind(AssertUnwindSafe(|| map_share(engine, inputs)));
    let mapped = mapped.unwrap_or_else(|payload| {
        let message = crate::observe::panic_message(&*payload);
        health.report(index, format!("panicked outside a node: {message}"));
        resume_unwind(payload)
    });
    watch()?;
    for (item, result) in indices.into_iter().zip(&mapped) {
        wire::push_result(&mut outbox.frames, item, index, result);
        outbox.flush_if_full();
    }
    drop(mapped);
    outbox.flush();
    let _ = results.send(None);
    session.transport.wake();
    let results = gather(&session, &watch, &gathered_from, sent, processes)?;
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
    Ok(results)
}

/// This process's share of the items, with their indices, once all of it
/// has arrived; the results of items that cannot be decoded go straight
/// to `outbox`.
fn receive_share<I: DeserializeOwned>(
    session: &Session,
    watch: &impl Fn() -> Result<(), ClusterError>,
    from: &Receiver<Delivery>,
    outbox: &mut Outbox<'_>,
    index: usize,
) -> Result<(Vec<u64>, Vec<I>), ClusterError> {
    let (mut indices, mut inputs) = (Vec::new(), Vec::new());
    receive(session, watch, from, |(_, bytes)| {
        for (item, frame) in wire::frames(&bytes) {
            match wire::decode::<I>(frame) {
                Ok(decoded) => {
                    indices.push(item);
                    inputs.push(decoded);
                }
                Err(message) => {
                    let message = format!("cannot decode the item's inputs: {message}");
                    let error = wire::data_error(index, message);
                    wire::push_data_error(&mut outbox.frames, item, error);
                    outbox.flush_if_full();
                }
            }
        }
    })?;
    Ok((indices, inputs))
}

/// Every item's result, in input order, at the leader (empty elsewhere):
/// the items it could not send, and the results the transport gathers.
fn gather<O: DeserializeOwned>(
    session: &Session,
    watch: &impl Fn() -> Result<(), ClusterError>,
    from: &Receiver<Delivery>,
    sent: Sent,
    processes: usize,
) -> Result<Results<O>, ClusterError> {
    let mut slots: Vec<Option<Result<O, MapError<RemoteError>>>> =
        (0..sent.total).map(|_| None).collect();
    for (item, message) in sent.unsent {
        let message = format!("cannot encode the item's inputs: {message}");
        let error = wire::data_error(0, message);
        slots[item] = Some(Err(MapError::Failed { item, error }));
    }
    receive(session, watch, from, |(_, bytes)| {
        for (item, frame) in wire::frames(&bytes) {
            let item = item as usize;
            if let Some(slot) = slots.get_mut(item) {
                *slot = Some(wire::decode_result(item % processes, item, frame));
            }
        }
    })?;
    (slots.into_iter().enumerate())
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

/// How many items or results one record of the transport carries, at
/// most: the transport's costs are paid per record.
const BATCH: usize = 1024;

/// The leader's items, encoded in batches, each to go to one process.
#[derive(Default)]
struct Sent {
    /// The batches: the process to go to, and the items' frames.
    records: Vec<Record>,
    /// How many items there are.
    total: usize,
    /// The items that could not be encoded, with why.
    unsent: Vec<(usize, String)>,
}

/// Encodes the items in batches: item `i` goes to process `i % processes`.
fn batch_items<I: Serialize>(items: impl IntoIterator<Item = I>, processes: usize) -> Sent {
    let mut sent = Sent::default();
    let mut open: Vec<Frames> = (0..processes).map(|_| Frames::default()).collect();
    for (index, item) in items.into_iter().enumerate() {
        sent.total += 1;
        let process = index % processes;
        let batch = &mut open[process];
        match batch.push(index as u64, &item) {
            Ok(()) if batch.len() >= BATCH => sent.records.push((process as u64, batch.take())),
            Ok(()) => {}
            Err(message) => sent.unsent.push((index, message)),
        }
    }
    for (process, mut batch) in open.into_iter().enumerate() {
        if batch.len() > 0 {
            sent.records.push((process as u64, batch.take()));
        }
    }
    sent
}

/// This process's results, sent to the transport in batches.
struct Outbox<'a> {
    frames: Frames,
    to: &'a Sender<Option<Record>>,
}

impl Outbox<'_> {
    fn flush_if_full(&mut self) {
        if self.frames.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.frames.len() > 0 {
            let _ = self.to.send(Some((0, self.frames.take())));
        }
    }
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
