//! Runtime configuration of the service, read from the environment by the binary.

use std::env;

/// The default request body limit: 100 KiB, the original Express app's `100kb`.
pub const DEFAULT_BODY_LIMIT_BYTES: usize = 100 * 1024;

/// How the router is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Largest request body, in bytes, that the body-parsing routes accept; a larger one is
    /// answered with 413.
    pub body_limit_bytes: usize,
    /// Whether the fault-injection routes (`GET /api/v1/_fault/panic` and
    /// `GET /api/v1/_fault/error`) are mounted. Off by default; tests turn them on to prove that
    /// a panicking or failing handler yields a JSON 500 and the process keeps serving.
    pub fault_routes: bool,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: DEFAULT_BODY_LIMIT_BYTES,
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
