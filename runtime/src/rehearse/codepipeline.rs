//! The rehearsal's CodePipeline: a loopback endpoint that answers `GetPipelineState` and
//! `PutApprovalResult` (CodePipeline's JSON 1.1 protocol) from the execution being
//! rehearsed ([`PipelineState`]). The emulator only stores pipeline definitions; the
//! rehearsal is what runs them, so the builds it runs reach this endpoint for the state of
//! their run (`AWS_ENDPOINT_URL_CODEPIPELINE`): that is how the broadening check finds
//! the token of the approval beside it and approves it. Any other operation is refused
//! with a message that says so.
//!
//! HTTP is hyper's (HTTP/1.1, connections kept alive, a request's head read within a
//! minute); a body larger than 1 MiB is refused.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use super::state::{ApprovalResult, Execution, PipelineState, Refusal};
use crate::deploy::error::{Error, Result};

/// The operations' `X-Amz-Target` prefix.
const TARGET_PREFIX: &str = "CodePipeline_20150709.";
/// The largest request body read, in bytes.
const MAX_BODY: usize = 1024 * 1024;
/// How long a connection may take to send a request's head (an idle one is closed then).
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
                let state = state.clone();
                let service =
                    hyper::service::service_fn(move |request| respond(state.clone(), request));
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(IDLE)
                    .serve_connection(TokioIo::new(stream), service);
                connections.spawn(connection);
            }
            // Out of descriptors, for one: try again in a moment.
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
        while connections.try_join_next().is_some() {}
    }
}

/// The response to one request.
async fn respond(
    state: Arc<PipelineState>,
    request: Request<Incoming>,
) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .map(str::to_owned);
    if request.method() != Method::POST {
        let problem = format!("expected POST, found {}", request.method());
        return Ok(Answer::error(400, "SerializationException", problem).into_response());
    }
    // A body announced larger than the limit is refused before it is read.
    if hyper::body::Body::size_hint(request.body()).lower() > MAX_BODY as u64 {
        let problem = format!("the body is larger than {MAX_BODY} bytes");
        return Ok(Answer::error(400, "SerializationException", problem).into_response());
    }
    let answer = match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(body) => answer(&state, target.as_deref(), &body.to_bytes()),
        Err(e) => Answer::error(
            400,
            "SerializationException",
            format!("the body cannot be read (at most {MAX_BODY} bytes): {e}"),
        ),
    };
    Ok(answer.into_response())
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

    /// The HTTP response: CodePipeline's JSON 1.1 content type, a request id, and the
    /// error's name for the SDKs and the CLI.
    fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::builder()
            .status(self.status)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amzn-RequestId", super::context::uuid("request"));
        if let Some(kind) = self.error {
            response = response.header("x-amzn-ErrorType", kind);
        }
        response
            .body(Full::new(Bytes::from(self.body)))
            .expect("a status, names and values that are valid HTTP")
    }
}

/// The answer to one request: its `X-Amz-Target` and its body.
fn answer(state: &PipelineState, target: Option<&str>, body: &[u8]) -> Answer {
    let operation = target.and_then(|t| t.strip_prefix(TARGET_PREFIX));
    match operation {
        Some("GetPipelineState") => match serde_json::from_slice(body) {
            Ok(asked) => get_pipeline_state(&state.snapshot(), &asked),
            Err(e) => Answer::error(400, "SerializationException", e.to_string()),
        },
        Some("PutApprovalResult") => match serde_json::from_slice(body) {
            Ok(put) => put_approval_result(state, &put),
            Err(e) => Answer::error(400, "SerializationException", e.to_string()),
        },
        _ => Answer::error(
            400,
            "UnknownOperationException",
            format!(
                "{}: the rehearsal's CodePipeline answers GetPipelineState and PutApprovalResult only",
                target.unwrap_or("a request without X-Amz-Target")
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
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

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
            ("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "expected POST, found GET"),
            (
                "POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: 99999999\r\n\r\n",
                "larger than 1048576 bytes",
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
