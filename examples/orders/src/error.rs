//! The API's one error type, answered as `{"error": {"status": N, "message": "..."}}` with
//! `content-type: application/json`, as the example service (service/) answers its errors.

use std::fmt;

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// What the client sees of a 500: the cause is logged, not sent.
const INTERNAL_MESSAGE: &str = "internal server error";

/// An error answered to the client as a JSON error document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// 400: the request is not one the API can take.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: no order has this id.
    pub fn no_order(id: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("no order with id {id:?}"))
    }

    /// 500 for a failure of the service or of AWS: `cause` is logged, the client gets a
    /// generic message.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        tracing::error!(%cause, "request failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_MESSAGE)
    }

    /// The response's status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What the client is told.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let document = json!({"error": {"status": self.status.as_u16(), "message": self.message}});
        (self.status, Json(document)).into_response()
    }
}

/// A body that is not the JSON of an order. Valid JSON without a string `item` is a 400 too
/// (axum says 422): for the client it is the same mistake, a body this API cannot take. A
/// body that is not declared as JSON keeps axum's 415, and one too large its 413.
impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let status = match &rejection {
            JsonRejection::MissingJsonContentType(_) | JsonRejection::BytesRejection(_) => {
                rejection.status()
            }
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, rejection.body_text())
    }
}

/// A path segment that does not decode (invalid percent-encoding or UTF-8).
impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        ApiError::new(rejection.status(), rejection.body_text())
    }
}

/// The router's fallback: a path without a route.
pub async fn no_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no route for this path")
}

/// The router's fallback for a path that has routes, but not for this method (axum adds the
/// `Allow` header).
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed for this path",
    )
}
