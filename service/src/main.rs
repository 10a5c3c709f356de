//! The service binary: under the Lambda runtime (when `AWS_LAMBDA_RUNTIME_API` is set) it
//! answers invocations through `lambda_http`; otherwise it serves the same router on
//! `127.0.0.1:$PORT` (default 3000) until Ctrl-C or SIGTERM.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use service::config::ServerLimits;
use service::local::Stopped;
use service::telemetry::{self, LogFormat};
use service::{lambda, local, ServiceConfig};

/// jemalloc rather than glibc's malloc: after a flood of slow connections glibc kept much of the
/// memory they had used, jemalloc (with its background thread, see `serve_locally`) returns it
/// to the system. Measured in service/README.md. Not in the Lambda bundle (see Cargo.toml).
#[cfg(not(pipewright_lambda))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// How long the runtime waits for its tasks once the server has returned: a forced or expired
/// shutdown leaves connection tasks behind, which are dropped rather than waited for.
const RUNTIME_SHUTDOWN: Duration = Duration::from_millis(200);

fn main() -> ExitCode {
    let on_lambda = lambda::is_lambda_environment();
    telemetry::init(if on_lambda {
        LogFormat::Json
    } else {
        LogFormat::Human
    });
    let config = match ServiceConfig::from_env() {
        Ok(config) => config,
        Err(error) => {
            tracing::error!(%error, "invalid configuration");
            return ExitCode::FAILURE;
        }
    };
    let router = service::app_with(&config);
    if !on_lambda {
        return serve_locally(router);
    }
    // One invocation at a time per execution environment: a single-threaded runtime starts
    // faster and has nothing to gain from more threads.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(error) = runtime.block_on(lambda::run(router)) {
        tracing::error!(%error, "lambda runtime stopped");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Local mode: the server on `127.0.0.1:$PORT` with the limits from the environment. Exits 0
/// after a graceful or grace-expired shutdown, 1 when a second signal forced it.
fn serve_locally(router: axum::Router) -> ExitCode {
    let (address, limits) = match local::address_from_env()
        .and_then(|address| Ok((address, ServerLimits::from_env()?)))
    {
        Ok(settings) => settings,
        Err(error) => {
            tracing::error!(%error, "invalid configuration");
            return ExitCode::FAILURE;
        }
    };
    // Purging freed memory in the background, rather than only when the allocating threads
    // next allocate, is what gives it back after a flood, when those threads are idle.
    #[cfg(not(pipewright_lambda))]
    if let Err(error) = tikv_jemalloc_ctl::background_thread::write(true) {
        tracing::warn!(%error, "no background purging");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(local::serve(router, address, &limits));
    runtime.shutdown_timeout(RUNTIME_SHUTDOWN);
    match result {
        Ok(Stopped::Graceful | Stopped::GraceExpired(_)) => ExitCode::SUCCESS,
        Ok(Stopped::Forced) => ExitCode::FAILURE,
        Err(error) => {
            tracing::error!(%error, %address, "server failed");
            ExitCode::FAILURE
        }
    }
}
