//! The local HTTP server: the same router on `127.0.0.1:$PORT`, hardened against slow and
//! hostile clients (see [`ServerLimits`]), stopped gracefully on Ctrl-C or SIGTERM and at once
//! on a second one.
//!
//! It drives hyper's HTTP/1 connections itself rather than through `axum::serve`, which sets no
//! timer (so hyper's header read timeout never fires), caps no connections and cannot bound its
//! graceful shutdown.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use crate::config::ServerLimits;

mod activity;

use activity::{Activity, Tracked};

/// The port used when `PORT` is unset.
pub const DEFAULT_PORT: u16 = 3000;

/// Descriptors kept free of connections: the listener, stdio, the runtime's own, and room for
/// the accept that finds the limit.
const RESERVED_DESCRIPTORS: u64 = 32;

/// The first and the longest pause after a failed accept (e.g. out of descriptors), doubling
/// in between, so that the loop neither spins nor stays asleep long after the cause is gone.
const ACCEPT_BACKOFF: (Duration, Duration) = (Duration::from_millis(10), Duration::from_secs(1));

/// The address to listen on: loopback, port `$PORT` (default 3000; `0` picks a free port).
pub fn address_from_env() -> Result<SocketAddr, crate::config::ConfigError> {
    let port = match std::env::var("PORT") {
        Ok(value) => value
            .trim()
            .parse()
            .map_err(|_| crate::config::ConfigError {
                variable: "PORT",
                value,
                expected: "a port number from 0 to 65535",
            })?,
        Err(_) => DEFAULT_PORT,
    };
    Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
}

/// How the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every connection finished within the grace period.
    Graceful,
    /// The grace period ended with this many connections still open; they were dropped.
    GraceExpired(usize),
    /// A second signal came during the graceful shutdown.
    Forced,
}

/// Binds `address` and serves `router` within `limits` until Ctrl-C or SIGTERM. Logs
/// `listening on http://ADDRESS` once bound (tests and benchmarks wait for it).
pub async fn serve(
    router: Router,
    address: SocketAddr,
    limits: &ServerLimits,
) -> io::Result<Stopped> {
    let mut signals = Signals::new()?;
    let listener = TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    let server = Server::new(router, limits);
    tracing::info!(
        ?limits,
        max_connections = server.max_connections,
        "server limits"
    );
    tracing::info!("listening on http://{bound}");
    tokio::select! {
        never = server.accept_loop(&listener) => match never {},
        name = signals.next() => tracing::info!("{name} received, shutting down"),
    }
    drop(listener);
    let stopped = server.shut_down(limits.shutdown_grace, &mut signals).await;
    match stopped {
        Stopped::Graceful => tracing::info!("shut down"),
        Stopped::GraceExpired(open) => {
            tracing::warn!(open, "shut down: grace period over, connections dropped")
        }
        Stopped::Forced => tracing::warn!("second signal: stopped at once"),
    }
    Ok(stopped)
}

/// The accept loop's shared state.
struct Server {
    router: Router,
    http: http1::Builder,
    keep_alive_timeout: Duration,
    max_connections: usize,
    /// One permit per open connection: when none is left the loop stops accepting.
    permits: Arc<Semaphore>,
    /// Becomes `true` when the connections should finish their exchange and close.
    closing: watch::Sender<bool>,
}

impl Server {
    fn new(router: Router, limits: &ServerLimits) -> Self {
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .max_header_size(limits.max_head_bytes)
            .max_buf_size(limits.max_head_bytes.max(ServerLimits::MIN_HEAD_BYTES))
            .keep_alive(true);
        let max_connections = connection_cap(limits.max_connections);
        Self {
            router,
            http,
            keep_alive_timeout: limits.keep_alive_timeout,
            max_connections,
            permits: Arc::new(Semaphore::new(max_connections)),
            closing: watch::Sender::new(false),
        }
    }

    /// Accepts connections while a permit is free; never returns.
    async fn accept_loop(&self, listener: &TcpListener) -> std::convert::Infallible {
        let mut backoff = ACCEPT_BACKOFF.0;
        loop {
            let permit = Arc::clone(&self.permits)
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            match listener.accept().await {
                Ok((stream, _)) => {
                    backoff = ACCEPT_BACKOFF.0;
                    self.spawn_connection(stream, permit);
                }
                Err(error) if is_per_connection(&error) => {}
                Err(error) => {
                    tracing::warn!(%error, ?backoff, "accept failed, backing off");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF.1);
                }
            }
        }
    }

    fn spawn_connection(&self, stream: TcpStream, permit: OwnedSemaphorePermit) {
        let _ = stream.set_nodelay(true);
        let activity = Activity::new();
        let io = TokioIo::new(Tracked::new(stream, activity.clone()));
        let service = TowerToHyperService::new(self.router.clone());
        let connection = self.http.serve_connection(io, service);
        let closing = self.closing.subscribe();
        let idle = self.keep_alive_timeout;
        tokio::spawn(async move {
            drive(connection, activity, idle, closing).await;
            drop(permit);
        });
    }

    /// Tells every connection to close after its exchange, then waits until all are gone, the
    /// grace period is over, or a second signal comes.
    async fn shut_down(&self, grace: Duration, signals: &mut Signals) -> Stopped {
        self.closing.send_replace(true);
        let all = u32::try_from(self.max_connections).unwrap_or(u32::MAX);
        tokio::select! {
            _ = self.permits.acquire_many(all) => Stopped::Graceful,
            () = tokio::time::sleep(grace) => {
                Stopped::GraceExpired(self.max_connections - self.permits.available_permits())
            }
            _ = signals.next() => Stopped::Forced,
        }
    }
}

/// Serves one connection to its end. When it has been silent for `idle` (no byte either way)
/// or the server is closing, hyper is told to close it after the exchange in progress, which
/// closes an idle keep-alive connection at once; if it then stays silent for `idle` again (a
/// client that neither sends nor reads), it is dropped.
async fn drive<C>(
    connection: C,
    activity: Activity,
    idle: Duration,
    mut closing: watch::Receiver<bool>,
) where
    C: GracefulConnection,
{
    let mut connection = std::pin::pin!(connection);
    let mut asked_to_close = false;
    loop {
        let quiet_until = activity.last() + idle;
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            _ = closing.wait_for(|closing| *closing), if !asked_to_close => {
                connection.as_mut().close_after_exchange();
                asked_to_close = true;
            }
            () = tokio::time::sleep_until(quiet_until) => {
                if activity.last() + idle > tokio::time::Instant::now() {
                    continue;
                }
                if asked_to_close {
                    return;
                }
                connection.as_mut().close_after_exchange();
                asked_to_close = true;
            }
        }
    }
}

/// hyper's HTTP/1 connection as [`drive`] sees it (a trait so the future's type stays unnamed).
trait GracefulConnection: std::future::Future<Output = hyper::Result<()>> {
    fn close_after_exchange(self: std::pin::Pin<&mut Self>);
}

impl<I, S> GracefulConnection for http1::Connection<I, S>
where
    Self: std::future::Future<Output = hyper::Result<()>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin,
    S: hyper::service::HttpService<hyper::body::Incoming>,
    S::ResBody: hyper::body::Body + 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn close_after_exchange(self: std::pin::Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

/// Whether an accept error concerns only the connection being accepted (the client went away
/// first), so the next accept may follow at once.
fn is_per_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

/// The connection cap: `configured` as it is, else the default lowered so that the
/// connections fit in the descriptor limit with [`RESERVED_DESCRIPTORS`] to spare (past the
/// limit `accept` fails with EMFILE and nobody, the health check included, gets in).
fn connection_cap(configured: Option<usize>) -> usize {
    let room = descriptor_room();
    // The semaphore's own bound, and u32 for the shutdown's `acquire_many`.
    let configured = configured.map(|cap| cap.min(Semaphore::MAX_PERMITS).min(u32::MAX as usize));
    match configured {
        Some(configured) => {
            if room.is_some_and(|room| room < configured) {
                tracing::warn!(
                    max_connections = configured,
                    descriptor_room = room,
                    "the connection cap exceeds the descriptor limit"
                );
            }
            configured
        }
        None => {
            let default = ServerLimits::DEFAULT_MAX_CONNECTIONS;
            let cap = room.map_or(default, |room| room.min(default));
            if cap < default {
                tracing::warn!(
                    max_connections = cap,
                    "connection cap lowered to fit the descriptor limit"
                );
            }
            cap
        }
    }
}

/// How many connections fit in the process's descriptor limit, if it has one.
fn descriptor_room() -> Option<usize> {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current?;
    let room = limit.saturating_sub(RESERVED_DESCRIPTORS).max(1);
    Some(usize::try_from(room).unwrap_or(usize::MAX))
}

/// Ctrl-C (SIGINT) and SIGTERM, listened for from start-up so that a second one is seen too.
struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    fn new() -> io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Waits for the next signal and names it.
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "Ctrl-C",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}
