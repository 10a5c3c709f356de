//! The real binary in Lambda mode against a real Lambda runtime API emulator: `cargo lambda
//! watch --only-lambda-apis` emulates the runtime and invoke APIs, the test starts the service
//! binary against it (as Lambda's `provided.al2023` runtime would start `bootstrap`), and sends
//! events with `cargo lambda invoke` and through the emulator's function URL endpoint.
//!
//! Needs `cargo-lambda` (`python3 -m pip install cargo-lambda ziglang`, done by `.ci/setup`); it
//! fails, naming that command, when the tool is missing.

mod common;

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::assert_error_document;
use common::process::ServiceProcess;

/// The emulator's function name when it does not start the function itself.
const FUNCTION_NAME: &str = "_";
/// The install command named when cargo-lambda is missing.
const INSTALL: &str = "python3 -m pip install cargo-lambda ziglang";
/// Upper bound for one `cargo lambda` command.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The `cargo-lambda` executable; fails the test with the install command when it is missing.
fn cargo_lambda() -> Command {
    let probe = Command::new("cargo-lambda")
        .args(["lambda", "--version"])
        .output();
    match probe {
        Ok(output) if output.status.success() => {}
        Ok(output) => panic!(
            "`cargo-lambda lambda --version` failed ({}): {}; reinstall it with `{INSTALL}`",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => {
            panic!("cargo-lambda is not installed ({error}): install it with `{INSTALL}`")
        }
    }
    let mut command = Command::new("cargo-lambda");
    command
        .arg("lambda")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// A free loopback port (the listener is dropped right away).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The running emulator; killed on drop. Its output is collected for failure messages.
struct Emulator {
    child: Child,
    port: u16,
    output: Arc<Mutex<String>>,
}

impl Emulator {
    fn start() -> Self {
        let port = free_port();
        let mut child = cargo_lambda()
            .args([
                "watch",
                "--only-lambda-apis",
                "--disable-cors",
                "--invoke-address",
                "127.0.0.1",
            ])
            .args(["--invoke-port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cargo lambda watch");
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let output = Arc::clone(&output);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut output = output.lock().unwrap();
                    output.push_str(&line);
                    output.push('\n');
                }
            });
        }
        let mut emulator = Self {
            child,
            port,
            output,
        };
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = emulator.child.try_wait().unwrap() {
                panic!(
                    "cargo lambda watch exited ({status}):\n{}",
                    emulator.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the emulator did not listen:\n{}",
                emulator.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        emulator
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    fn runtime_api(&self) -> String {
        format!("http://127.0.0.1:{}/.rt", self.port)
    }

    /// `cargo lambda invoke` with `event`: the function's JSON response, or the command's
    /// failure output.
    fn invoke(&self, event: &Value) -> Result<Value, String> {
        let mut command = cargo_lambda();
        command
            .args(["invoke", FUNCTION_NAME, "--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &self.port.to_string()])
            .args([
                "--output-format",
                "json",
                "--data-ascii",
                &event.to_string(),
            ]);
        let output = run_bounded(command);
        if output.status.success() {
            let stdout = String::from_utf8_lossy(&output.stdout);
            serde_json::from_str(stdout.trim()).map_err(|e| format!("not JSON ({e}): {stdout}"))
        } else {
            Err(format!(
                "{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    fn function_url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/lambda-url/{FUNCTION_NAME}{path}",
            self.port
        )
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` to completion, killing it after [`COMMAND_TIMEOUT`].
fn run_bounded(mut command: Command) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn command");
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{command:?} did not finish within {COMMAND_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A response header from `headers` or `multiValueHeaders`.
fn header(response: &Value, name: &str) -> Option<String> {
    if let Some(value) = response["headers"].get(name).and_then(Value::as_str) {
        return Some(value.to_owned());
    }
    let values = response["multiValueHeaders"].get(name)?.as_array()?;
    Some(
        values
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// Checks an invocation's response: status, CORS, a request id; returns the parsed body.
fn assert_response(response: &Value, status: u16) -> Value {
    assert_eq!(response["statusCode"], json!(status), "{response}");
    assert_eq!(
        header(response, "access-control-allow-origin").as_deref(),
        Some("*"),
        "{response}"
    );
    assert!(
        header(response, "x-request-id").is_some_and(|id| !id.is_empty()),
        "{response}"
    );
    assert_eq!(response["isBase64Encoded"], json!(false), "{response}");
    serde_json::from_str(response["body"].as_str().unwrap_or_default()).unwrap()
}

#[test]
fn the_binary_serves_lambda_invocations_from_the_emulator() {
    let emulator = Emulator::start();
    let runtime_api = emulator.runtime_api();
    let (service, _) = ServiceProcess::start(
        &[
            ("AWS_LAMBDA_RUNTIME_API", runtime_api.as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", FUNCTION_NAME),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("SERVICE_FAULT_ROUTES", "1"),
        ],
        "polling the Lambda runtime API",
    );
    let invoke = |event: &Value| {
        emulator.invoke(event).unwrap_or_else(|failure| {
            panic!(
                "invoke failed: {failure}\nservice log:\n{}\nemulator:\n{}",
                service.log_text(),
                emulator.output()
            )
        })
    };

    // The reference API Gateway REST event (stage "prod").
    let response = invoke(&fixture("api-gateway-event.json"));
    assert_eq!(assert_response(&response, 200), json!({"message": "ok"}));
    let request_id = header(&response, "x-request-id").unwrap();

    // HTTP API (v2) with the stage in rawPath, and ALB.
    let response = invoke(&fixture("http-api-v2-event.json"));
    assert_eq!(assert_response(&response, 200), json!({"message": "ok"}));
    let response = invoke(&fixture("alb-event.json"));
    assert_eq!(assert_response(&response, 200), json!({"message": "ok"}));

    // Bodies: the reference event's JSON body echoed; malformed JSON is a JSON 400.
    let mut echo = fixture("api-gateway-event.json");
    echo["httpMethod"] = json!("POST");
    echo["path"] = json!("/api/v1/echo");
    let response = invoke(&echo);
    assert_eq!(
        assert_response(&response, 200),
        json!({"name": "Sandy Samantha Salamander"})
    );
    echo["body"] = json!("{\"name\": ");
    let response = invoke(&echo);
    assert_response(&response, 400);
    assert_error_document(400, response["body"].as_str().unwrap().as_bytes());

    // A panicking handler: a JSON 500, and the next invocation is served by the same process.
    let mut panic_event = fixture("api-gateway-event.json");
    panic_event["path"] = json!("/api/v1/_fault/panic");
    let response = invoke(&panic_event);
    assert_response(&response, 500);
    assert_error_document(500, response["body"].as_str().unwrap().as_bytes());

    // Events lambda_http cannot turn into a request (the console's own test event, whose Host
    // makes an invalid URI; a payload that is no HTTP event at all): a JSON 400, and the same
    // process serves the next invocation.
    for event in [
        fixture("console-api-gateway-test-event.json"),
        json!({"not": "an http event"}),
    ] {
        let response = invoke(&event);
        assert_response(&response, 400);
        assert_error_document(400, response["body"].as_str().unwrap().as_bytes());
        let response = invoke(&fixture("api-gateway-event.json"));
        assert_response(&response, 200);
    }
    assert!(!service.log_text().contains("failed to build request"));

    // Logs are JSON lines, and the request's line carries its request id.
    let line = service
        .wait_for_log(&request_id, Duration::from_secs(5))
        .unwrap_or_else(|| panic!("no log line with {request_id}:\n{}", service.log_text()));
    let record: Value = serde_json::from_str(&line).expect("JSON log line");
    assert_eq!(record["span"]["request_id"], json!(request_id), "{line}");
    assert_eq!(
        record["span"]["path"],
        json!("/api/v1/health_check"),
        "{line}"
    );
    for line in service.log_lines() {
        serde_json::from_str::<Value>(&line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
    }
    assert!(service.log_text().contains("handler panicked"));
    drop(service);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_function_url_requests_through_the_emulator() {
    let emulator = Emulator::start();
    let runtime_api = emulator.runtime_api();
    let (_service, _) = ServiceProcess::start(
        &[
            ("AWS_LAMBDA_RUNTIME_API", runtime_api.as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", FUNCTION_NAME),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ],
        "polling the Lambda runtime API",
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    let response = client
        .get(emulator.function_url("/api/v1/health_check"))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(response.text().await.unwrap(), r#"{"message":"ok"}"#);

    let response = client
        .request(
            reqwest::Method::OPTIONS,
            emulator.function_url("/api/v1/echo"),
        )
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.headers()["access-control-allow-origin"], "*");

    let response = client
        .post(emulator.function_url("/api/v1/echo"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=Sandy+S&tag=a&tag=b")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body, json!({"name": "Sandy S", "tag": ["a", "b"]}));

    let response = client
        .post(emulator.function_url("/api/v1/echo"))
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_error_document(400, &response.bytes().await.unwrap());

    let response = client
        .get(emulator.function_url("/nowhere"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_error_document(404, &response.bytes().await.unwrap());
}
