//! The cluster's transport on timely-dataflow: one timely worker per
//! process, on its own thread, running one small dataflow per map.
//!
//! A map's dataflow has two inputs. The leader feeds the items, in batches
//! that each go to one process (item `i` goes to process `i %
//! processes`), exchanged into a sink that hands each process its share. Each process feeds its results back, exchanged to the leader,
//! into a second sink that gathers them. When the second sink's frontier is
//! empty, every process has sent all its results and the leader has all of
//! them: the map is over everywhere.
//!
//! The thread that called the map never waits on timely itself: it talks
//! to the worker thread through channels, watching the cluster's health
//! while it waits, so a peer lost while timely blocks is an error, not a
//! hang.

use std::boxed::Box;
use std::cell::Cell;
use std::io;
use std::net::TcpStream;
use std::rc::Rc;
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::{Mutex, PoisonError};
use std::thread::{self, Thread};
use std::time::Duration;
use std::vec::Vec;
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::allocator::{AllocatorBuilder, ProcessBuilder};
use timely::communication::Hooks;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::Input;
use timely::dataflow::InputHandle;
use timely::worker::Worker;
use timely::WorkerConfig;

/// A batch of items or results: where it goes (the process, for items) and
/// its frames (see `wire::Frames`).
pub(crate) type Record = (u64, Vec<u8>);

/// What the worker thread hands the calling thread: its share of the items,
/// or at the leader the results gathered from every process.
#[derive(Debug)]
pub(crate) enum Delivery {
    /// One record.
    Record(Record),
    /// No more records will come.
    End,
}

/// One map, as the calling thread hands it to the worker thread.
pub(crate) struct Job {
    /// The items (at the leader; empty at the other processes).
    pub items: Vec<Record>,
    /// Where this process's share goes.
    pub share: Sender<Delivery>,
    /// This process's results; `None` once they are all sent.
    pub results: Receiver<Option<Record>>,
    /// Where the gathered results go (only the leader receives any).
    pub gathered: Sender<Delivery>,
}

/// The running worker thread of this process.
pub(crate) struct Transport {
    jobs: Mutex<Sender<Job>>,
    worker: Thread,
}

/// How long the worker thread parks when it has nothing to do: the calling
/// thread wakes it sooner when it sends a result.
const PARK: Duration = Duration::from_millis(20);

impl Transport {
    /// Starts timely on connected `sockets` (one per other process, `None`
    /// at `index`).
    pub(crate) fn start(index: usize, sockets: Vec<Option<TcpStream>>) -> io::Result<Transport> {
        let hooks = Hooks::default();
        let local = ProcessBuilder::new_typed_vector(1, hooks.refill.clone(), hooks.spill.clone());
        let (builders, comms) =
            initialize_networking_from_sockets(local, sockets, index, 1, hooks)?;
        let (jobs, receiver) = channel::<Job>();
        let (thread_sender, thread) = channel();
        let receiver = Mutex::new(Some(receiver));
        let thread_sender = Mutex::new(thread_sender);
        let guards = timely::execute::execute_from(
            builders.into_iter().map(AllocatorBuilder::Tcp).collect(),
            Box::new(comms),
            WorkerConfig::default(),
            move |worker| {
                let jobs = receiver
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                let _ = (thread_sender.lock().unwrap_or_else(PoisonError::into_inner))
                    .send(thread::current());
                if let Some(jobs) = jobs {
                    while let Ok(job) = jobs.recv() {
                        run(worker, job);
                    }
                }
            },
        )
        .map_err(io::Error::other)?;
        // Nothing joins timely's threads: after a lost peer they may never
        // end, and a process must not wait for them (they end with it).
        std::mem::forget(guards);
        let worker = thread
            .recv()
            .map_err(|_| io::Error::other("timely's worker thread did not start"))?;
        Ok(Transport {
            jobs: Mutex::new(jobs),
            worker,
        })
    }

    /// Hands a map to the worker thread.
    pub(crate) fn submit(&self, job: Job) -> Result<(), Job> {
        let sent = (self.jobs.lock().unwrap_or_else(PoisonError::into_inner)).send(job);
        self.wake();
        sent.map_err(|error| error.0)
    }

    /// Wakes the worker thread, to look at new results now.
    pub(crate) fn wake(&self) {
        self.worker.unpark();
    }
}

/// Runs one map's dataflow on this process's worker.
fn run(worker: &mut Worker, job: Job) {
    let Job {
        items,
        share,
        results,
        gathered,
    } = job;
    let mut items_in = InputHandle::<u64, _>::new();
    let mut results_in = InputHandle::<u64, _>::new();
    let over = Rc::new(Cell::new(false));
    let seen_over = Rc::clone(&over);
    worker.dataflow::<u64, _, _>(|scope| {
        deliver(
            scope.input_from(&mut items_in),
            |record: &Record| record.0,
            "hn-share",
            share,
            || {},
        );
        deliver(
            scope.input_from(&mut results_in),
            |_: &Record| 0,
            "hn-gather",
            gathered,
            move || over.set(true),
        );
    });
    for record in items {
        items_in.send(record);
    }
    drop(items_in);
    let mut results_in = Some(results_in);
    while !seen_over.get() {
        while let Some(input) = results_in.as_mut() {
            match results.try_recv() {
                Ok(Some(record)) => input.send(record),
                Ok(None) | Err(TryRecvError::Disconnected) => results_in = None,
                Err(TryRecvError::Empty) => break,
            }
        }
        worker.step_or_park(Some(PARK));
    }
    // Not waiting for the dataflow to retire: it does on later steps, and a
    // process that left once the map was over must not hold the next map.
}

/// Sends every record of `stream`, routed by `route`, to `to`, and
/// [`Delivery::End`] once no more can come (then calls `ended`).
fn deliver<'scope>(
    stream: timely::dataflow::Stream<'scope, u64, Vec<Record>>,
    route: impl Fn(&Record) -> u64 + 'static,
    name: &str,
    to: Sender<Delivery>,
    ended: impl FnOnce() + 'static,
) {
    let mut ended = Some(ended);
    stream.sink(Exchange::new(route), name, move |(input, frontier)| {
        input.for_each(|_, records| {
            for record in records.drain(..) {
                let _ = to.send(Delivery::Record(record));
            }
        });
        if frontier.is_empty() {
            if let Some(ended) = ended.take() {
                let _ = to.send(Delivery::End);
                ended();
            }
        }
    });
}
