//! Checks of the AWS settings before anything is sent: every mistake of configuration is
//! one line that says what to fix, never a panic of the SDK or a dump of a request.
//!
//! - An empty environment variable is unset ([`unset_empty_variables`]): `AWS_REGION=`
//!   means "no region given", as a shell user expects, not a region named "".
//! - `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` must be `http(s)://HOST[:PORT]...`.
//! - The region (`--region`, `AWS_REGION`, the profile's) must look like an AWS region.
//! - A profile that is named (`--profile`, `AWS_PROFILE`) must exist in the shared config or
//!   credentials file.

use std::borrow::Cow;

use aws_types::os_shim_internal::{Env, Fs};

use super::error::{Error, Result};

/// The prefix of the endpoint variables: `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`.
const ENDPOINT_VARIABLE: &str = "AWS_ENDPOINT_URL";

/// Removes every empty variable from the process's environment, so that the SDK, which
/// reads the environment itself, treats it as unset (an empty `AWS_ENDPOINT_URL` panics
/// inside the SDK).
///
/// Call it before any other thread runs: changing the environment while another thread
/// reads it is a data race.
pub fn unset_empty_variables() {
    let empty: Vec<_> = std::env::vars_os()
        .filter(|(_, value)| value.is_empty())
        .map(|(name, _)| name)
        .collect();
    for name in empty {
        std::env::remove_var(name);
    }
}

/// Checks every endpoint variable of the environment (`AWS_ENDPOINT_URL`,
/// `AWS_ENDPOINT_URL_<SERVICE>`).
pub fn check_endpoint_variables() -> Result<()> {
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str().filter(|n| n.starts_with(ENDPOINT_VARIABLE)) else {
            continue;
        };
        let value = value.to_string_lossy();
        if let Some(problem) = endpoint_problem(&value) {
            return Err(Error::msg(format!(
                "{name}=`{}` is not an endpoint URL ({problem}): set it to http(s)://HOST[:PORT], or unset it",
                shorten(&value)
            )));
        }
    }
    Ok(())
}

/// Checks the endpoint of the configuration (from the environment or the profile).
pub fn check_endpoint(url: &str) -> Result<()> {
    match endpoint_problem(url) {
        Some(problem) => Err(Error::msg(format!(
            "the endpoint URL `{}` of the AWS configuration is not a URL ({problem}): fix the profile's endpoint_url or AWS_ENDPOINT_URL",
            shorten(url)
        ))),
        None => Ok(()),
    }
}

/// What is wrong with an endpoint URL (`None`: nothing).
pub fn endpoint_problem(url: &str) -> Option<&'static str> {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Some("it must start with http:// or https://");
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains spaces or control characters");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Some("it has no host");
    }
    if authority.contains('@') {
        return Some("it must not hold a user name");
    }
    let (host, port) = split_port(authority);
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':'))
    {
        return Some("its host is not a host name or an IP address");
    }
    match port {
        Some(port) if port.parse::<u16>().is_err() => Some("its port is not a number up to 65535"),
        _ => None,
    }
}

/// `host:port` into the host and the port (IPv6 hosts are bracketed).
fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => (&authority[..i], Some(&authority[i + 1..])),
        _ => (authority, None),
    }
}

/// Whether a name looks like an AWS region (`us-west-2`, `eu-central-1`,
/// `us-gov-west-1`): `^[a-z]{2}(-[a-z]+)+-\d+$`.
pub fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let lower = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    parts.len() >= 3
        && parts[0].len() == 2
        && lower(&parts[0])
        && parts[1..parts.len() - 1].iter().all(lower)
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks a region of the configuration; `source` says where it came from.
pub fn check_region(region: &str, source: &str) -> Result<()> {
    if is_region_name(region) {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "`{}` ({source}) is not an AWS region: give one like us-west-2",
            shorten(region)
        )))
    }
}

/// Checks that a named profile exists in the shared config or credentials file
/// (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and
/// `~/.aws/credentials`); `source` says where the name came from.
pub async fn check_profile(name: &str, source: &str) -> Result<()> {
    let profiles = aws_config::profile::load(
        &Fs::real(),
        &Env::real(),
        // The standard files (the SDK's `EnvConfigFiles::default()`).
        &Default::default(),
        Some(Cow::Owned(name.to_owned())),
    )
    .await
    .map_err(|e| {
        Error::msg(format!(
            "cannot read the AWS config and credentials files for profile `{name}` ({source}): {e}"
        ))
    })?;
    if profiles.get_profile(name).is_some() {
        return Ok(());
    }
    Err(Error::msg(format!(
        "the AWS profile `{}` ({source}) is in neither the shared config file nor the credentials file: name one of theirs, or create it with `aws configure --profile {}`",
        shorten(name),
        shorten(name)
    )))
}

/// A value as it is shown in a message: at most 80 characters.
fn shorten(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        format!("{}...", value.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_look_like_regions() {
        for ok in [
            "us-west-2",
            "eu-central-1",
            "us-gov-west-1",
            "ap-southeast-10",
        ] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in [
            "",
            "not a region!!",
            "us-west",
            "US-WEST-2",
            "usa-west-2",
            "us--2",
            "us-west-2a",
            "us-west-2 ",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
        let error = check_region("not a region!!", "--region").unwrap_err();
        assert_eq!(
            error.to_string(),
            "`not a region!!` (--region) is not an AWS region: give one like us-west-2"
        );
    }

    #[test]
    fn endpoints_are_urls() {
        for ok in [
            "http://127.0.0.1:5000",
            "https://cloudformation.us-west-2.amazonaws.com",
            "http://localhost:4566/",
            "http://[::1]:5000",
        ] {
            assert_eq!(endpoint_problem(ok), None, "{ok}");
        }
        for bad in [
            "garbage",
            "ftp://host",
            "http://",
            "http://host:port",
            "http://host:99999",
            "http://ho st",
            "http://user@host",
            "http://h%st",
        ] {
            assert!(endpoint_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn long_values_are_shortened() {
        assert_eq!(shorten("short"), "short");
        assert_eq!(shorten(&"x".repeat(500)).len(), 83);
    }
}
