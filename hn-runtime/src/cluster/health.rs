//! Whether the other processes are still there: heartbeats between every
//! process and the leader, on connections of their own.
//!
//! timely on its own panics when a peer's connection breaks and waits
//! forever for a peer that stopped answering. Here each side writes a byte
//! every [`Timeouts::heartbeat`]` / 8` and reads the other's with a timeout,
//! so that a killed process (its connection closes), a frozen one (no byte
//! in time) or one that failed (it sends why) becomes a [`Fault`] within
//! the heartbeat timeout. The first fault is kept: the leader passes it on
//! to every other process, and every map of the cluster, from then on,
//! ends with it.

use std::boxed::Box;
use std::format;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::string::String;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::Duration;
use std::vec::Vec;

const BEAT: u8 = 1;
const BYE: u8 = 2;
const FAIL: u8 = 3;
/// The leader has every result of a map: `MAPPED` and the map's number.
const MAPPED: u8 = 4;

/// Why the cluster cannot go on: the process at fault and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    pub process: usize,
    pub reason: String,
}

/// The state of this process's links to the others.
#[derive(Debug)]
pub(crate) struct Health {
    index: usize,
    faulted: AtomicBool,
    fault: OnceLock<Fault>,
    /// Set when this process ends its cluster: its own connections closing
    /// are then no fault.
    closing: AtomicBool,
    /// Write halves of the heartbeat connections, with the peer's index.
    peers: Mutex<Vec<(usize, TcpStream)>>,
    /// How many maps this process has started.
    maps: AtomicU64,
    /// The last map the leader announced as gathered.
    mapped: AtomicU64,
    /// Peers that ended their part of the cluster on purpose, with how
    /// many maps they had done: a map after those is a fault.
    departed: Mutex<Vec<(usize, u64)>>,
}

impl Health {
    /// Starts the heartbeats of process `index` on `connections` (each with
    /// the other end's index); a peer silent for `timeout` is a fault.
    pub(crate) fn start(
        index: usize,
        connections: Vec<(usize, TcpStream)>,
        timeout: Duration,
    ) -> std::io::Result<Arc<Health>> {
        let mut peers = Vec::with_capacity(connections.len());
        let mut readers = Vec::with_capacity(connections.len());
        for (peer, stream) in connections {
            stream.set_read_timeout(Some(timeout))?;
            // A frozen peer's full buffer must not block a beat for long.
            stream.set_write_timeout(Some(timeout))?;
            peers.push((peer, stream.try_clone()?));
            readers.push((peer, stream));
        }
        let health = Arc::new(Health {
            index,
            faulted: AtomicBool::new(false),
            fault: OnceLock::new(),
            closing: AtomicBool::new(false),
            peers: Mutex::new(peers),
            maps: AtomicU64::new(0),
            mapped: AtomicU64::new(0),
            departed: Mutex::new(Vec::new()),
        });
        for (peer, stream) in readers {
            let health = Arc::clone(&health);
            thread::Builder::new()
                .name(format!("hn-cluster:heartbeat-{peer}"))
                .spawn(move || health.listen(peer, stream, timeout))?;
        }
        let beating = Arc::clone(&health);
        thread::Builder::new()
            .name("hn-cluster:heartbeats".into())
            .spawn(move || beating.beat(timeout / 8))?;
        Ok(health)
    }

    /// The first fault, if any.
    pub(crate) fn fault(&self) -> Option<Fault> {
        if self.faulted.load(Ordering::Acquire) {
            self.fault.get().cloned()
        } else {
            None
        }
    }

    /// Whether some fault happened (cheap: one atomic load).
    pub(crate) fn is_faulted(&self) -> bool {
        self.faulted.load(Ordering::Acquire)
    }

    /// Counts a map that starts in this process: its number, from 1.
    pub(crate) fn begin_map(&self) -> u64 {
        self.maps.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// The fault that ends map number `map`: the first fault, or a peer
    /// that left before doing that map (which then becomes the fault).
    /// A peer that left after it had done it ended with the map everywhere.
    pub(crate) fn fault_for(&self, map: u64) -> Option<Fault> {
        if let Some(fault) = self.fault() {
            return Some(fault);
        }
        let departed = self.departed.lock().unwrap_or_else(PoisonError::into_inner);
        let &(peer, done) = departed.iter().find(|&&(_, done)| done < map)?;
        drop(departed);
        let reason = format!(
            "ended its part of the cluster after {done} maps, during map {map} of process {}: \
             every process calls `map_cluster` as often as the leader",
            self.index
        );
        self.report(peer, reason);
        self.fault()
    }

    /// Records a fault (only the first counts) and tells the other end of
    /// every heartbeat connection: from the leader, every other process
    /// learns which process failed; from another process, the leader does.
    pub(crate) fn report(&self, process: usize, reason: String) {
        if self.closing.load(Ordering::Acquire)
            || self.fault.set(Fault { process, reason }).is_err()
        {
            return;
        }
        self.faulted.store(true, Ordering::Release);
        let Fault { process, reason } = self.fault.get().cloned().unwrap_or_else(|| unreachable!());
        let mut message = Vec::with_capacity(9 + reason.len());
        message.push(FAIL);
        message.extend_from_slice(&(process as u32).to_le_bytes());
        message.extend_from_slice(&(reason.len() as u32).to_le_bytes());
        message.extend_from_slice(reason.as_bytes());
        for (peer, stream) in self.peers().iter_mut() {
            if *peer != process {
                let _ = stream.write_all(&message);
            }
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Ends this process's heartbeats, telling the others it left on
    /// purpose.
    pub(crate) fn close(&self) {
        self.closing.store(true, Ordering::Release);
        let mut bye = [BYE; 9];
        bye[1..].copy_from_slice(&self.maps.load(Ordering::Acquire).to_le_bytes());
        for (_, stream) in self.peers().iter_mut() {
            let _ = stream.write_all(&bye);
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn peers(&self) -> std::sync::MutexGuard<'_, Vec<(usize, TcpStream)>> {
        self.peers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes a beat to every peer every `every` until a fault or the end.
    /// A connection that cannot be written to is dropped: its reader tells
    /// why (the peer left, was killed or is frozen).
    fn beat(&self, every: Duration) {
        while !self.is_faulted() && !self.closing.load(Ordering::Acquire) {
            self.peers()
                .retain_mut(|(_, stream)| stream.write_all(&[BEAT]).is_ok());
            thread::sleep(every);
        }
    }

    /// Tells every other process that the leader has all the results of
    /// map number `map`: they may then leave the cluster without taking
    /// anything the leader still needs with them.
    pub(crate) fn announce_mapped(&self, map: u64) {
        let mut message = [MAPPED; 9];
        message[1..].copy_from_slice(&map.to_le_bytes());
        for (_, stream) in self.peers().iter_mut() {
            let _ = stream.write_all(&message);
        }
    }

    /// Whether the leader has announced map number `map` as gathered.
    pub(crate) fn leader_has(&self, map: u64) -> bool {
        self.mapped.load(Ordering::Acquire) >= map
    }

    /// Reads `peer`'s beats until it fails, leaves or falls silent.
    fn listen(&self, peer: usize, mut stream: TcpStream, timeout: Duration) {
        let mut byte = [0];
        loop {
            let read = stream.read_exact(&mut byte);
            if self.closing.load(Ordering::Acquire) || self.is_faulted() {
                return;
            }
            match read {
                Ok(()) if byte[0] == BEAT => {}
                Ok(()) if byte[0] == BYE => {
                    let mut done = [0; 8];
                    return match stream.read_exact(&mut done) {
                        Ok(()) => (self.departed.lock().unwrap_or_else(PoisonError::into_inner))
                            .push((peer, u64::from_le_bytes(done))),
                        Err(error) => self.report(peer, connection_lost(&error)),
                    };
                }
                Ok(()) if byte[0] == MAPPED => {
                    let mut map = [0; 8];
                    match stream.read_exact(&mut map) {
                        Ok(()) => {
                            self.mapped
                                .fetch_max(u64::from_le_bytes(map), Ordering::AcqRel);
                        }
                        Err(error) => return self.report(peer, connection_lost(&error)),
                    }
                }
                Ok(()) if byte[0] == FAIL => {
                    return match read_failure(&mut stream) {
                        Ok((process, reason)) => self.report(process, reason),
                        Err(error) => self.report(peer, connection_lost(&error)),
                    };
                }
                Ok(()) => {
                    return self.report(peer, format!("sent an unknown message ({})", byte[0]))
                }
                Err(error) if is_timeout(&error) => {
                    return self.report(
                        peer,
                        format!(
                            "sent no heartbeat for {} ms: stopped, frozen or unreachable",
                            timeout.as_millis()
                        ),
                    );
                }
                Err(error) => return self.report(peer, connection_lost(&error)),
            }
        }
    }

    /// This process's index.
    pub(crate) fn index(&self) -> usize {
        self.index
    }
}

/// A `FAIL` message's process and reason.
fn read_failure(stream: &mut TcpStream) -> io::Result<(usize, String)> {
    let mut header = [0; 8];
    stream.read_exact(&mut header)?;
    let process = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    let mut reason = std::vec![0; len.min(1 << 16)];
    stream.read_exact(&mut reason)?;
    Ok((process, String::from_utf8_lossy(&reason).into_owned()))
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn connection_lost(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::UnexpectedEof => {
            String::from("its connection closed: the process ended or was killed")
        }
        _ => format!("its connection failed ({error}): the process ended or was killed"),
    }
}

/// Keeps the panics of timely's threads off stderr: they follow a lost
/// connection, which the heartbeats already report with the process's
/// index. Every other panic goes to the hook that was there before.
pub(crate) fn quiet_transport_panics() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let transport = thread::current()
                .name()
                .is_some_and(|name| name.starts_with("timely:") || name.starts_with("hn-cluster:"));
            if !transport {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::time::Instant;

    /// A connected pair of sockets on 127.0.0.1.
    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let near = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        (near, listener.accept().unwrap().0)
    }

    /// Waits up to 5 s for a fault.
    fn fault_of(health: &Health) -> Fault {
        let waited = Instant::now();
        while waited.elapsed() < Duration::from_secs(5) {
            if let Some(fault) = health.fault() {
                return fault;
            }
            thread::sleep(Duration::from_millis(5));
        }
        panic!("no fault within 5 s")
    }

    const TIMEOUT: Duration = Duration::from_millis(300);

    /// A leader and a worker with heartbeats between them.
    fn leader_and_worker() -> (Arc<Health>, Arc<Health>) {
        let (leader_side, worker_side) = pair();
        let leader = Health::start(0, std::vec![(1, leader_side)], TIMEOUT).unwrap();
        let worker = Health::start(1, std::vec![(0, worker_side)], TIMEOUT).unwrap();
        (leader, worker)
    }

    #[test]
    fn a_silent_peer_is_lost_after_the_timeout() {
        let (leader_side, _silent) = pair();
        let started = Instant::now();
        let leader = Health::start(0, std::vec![(1, leader_side)], TIMEOUT).unwrap();
        let fault = fault_of(&leader);
        assert_eq!(fault.process, 1);
        assert!(
            fault.reason.contains("no heartbeat for 300 ms"),
            "{}",
            fault.reason
        );
        assert!(started.elapsed() >= TIMEOUT);
    }

    #[test]
    fn peers_that_beat_are_healthy_and_a_closed_one_is_lost() {
        let (leader, worker) = leader_and_worker();
        thread::sleep(TIMEOUT * 3);
        assert_eq!((leader.fault(), worker.fault()), (None, None));
        // The worker fails: it tells the leader why.
        worker.report(1, "panicked outside a node: boom".into());
        let fault = fault_of(&leader);
        assert_eq!(
            (fault.process, fault.reason.as_str()),
            (1, "panicked outside a node: boom")
        );
    }

    #[test]
    fn the_leader_passes_a_fault_on_to_the_others() {
        let (to_one, one_side) = pair();
        let (to_two, two_side) = pair();
        let leader = Health::start(0, std::vec![(1, to_one), (2, to_two)], TIMEOUT).unwrap();
        let one = Health::start(1, std::vec![(0, one_side)], TIMEOUT).unwrap();
        let two = Health::start(2, std::vec![(0, two_side)], TIMEOUT).unwrap();
        one.report(1, "gone".into());
        assert_eq!(fault_of(&leader).process, 1);
        let seen_by_two = fault_of(&two);
        assert_eq!(
            (seen_by_two.process, seen_by_two.reason.as_str()),
            (1, "gone")
        );
    }

    #[test]
    fn a_peer_that_left_after_a_map_fails_only_later_maps() {
        let (leader, worker) = leader_and_worker();
        assert_eq!(worker.begin_map(), 1);
        assert_eq!(leader.begin_map(), 1);
        worker.close();
        thread::sleep(TIMEOUT);
        assert_eq!(
            leader.fault_for(1),
            None,
            "it left after map 1: map 1 is over"
        );
        let fault = leader.fault_for(2).expect("map 2 cannot finish");
        assert_eq!(fault.process, 1);
        assert!(fault.reason.contains("after 1 maps"), "{}", fault.reason);
    }

    #[test]
    fn the_leader_announces_gathered_maps() {
        let (leader, worker) = leader_and_worker();
        assert!(!worker.leader_has(1));
        leader.announce_mapped(1);
        let waited = Instant::now();
        while !worker.leader_has(1) && waited.elapsed() < Duration::from_secs(5) {
            thread::sleep(Duration::from_millis(5));
        }
        assert!(worker.leader_has(1) && !worker.leader_has(2));
    }
}
