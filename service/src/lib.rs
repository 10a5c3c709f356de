//! The example web service of pipewright: one axum [`Router`] that serves on AWS Lambda
//! (through `lambda_http`) and as a local HTTP server.
//!
//! It is the Rust counterpart of the original Express app: CORS for any origin, JSON and
//! `application/x-www-form-urlencoded` bodies, `GET /api/v1/health_check`, and errors that are
//! always JSON (`{"error": {"status": N, "message": "..."}}`). See `service/README.md`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
pub mod config;
pub mod error;
mod faults;
pub mod lambda;
pub mod local;
mod middleware;
mod routes;
pub mod telemetry;

use axum::Router;

pub use config::ServiceConfig;
pub use error::ApiError;

/// The path prefix under which every route of the API is mounted, as in the original app.
pub const API_PREFIX: &str = "/api/v1";

/// The service's router with the default configuration (100 KiB body limit, no fault routes).
pub fn app() -> Router {
    app_with(&ServiceConfig::default())
}

/// The service's router for `config`: the API routes, the JSON fallbacks for unknown routes and
/// wrong methods, and the middleware stack (CORS, request ids, request logging, panic catching,
/// body limit).
pub fn app_with(config: &ServiceConfig) -> Router {
    let mut api = routes::router();
    if config.fault_routes {
        api = api.merge(faults::router());
    }
    let router = Router::new()
        .nest(API_PREFIX, api)
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed);
    middleware::apply(router, config)
}
