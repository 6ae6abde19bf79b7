//! The connections between the processes of a cluster, made with a
//! deadline: process `i` listens on its own `host:port`, connects to every
//! process before it and accepts every process after it (the scheme timely
//! uses, without its endless one-second retries and its stdout messages).
//!
//! Each pair of processes shares one connection for timely's data; each
//! process after the leader has a second one to the leader for heartbeats
//! (see `health`). A connection starts with a handshake: the connecting
//! process sends [`MAGIC`], the connection's kind, its index and the
//! cluster's size; the accepting one checks them and answers one byte.

use super::error::ClusterError;
use std::format;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::string::{String, ToString};
use std::thread;
use std::time::{Duration, Instant};
use std::vec::Vec;

/// The first bytes of every connection: a stray client (or another
/// program on the port) is told apart from a peer.
const MAGIC: [u8; 4] = *b"HNC1";
/// The acceptor's answer to a good handshake.
const ACCEPTED: u8 = 0xA5;
/// How long a refused connection waits before it is tried again.
const RETRY: Duration = Duration::from_millis(20);
/// How long an accepted connection has to send its handshake.
const HANDSHAKE: Duration = Duration::from_secs(1);
/// How often the listener looks for a connecting peer.
const POLL: Duration = Duration::from_millis(5);

/// What a connection is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    /// timely's data between two processes.
    Data = 0,
    /// Heartbeats between a process and the leader.
    Heartbeat = 1,
}

/// Every connection of this process, once the mesh is complete.
pub(crate) struct Mesh {
    /// timely's sockets: one per other process, `None` at this process's
    /// own index.
    pub data: Vec<Option<TcpStream>>,
    /// Heartbeat connections, with the other end's index: every other
    /// process's for the leader, the leader's for the others.
    pub heartbeats: Vec<(usize, TcpStream)>,
}

/// Connects process `index` to the others at `hosts`, failing with
/// [`ClusterError::Setup`] at `deadline`.
pub(crate) fn mesh(
    index: usize,
    hosts: &[String],
    deadline: Instant,
) -> Result<Mesh, ClusterError> {
    let processes = hosts.len();
    let listener = listen(&hosts[index])?;
    let mut data: Vec<Option<TcpStream>> = (0..processes).map(|_| None).collect();
    let mut heartbeats = Vec::new();
    // Heartbeats first: a process that fails later in the setup can then
    // tell the leader why.
    if index > 0 {
        let stream = connect(&hosts[0], Kind::Heartbeat, index, processes, deadline)
            .map_err(|why| not_reached(0, &hosts[0], &why))?;
        heartbeats.push((0, stream));
    }
    for (peer, host) in hosts.iter().enumerate().take(index) {
        let stream = connect(host, Kind::Data, index, processes, deadline)
            .map_err(|why| not_reached(peer, host, &why))?;
        data[peer] = Some(stream);
    }
    let mut missing_data: Vec<usize> = (index + 1..processes).collect();
    let mut missing_beats: Vec<usize> = if index == 0 {
        (1..processes).collect()
    } else {
        Vec::new()
    };
    listener
        .set_nonblocking(true)
        .map_err(|error| setup(format!("cannot listen on {}: {error}", hosts[index])))?;
    while !missing_data.is_empty() || !missing_beats.is_empty() {
        match listener.accept() {
            Ok((mut stream, _)) => {
                if let Some((kind, peer)) = accept(&mut stream, index, processes, deadline) {
                    let missing = match kind {
                        Kind::Data => &mut missing_data,
                        Kind::Heartbeat => &mut missing_beats,
                    };
                    if let Some(at) = missing.iter().position(|&p| p == peer) {
                        missing.remove(at);
                        match kind {
                            Kind::Data => data[peer] = Some(stream),
                            Kind::Heartbeat => heartbeats.push((peer, stream)),
                        }
                    }
                }
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    let peer = missing_beats
                        .first()
                        .or(missing_data.first())
                        .copied()
                        .unwrap_or(0);
                    return Err(setup(format!(
                        "process {peer} ({}) did not connect to process {index} within the connect timeout",
                        hosts[peer]
                    )));
                }
                thread::sleep(POLL);
            }
            Err(error) => return Err(setup(format!("cannot accept on {}: {error}", hosts[index]))),
        }
    }
    for stream in data
        .iter()
        .flatten()
        .chain(heartbeats.iter().map(|(_, s)| s))
    {
        stream
            .set_nonblocking(false)
            .and_then(|()| stream.set_nodelay(true))
            .map_err(|error| setup(format!("cannot set a connection up: {error}")))?;
    }
    Ok(Mesh { data, heartbeats })
}

/// Binds this process's port: on its own address when it is an IP
/// address, else on every interface (a host name may not resolve to the
/// interface the others reach).
fn listen(host: &str) -> Result<TcpListener, ClusterError> {
    let addr: SocketAddr = match host.parse() {
        Ok(addr) => addr,
        Err(_) => {
            let port = host
                .rsplit_once(':')
                .and_then(|(_, port)| port.parse::<u16>().ok());
            let port = port.ok_or_else(|| setup(format!("`{host}` has no port")))?;
            SocketAddr::from(([0, 0, 0, 0], port))
        }
    };
    TcpListener::bind(addr).map_err(|error| setup(format!("cannot listen on {host}: {error}")))
}

/// Connects to `host` until it answers the handshake or `deadline` passes.
fn connect(
    host: &str,
    kind: Kind,
    index: usize,
    processes: usize,
    deadline: Instant,
) -> io::Result<TcpStream> {
    loop {
        let attempt = (|| {
            let left = deadline
                .saturating_duration_since(Instant::now())
                .max(RETRY);
            let addr = host
                .to_socket_addrs()?
                .next()
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))?;
            let mut stream = TcpStream::connect_timeout(&addr, left)?;
            stream.set_read_timeout(Some(left))?;
            let mut hello = Vec::with_capacity(13);
            hello.extend_from_slice(&MAGIC);
            hello.push(kind as u8);
            hello.extend_from_slice(&(index as u32).to_le_bytes());
            hello.extend_from_slice(&(processes as u32).to_le_bytes());
            stream.write_all(&hello)?;
            let mut answer = [0];
            stream.read_exact(&mut answer)?;
            if answer[0] != ACCEPTED {
                return Err(io::Error::other("the handshake was refused"));
            }
            stream.set_read_timeout(None)?;
            Ok(stream)
        })();
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(error) if Instant::now() + RETRY >= deadline => return Err(error),
            Err(_) => thread::sleep(RETRY),
        }
    }
}

/// Reads a connecting peer's handshake and answers it: the connection's
/// kind and the peer's index, or `None` for anything else (dropped).
fn accept(
    stream: &mut TcpStream,
    index: usize,
    processes: usize,
    deadline: Instant,
) -> Option<(Kind, usize)> {
    stream.set_nonblocking(false).ok()?;
    // A peer sends its handshake at once: a silent stray client must not
    // hold the others up for long.
    let left = deadline
        .saturating_duration_since(Instant::now())
        .clamp(RETRY, HANDSHAKE);
    stream.set_read_timeout(Some(left)).ok()?;
    let mut hello = [0; 13];
    stream.read_exact(&mut hello).ok()?;
    let kind = match hello[4] {
        0 => Kind::Data,
        1 => Kind::Heartbeat,
        _ => return None,
    };
    let peer = u32::from_le_bytes(hello[5..9].try_into().ok()?) as usize;
    let size = u32::from_le_bytes(hello[9..13].try_into().ok()?) as usize;
    let expected = match kind {
        Kind::Data => peer > index,
        Kind::Heartbeat => index == 0 && peer > 0,
    };
    if hello[..4] != MAGIC || size != processes || peer >= processes || !expected {
        return None;
    }
    stream.write_all(&[ACCEPTED]).ok()?;
    stream.set_read_timeout(None).ok()?;
    Some((kind, peer))
}

fn not_reached(peer: usize, host: &str, why: &io::Error) -> ClusterError {
    setup(format!(
        "process {peer} ({host}) could not be reached within the connect timeout: {why}"
    ))
}

fn setup(message: String) -> ClusterError {
    ClusterError::Setup(message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    /// `n` addresses on 127.0.0.1 with ports free a moment ago.
    fn hosts(n: usize) -> Vec<String> {
        let listeners: Vec<TcpListener> = (0..n)
            .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        listeners
            .iter()
            .map(|l| l.local_addr().unwrap().to_string())
            .collect()
    }

    fn soon(millis: u64) -> Instant {
        Instant::now() + Duration::from_millis(millis)
    }

    #[test]
    fn three_processes_connect_every_pair_and_the_heartbeats() {
        let hosts = hosts(3);
        let meshes: Vec<Mesh> = thread::scope(|scope| {
            let handles: Vec<_> = (0..3)
                .map(|index| {
                    let hosts = &hosts;
                    scope.spawn(move || mesh(index, hosts, soon(5000)).unwrap())
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap())
                .collect()
        });
        for (index, mesh) in meshes.iter().enumerate() {
            let connected: Vec<bool> = mesh.data.iter().map(Option::is_some).collect();
            let expected: Vec<bool> = (0..3).map(|peer| peer != index).collect();
            assert_eq!(connected, expected, "process {index}");
            let mut beats: Vec<usize> = mesh.heartbeats.iter().map(|(peer, _)| *peer).collect();
            beats.sort_unstable();
            assert_eq!(beats, if index == 0 { vec![1, 2] } else { vec![0] });
        }
        // The sockets join the right processes: 1 writes to 2, 2 reads it.
        let mut one_to_two = meshes[1].data[2].as_ref().unwrap();
        one_to_two.write_all(b"hi").unwrap();
        let mut two_from_one = meshes[2].data[1].as_ref().unwrap();
        let mut read = [0; 2];
        two_from_one.read_exact(&mut read).unwrap();
        assert_eq!(&read, b"hi");
    }

    #[test]
    fn a_process_that_never_connects_is_named_at_the_deadline() {
        let hosts = hosts(2);
        let started = Instant::now();
        let Err(ClusterError::Setup(message)) = mesh(0, &hosts, soon(300)) else {
            panic!("a setup error")
        };
        assert!(message.contains("process 1"), "{message}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn a_stray_connection_is_not_taken_for_a_peer() {
        let hosts = hosts(2);
        let address = hosts[0].clone();
        let stray = thread::spawn(move || {
            // Whatever answers first: the listener may not be up yet.
            for _ in 0..100 {
                if let Ok(mut stream) = TcpStream::connect(&address) {
                    let _ = stream.write_all(b"GET / HTTP/1.1\r\n\r\n");
                    return;
                }
                thread::sleep(RETRY);
            }
        });
        let hosts_for_peer = hosts.clone();
        let peer = thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            mesh(1, &hosts_for_peer, soon(5000))
        });
        let leader = mesh(0, &hosts, soon(5000)).unwrap();
        stray.join().unwrap();
        assert!(peer.join().unwrap().is_ok());
        assert!(leader.data[1].is_some());
    }

    #[test]
    fn a_host_without_a_port_is_a_setup_error() {
        let Err(ClusterError::Setup(message)) = mesh(0, &["nowhere".into()], soon(100)) else {
            panic!("a setup error")
        };
        assert!(message.contains("`nowhere` has no port"), "{message}");
    }
}
