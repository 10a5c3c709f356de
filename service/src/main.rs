//! The service binary: under the Lambda runtime (when `AWS_LAMBDA_RUNTIME_API` is set) it
//! answers invocations through `lambda_http`; otherwise it serves the same router on
//! `127.0.0.1:$PORT` (default 3000) until Ctrl-C or SIGTERM.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use service::telemetry::{self, LogFormat};
use service::{lambda, local, ServiceConfig};

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
    if on_lambda {
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
    } else {
        let address = match local::address_from_env() {
            Ok(address) => address,
            Err(error) => {
                tracing::error!(%error, "invalid configuration");
                return ExitCode::FAILURE;
            }
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        if let Err(error) = runtime.block_on(local::serve(router, address)) {
            tracing::error!(%error, %address, "server failed");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
