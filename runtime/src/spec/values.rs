//! The values of the language: durations, Lambda architectures, and the defaults and
//! ranges of a lambda's and a pipeline's settings.

use std::fmt;

/// A length of time, whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration {
    secs: u64,
}

impl Duration {
    /// From seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Duration { secs }
    }

    /// In seconds.
    pub const fn as_secs(self) -> u64 {
        self.secs
    }

    /// Parses `<integer><unit>` as the language writes it: units `s`, `min`, `h`, `d`.
    pub fn from_value_and_unit(value: u64, unit: &str) -> Result<Self, String> {
        let factor = match unit {
            "s" => 1,
            "min" => 60,
            "h" => 3600,
            "d" => 86_400,
            "" => {
                return Err(
                    "expected a duration with a unit: `30s`, `5min`, `1h` or `4d`".into(),
                )
            }
            other => {
                return Err(format!(
                    "unknown duration unit `{other}`: expected `s`, `min`, `h` or `d` (as in `30s`, `5min`, `1h`, `4d`)"
                ))
            }
        };
        value
            .checked_mul(factor)
            .map(Duration::from_secs)
            .ok_or_else(|| "duration too large".to_owned())
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.secs {
            s if s != 0 && s % 86_400 == 0 => write!(f, "{}d", s / 86_400),
            s if s != 0 && s % 3600 == 0 => write!(f, "{}h", s / 3600),
            s if s != 0 && s % 60 == 0 => write!(f, "{}min", s / 60),
            s => write!(f, "{s}s"),
        }
    }
}

named_enum! {
    /// A Lambda instruction set.
    Architecture {
        /// x86-64.
        X86_64 = "x86_64",
        /// Graviton.
        Arm64 = "arm64",
    }
}

impl Architecture {
    /// The Rust target the function is built for (glibc, as `provided.al2023` runs it).
    pub fn rust_target(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64-unknown-linux-gnu",
            Architecture::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }
}

/// Default Lambda memory, MB.
pub const DEFAULT_MEMORY_MB: u32 = 2048;
/// Accepted Lambda memory, MB.
pub const MEMORY_RANGE_MB: std::ops::RangeInclusive<u64> = 128..=10240;
/// Default Lambda timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Accepted Lambda timeouts, seconds.
pub const TIMEOUT_RANGE_SECS: std::ops::RangeInclusive<u64> = 1..=900;
/// The default bootstrap qualifier, the same as the AWS CDK's.
pub const DEFAULT_QUALIFIER: &str = "hnb659fds";
/// Default API Gateway stage name, the same as the AWS CDK's.
pub const DEFAULT_API_STAGE: &str = "prod";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            Duration::from_value_and_unit(5, "min").unwrap().as_secs(),
            300
        );
        assert_eq!(
            Duration::from_value_and_unit(1, "h").unwrap().as_secs(),
            3600
        );
        assert_eq!(
            Duration::from_value_and_unit(4, "d").unwrap().as_secs(),
            4 * 86_400
        );
        assert_eq!(Duration::from_secs(14 * 86_400).to_string(), "14d");
        assert_eq!(Duration::from_secs(36 * 3600).to_string(), "36h");
        assert!(Duration::from_value_and_unit(1, "ms")
            .unwrap_err()
            .contains("unknown duration unit `ms`"));
        assert_eq!(Duration::from_secs(120).to_string(), "2min");
        assert_eq!(Duration::from_secs(61).to_string(), "61s");
    }
}
