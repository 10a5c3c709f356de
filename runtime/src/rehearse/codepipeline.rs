//! The rehearsal's CodePipeline: a loopback endpoint that answers `GetPipelineState` and
//! `PutApprovalResult` (CodePipeline's JSON 1.1 protocol) from the execution being
//! rehearsed ([`PipelineState`]). The emulator only stores pipeline definitions; the
//! rehearsal is what runs them, so the builds it runs reach this endpoint for the state of
//! their run (`AWS_ENDPOINT_URL_CODEPIPELINE`): that is how the broadening check finds
//! the token of the approval beside it and approves it. Any other operation is refused
//! with a message that says so.
//!
//! HTTP/1.1 is read by hand, just what the AWS CLI and SDKs send: a request line, headers,
//! a body of `Content-Length` bytes, connections kept alive; anything else is answered
//! with an error and the connection closed.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use super::state::{ApprovalResult, Execution, PipelineState, Refusal};
use crate::deploy::error::{Error, Result};

/// The operations' `X-Amz-Target` prefix.
const TARGET_PREFIX: &str = "CodePipeline_20150709.";
/// The largest request head (request line and headers) read, in bytes.
const MAX_HEAD: u64 = 64 * 1024;
/// The largest request body read, in bytes.
const MAX_BODY: usize = 1024 * 1024;
/// How long an idle connection is kept.
const IDLE: Duration = Duration::from_secs(60);

/// The endpoint, serving until dropped.
#[derive(Debug)]
pub struct Endpoint {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    server: JoinHandle<()>,
}

impl Endpoint {
    /// Starts the endpoint on a free loopback port.
    pub async fn start(state: Arc<PipelineState>) -> Result<Endpoint> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
            Error::new(
                "cannot listen on 127.0.0.1 for the rehearsal's CodePipeline",
                e,
            )
        })?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::new("the rehearsal's CodePipeline has no address", e))?;
        Ok(Endpoint {
            url: format!("http://{address}"),
            server: tokio::spawn(serve(listener, state)),
        })
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        // Its connections are in the server's task set, dropped with it.
        self.server.abort();
    }
}

async fn serve(listener: TcpListener, state: Arc<PipelineState>) {
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                connections.spawn(connection(stream, state.clone()));
            }
            // Out of descriptors, for one: try again in a moment.
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
        while connections.try_join_next().is_some() {}
    }
}

/// Answers a connection's requests until it closes, idles, or sends what is not read.
async fn connection(stream: TcpStream, state: Arc<PipelineState>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let request = match tokio::time::timeout(IDLE, read_request(&mut reader)).await {
            Ok(Ok(Some(request))) => request,
            Ok(Ok(None)) | Err(_) => return,
            Ok(Err(problem)) => {
                let answer = Answer::error(400, "SerializationException", problem);
                let _ = write_answer(&mut write, &answer, true).await;
                return;
            }
        };
        let answer = answer(&state, &request);
        if write_answer(&mut write, &answer, request.close)
            .await
            .is_err()
            || request.close
        {
            return;
        }
    }
}

/// A request, as far as the endpoint reads it.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    /// `X-Amz-Target`.
    target: Option<String>,
    body: Vec<u8>,
    /// `Connection: close`.
    close: bool,
}

/// The next request of a connection (`None`: it closed before one began).
async fn read_request<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> std::result::Result<Option<Request>, String> {
    let mut head = reader.take(MAX_HEAD);
    let mut line = String::new();
    if head.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    if parts.next() != Some("POST") || !parts.nth(1).is_some_and(|v| v.starts_with("HTTP/1.")) {
        return Err(format!(
            "expected `POST / HTTP/1.1`, found `{}`",
            line.trim_end()
        ));
    }
    let mut request = Request {
        target: None,
        body: Vec::new(),
        close: false,
    };
    let mut length = 0;
    loop {
        line.clear();
        if head.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 || !line.ends_with('\n')
        {
            return Err(format!(
                "the request's head is cut, or longer than {MAX_HEAD} bytes"
            ));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| format!("`{header}` is not a header"))?;
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "x-amz-target" => request.target = Some(value.to_owned()),
            "connection" => request.close = value.eq_ignore_ascii_case("close"),
            "content-length" => {
                length = value
                    .parse()
                    .map_err(|_| format!("Content-Length `{value}` is not a number"))?
            }
            "transfer-encoding" => {
                return Err(format!(
                    "Transfer-Encoding `{value}` is not read: send Content-Length"
                ))
            }
            _ => {}
        }
    }
    if length > MAX_BODY {
        return Err(format!("the body has {length} bytes, more than {MAX_BODY}"));
    }
    request.body = vec![0; length];
    reader
        .read_exact(&mut request.body)
        .await
        .map_err(|e| format!("the body is cut: {e}"))?;
    Ok(Some(request))
}

/// A response: its status and JSON body, and the error's name for `x-amzn-ErrorType`.
#[derive(Debug, PartialEq)]
struct Answer {
    status: u16,
    error: Option<&'static str>,
    body: String,
}

impl Answer {
    fn ok(body: impl Serialize) -> Answer {
        Answer {
            status: 200,
            error: None,
            body: serde_json::to_string(&body).expect("answers serialize to JSON"),
        }
    }

    fn error(status: u16, kind: &'static str, message: impl Into<String>) -> Answer {
        #[derive(Serialize)]
        struct ErrorBody {
            #[serde(rename = "__type")]
            kind: &'static str,
            message: String,
        }
        Answer {
            status,
            error: Some(kind),
            body: serde_json::to_string(&ErrorBody {
                kind,
                message: message.into(),
            })
            .expect("errors serialize to JSON"),
        }
    }

    fn refused(refusal: Refusal) -> Answer {
        Answer::error(400, refusal.kind, refusal.message)
    }
}

async fn write_answer<W: AsyncWrite + Unpin>(
    write: &mut W,
    answer: &Answer,
    close: bool,
) -> std::io::Result<()> {
    let reason = match answer.status {
        200 => "OK",
        _ => "Bad Request",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nx-amzn-RequestId: {}\r\n",
        answer.status,
        answer.body.len(),
        super::context::uuid("request")
    );
    if let Some(kind) = answer.error {
        head.push_str(&format!("x-amzn-ErrorType: {kind}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    write.write_all(head.as_bytes()).await?;
    write.write_all(answer.body.as_bytes()).await?;
    write.flush().await
}

/// The answer to one request.
fn answer(state: &PipelineState, request: &Request) -> Answer {
    let operation = request
        .target
        .as_deref()
        .and_then(|t| t.strip_prefix(TARGET_PREFIX));
    match operation {
        Some("GetPipelineState") => match serde_json::from_slice(&request.body) {
            Ok(asked) => get_pipeline_state(&state.snapshot(), &asked),
            Err(e) => Answer::error(400, "SerializationException", e.to_string()),
        },
        Some("PutApprovalResult") => match serde_json::from_slice(&request.body) {
            Ok(put) => put_approval_result(state, &put),
            Err(e) => Answer::error(400, "SerializationException", e.to_string()),
        },
        _ => Answer::error(
            400,
            "UnknownOperationException",
            format!(
                "{}: the rehearsal's CodePipeline answers GetPipelineState and PutApprovalResult only",
                request.target.as_deref().unwrap_or("a request without X-Amz-Target")
            ),
        ),
    }
}

#[derive(Deserialize)]
struct GetPipelineStateInput {
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GetPipelineStateOutput {
    pipeline_name: String,
    pipeline_version: i32,
    stage_states: Vec<StageStateOutput>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StageStateOutput {
    stage_name: String,
    action_states: Vec<ActionStateOutput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest_execution: Option<StageExecutionOutput>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StageExecutionOutput {
    pipeline_execution_id: String,
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActionStateOutput {
    action_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest_execution: Option<ActionExecutionOutput>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActionExecutionOutput {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    /// Seconds since the epoch, as the JSON protocol writes timestamps.
    last_status_change: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

/// `GetPipelineState`: each stage's actions with their latest execution.
fn get_pipeline_state(execution: &Execution, asked: &GetPipelineStateInput) -> Answer {
    if asked.name != execution.pipeline {
        return Answer::error(
            400,
            "PipelineNotFoundException",
            format!("no pipeline named {} runs", asked.name),
        );
    }
    let stage_states = execution
        .stages
        .iter()
        .map(|stage| {
            let statuses: Vec<_> = stage
                .actions
                .iter()
                .filter_map(|a| a.latest.as_ref().map(|l| l.status.as_str()))
                .collect();
            StageStateOutput {
                stage_name: stage.name.clone(),
                latest_execution: stage_status(&statuses).map(|status| StageExecutionOutput {
                    pipeline_execution_id: execution.id.clone(),
                    status,
                }),
                action_states: stage
                    .actions
                    .iter()
                    .map(|action| ActionStateOutput {
                        action_name: action.name.clone(),
                        latest_execution: action.latest.as_ref().map(|l| ActionExecutionOutput {
                            status: l.status.as_str(),
                            summary: l.summary.clone(),
                            last_status_change: seconds(l.changed),
                            token: l.token.clone(),
                        }),
                    })
                    .collect(),
            }
        })
        .collect();
    Answer::ok(GetPipelineStateOutput {
        pipeline_name: execution.pipeline.clone(),
        pipeline_version: execution.version,
        stage_states,
    })
}

/// A stage's status from its actions' (none when none started).
fn stage_status(actions: &[&'static str]) -> Option<&'static str> {
    if actions.is_empty() {
        None
    } else if actions.contains(&"Failed") {
        Some("Failed")
    } else if actions.contains(&"InProgress") {
        Some("InProgress")
    } else {
        Some("Succeeded")
    }
}

fn seconds(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutApprovalResultInput {
    pipeline_name: String,
    stage_name: String,
    action_name: String,
    result: ApprovalResultInput,
    token: String,
}

#[derive(Deserialize)]
struct ApprovalResultInput {
    summary: String,
    status: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PutApprovalResultOutput {
    approved_at: f64,
}

/// `PutApprovalResult`: decides the approval, if it waits and the token is its own.
fn put_approval_result(state: &PipelineState, put: &PutApprovalResultInput) -> Answer {
    let result = ApprovalResult {
        pipeline: &put.pipeline_name,
        stage: &put.stage_name,
        action: &put.action_name,
        token: &put.token,
        status: &put.result.status,
        summary: &put.result.summary,
    };
    match state.put_approval_result(&result) {
        Ok(()) => Answer::ok(PutApprovalResultOutput {
            approved_at: seconds(SystemTime::now()),
        }),
        Err(refusal) => Answer::refused(refusal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rehearse::state::tests::waiting;
    use crate::rehearse::state::Decision;

    /// The AWS CLI (the one the pipeline's builds use) against the endpoint.
    async fn aws(endpoint: &Endpoint, args: &[&str]) -> std::process::Output {
        tokio::process::Command::new("aws")
            .arg("codepipeline")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", std::env::temp_dir())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_DEFAULT_REGION", "us-west-2")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ENDPOINT_URL_CODEPIPELINE", &endpoint.url)
            .output()
            .await
            .expect("the AWS CLI runs (`python3 -m pip install awscli`)")
    }

    fn text(output: &[u8]) -> String {
        String::from_utf8_lossy(output).trim().to_owned()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_aws_cli_finds_the_token_and_approves() {
        let (state, token) = waiting();
        let state = Arc::new(state);
        let endpoint = Endpoint::start(state.clone()).await.unwrap();
        let found = aws(
            &endpoint,
            &[
                "get-pipeline-state",
                "--name",
                "P",
                "--query",
                "stageStates[?stageName=='Prod'].actionStates[] | [?actionName=='Promote' && latestExecution.status=='InProgress'].latestExecution.token | [0]",
                "--output",
                "text",
            ],
        )
        .await;
        assert!(found.status.success(), "{found:?}");
        assert_eq!(text(&found.stdout), token);

        let approve = |token: String| {
            let endpoint = &endpoint;
            async move {
                aws(
                    endpoint,
                    &[
                        "put-approval-result",
                        "--pipeline-name",
                        "P",
                        "--stage-name",
                        "Prod",
                        "--action-name",
                        "Promote",
                        "--token",
                        &token,
                        "--result",
                        r#"{"status":"Approved","summary":"No change set broadens, approved by Prod/CheckBroadening"}"#,
                    ],
                )
                .await
            }
        };
        let wrong = approve("6f1c1b9e-0000-0000-0000-000000000000".into()).await;
        assert!(!wrong.status.success());
        assert!(
            text(&wrong.stderr).contains("InvalidApprovalTokenException"),
            "{wrong:?}"
        );
        let right = approve(token.clone()).await;
        assert!(right.status.success(), "{right:?}");
        assert!(text(&right.stdout).contains("approvedAt"), "{right:?}");
        assert_eq!(
            state.decision("Prod", "Promote").await,
            Decision::Put {
                approved: true,
                summary: "No change set broadens, approved by Prod/CheckBroadening".into()
            }
        );
        let again = approve(token).await;
        assert!(
            text(&again.stderr).contains("ApprovalAlreadyCompletedException"),
            "{again:?}"
        );
        let other = aws(&endpoint, &["list-pipelines"]).await;
        assert!(
            text(&other.stderr).contains("UnknownOperationException")
                && text(&other.stderr).contains("GetPipelineState and PutApprovalResult only"),
            "{other:?}"
        );
    }

    #[tokio::test]
    async fn what_is_not_read_is_answered_with_an_error() {
        let (state, _) = waiting();
        let state = Arc::new(state);
        let endpoint = Endpoint::start(state).await.unwrap();
        let address = endpoint.url.trim_start_matches("http://").to_owned();
        for (request, expected) in [
            ("GET / HTTP/1.1\r\n\r\n", "expected `POST / HTTP/1.1`"),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                "Transfer-Encoding",
            ),
            (
                "POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
                "more than",
            ),
            (
                "POST / HTTP/1.1\r\nX-Amz-Target: CodePipeline_20150709.GetPipelineState\r\nConnection: close\r\nContent-Length: 1\r\n\r\n{",
                "SerializationException",
            ),
        ] {
            let mut stream = TcpStream::connect(&address).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.unwrap_or_default();
            assert!(answer.starts_with("HTTP/1.1 400 "), "{request:?}: {answer}");
            assert!(answer.contains(expected), "{request:?}: {answer}");
        }
    }
}
