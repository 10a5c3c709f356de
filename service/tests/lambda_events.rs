//! The Lambda path in-process: API Gateway REST (v1), HTTP API (v2, also the shape of function
//! URL events) and ALB events go through `lambda_http`'s adapter and the router, and the
//! serialized response (what the runtime sends back to Lambda) is checked: status, CORS headers,
//! request id and body.

mod common;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use lambda_http::lambda_runtime::Context;
use lambda_http::request::LambdaRequest;
use serde_json::{json, Value};
use service::lambda::LambdaFunction;
use service::{app_with, ServiceConfig};

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

/// The function as the binary runs it, with the fault routes on.
fn function() -> LambdaFunction {
    LambdaFunction::new(app_with(&ServiceConfig {
        fault_routes: true,
        ..ServiceConfig::default()
    }))
}

/// Invokes a new function with `event` as the runtime would: the event's JSON text in, the
/// serialized response out.
async fn invoke(event: &Value) -> Value {
    invoke_on(&function(), event).await
}

/// Invokes `function` with `event` (see [`invoke`]).
async fn invoke_on(function: &LambdaFunction, event: &Value) -> Value {
    let mut context = Context::default();
    context.request_id = INVOCATION_ID.to_owned();
    let response = function.invoke(&event.to_string(), context).await;
    serde_json::to_value(response).expect("responses serialize")
}

/// Whether `lambda_http` on its own turns `event` into a request: it deserializes, and its
/// conversion does not panic.
fn lambda_http_converts(event: &Value) -> bool {
    let Ok(request) = serde_json::from_value::<LambdaRequest>(event.clone()) else {
        return false;
    };
    std::panic::catch_unwind(AssertUnwindSafe(move || {
        let _: lambda_http::Request = request.into();
    }))
    .is_ok()
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

/// Variants of the real events (`rest`: REST v1, `http`: HTTP API v2, `alb`) that `lambda_http`
/// cannot turn into a request: it panics building the URI or decoding the body, or it cannot
/// deserialize them.
fn events_lambda_http_cannot_convert() -> Vec<(&'static str, Value)> {
    let rest = || fixture("api-gateway-event.json");
    let http = || fixture("http-api-v2-event.json");
    let alb = || fixture("alb-event.json");
    let set = |mut event: Value, path: &str, value: Value| {
        let mut field = &mut event;
        for key in path.trim_start_matches('/').split('/') {
            field = &mut field[key];
        }
        *field = value;
        event
    };
    let with_header = |mut event: Value, name: &str, value: Value| {
        event["headers"][name] = value;
        event
    };
    vec![
        (
            "the console's test event",
            fixture("console-api-gateway-test-event.json"),
        ),
        (
            "rest: placeholder Host",
            set(
                rest(),
                "/headers/Host",
                json!("1234567890.execute-api.{dns_suffix}"),
            ),
        ),
        (
            "rest: Host with a space",
            set(rest(), "/headers/Host", json!("bad host")),
        ),
        (
            "rest: Host with a bad port",
            set(rest(), "/headers/Host", json!("h:99999")),
        ),
        (
            "rest: bad X-Forwarded-Proto",
            set(rest(), "/headers/X-Forwarded-Proto", json!("ht tp")),
        ),
        (
            "rest: body not base64",
            set(
                set(rest(), "/isBase64Encoded", json!(true)),
                "/body",
                json!("not base64!"),
            ),
        ),
        (
            "rest: header name with a space",
            with_header(rest(), "bad header", json!("x")),
        ),
        (
            "rest: header value with a newline",
            with_header(rest(), "x-bad", json!("a\nb")),
        ),
        ("rest: multi-value header name with a colon", {
            let mut event = rest();
            event["multiValueHeaders"]["x:y"] = json!(["v"]);
            event
        }),
        (
            "rest: method with a space",
            set(rest(), "/httpMethod", json!("GE T")),
        ),
        (
            "http: placeholder Host",
            with_header(http(), "host", json!("1234567890.execute-api.{dns_suffix}")),
        ),
        (
            "http: query with a space",
            set(http(), "/rawQueryString", json!("a=1 2")),
        ),
        (
            "http: query with a control character",
            set(http(), "/rawQueryString", json!("a=\u{7f}")),
        ),
        ("http: domain name with a space", {
            let mut event = http();
            event["headers"]
                .as_object_mut()
                .unwrap()
                .retain(|name, _| !name.eq_ignore_ascii_case("host"));
            event["requestContext"]["domainName"] = json!("bad domain");
            event
        }),
        (
            "http: header value with a newline",
            with_header(http(), "x-bad", json!("a\r\nb")),
        ),
        (
            "http: body not base64",
            set(
                set(http(), "/isBase64Encoded", json!(true)),
                "/body",
                json!("%%%"),
            ),
        ),
        (
            "alb: Host with a space",
            with_header(alb(), "host", json!("bad host")),
        ),
        (
            "alb: header name with a space",
            with_header(alb(), "bad header", json!("x")),
        ),
        (
            "alb: method with a space",
            set(alb(), "/httpMethod", json!("GE T")),
        ),
        (
            "alb: body not base64",
            set(
                set(alb(), "/isBase64Encoded", json!(true)),
                "/body",
                json!("***"),
            ),
        ),
        ("not an HTTP event", json!({"not": "an http event"})),
    ]
}

/// Checks a rejected event's answer: the JSON 400 with CORS and the invocation id, in the
/// response shape of the event's source (ALB answers carry a status description).
fn assert_rejected(what: &str, event: &Value, response: &Value) {
    assert_eq!(response["statusCode"], json!(400), "{what}: {response}");
    assert_error_response(response, 400);
    let is_alb = event["requestContext"].get("elb").is_some();
    assert_eq!(
        response.get("statusDescription").is_some(),
        is_alb,
        "{what}: response shape {response}"
    );
}

#[tokio::test]
async fn events_lambda_http_cannot_convert_get_a_json_400_and_the_next_one_is_served() {
    let function = function();
    for (what, event) in events_lambda_http_cannot_convert() {
        assert!(
            !lambda_http_converts(&event),
            "{what}: lambda_http converts it after all"
        );
        let response = invoke_on(&function, &event).await;
        assert_rejected(what, &event, &response);
        for good in [
            "api-gateway-event.json",
            "http-api-v2-event.json",
            "alb-event.json",
        ] {
            let response = invoke_on(&function, &fixture(good)).await;
            assert_eq!(
                assert_json_response(&response, 200),
                json!({"message": "ok"}),
                "{good} after {what}"
            );
        }
    }
}

#[tokio::test]
async fn events_with_invalid_paths_get_a_json_400() {
    // lambda_http would turn these into a request for another path (a path without its leading
    // slash runs into the host or the stage; control characters are percent-encoded): they are
    // refused too.
    let function = function();
    let mut cases = Vec::new();
    for path in ["api/v1/health_check", "/api/v1/\u{1}health_check"] {
        let mut rest = fixture("api-gateway-event.json");
        rest["path"] = json!(path);
        let mut http = fixture("http-api-v2-event.json");
        http["rawPath"] = json!(path);
        let mut alb = fixture("alb-event.json");
        alb["path"] = json!(path);
        cases.extend([rest, http, alb]);
    }
    for event in cases {
        let response = invoke_on(&function, &event).await;
        assert_rejected(&event.to_string(), &event, &response);
        let message = serde_json::from_str::<Value>(body_text(&response)).unwrap();
        assert_eq!(
            message["error"]["message"],
            json!("the request path is not a valid path")
        );
    }
    let response = invoke_on(&function, &fixture("api-gateway-event.json")).await;
    assert_json_response(&response, 200);
}
