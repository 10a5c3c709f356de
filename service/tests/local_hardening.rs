//! The real binary in local mode against slow and hostile clients on loopback (issue 11,
//! item 7): silent and slow connections beyond the descriptor limit, idle keep-alive
//! connections, shutdown with a slow client and a second signal, oversized and unprintable
//! request ids, and a body of 1-byte chunks. Each test bounds its connection count and its time,
//! and asserts behaviour (answered, closed, exited), not speed.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::process::{loopback_address, ServiceProcess};

const READY: &str = "listening on http://";

/// A running local server and its loopback address.
struct Server {
    process: ServiceProcess,
    address: String,
}

impl Server {
    fn start(envs: &[(&str, &str)]) -> Self {
        Self::from(ServiceProcess::start(&with_port(envs), READY))
    }

    fn start_with_descriptor_limit(nofile: u32, envs: &[(&str, &str)]) -> Self {
        Self::from(ServiceProcess::start_with_descriptor_limit(
            nofile,
            &with_port(envs),
            READY,
        ))
    }

    fn from((process, ready): (ServiceProcess, String)) -> Self {
        let address = loopback_address(&ready, READY);
        Self { process, address }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream
    }

    /// One request on a new connection; the whole answer (the server closes after it).
    fn exchange(&self, request: &[u8], timeout: Duration) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(&self.address)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.write_all(request)?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        Ok(String::from_utf8_lossy(&answer).into_owned())
    }

    fn health_check(&self, timeout: Duration) -> std::io::Result<String> {
        self.exchange(
            b"GET /api/v1/health_check HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            timeout,
        )
    }

    /// The health check's answer within `timeout`; otherwise panics with the server's log.
    fn answered_health_check(&self, timeout: Duration, while_: &str) -> String {
        self.health_check(timeout).unwrap_or_else(|error| {
            panic!(
                "no health check answer {while_}: {error}; log:\n{}",
                self.process.log_text()
            )
        })
    }
}

fn with_port<'a>(envs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("PORT", "0")];
    all.extend_from_slice(envs);
    all
}

/// Whether the server closed `stream` within `timeout`: a read ends (EOF or reset) instead of
/// timing out. Any bytes it sent first are returned with the verdict.
fn closed_within(stream: &mut TcpStream, timeout: Duration) -> (bool, String) {
    stream.set_read_timeout(Some(timeout)).unwrap();
    let mut answer = Vec::new();
    let closed = match stream.read_to_end(&mut answer) {
        Ok(_) => true,
        Err(error) => !matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
    };
    (closed, String::from_utf8_lossy(&answer).into_owned())
}

/// Clients that trickle a request head one byte at a time until stopped (or until the server
/// closes them), from one thread.
struct Tricklers {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Tricklers {
    fn start(streams: Vec<TcpStream>, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut streams = streams;
            for stream in &mut streams {
                let _ = stream.write_all(b"GET /api/v1/health_check HTTP/1.1\r\nX-Slow: ");
            }
            while !flag.load(Ordering::Relaxed) {
                for stream in &mut streams {
                    let _ = stream.write_all(b"a");
                }
                std::thread::sleep(every);
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Tricklers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// 300 connections against a 256-descriptor limit, half of them silent and half sending their
/// head a byte at a time: the connection cap keeps descriptors free, the timeouts free the
/// slots, and the health check is answered while the clients still hold their sockets.
#[test]
fn health_checks_get_through_a_flood_of_silent_and_slow_connections() {
    let server = Server::start_with_descriptor_limit(
        256,
        &[
            ("SERVICE_HEADER_READ_TIMEOUT_SECS", "2"),
            ("SERVICE_KEEP_ALIVE_TIMEOUT_SECS", "2"),
        ],
    );
    let silent: Vec<TcpStream> = (0..150).map(|_| server.connect()).collect();
    let slow: Vec<TcpStream> = (0..150).map(|_| server.connect()).collect();
    let _tricklers = Tricklers::start(slow, Duration::from_millis(200));

    let answer =
        server.answered_health_check(Duration::from_secs(15), "with 300 slow connections open");
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert!(answer.ends_with(r#"{"message":"ok"}"#), "{answer}");
    assert!(
        server.process.log_text().contains("connection cap lowered"),
        "the cap fits the descriptor limit:\n{}",
        server.process.log_text()
    );
    drop(silent);
}

/// Past the descriptor limit `accept` fails (EMFILE): with a cap above the limit the server
/// backs off and retries instead of spinning or giving up, and serves again once the timeouts
/// have freed descriptors.
#[test]
fn accept_errors_back_off_and_recover() {
    let server = Server::start_with_descriptor_limit(
        128,
        &[
            ("SERVICE_MAX_CONNECTIONS", "100000"),
            ("SERVICE_HEADER_READ_TIMEOUT_SECS", "2"),
            ("SERVICE_KEEP_ALIVE_TIMEOUT_SECS", "2"),
        ],
    );
    let _silent: Vec<TcpStream> = (0..40).map(|_| server.connect()).collect();
    let slow: Vec<TcpStream> = (0..150).map(|_| server.connect()).collect();
    let _tricklers = Tricklers::start(slow, Duration::from_millis(200));
    let answer = server.answered_health_check(Duration::from_secs(15), "after accept errors");
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    let log = server.process.log_text();
    assert!(log.contains("accept failed, backing off"), "{log}");
    let backoffs = log.matches("accept failed, backing off").count();
    assert!(
        backoffs < 200,
        "{backoffs} accept failures logged: spinning"
    );
}

/// A connection that sends nothing and one that sends its head a byte at a time are both closed
/// after the header read timeout.
#[test]
fn silent_and_slow_request_heads_time_out() {
    let server = Server::start(&[
        ("SERVICE_HEADER_READ_TIMEOUT_SECS", "2"),
        ("SERVICE_KEEP_ALIVE_TIMEOUT_SECS", "60"),
    ]);
    let mut silent = server.connect();
    let mut slow = server.connect();
    let _trickler = Tricklers::start(vec![slow.try_clone().unwrap()], Duration::from_millis(300));
    let (closed, _) = closed_within(&mut silent, Duration::from_secs(10));
    assert!(
        closed,
        "a silent connection is closed after the header read timeout"
    );
    let (closed, answer) = closed_within(&mut slow, Duration::from_secs(10));
    assert!(closed, "a 1-byte-at-a-time head is cut off: {answer}");
    assert!(server.health_check(Duration::from_secs(5)).is_ok());
}

/// A kept-alive connection that goes quiet after its answer is closed after the keep-alive
/// timeout.
#[test]
fn idle_keep_alive_connections_are_closed() {
    let server = Server::start(&[
        ("SERVICE_HEADER_READ_TIMEOUT_SECS", "60"),
        ("SERVICE_KEEP_ALIVE_TIMEOUT_SECS", "1"),
    ]);
    let mut stream = server.connect();
    stream
        .write_all(b"GET /api/v1/health_check HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&answer).ends_with(r#"{"message":"ok"}"#) {
        let read = stream.read(&mut buffer).expect("the answer");
        assert!(read > 0, "closed before the answer");
        answer.extend_from_slice(&buffer[..read]);
    }
    let (closed, extra) = closed_within(&mut stream, Duration::from_secs(10));
    assert!(closed, "an idle keep-alive connection is closed");
    assert!(extra.is_empty(), "{extra}");
}

/// SIGTERM with a client that never finishes its head: the server waits for it only for the
/// grace period, then exits 0.
#[test]
fn shutdown_waits_for_a_slow_client_only_for_the_grace_period() {
    let mut server = Server::start(&[
        ("SERVICE_HEADER_READ_TIMEOUT_SECS", "60"),
        ("SERVICE_KEEP_ALIVE_TIMEOUT_SECS", "60"),
        ("SERVICE_SHUTDOWN_GRACE_SECS", "2"),
    ]);
    let _trickler = Tricklers::start(vec![server.connect()], Duration::from_millis(200));
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let status = server
        .process
        .signal_and_wait("TERM", Duration::from_secs(8));
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() >= Duration::from_secs(1), "it did wait");
    let log = server.process.log_text();
    assert!(log.contains("grace period over"), "{log}");
}

/// A second SIGTERM or Ctrl-C during the graceful shutdown stops the process at once.
#[test]
fn a_second_signal_stops_it_at_once() {
    for signal in ["TERM", "INT"] {
        let mut server = Server::start(&[
            ("SERVICE_HEADER_READ_TIMEOUT_SECS", "60"),
            ("SERVICE_KEEP_ALIVE_TIMEOUT_SECS", "60"),
            ("SERVICE_SHUTDOWN_GRACE_SECS", "60"),
        ]);
        let _trickler = Tricklers::start(vec![server.connect()], Duration::from_millis(200));
        std::thread::sleep(Duration::from_millis(300));
        server.process.signal(signal);
        assert!(
            server
                .process
                .wait_exit(Duration::from_millis(700))
                .is_none(),
            "the first SIG{signal} waits for the slow client"
        );
        let status = server
            .process
            .signal_and_wait(signal, Duration::from_secs(3));
        assert_eq!(status.code(), Some(1), "a forced stop exits 1");
        let log = server.process.log_text();
        assert!(log.contains("second signal: stopped at once"), "{log}");
    }
}

/// The `x-request-id` in the answer to `request`, if any.
fn answered_request_id(answer: &str) -> Option<String> {
    answer
        .split("\r\n\r\n")
        .next()?
        .lines()
        .find_map(|line| line.strip_prefix("x-request-id: "))
        .map(str::to_owned)
}

fn health_with_request_id(id: &[u8]) -> Vec<u8> {
    let mut request =
        b"GET /api/v1/health_check HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Request-Id: "
            .to_vec();
    request.extend_from_slice(id);
    request.extend_from_slice(b"\r\n\r\n");
    request
}

/// A sane client request id is echoed; a long one (1 KB, 300 KB) or one with bytes that are not
/// visible ASCII is replaced by a new id, neither echoed nor logged.
#[test]
fn only_sane_request_ids_are_echoed() {
    let server = Server::start(&[]);
    let timeout = Duration::from_secs(10);
    let answer = server
        .exchange(&health_with_request_id(b"req-42.abc_DEF"), timeout)
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert_eq!(
        answered_request_id(&answer).as_deref(),
        Some("req-42.abc_DEF")
    );

    let long = "x".repeat(1000);
    let huge = "y".repeat(300 * 1024);
    for id in [
        long.as_bytes(),
        huge.as_bytes(),
        b"tab\tmarker-q9z",
        b"latin-1 \xe9t\xe9 marker-q9z",
    ] {
        let answer = server
            .exchange(&health_with_request_id(id), timeout)
            .unwrap();
        let status = &answer[..answer.len().min(12)];
        assert!(
            status == "HTTP/1.1 200" || status == "HTTP/1.1 431",
            "{}",
            &answer[..answer.len().min(300)]
        );
        let echoed = answered_request_id(&answer);
        assert!(
            echoed
                .as_ref()
                .is_none_or(|echoed| echoed.len() <= 128
                    && echoed.bytes().all(|byte| byte.is_ascii_graphic())),
            "{echoed:?}"
        );
        if status == "HTTP/1.1 200" {
            assert!(echoed.is_some(), "a new id replaces it");
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    let log = server.process.log_text();
    assert!(!log.contains(&"x".repeat(200)), "a long id is not logged");
    assert!(
        !log.contains("marker-q9z"),
        "an unprintable id is not logged"
    );
}

/// A 6 MB body in 1-byte chunks: the server answers 413 after at most its per-frame discard
/// allowance and closes the connection, long before the client has sent it all, and keeps
/// serving.
#[test]
fn a_body_of_one_byte_chunks_is_cut_off_early() {
    const BODY_BYTES: usize = 6 * 1024 * 1024;
    const CHUNKS_PER_WRITE: usize = 10_000;
    let server = Server::start(&[]);
    let mut stream = server.connect();
    stream
        .write_all(b"POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let batch = b"1\r\n[\r\n".repeat(CHUNKS_PER_WRITE);
        let mut sent = 0;
        while sent < BODY_BYTES {
            if writer.write_all(&batch).is_err() {
                return (sent, false);
            }
            sent += CHUNKS_PER_WRITE;
        }
        (sent, writer.write_all(b"0\r\n\r\n").is_ok())
    });
    let (_, answer) = closed_within(&mut stream, Duration::from_secs(20));
    let (sent, finished) = sender.join().unwrap();
    assert!(
        !finished && sent < BODY_BYTES / 2,
        "the client could send {sent} of {BODY_BYTES} one-byte chunks (finished: {finished})"
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 413 "),
        "{}",
        &answer[..answer.len().min(300)]
    );
    let answer = server.health_check(Duration::from_secs(5)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}

/// A body sent a byte at a time (each byte within the keep-alive timeout, so the connection is
/// never idle) is answered with the JSON 408 once the body read timeout has passed.
#[test]
fn a_slowly_sent_body_gets_a_408() {
    let server = Server::start(&[
        ("SERVICE_BODY_READ_TIMEOUT_SECS", "1"),
        ("SERVICE_KEEP_ALIVE_TIMEOUT_SECS", "60"),
    ]);
    let mut stream = server.connect();
    stream
        .write_all(b"POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[")
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    let sender = std::thread::spawn(move || {
        for _ in 0..98 {
            if stopped.load(Ordering::Relaxed) || writer.write_all(b"1").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let (_, answer) = closed_within(&mut stream, Duration::from_secs(10));
    stop.store(true, Ordering::Relaxed);
    sender.join().unwrap();
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    common::assert_error_document(408, body.as_bytes());
}
