//! Runtime configuration of the service, read from the environment by the binary.

use std::env;
use std::str::FromStr;
use std::time::Duration;

/// The default request body limit: 100 KiB, the original Express app's `100kb`.
pub const DEFAULT_BODY_LIMIT_BYTES: usize = 100 * 1024;

/// The default time a client has to send a whole request body.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How the router is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Largest request body, in bytes, that the body-parsing routes accept; a larger one is
    /// answered with 413.
    pub body_limit_bytes: usize,
    /// How long a body-parsing route waits for the whole request body (and for the rest of an
    /// over-limit one that it reads to throw away); 408 when it is not in by then. Bounds
    /// clients that send a body slowly, which the local server's keep-alive timeout does not
    /// (a byte every few seconds keeps a connection active).
    pub body_read_timeout: Duration,
    /// Whether the fault-injection routes (`GET /api/v1/_fault/panic` and
    /// `GET /api/v1/_fault/error`) are mounted. Off by default; tests turn them on to prove that
    /// a panicking or failing handler yields a JSON 500 and the process keeps serving.
    pub fault_routes: bool,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: DEFAULT_BODY_LIMIT_BYTES,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            fault_routes: false,
        }
    }
}

/// A configuration variable whose value could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// Its value.
    pub value: String,
    /// What was expected instead.
    pub expected: &'static str,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}={:?} is not valid: expected {}",
            self.variable, self.value, self.expected
        )
    }
}

impl std::error::Error for ConfigError {}

impl ServiceConfig {
    /// The environment variable that sets [`ServiceConfig::body_limit_bytes`].
    pub const BODY_LIMIT_VAR: &'static str = "SERVICE_BODY_LIMIT_BYTES";
    /// The environment variable that sets [`ServiceConfig::body_read_timeout`], in seconds.
    pub const BODY_READ_TIMEOUT_VAR: &'static str = "SERVICE_BODY_READ_TIMEOUT_SECS";
    /// The environment variable that sets [`ServiceConfig::fault_routes`] (`1` or `true`).
    pub const FAULT_ROUTES_VAR: &'static str = "SERVICE_FAULT_ROUTES";

    /// Reads the configuration from the environment, with the defaults for unset variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut config = Self::default();
        if let Ok(value) = env::var(Self::BODY_LIMIT_VAR) {
            config.body_limit_bytes = value.trim().parse().map_err(|_| ConfigError {
                variable: Self::BODY_LIMIT_VAR,
                value: value.clone(),
                expected: "a number of bytes",
            })?;
        }
        config.body_read_timeout = env_seconds(
            Self::BODY_READ_TIMEOUT_VAR,
            config.body_read_timeout,
            "a whole number of seconds, at least 1",
        )?;
        if let Ok(value) = env::var(Self::FAULT_ROUTES_VAR) {
            config.fault_routes = match value.trim() {
                "1" | "true" => true,
                "" | "0" | "false" => false,
                _ => {
                    return Err(ConfigError {
                        variable: Self::FAULT_ROUTES_VAR,
                        value,
                        expected: "1, true, 0 or false",
                    })
                }
            };
        }
        Ok(config)
    }
}

/// Limits of the local server (`src/local.rs`) against slow and hostile clients. Lambda mode
/// does not use them: API Gateway and ALB hold the client connections there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    /// Most connections served at once. Beyond it the server stops accepting (new clients wait
    /// in the kernel's backlog) until a connection ends. `None` (the default):
    /// [`ServerLimits::DEFAULT_MAX_CONNECTIONS`], lowered at start-up to fit the process's
    /// descriptor limit; a number set explicitly is used as it is (with a warning if it does
    /// not fit: past the limit accepts fail and are retried after a pause).
    pub max_connections: Option<usize>,
    /// How long a client has to send a complete request head, counted from the moment the
    /// server waits for one: after the connection is accepted, and after each response on a
    /// kept-alive connection. Bounds clients that send slowly or nothing at all.
    pub header_read_timeout: Duration,
    /// How long a connection may see no bytes in either direction before it is closed (after
    /// the exchange in progress, if any; if it stays silent as long again, at once).
    pub keep_alive_timeout: Duration,
    /// Largest request head (request line and headers), in bytes; a larger one gets 431. Also
    /// the cap of each connection's read buffer, which bounds memory per connection.
    pub max_head_bytes: usize,
    /// How long a graceful shutdown waits for open connections before the process exits
    /// anyway. A second Ctrl-C or SIGTERM stops it at once.
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_connections: None,
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
            max_head_bytes: 64 * 1024,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl ServerLimits {
    /// The connection cap when none is set.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
    /// The variable that sets [`ServerLimits::max_connections`].
    pub const MAX_CONNECTIONS_VAR: &'static str = "SERVICE_MAX_CONNECTIONS";
    /// The variable that sets [`ServerLimits::header_read_timeout`], in seconds.
    pub const HEADER_READ_TIMEOUT_VAR: &'static str = "SERVICE_HEADER_READ_TIMEOUT_SECS";
    /// The variable that sets [`ServerLimits::keep_alive_timeout`], in seconds.
    pub const KEEP_ALIVE_TIMEOUT_VAR: &'static str = "SERVICE_KEEP_ALIVE_TIMEOUT_SECS";
    /// The variable that sets [`ServerLimits::max_head_bytes`].
    pub const MAX_HEAD_BYTES_VAR: &'static str = "SERVICE_MAX_HEAD_BYTES";
    /// The variable that sets [`ServerLimits::shutdown_grace`], in seconds.
    pub const SHUTDOWN_GRACE_VAR: &'static str = "SERVICE_SHUTDOWN_GRACE_SECS";
    /// The smallest head limit hyper's connection buffer allows.
    pub const MIN_HEAD_BYTES: usize = 8192;

    /// Reads the limits from the environment, with the defaults for unset variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let seconds = "a whole number of seconds, at least 1";
        Ok(Self {
            max_connections: match env::var_os(Self::MAX_CONNECTIONS_VAR) {
                None => defaults.max_connections,
                Some(_) => Some(env_number(
                    Self::MAX_CONNECTIONS_VAR,
                    Self::DEFAULT_MAX_CONNECTIONS,
                    1,
                    "a number of connections, at least 1",
                )?),
            },
            header_read_timeout: env_seconds(
                Self::HEADER_READ_TIMEOUT_VAR,
                defaults.header_read_timeout,
                seconds,
            )?,
            keep_alive_timeout: env_seconds(
                Self::KEEP_ALIVE_TIMEOUT_VAR,
                defaults.keep_alive_timeout,
                seconds,
            )?,
            max_head_bytes: env_number(
                Self::MAX_HEAD_BYTES_VAR,
                defaults.max_head_bytes,
                Self::MIN_HEAD_BYTES,
                "a number of bytes, at least 8192",
            )?,
            shutdown_grace: env_seconds(
                Self::SHUTDOWN_GRACE_VAR,
                defaults.shutdown_grace,
                seconds,
            )?,
        })
    }
}

/// `variable` as a number of at least `min`, or `default` when unset.
fn env_number<T: FromStr + PartialOrd>(
    variable: &'static str,
    default: T,
    min: T,
    expected: &'static str,
) -> Result<T, ConfigError> {
    let Ok(value) = env::var(variable) else {
        return Ok(default);
    };
    match value.trim().parse::<T>() {
        Ok(number) if number >= min => Ok(number),
        _ => Err(ConfigError {
            variable,
            value,
            expected,
        }),
    }
}

/// `variable` as whole seconds (at least 1), or `default` when unset.
fn env_seconds(
    variable: &'static str,
    default: Duration,
    expected: &'static str,
) -> Result<Duration, ConfigError> {
    env_number(variable, default.as_secs(), 1, expected).map(Duration::from_secs)
}
