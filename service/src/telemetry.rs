//! Logging: JSON lines on Lambda (CloudWatch parses them), human-readable lines locally.

use std::io::IsTerminal;
use std::str::FromStr;

use tracing::Subscriber;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::{self, MakeWriter};
use tracing_subscriber::prelude::*;

/// The filter used when `RUST_LOG` is unset: every request is logged at info.
const DEFAULT_FILTER: &str = "info";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line, with the request span's fields (method, path, request id).
    Json,
    /// Human-readable lines, coloured when stdout is a terminal.
    Human,
}

/// The service's subscriber: log lines in `format` written to `writer`, filtered by `RUST_LOG`
/// (target and level directives such as `info,tower_http=debug`; default `info`).
pub fn subscriber<W>(format: LogFormat, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| Targets::from_str(&directives).ok())
        .unwrap_or_else(|| Targets::from_str(DEFAULT_FILTER).expect("valid default filter"));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Json => Box::new(
            registry.with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(writer),
            ),
        ),
        LogFormat::Human => Box::new(
            registry.with(
                fmt::layer()
                    .with_target(false)
                    .with_ansi(std::io::stdout().is_terminal())
                    .with_writer(writer),
            ),
        ),
    }
}

/// Installs the global subscriber writing to stdout in `format` (see [`subscriber`]) and a
/// panic hook that logs panics through it, so a caught panic shows up as one log line of the
/// right format with the request's id. Call once, at start-up.
pub fn init(format: LogFormat) {
    tracing::subscriber::set_global_default(subscriber(format, std::io::stdout))
        .expect("init is called once");
    std::panic::set_hook(Box::new(|panic| {
        let location = panic
            .location()
            .map(|location| format!("{}:{}", location.file(), location.line()))
            .unwrap_or_default();
        let payload = panic.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("non-string panic payload");
        tracing::error!(panic.message = message, panic.location = %location, "handler panicked");
    }));
}
