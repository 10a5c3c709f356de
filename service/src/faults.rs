//! Fault-injection routes, mounted only when [`crate::ServiceConfig::fault_routes`] is on: they
//! let the tests prove, on the router and on the real binary, that a failing or panicking
//! handler yields a JSON 500 without internal detail and that the process keeps serving.

use axum::routing::get;
use axum::Router;

use crate::error::ApiError;

/// The detail of the injected failure: tests check that it never reaches the client.
pub(crate) const SECRET_DETAIL: &str = "injected failure: secret detail";

/// `GET /_fault/error` and `GET /_fault/panic`.
pub(crate) fn router() -> Router {
    Router::new()
        .route("/_fault/error", get(failing_handler))
        .route("/_fault/panic", get(panicking_handler))
}

/// A handler whose work fails: the error's cause is logged and the client gets a plain 500.
async fn failing_handler() -> Result<(), ApiError> {
    let failure: Result<(), std::io::Error> = Err(std::io::Error::other(SECRET_DETAIL));
    failure.map_err(ApiError::internal)
}

/// A handler that panics: the panic is caught by the middleware and answered with a 500.
async fn panicking_handler() -> &'static str {
    panic!("{SECRET_DETAIL}")
}
