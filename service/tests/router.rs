//! The router on its own, driven with tower's `oneshot`: every route, CORS, request ids, and
//! every error status with its JSON document.

mod common;

use axum::body::{to_bytes, Body, Bytes};
use axum::http::{header, Method, Request, Response, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use service::{app, app_with, ServiceConfig};
use tower::ServiceExt;

use common::{assert_error_document, is_json_content_type};

/// Sends `request` to `router` and returns the response with its whole body.
async fn send(router: Router, request: Request<Body>) -> (Response<Body>, Bytes) {
    let response = router
        .oneshot(request)
        .await
        .expect("routers are infallible");
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.expect("response body");
    (Response::from_parts(parts, Body::empty()), bytes)
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

fn post(path: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap()
}

fn header_of<'a>(response: &'a Response<Body>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}: {:?}", response.headers()))
        .to_str()
        .unwrap()
}

/// Checks an error response: status, JSON content type, CORS header, request id, document.
fn assert_error(response: &Response<Body>, body: &[u8], status: StatusCode) -> String {
    assert_eq!(
        response.status(),
        status,
        "body: {}",
        String::from_utf8_lossy(body)
    );
    assert!(is_json_content_type(header_of(response, "content-type")));
    assert_eq!(header_of(response, "access-control-allow-origin"), "*");
    assert!(!header_of(response, "x-request-id").is_empty());
    assert_error_document(status.as_u16(), body)
}

fn fault_app() -> Router {
    app_with(&ServiceConfig {
        fault_routes: true,
        ..ServiceConfig::default()
    })
}

#[tokio::test]
async fn health_check_answers_ok_with_cors() {
    let (response, body) = send(app(), get("/api/v1/health_check")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(&body[..], br#"{"message":"ok"}"#);
    assert!(is_json_content_type(header_of(&response, "content-type")));
    assert_eq!(header_of(&response, "access-control-allow-origin"), "*");
    assert_eq!(
        header_of(&response, "access-control-expose-headers"),
        "x-request-id"
    );
}

#[tokio::test]
async fn head_health_check_has_no_body() {
    let request = Request::head("/api/v1/health_check")
        .body(Body::empty())
        .unwrap();
    let (response, body) = send(app(), request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(body.is_empty());
}

#[tokio::test]
async fn preflight_allows_any_origin_and_the_requested_headers() {
    for path in ["/api/v1/echo", "/api/v1/health_check", "/not/a/route"] {
        let request = Request::options(path)
            .header("origin", "https://app.example")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type,x-custom")
            .body(Body::empty())
            .unwrap();
        let (response, body) = send(app(), request).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        assert!(body.is_empty());
        assert_eq!(header_of(&response, "access-control-allow-origin"), "*");
        let methods = header_of(&response, "access-control-allow-methods");
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            assert!(methods.contains(method), "{methods}");
        }
        assert_eq!(
            header_of(&response, "access-control-allow-headers"),
            "content-type,x-custom"
        );
        assert_eq!(header_of(&response, "access-control-max-age"), "3600");
    }
}

#[tokio::test]
async fn cross_origin_requests_get_the_cors_header() {
    let request = Request::get("/api/v1/health_check")
        .header("origin", "https://elsewhere.example")
        .body(Body::empty())
        .unwrap();
    let (response, _) = send(app(), request).await;
    assert_eq!(header_of(&response, "access-control-allow-origin"), "*");
}

#[tokio::test]
async fn request_ids_are_kept_or_made() {
    let request = Request::get("/api/v1/health_check")
        .header("x-request-id", "client-chosen-id")
        .body(Body::empty())
        .unwrap();
    let (response, _) = send(app(), request).await;
    assert_eq!(header_of(&response, "x-request-id"), "client-chosen-id");

    let (first, _) = send(app(), get("/api/v1/health_check")).await;
    let (second, _) = send(app(), get("/api/v1/health_check")).await;
    let first = header_of(&first, "x-request-id");
    assert_eq!(first.len(), 36, "a UUID: {first}");
    assert_ne!(first, header_of(&second, "x-request-id"));
}

#[tokio::test]
async fn echo_returns_parsed_json() {
    let document = json!({"name": "Sandy Samantha Salamander", "tags": [1, 2.5, null, true], "nested": {"é": "ü"}});
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "application/vnd.api+json",
    ] {
        let (response, body) = send(
            app(),
            post("/api/v1/echo", content_type, document.to_string()),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{content_type}");
        assert!(is_json_content_type(header_of(&response, "content-type")));
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), document);
    }
}

#[tokio::test]
async fn echo_returns_parsed_form() {
    let (response, body) = send(
        app(),
        post(
            "/api/v1/echo",
            "application/x-www-form-urlencoded",
            "name=Sandy+Samantha&city=S%C3%A3o%20Paulo&tag=a&tag=b",
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"name": "Sandy Samantha", "city": "São Paulo", "tag": ["a", "b"]})
    );
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    let cases: [(&str, &[u8]); 7] = [
        ("application/json", b"{\"name\": "),
        ("application/json", b"{name: 1}"),
        ("application/json", b""),
        ("application/json", b"{\"a\":1} trailing"),
        ("application/json", b"\"\xff\xfe invalid utf-8\""),
        ("application/x-www-form-urlencoded", b"name=%FF%FE"),
        ("application/x-www-form-urlencoded", b"name=\xff"),
    ];
    for (content_type, bytes) in cases {
        let (response, body) =
            send(app(), post("/api/v1/echo", content_type, bytes.to_vec())).await;
        let message = assert_error(&response, &body, StatusCode::BAD_REQUEST);
        assert!(message.starts_with("malformed"), "{message}");
    }
}

#[tokio::test]
async fn unknown_routes_are_404() {
    for path in [
        "/",
        "/api",
        "/api/v1",
        "/api/v1/nope",
        "/health_check",
        "/api/v2/health_check",
    ] {
        let (response, body) = send(app(), get(path)).await;
        assert_error(&response, &body, StatusCode::NOT_FOUND);
    }
    // Fault routes exist only when configured.
    let (response, body) = send(app(), get("/api/v1/_fault/panic")).await;
    assert_error(&response, &body, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn wrong_methods_are_405_with_allow() {
    let cases = [
        (Method::POST, "/api/v1/health_check", "GET,HEAD"),
        (Method::DELETE, "/api/v1/health_check", "GET,HEAD"),
        (Method::GET, "/api/v1/echo", "POST"),
        (Method::PUT, "/api/v1/echo", "POST"),
    ];
    for (method, path, allow) in cases {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let (response, body) = send(app(), request).await;
        assert_error(&response, &body, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(header_of(&response, "allow"), allow);
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let limit = service::config::DEFAULT_BODY_LIMIT_BYTES;
    // Exactly at the limit is fine.
    let at_limit = format!("\"{}\"", "a".repeat(limit - 2));
    let (response, _) = send(app(), post("/api/v1/echo", "application/json", at_limit)).await;
    assert_eq!(response.status(), StatusCode::OK);

    // Over it, with a content-length (refused before reading)...
    let over = format!("\"{}\"", "a".repeat(limit - 1));
    let mut request = post("/api/v1/echo", "application/json", over.clone());
    request
        .headers_mut()
        .insert(header::CONTENT_LENGTH, over.len().into());
    let (response, body) = send(app(), request).await;
    let message = assert_error(&response, &body, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(message.contains(&limit.to_string()), "{message}");

    // ...and streamed without one (refused while reading).
    let chunks = (0..200).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b' '; 1024])));
    let streamed = Body::from_stream(futures_util::stream::iter(chunks));
    let (response, body) = send(app(), post("/api/v1/echo", "application/json", streamed)).await;
    assert_error(&response, &body, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let router = app_with(&ServiceConfig {
        body_limit_bytes: 16,
        ..ServiceConfig::default()
    });
    let (response, _) = send(
        router.clone(),
        post("/api/v1/echo", "application/json", "\"0123456789abcd\""),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (response, body) = send(
        router,
        post("/api/v1/echo", "application/json", "\"0123456789abcde\""),
    )
    .await;
    let message = assert_error(&response, &body, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(message.contains("16 bytes"), "{message}");
}

#[tokio::test]
async fn unsupported_media_types_are_415() {
    let cases = [
        Some("text/plain"),
        Some("text/html"),
        Some("multipart/form-data; boundary=x"),
        Some("application/json; charset=utf-16"),
        Some("application/json; charset=latin1"),
        Some("application/x-www-form-urlencoded; charset=iso-8859-1"),
        None,
    ];
    for content_type in cases {
        let mut request = Request::post("/api/v1/echo");
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let request = request.body(Body::from("{}")).unwrap();
        let (response, body) = send(app(), request).await;
        assert_error(&response, &body, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}

#[tokio::test]
async fn a_failing_handler_is_500_without_detail() {
    let (response, body) = send(fault_app(), get("/api/v1/_fault/error")).await;
    let message = assert_error(&response, &body, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(message, "internal server error");
}

#[tokio::test]
async fn a_panicking_handler_is_500_and_the_router_keeps_serving() {
    let router = fault_app();
    for _ in 0..3 {
        let (response, body) = send(router.clone(), get("/api/v1/_fault/panic")).await;
        let message = assert_error(&response, &body, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(message, "internal server error");
    }
    let (response, body) = send(router, get("/api/v1/health_check")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(&body[..], br#"{"message":"ok"}"#);
}
