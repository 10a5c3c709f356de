//! The error of a deployment command: one line that says what failed (the stack, the
//! resource, the asset, the environment) and why.

use std::fmt;

#[cfg(feature = "aws")]
use aws_smithy_types::error::{display::DisplayErrorContext, metadata::ProvideErrorMetadata};

/// Why a command failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A failure, described in one line.
    Failed(String),
    /// The user interrupted the command (Ctrl-C). CloudFormation finishes what it was
    /// doing; the next run waits for it.
    Interrupted(String),
    /// The command stopped at a step that needs a person (a manual approval) and there
    /// was no terminal to ask: nothing failed.
    Waiting(String),
}

impl Error {
    /// A failure: `what` failed because of `why`.
    pub fn new(what: impl fmt::Display, why: impl fmt::Display) -> Self {
        Error::Failed(one_line(&format!("{what}: {why}")))
    }

    /// A failure described by one message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Error::Failed(one_line(&message.to_string()))
    }

    #[cfg(feature = "aws")]
    /// A failed AWS call: `what` failed, with the service's error code and message, or the
    /// transport's reason (connection refused, timeout, ...).
    pub fn aws<E>(what: impl fmt::Display, error: &E) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        Error::new(what, aws_reason(error))
    }

    /// The exit status this error maps to: 130 for an interruption (as a shell reports
    /// SIGINT), 3 for a wait for a person, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Failed(_) => 1,
            Error::Waiting(_) => 3,
            Error::Interrupted(_) => 130,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Failed(m) | Error::Interrupted(m) | Error::Waiting(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(feature = "aws")]
/// The reason of a failed AWS call in one line: `Code: message` for a service error,
/// otherwise the chain of causes (`dispatch failure: ... Connection refused`).
pub fn aws_reason<E>(error: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => one_line(&format!("{code}: {message}")),
        (Some(code), None) => code.to_owned(),
        _ => causes(error),
    }
}

#[cfg(feature = "aws")]
/// The chain of an error's causes, `: `-separated, each once (transport errors repeat
/// their cause in their own message).
pub fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let text = one_line(&e.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    if parts.is_empty() {
        one_line(&DisplayErrorContext(error).to_string())
    } else {
        parts.join(": ")
    }
}

#[cfg(feature = "aws")]
/// Whether an error is CloudFormation's or STS's "slow down": worth waiting and asking
/// again rather than failing.
pub fn is_throttling<E: ProvideErrorMetadata>(error: &E) -> bool {
    matches!(
        error.code(),
        Some(
            "Throttling"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "TooManyRequestsException"
        )
    )
}

/// Joins the lines of a message, so that an error is always one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The result of a deployment step.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_one_line() {
        let e = Error::new("Stack-A", "first line\n  second line");
        assert_eq!(e.to_string(), "Stack-A: first line second line");
        assert_eq!(e.exit_code(), 1);
        assert_eq!(Error::Interrupted("x".into()).exit_code(), 130);
    }
}
