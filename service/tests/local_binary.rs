//! The real binary in local mode, driven over loopback by a real HTTP client (reqwest) from
//! this test process: the bars of the issue, bad input that must not crash it, a bounded
//! concurrent load, request logging and graceful shutdown.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

use common::process::{loopback_address, ServiceProcess};
use common::{assert_error_document, is_json_content_type};

/// A running local server and its base URL.
struct LocalServer {
    process: ServiceProcess,
    base: String,
}

impl LocalServer {
    /// Starts the binary on a free loopback port with the fault routes on.
    fn start() -> Self {
        let (process, ready) = ServiceProcess::start(
            &[("PORT", "0"), ("SERVICE_FAULT_ROUTES", "1")],
            "listening on http://",
        );
        let address = loopback_address(&ready, "listening on http://");
        Self {
            process,
            base: format!("http://{address}"),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn address(&self) -> &str {
        self.base.trim_start_matches("http://")
    }
}

fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(64)
        .build()
        .expect("reqwest client")
}

/// Sends one request; returns status, content type and body.
async fn call(
    client: &Client,
    method: Method,
    url: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Result<(StatusCode, String, Vec<u8>), reqwest::Error> {
    let mut request = client.request(method, url);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if !body.is_empty() {
        request = request.body(body);
    }
    let response = request.send().await?;
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await?.to_vec();
    Ok((status, content_type, bytes))
}

/// Asserts that the server answers the health check.
async fn assert_healthy(client: &Client, server: &LocalServer) {
    let response = client
        .get(server.url("/api/v1/health_check"))
        .send()
        .await
        .expect("the server still answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), r#"{"message":"ok"}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_bars_hold() {
    let server = LocalServer::start();
    let client = client();

    // GET /api/v1/health_check → 200 {"message":"ok"} with access-control-allow-origin: *.
    let response = client
        .get(server.url("/api/v1/health_check"))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(is_json_content_type(
        response.headers()["content-type"].to_str().unwrap()
    ));
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(response.text().await.unwrap(), r#"{"message":"ok"}"#);

    // Preflight OPTIONS → 2xx with the CORS headers.
    let response = client
        .request(Method::OPTIONS, server.url("/api/v1/echo"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(response.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));
    assert_eq!(
        response.headers()["access-control-allow-headers"],
        "content-type"
    );

    // Malformed JSON → 400 JSON; unknown route → 404 JSON.
    let (status, content_type, body) = call(
        &client,
        Method::POST,
        &server.url("/api/v1/echo"),
        Some("application/json"),
        b"{\"name\": ".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(is_json_content_type(&content_type));
    assert_error_document(400, &body);
    let (status, content_type, body) = call(
        &client,
        Method::GET,
        &server.url("/no/such/route"),
        None,
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(is_json_content_type(&content_type));
    assert_error_document(404, &body);

    // Echo over the wire, JSON and form.
    let document = json!({"name": "Sandy", "n": [1, 2, 3]});
    let (status, _, body) = call(
        &client,
        Method::POST,
        &server.url("/api/v1/echo"),
        Some("application/json"),
        document.to_string().into_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), document);
    let (status, _, body) = call(
        &client,
        Method::POST,
        &server.url("/api/v1/echo"),
        Some("application/x-www-form-urlencoded"),
        b"name=Sandy+S".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"name": "Sandy S"})
    );

    // Requests are logged, human-readable, with their request id.
    let line = server
        .process
        .wait_for_log(&request_id, Duration::from_secs(5))
        .unwrap_or_else(|| {
            panic!(
                "no log line for {request_id}:\n{}",
                server.process.log_text()
            )
        });
    assert!(line.contains("INFO"), "{line}");
    assert!(line.contains("status=200"), "{line}");
    assert!(line.contains("path=/api/v1/health_check"), "{line}");
    assert!(
        !line.trim_start().starts_with('{'),
        "human-readable, not JSON: {line}"
    );
}

/// What a probe request should get back.
#[derive(Debug, Clone, PartialEq)]
enum Expected {
    /// 200 with exactly this JSON document.
    Json(Value),
    /// The error document with this status.
    Error(u16),
}

/// One request and the answer it must get.
#[derive(Debug, Clone)]
struct Probe {
    method: Method,
    url: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    expected: Expected,
}

impl Probe {
    fn new(method: Method, url: String, expected: Expected) -> Self {
        Self {
            method,
            url,
            content_type: None,
            body: Vec::new(),
            expected,
        }
    }

    fn post(
        url: String,
        content_type: &'static str,
        body: impl Into<Vec<u8>>,
        expected: Expected,
    ) -> Self {
        Self {
            content_type: Some(content_type),
            body: body.into(),
            ..Self::new(Method::POST, url, expected)
        }
    }

    /// Sends the probe; `None` if the answer is the expected one, else what went wrong.
    async fn failure(&self, client: &Client) -> Option<String> {
        let what = format!("{} {} ({:?})", self.method, self.url, self.content_type);
        let (status, content_type, bytes) = match call(
            client,
            self.method.clone(),
            &self.url,
            self.content_type,
            self.body.clone(),
        )
        .await
        {
            Ok(answer) => answer,
            Err(error) => return Some(format!("{what}: transport error {error:?}")),
        };
        let document: Option<Value> = serde_json::from_slice(&bytes).ok();
        let ok = is_json_content_type(&content_type)
            && match &self.expected {
                Expected::Json(expected) => {
                    status == StatusCode::OK && document.as_ref() == Some(expected)
                }
                Expected::Error(expected) => {
                    status.as_u16() == *expected
                        && document.as_ref().is_some_and(|document| {
                            document["error"]["status"] == json!(expected)
                                && document["error"]["message"].is_string()
                        })
                }
            };
        (!ok).then(|| format!("{what}: {status} {}", String::from_utf8_lossy(&bytes)))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_bad_input_does_not_crash_it() {
    let mut server = LocalServer::start();
    let client = client();
    let echo = || server.url("/api/v1/echo");
    let huge = vec![b'['; 8 * 1024 * 1024];
    const JSON: &str = "application/json";
    const FORM: &str = "application/x-www-form-urlencoded";
    let probes = [
        Probe::post(echo(), JSON, *b"{\"a\":", Expected::Error(400)),
        Probe::post(echo(), JSON, *b"\xff\xfe\xfd", Expected::Error(400)),
        Probe::post(echo(), JSON, *b"\"\xc3\x28\"", Expected::Error(400)),
        Probe::post(echo(), JSON, vec![b'['; 100_000], Expected::Error(400)),
        Probe::post(echo(), FORM, *b"a=%ff", Expected::Error(400)),
        Probe::post(echo(), FORM, *b"a=\xff\xfe", Expected::Error(400)),
        Probe::post(echo(), JSON, huge.clone(), Expected::Error(413)),
        Probe::post(echo(), FORM, huge, Expected::Error(413)),
        Probe::post(
            echo(),
            "text/html; charset=utf-8",
            *b"<p>",
            Expected::Error(415),
        ),
        Probe::post(
            echo(),
            "application/json; charset=klingon",
            *b"{}",
            Expected::Error(415),
        ),
        Probe::new(
            Method::GET,
            server.url("/api/v1/_fault/panic"),
            Expected::Error(500),
        ),
        Probe::new(
            Method::GET,
            server.url("/api/v1/_fault/error"),
            Expected::Error(500),
        ),
        Probe::new(
            Method::GET,
            server.url("/%FF%FE/../.."),
            Expected::Error(404),
        ),
        Probe::new(
            Method::PATCH,
            server.url("/api/v1/health_check"),
            Expected::Error(405),
        ),
    ];
    for round in 0..3 {
        for probe in &probes {
            if let Some(failure) = probe.failure(&client).await {
                panic!("round {round}: {failure}");
            }
        }
        // Bytes that are not HTTP at all, on raw connections.
        for garbage in [
            &b"\x00\xff\xfe garbage\r\n\r\n"[..],
            b"GET / HTTP/9.9\r\n\r\n",
            b"GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n",
        ] {
            let mut stream = TcpStream::connect(server.address()).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            stream.write_all(garbage).unwrap();
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
        }
        // A declared body far beyond what is worth reading: 413 at once, then the server closes.
        let mut stream = TcpStream::connect(server.address()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .write_all(b"POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n[[[[")
            .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        assert_error_document(413, body.as_bytes());
        // A connection that sends half a request and goes away.
        let mut stream = TcpStream::connect(server.address()).unwrap();
        stream
            .write_all(b"POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\"")
            .unwrap();
        drop(stream);
    }
    assert!(
        server.process.is_running(),
        "the process died:\n{}",
        server.process.log_text()
    );
    assert_healthy(&client, &server).await;
    // The panics were logged with their message, the client never saw it.
    assert!(server.process.log_text().contains("handler panicked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounded_concurrent_load_has_no_failures() {
    const REQUESTS: usize = 50_000;
    const CONNECTIONS: usize = 64;
    let mut server = LocalServer::start();
    let client = client();
    let echo_document = json!({"name": "Sandy Samantha Salamander", "n": [1, 2, 3]});
    let health = || {
        Probe::new(
            Method::GET,
            server.url("/api/v1/health_check"),
            Expected::Json(json!({"message": "ok"})),
        )
    };
    let echo = || server.url("/api/v1/echo");
    let probes = Arc::new([
        health(),
        health(),
        Probe::post(
            echo(),
            "application/json",
            echo_document.to_string(),
            Expected::Json(echo_document),
        ),
        Probe::post(
            echo(),
            "application/json",
            *b"{\"a\":",
            Expected::Error(400),
        ),
        Probe::post(
            echo(),
            "application/json",
            *b"\"\xff\"",
            Expected::Error(400),
        ),
        Probe::new(
            Method::GET,
            server.url("/api/v1/unknown"),
            Expected::Error(404),
        ),
        Probe::new(
            Method::DELETE,
            server.url("/api/v1/health_check"),
            Expected::Error(405),
        ),
        Probe::post(echo(), "text/plain", *b"hi", Expected::Error(415)),
        Probe::new(
            Method::GET,
            server.url("/api/v1/_fault/panic"),
            Expected::Error(500),
        ),
    ]);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..CONNECTIONS {
        let client = client.clone();
        let probes = Arc::clone(&probes);
        let next = Arc::clone(&next);
        workers.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            let mut done = 0usize;
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= REQUESTS {
                    break;
                }
                failures.extend(probes[index % probes.len()].failure(&client).await);
                done += 1;
            }
            (done, failures)
        }));
    }
    let mut completed = 0;
    let mut failures = Vec::new();
    for worker in workers {
        let (done, worker_failures) = worker.await.expect("worker");
        completed += done;
        failures.extend(worker_failures);
    }
    assert_eq!(completed, REQUESTS);
    assert!(
        failures.is_empty(),
        "{} of {REQUESTS} requests failed; first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(server.process.is_running());
    assert_healthy(&client, &server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_ctrl_c_shut_it_down_gracefully() {
    for (signal, logged) in [("TERM", "SIGTERM received"), ("INT", "Ctrl-C received")] {
        let mut server = LocalServer::start();
        assert_healthy(&client(), &server).await;
        let status = server
            .process
            .signal_and_wait(signal, Duration::from_secs(10));
        assert!(status.success(), "exit after SIG{signal}: {status:?}");
        let log = server.process.log_text();
        assert!(log.contains(logged) && log.contains("shut down"), "{log}");
    }
}
