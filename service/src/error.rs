//! The one error type of the service and its JSON shape.
//!
//! Every error response, whatever produced it (a handler, a body rejection, an unknown route, a
//! wrong method, a caught panic), is `{"error": {"status": N, "message": "..."}}` with
//! `content-type: application/json` and the status `N`.

use std::borrow::Cow;
use std::fmt;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The message of every 500: the cause is logged, never sent to the client.
const INTERNAL_MESSAGE: &str = "internal server error";

/// An error answered to the client as a JSON error document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    message: Cow<'static, str>,
}

impl ApiError {
    /// An error with this status and client-facing message.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    /// 400: the request body is not valid for its declared media type.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: no route matches the path.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "no route for this path")
    }

    /// 405: the path exists but not for this method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed for this path",
        )
    }

    /// 408: the request body did not arrive within the body read timeout.
    pub fn request_timeout() -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "the request body was not received in time",
        )
    }

    /// 413: the request body is larger than `limit_bytes`.
    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body is larger than the limit of {limit_bytes} bytes"),
        )
    }

    /// 415: the body's media type or charset is not one the route accepts.
    pub fn unsupported_media_type(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
    }

    /// 500 for a failure inside the service. `cause` is logged at error level (inside the
    /// request's span, so with its request id); the client only sees a generic message.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(cause = %cause, "request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_MESSAGE)
    }

    /// 500 without a cause to log, e.g. when a panic was caught (its message was logged already).
    pub(crate) fn internal_without_cause() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_MESSAGE)
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The client-facing message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The JSON document of this error.
    pub fn to_json(&self) -> String {
        let document = ErrorDocument {
            error: ErrorBody {
                status: self.status.as_u16(),
                message: &self.message,
            },
        };
        // Serializing two plain fields cannot fail.
        serde_json::to_string(&document).unwrap_or_default()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ApiError {}

/// The wire shape: `{"error": {"status": N, "message": "..."}}`.
#[derive(Serialize)]
struct ErrorDocument<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    status: u16,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.to_json()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// The router's fallback: every path without a route.
pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// The router's fallback for a known path with a method it has no handler for. axum still adds
/// the `Allow` header listing the methods that path has.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}
