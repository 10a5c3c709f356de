//! Benchmarks of the example service (`service/`), reported in `service/README.md`:
//!
//! - `lambda_apigw_v1_event/*`: the reference API Gateway REST event
//!   (`service/tests/data/api-gateway-event.json`, `GET /api/v1/health_check`) through
//!   `lambda_http`'s adapter and the router, in-process, per event: from the deserialized event
//!   to the response value; from the event's JSON to the response's JSON (what the Lambda
//!   runtime client does around the handler, minus its HTTP calls); and the same with the JSON
//!   request log line written (to a sink), as on Lambda.
//! - `cold_start/local_server`: exec of the `release-lambda` build of the binary → first
//!   response served (`GET /api/v1/health_check` on a fresh process).
//! - `cold_start/lambda_emulator`: exec of the same binary in Lambda mode, against the Lambda
//!   runtime API emulator of `cargo lambda watch --only-lambda-apis` → the response to the first
//!   invocation (the reference event, sent to the emulator's Invoke API), as on a Lambda cold
//!   start. Includes the emulator's own handling; needs `cargo-lambda`
//!   (`python3 -m pip install cargo-lambda ziglang`).
//!
//! The peak RSS (VmHWM) of the started processes at their first response is printed too.
//!
//! The cold-start benchmark builds the binary itself, with the `release-lambda` profile, into
//! its own target directory (`<target>/service-bench`), or uses `$SERVICE_BENCH_BINARY` (e.g.
//! the `bootstrap` unzipped from the Lambda zip).

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use lambda_http::lambda_runtime::{Context, LambdaEvent};
use lambda_http::request::LambdaRequest;
use lambda_http::Adapter;
use service::telemetry::{self, LogFormat};
use tower::{Service, ServiceExt};

const REFERENCE_EVENT: &str = include_str!("../service/tests/data/api-gateway-event.json");

fn lambda_events(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut adapter = Adapter::from(service::lambda::handler(service::app()));
    let mut context = Context::default();
    context.request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd".to_owned();

    // Check once that the benchmark measures a successful health check.
    let request: LambdaRequest = serde_json::from_str(REFERENCE_EVENT).unwrap();
    let response = runtime
        .block_on(
            adapter
                .ready()
                .await_ready()
                .call(LambdaEvent::new(request, context.clone())),
        )
        .unwrap();
    let response = serde_json::to_value(response).unwrap();
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(response["body"], r#"{"message":"ok"}"#, "{response}");

    let mut group = c.benchmark_group("lambda_apigw_v1_event");
    group.throughput(Throughput::Elements(1));
    group.bench_function("adapter_and_router", |b| {
        b.iter_batched(
            || {
                let request: LambdaRequest = serde_json::from_str(REFERENCE_EVENT).unwrap();
                LambdaEvent::new(request, context.clone())
            },
            |event| {
                runtime
                    .block_on(adapter.ready().await_ready().call(event))
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    let mut json_to_json = |b: &mut criterion::Bencher| {
        b.iter(|| {
            let request: LambdaRequest = serde_json::from_str(black_box(REFERENCE_EVENT)).unwrap();
            let event = LambdaEvent::new(request, context.clone());
            let response = runtime
                .block_on(adapter.ready().await_ready().call(event))
                .unwrap();
            serde_json::to_vec(&response).unwrap()
        })
    };
    group.bench_function("json_event_to_json_response", &mut json_to_json);
    let logging = telemetry::subscriber(LogFormat::Json, std::io::sink);
    tracing::subscriber::with_default(logging, || {
        group.bench_function("json_event_to_json_response_logged", &mut json_to_json);
    });
    group.finish();
}

/// Polls a `tower::ServiceExt::ready` future that is known to be ready at once (the router
/// always is), without an executor.
trait AwaitReady<T> {
    fn await_ready(self) -> T;
}

impl<F, T, E> AwaitReady<T> for F
where
    F: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Debug,
{
    fn await_ready(self) -> T {
        let mut future = std::pin::pin!(self);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(result) => result.expect("service ready"),
            std::task::Poll::Pending => panic!("the service was not ready at once"),
        }
    }
}

/// The workspace's target directory, from this benchmark's own path
/// (`<target>/<profile>/deps/service-<hash>`).
fn target_root() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .nth(3)
        .expect("<target>/<profile>/deps/<bench>")
        .to_path_buf()
}

/// The binary whose cold start is measured.
fn service_binary() -> PathBuf {
    if let Some(binary) = std::env::var_os("SERVICE_BENCH_BINARY") {
        return PathBuf::from(binary);
    }
    let target_dir = target_root().join("service-bench");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--package",
            "service",
            "--bin",
            "service",
        ])
        .args(["--profile", "release-lambda"])
        .env("CARGO_TARGET_DIR", &target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo build");
    assert!(status.success(), "building the service binary failed");
    target_dir.join("release-lambda/service")
}

/// How a cold-started process is asked for its first response.
enum FirstRequest<'a> {
    /// Local mode: wait for `listening on http://ADDRESS`, then `GET /api/v1/health_check`.
    LocalServer,
    /// Lambda mode against the emulator whose Invoke API listens on this address.
    LambdaInvoke(&'a str),
}

/// One cold start: exec → first response. Returns the time to the first response and the
/// process's peak RSS in KiB.
fn cold_start(binary: &Path, first: &FirstRequest) -> (Duration, u64) {
    let start = Instant::now();
    let mut command = Command::new(binary);
    command
        .env("RUST_LOG", "info")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    match first {
        FirstRequest::LocalServer => command.env("PORT", "0"),
        FirstRequest::LambdaInvoke(emulator) => command
            .env("AWS_LAMBDA_RUNTIME_API", format!("http://{emulator}/.rt"))
            .env("AWS_LAMBDA_FUNCTION_NAME", "_")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
    };
    let mut child = command.spawn().expect("start the service");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (address, request) = match first {
        FirstRequest::LocalServer => {
            let mut line = String::new();
            let address = loop {
                line.clear();
                assert!(
                    stdout.read_line(&mut line).unwrap() > 0,
                    "the service exited before listening"
                );
                if let Some(address) = line.split("listening on http://").nth(1) {
                    break address.trim().to_owned();
                }
            };
            let request =
                b"GET /api/v1/health_check HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
                    .to_vec();
            (address, request)
        }
        FirstRequest::LambdaInvoke(emulator) => {
            // The log goes to a pipe nobody reads in this mode: drain it so it never blocks.
            std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
            let mut request = format!(
                "POST /2015-03-31/functions/_/invocations HTTP/1.1\r\nHost: {emulator}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                REFERENCE_EVENT.len()
            )
            .into_bytes();
            request.extend_from_slice(REFERENCE_EVENT.as_bytes());
            (emulator.to_string(), request)
        }
    };
    let mut stream = TcpStream::connect(&address).unwrap();
    stream.write_all(&request).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let elapsed = start.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    match first {
        FirstRequest::LocalServer => assert!(answer.ends_with(r#"{"message":"ok"}"#), "{answer}"),
        FirstRequest::LambdaInvoke(_) => assert!(
            answer.contains(r#""statusCode":200"#) && answer.contains(r#"{\"message\":\"ok\"}"#),
            "{answer}"
        ),
    }
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let peak_rss_kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    child.kill().unwrap();
    child.wait().unwrap();
    (elapsed, peak_rss_kib)
}

/// `cargo lambda watch --only-lambda-apis` on a free loopback port; killed on drop.
struct Emulator {
    child: std::process::Child,
    address: String,
}

impl Emulator {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("cargo-lambda")
            .args(["lambda", "watch", "--only-lambda-apis", "--disable-cors"])
            .args(["--invoke-address", "127.0.0.1", "--invoke-port", &port.to_string()])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start cargo-lambda ({error}): install it with `python3 -m pip install cargo-lambda ziglang`")
            });
        let address = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(&address).is_err() {
            assert!(
                Instant::now() < deadline,
                "the emulator did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, address }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cold_starts(c: &mut Criterion) {
    let binary = service_binary();
    let emulator = Emulator::start();
    let mut group = c.benchmark_group("cold_start");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(10));
    for (name, first) in [
        ("local_server", FirstRequest::LocalServer),
        (
            "lambda_emulator",
            FirstRequest::LambdaInvoke(&emulator.address),
        ),
    ] {
        let mut peaks = Vec::new();
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let (elapsed, peak) = cold_start(&binary, &first);
                    total += elapsed;
                    peaks.push(peak);
                }
                total
            })
        });
        peaks.sort_unstable();
        if let (Some(median), Some(max)) = (peaks.get(peaks.len() / 2), peaks.last()) {
            println!(
                "cold_start/{name}: peak RSS (VmHWM) at the first response over {} starts: median {median} KiB, max {max} KiB ({})",
                peaks.len(),
                binary.display()
            );
        }
    }
    group.finish();
}

criterion_group!(benches, lambda_events, cold_starts);
criterion_main!(benches);
