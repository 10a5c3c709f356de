//! The Lambda path in-process: API Gateway REST (v1), HTTP API (v2, also the shape of function
//! URL events) and ALB events go through `lambda_http`'s adapter and the router, and the
//! serialized response (what the runtime sends back to Lambda) is checked: status, CORS headers,
//! request id and body.

mod common;

use std::path::{Path, PathBuf};

use lambda_http::lambda_runtime::{Context, LambdaEvent};
use lambda_http::request::LambdaRequest;
use lambda_http::Adapter;
use serde_json::{json, Value};
use service::{app_with, ServiceConfig};
use tower::ServiceExt;

use common::{assert_error_document, is_json_content_type};

/// The id the tests give each invocation, as the Lambda runtime API would.
const INVOCATION_ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

fn data_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn fixture(name: &str) -> Value {
    let path = data_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Invokes the service (with the fault routes on) with `event` as the runtime would: the JSON
/// event is deserialized, sent through the adapter, and the response serialized back to JSON.
async fn invoke(event: &Value) -> Value {
    let request: LambdaRequest =
        serde_json::from_value(event.clone()).expect("the event is one lambda_http accepts");
    let mut context = Context::default();
    context.request_id = INVOCATION_ID.to_owned();
    let router = app_with(&ServiceConfig {
        fault_routes: true,
        ..ServiceConfig::default()
    });
    let adapter = Adapter::from(service::lambda::handler(router));
    let response = adapter
        .oneshot(LambdaEvent::new(request, context))
        .await
        .expect("the service is infallible");
    serde_json::to_value(response).expect("responses serialize")
}

/// A response header, from `headers` or else `multiValueHeaders` (which one lambda_http fills
/// depends on the event source).
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

fn body_text(response: &Value) -> &str {
    assert_eq!(response["isBase64Encoded"], json!(false), "{response}");
    response["body"].as_str().unwrap_or_default()
}

/// Checks status, CORS, request id and JSON content type; returns the body.
fn assert_json_response(response: &Value, status: u16) -> Value {
    assert_eq!(response["statusCode"], json!(status), "{response}");
    assert_eq!(
        header(response, "access-control-allow-origin").as_deref(),
        Some("*"),
        "{response}"
    );
    assert_eq!(
        header(response, "x-request-id").as_deref(),
        Some(INVOCATION_ID),
        "{response}"
    );
    assert!(
        is_json_content_type(&header(response, "content-type").unwrap()),
        "{response}"
    );
    serde_json::from_str(body_text(response)).unwrap()
}

fn assert_error_response(response: &Value, status: u16) {
    assert_json_response(response, status);
    assert_error_document(status, body_text(response).as_bytes());
}

fn rest_event(method: &str, path: &str) -> Value {
    let mut event = fixture("api-gateway-event.json");
    event["httpMethod"] = json!(method);
    event["path"] = json!(path);
    event["requestContext"]["httpMethod"] = json!(method);
    event["requestContext"]["path"] = json!(format!("/prod{path}"));
    event["body"] = Value::Null;
    event
}

fn with_body(mut event: Value, content_type: &str, body: &str) -> Value {
    event["headers"]["content-type"] = json!(content_type);
    event["multiValueHeaders"]["content-type"] = json!([content_type]);
    event["body"] = json!(body);
    event
}

fn http_api_event(method: &str, raw_path: &str, stage: &str) -> Value {
    let mut event = fixture("http-api-v2-event.json");
    event["rawPath"] = json!(raw_path);
    event["requestContext"]["http"]["method"] = json!(method);
    event["requestContext"]["http"]["path"] = json!(raw_path);
    event["requestContext"]["stage"] = json!(stage);
    event
}

#[tokio::test]
async fn reference_event_answers_the_health_check() {
    let response = invoke(&fixture("api-gateway-event.json")).await;
    assert_eq!(
        assert_json_response(&response, 200),
        json!({"message": "ok"})
    );
    assert_eq!(body_text(&response), r#"{"message":"ok"}"#);
    assert_eq!(
        header(&response, "access-control-expose-headers").as_deref(),
        Some("x-request-id")
    );
}

#[tokio::test]
async fn rest_event_bodies_are_parsed() {
    // The reference event carries a JSON body; as a POST to /echo it comes back.
    let mut event = fixture("api-gateway-event.json");
    event["httpMethod"] = json!("POST");
    event["path"] = json!("/api/v1/echo");
    let response = invoke(&event).await;
    assert_eq!(
        assert_json_response(&response, 200),
        json!({"name": "Sandy Samantha Salamander"})
    );

    // A base64-encoded form body ("name=Sandy+S&tag=a&tag=b").
    let mut event = with_body(
        rest_event("POST", "/api/v1/echo"),
        "application/x-www-form-urlencoded",
        "bmFtZT1TYW5keStTJnRhZz1hJnRhZz1i",
    );
    event["isBase64Encoded"] = json!(true);
    let response = invoke(&event).await;
    assert_eq!(
        assert_json_response(&response, 200),
        json!({"name": "Sandy S", "tag": ["a", "b"]})
    );
}

#[tokio::test]
async fn rest_event_errors_are_json() {
    let echo = || rest_event("POST", "/api/v1/echo");
    let cases = [
        (with_body(echo(), "application/json", "{\"name\":"), 400),
        (
            with_body(echo(), "application/x-www-form-urlencoded", "a=%C3%28"),
            400,
        ),
        (rest_event("GET", "/api/v1/unknown"), 404),
        (rest_event("GET", "/"), 404),
        (rest_event("DELETE", "/api/v1/health_check"), 405),
        (
            with_body(
                echo(),
                "application/json",
                &format!("\"{}\"", "x".repeat(200 * 1024)),
            ),
            413,
        ),
        (with_body(echo(), "text/plain", "hello"), 415),
        (
            with_body(echo(), "application/json; charset=utf-16", "{}"),
            415,
        ),
        (rest_event("GET", "/api/v1/_fault/error"), 500),
        (rest_event("GET", "/api/v1/_fault/panic"), 500),
    ];
    for (event, status) in cases {
        let response = invoke(&event).await;
        assert_error_response(&response, status);
    }
    // After a panic the same kind of invocation still works.
    let response = invoke(&fixture("api-gateway-event.json")).await;
    assert_json_response(&response, 200);
}

#[tokio::test]
async fn rest_event_preflight_is_answered() {
    let mut event = rest_event("OPTIONS", "/api/v1/echo");
    event["headers"]["access-control-request-method"] = json!("POST");
    event["headers"]["access-control-request-headers"] = json!("content-type");
    let response = invoke(&event).await;
    let status = response["statusCode"].as_u64().unwrap();
    assert!((200..300).contains(&status), "{response}");
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(header(&response, "access-control-allow-methods")
        .unwrap()
        .contains("POST"));
    assert_eq!(
        header(&response, "access-control-allow-headers").as_deref(),
        Some("content-type")
    );
}

#[tokio::test]
async fn http_api_events_work_with_and_without_a_stage_in_the_path() {
    // Named stage through the execute-api host: rawPath carries /prod.
    let response = invoke(&fixture("http-api-v2-event.json")).await;
    assert_eq!(
        assert_json_response(&response, 200),
        json!({"message": "ok"})
    );
    // Named stage through a custom domain: rawPath has no stage.
    let response = invoke(&http_api_event("GET", "/api/v1/health_check", "prod")).await;
    assert_eq!(
        assert_json_response(&response, 200),
        json!({"message": "ok"})
    );
    // The $default stage (and function URLs): no stage anywhere.
    let response = invoke(&http_api_event("GET", "/api/v1/health_check", "$default")).await;
    assert_eq!(
        assert_json_response(&response, 200),
        json!({"message": "ok"})
    );
    // A stage name that is only a prefix of the first segment is not a stage prefix.
    let response = invoke(&http_api_event(
        "GET",
        "/production/api/v1/health_check",
        "$default",
    ))
    .await;
    assert_error_response(&response, 404);
}

#[tokio::test]
async fn http_api_event_bodies_and_errors() {
    let mut event = http_api_event("POST", "/prod/api/v1/echo", "prod");
    event["headers"]["content-type"] = json!("application/json");
    event["body"] = json!(r#"{"a":[1,2,{"b":null}]}"#);
    event["rawQueryString"] = json!("debug=1");
    let response = invoke(&event).await;
    assert_eq!(
        assert_json_response(&response, 200),
        json!({"a": [1, 2, {"b": null}]})
    );

    event["body"] = json!(r#"{"a":"#);
    assert_error_response(&invoke(&event).await, 400);
    assert_error_response(
        &invoke(&http_api_event("GET", "/prod/nope", "prod")).await,
        404,
    );
    assert_error_response(
        &invoke(&http_api_event("PUT", "/prod/api/v1/health_check", "prod")).await,
        405,
    );

    let mut preflight = http_api_event("OPTIONS", "/prod/api/v1/echo", "prod");
    preflight["headers"]["access-control-request-method"] = json!("POST");
    let response = invoke(&preflight).await;
    assert!(
        (200..300).contains(&response["statusCode"].as_u64().unwrap()),
        "{response}"
    );
    assert_eq!(
        header(&response, "access-control-allow-origin").as_deref(),
        Some("*")
    );
}

#[tokio::test]
async fn alb_events_are_served() {
    let response = invoke(&fixture("alb-event.json")).await;
    assert_eq!(
        assert_json_response(&response, 200),
        json!({"message": "ok"})
    );
    assert_eq!(response["statusDescription"], json!("200 OK"));

    let mut event = fixture("alb-event.json");
    event["path"] = json!("/api/v1/missing");
    let response = invoke(&event).await;
    assert_error_response(&response, 404);
    assert_eq!(response["statusDescription"], json!("404 Not Found"));
}
