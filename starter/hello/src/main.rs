//! The service: one axum router, answering AWS Lambda invocations through `lambda_http` when
//! the Lambda runtime starts it, and serving plain HTTP on `127.0.0.1:$PORT` (default 3000)
//! otherwise, so that `cargo run -p hello` is the same app on your machine.

use std::net::{Ipv4Addr, SocketAddr};

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The routes: add yours here.
fn app() -> Router {
    Router::new()
        .route("/", get(hello))
        .route("/health", get(|| async { "ok" }))
}

async fn hello() -> Json<Value> {
    Json(json!({ "message": "hello from pipewright" }))
}

fn main() -> Result<(), Error> {
    let on_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    if on_lambda {
        // An API Gateway REST API puts its stage in the path (`/prod/health`); this tells
        // lambda_http to leave it out, so that the routes are the same on Lambda and locally.
        // Set here, before any thread exists, because Lambda reserves `AWS_LAMBDA_*` names in
        // a function's configuration.
        std::env::set_var("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true");
    }
    // One request at a time on Lambda: a single-threaded runtime starts faster.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if on_lambda {
        runtime.block_on(lambda_http::run(app()))
    } else {
        runtime.block_on(serve_locally())
    }
}

/// The local server; it prints its address (`PORT=0` picks a free port).
async fn serve_locally() -> Result<(), Error> {
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|e| format!("PORT={port} is not a port number: {e}"))?,
        Err(_) => 3000,
    };
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app()).await?;
    Ok(())
}
