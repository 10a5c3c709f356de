//! The API routes, mounted under [`crate::API_PREFIX`].

use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;

use crate::body::ParsedBody;

/// `GET /health_check` and `POST /echo`.
pub(crate) fn router() -> Router {
    Router::new()
        .route("/health_check", get(health_check))
        .route("/echo", post(echo))
}

/// The health check's answer, `{"message":"ok"}` as in the original app.
#[derive(Serialize)]
struct HealthStatus {
    message: &'static str,
}

/// `GET /api/v1/health_check` → `200 {"message":"ok"}`.
async fn health_check() -> Json<HealthStatus> {
    Json(HealthStatus { message: "ok" })
}

/// `POST /api/v1/echo` → the parsed JSON or form body, as JSON.
async fn echo(ParsedBody(body): ParsedBody) -> Json<Value> {
    Json(body)
}
