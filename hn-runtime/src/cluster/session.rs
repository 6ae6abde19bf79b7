//! A cluster's live connections: made once, in the background, from the
//! first [`Engine::cluster`](crate::Engine::cluster) or map, and shared by
//! every map of the process.

use super::connect;
use super::error::ClusterError;
use super::health::{self, Health};
use super::transport::Transport;
use std::format;
use std::string::{String, ToString};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// How long a process waits for the others to connect, by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a peer may stay silent before it counts as lost, by default.
pub const DEFAULT_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(3);

/// The connected cluster, as this process sees it.
pub(crate) struct Session {
    pub health: Arc<Health>,
    pub transport: Transport,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.health.close();
    }
}

/// The connections being made, made, or failed.
#[derive(Default)]
pub(crate) struct Link {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
enum State {
    #[default]
    Idle,
    Connecting,
    Ready(Arc<Session>),
    Failed(String),
}

impl core::fmt::Debug for Link {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match &*self.lock() {
            State::Idle => "idle",
            State::Connecting => "connecting",
            State::Ready(_) => "connected",
            State::Failed(_) => "failed",
        };
        f.write_str(state)
    }
}

impl Link {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts connecting process `index` to `hosts` on a thread of its
    /// own, unless it started already.
    pub(crate) fn start(self: &Arc<Self>, index: usize, hosts: &[String], timeouts: Timeouts) {
        let mut state = self.lock();
        if !matches!(*state, State::Idle) {
            return;
        }
        *state = State::Connecting;
        drop(state);
        let (link, hosts) = (Arc::clone(self), hosts.to_vec());
        let spawned = thread::Builder::new()
            .name("hn-cluster:connect".into())
            .spawn(move || {
                let outcome = connect_all(index, &hosts, timeouts);
                *link.lock() = match outcome {
                    Ok(session) => State::Ready(Arc::new(session)),
                    Err(error) => State::Failed(error.to_string()),
                };
                link.changed.notify_all();
            });
        if let Err(error) = spawned {
            *self.lock() = State::Failed(format!("cannot start a thread: {error}"));
        }
    }

    /// Waits for the connections (started by [`start`](Link::start)).
    pub(crate) fn session(&self) -> Result<Arc<Session>, ClusterError> {
        let mut state = self.lock();
        loop {
            match &*state {
                State::Ready(session) => return Ok(Arc::clone(session)),
                State::Failed(message) => return Err(ClusterError::Setup(message.clone())),
                State::Idle | State::Connecting => {
                    state = self
                        .changed
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
    }
}

/// How long to wait for connections and for heartbeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timeouts {
    pub connect: Duration,
    pub heartbeat: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: DEFAULT_CONNECT_TIMEOUT,
            heartbeat: DEFAULT_HEARTBEAT_TIMEOUT,
        }
    }
}

fn connect_all(
    index: usize,
    hosts: &[String],
    timeouts: Timeouts,
) -> Result<Session, ClusterError> {
    let deadline = Instant::now() + timeouts.connect;
    let connect::Mesh { data, heartbeats } = connect::mesh(index, hosts, deadline)?;
    health::quiet_transport_panics();
    let setup = |what: &str, error: std::io::Error| {
        ClusterError::Setup(format!("cannot start {what}: {error}"))
    };
    let health = Health::start(index, heartbeats, timeouts.heartbeat)
        .map_err(|e| setup("the heartbeats", e))?;
    let transport = Transport::start(index, data).map_err(|e| setup("timely", e))?;
    Ok(Session { health, transport })
}
