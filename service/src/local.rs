//! The local HTTP server: the same router on `127.0.0.1:$PORT`, stopped gracefully on Ctrl-C
//! or SIGTERM.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use tokio::net::TcpListener;

/// The port used when `PORT` is unset.
pub const DEFAULT_PORT: u16 = 3000;

/// The address to listen on: loopback, port `$PORT` (default 3000; `0` picks a free port).
pub fn address_from_env() -> Result<SocketAddr, crate::config::ConfigError> {
    let port = match std::env::var("PORT") {
        Ok(value) => value
            .trim()
            .parse()
            .map_err(|_| crate::config::ConfigError {
                variable: "PORT",
                value,
                expected: "a port number from 0 to 65535",
            })?,
        Err(_) => DEFAULT_PORT,
    };
    Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
}

/// Binds `address` and serves `router` until Ctrl-C or SIGTERM; in-flight requests are let to
/// finish. Logs `listening on http://ADDRESS` once bound (tests and benchmarks wait for it).
pub async fn serve(router: Router, address: SocketAddr) -> io::Result<()> {
    let listener = TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    tracing::info!("listening on http://{bound}");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("shut down");
    Ok(())
}

/// Resolves on the first Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
