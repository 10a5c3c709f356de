//! Reading a Lambda event before `lambda_http` converts it into a request.
//!
//! `lambda_http` (1.3) converts an event it has deserialized without checking it, and panics on
//! what it cannot convert (`request.rs`): `Url::parse(..).unwrap()` and
//! `.expect("failed to build request")` on the URI it builds from the Host header (or the
//! context's domain name), `X-Forwarded-Proto`, the path with its stage and, for HTTP API
//! events, the raw query string; `.expect("failed to decode aws base64 encoded body")` on a body
//! marked base64 that is not. The Lambda console's own API Gateway test event is one such event:
//! its Host, `1234567890.execute-api.{dns_suffix}`, makes an invalid URI. An event it cannot
//! deserialize at all (a header name or value that is not HTTP, an invalid method) fails the
//! invocation instead.
//!
//! So each event is deserialized here, and the fields that the conversion depends on are
//! checked the way the conversion uses them; an event that fails is rejected with the reason,
//! which the caller answers with a JSON 400. The checks mirror `lambda_http` 1.3's conversion:
//! `tests/lambda_events.rs` feeds every known failure through both this module and
//! `lambda_http`, so an upgrade that changes the conversion shows up there.

use std::borrow::Cow;
use std::str::FromStr;

use axum::http::uri::{Authority, PathAndQuery};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use lambda_http::aws_lambda_events::alb::AlbTargetGroupRequest;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use lambda_http::request::LambdaRequest;
use serde_json::Value;

/// Why an event cannot be served, as the client-facing message of the 400.
pub(crate) type Reason = Cow<'static, str>;

/// An event that cannot be turned into a request: its source, whose response shape the answer
/// takes, and why.
#[derive(Debug)]
pub(crate) struct Rejected {
    pub(crate) source: Source,
    pub(crate) reason: Reason,
}

/// Where an event comes from, as far as the shape of its response goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// API Gateway REST API (v1); also the answer to what comes from nowhere known, as HTTP APIs
    /// and function URLs accept that shape too.
    RestApi,
    /// API Gateway HTTP API (v2) and function URLs.
    HttpApi,
    /// Application Load Balancer.
    Alb,
}

impl Source {
    /// An event of this source with nothing in it: it converts into `GET /` without fail, and
    /// its response takes the shape this source expects.
    pub(crate) fn empty_event(self) -> LambdaRequest {
        match self {
            Self::RestApi => LambdaRequest::ApiGatewayV1(ApiGatewayProxyRequest::default()),
            Self::HttpApi => LambdaRequest::ApiGatewayV2(ApiGatewayV2httpRequest::default()),
            Self::Alb => LambdaRequest::Alb(AlbTargetGroupRequest::default()),
        }
    }
}

/// Deserializes `text` as `lambda_http` does and checks that it converts into a request.
pub(crate) fn read(text: &str) -> Result<LambdaRequest, Rejected> {
    let Ok(event) = serde_json::from_str::<LambdaRequest>(text) else {
        let value: Value = serde_json::from_str(text).unwrap_or_default();
        return Err(Rejected {
            source: source_like(&value),
            reason: why_unreadable(&value),
        });
    };
    match check(&event) {
        Ok(()) => Ok(event),
        Err(reason) => Err(Rejected {
            source: source_of(&event),
            reason,
        }),
    }
}

/// Checks what `lambda_http`'s conversion of `event` unwraps: the URI and the body.
fn check(event: &LambdaRequest) -> Result<(), Reason> {
    match event {
        LambdaRequest::ApiGatewayV1(event) => {
            check_path(event.path.as_deref())?;
            let host = host(&event.headers).or(event.request_context.domain_name.as_deref());
            let path = path_with_stage(event.request_context.stage.as_deref(), &event.path);
            check_uri(host, &event.headers, &path, None)?;
            check_body(event.is_base64_encoded, event.body.as_deref())
        }
        LambdaRequest::ApiGatewayV2(event) => {
            check_path(event.raw_path.as_deref())?;
            let host = host(&event.headers).or(event.request_context.domain_name.as_deref());
            let path = path_with_stage(event.request_context.stage.as_deref(), &event.raw_path);
            let query = event.raw_query_string.as_deref();
            check_uri(host, &event.headers, &path, query)?;
            check_body(event.is_base64_encoded, event.body.as_deref())
        }
        LambdaRequest::Alb(event) => {
            check_path(event.path.as_deref())?;
            let path = event.path.clone().unwrap_or_default();
            check_uri(host(&event.headers), &event.headers, &path, None)?;
            check_body(event.is_base64_encoded, event.body.as_deref())
        }
        // Sources this service does not enable (`lambda_http` features).
        _ => Ok(()),
    }
}

/// The Host header as `lambda_http` reads it.
fn host(headers: &HeaderMap) -> Option<&str> {
    headers.get(axum::http::header::HOST)?.to_str().ok()
}

/// The path `lambda_http` puts in the URI of an API Gateway event: the stage in front unless it
/// is there already, it is `$default`, or `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set.
fn path_with_stage(stage: Option<&str>, path: &Option<String>) -> String {
    let path = path.as_deref().unwrap_or_default();
    match stage {
        _ if std::env::var_os("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_some() => path.into(),
        None | Some("$default") => path.into(),
        Some(stage) if path.starts_with(&format!("/{stage}/")) => path.into(),
        Some(stage) => format!("/{stage}{path}"),
    }
}

/// The event's own path (before any stage) must be absolute and free of control characters:
/// `lambda_http` would run a relative one into the host or the stage, and percent-encode control
/// characters, serving another path than the one sent.
fn check_path(path: Option<&str>) -> Result<(), Reason> {
    let path = path.unwrap_or_default();
    if !path.is_empty() && !path.starts_with('/') || path.chars().any(char::is_control) {
        return Err("the request path is not a valid path".into());
    }
    Ok(())
}

/// Checks each part of the URI, then the URI that `lambda_http` builds from them (the query
/// of REST and ALB events is re-encoded by `lambda_http` and cannot break it; the raw query
/// of HTTP API events is appended as it is).
fn check_uri(
    host: Option<&str>,
    headers: &HeaderMap,
    path: &str,
    raw_query: Option<&str>,
) -> Result<(), Reason> {
    if host.is_some_and(|host| Authority::from_str(host).is_err()) {
        return Err("the Host header is not a valid host".into());
    }
    let query = raw_query.filter(|query| !query.is_empty());
    if query.is_some_and(|query| PathAndQuery::from_str(&format!("/?{query}")).is_err()) {
        return Err("the query string is not a valid query".into());
    }
    let mut uri = match host {
        None => {
            url::Url::parse(&format!("http://localhost{path}")).map(|url| url.path().to_owned())
        }
        Some(host) => {
            let scheme = headers
                .get("x-forwarded-proto")
                .and_then(|value| value.to_str().ok())
                .unwrap_or("https");
            url::Url::parse(&format!("{scheme}://{host}{path}")).map(String::from)
        }
    }
    .map_err(|_| "the request URL (host, X-Forwarded-Proto or path) is not valid")?;
    if let Some(query) = query {
        uri.push('?');
        uri.push_str(query);
    }
    Uri::from_str(&uri).map_err(|_| "the request URL is not a valid URI")?;
    Ok(())
}

/// A body marked base64 must decode.
fn check_body(is_base64_encoded: bool, body: Option<&str>) -> Result<(), Reason> {
    use base64::Engine;
    match body {
        Some(body) if is_base64_encoded => base64::engine::general_purpose::STANDARD
            .decode(body)
            .map(drop)
            .map_err(|_| "the body is marked base64 but is not valid base64".into()),
        _ => Ok(()),
    }
}

/// The source of a deserialized event.
fn source_of(event: &LambdaRequest) -> Source {
    match event {
        LambdaRequest::ApiGatewayV2(_) => Source::HttpApi,
        LambdaRequest::Alb(_) => Source::Alb,
        _ => Source::RestApi,
    }
}

/// The source an undeserializable event looks like: an ALB context, or an HTTP API's
/// `rawPath`/`requestContext.http`; anything else is taken for a REST API event.
fn source_like(value: &Value) -> Source {
    let context = &value["requestContext"];
    if context.get("elb").is_some() {
        Source::Alb
    } else if value.get("rawPath").is_some() || context.get("http").is_some() {
        Source::HttpApi
    } else {
        Source::RestApi
    }
}

/// Why an event did not deserialize, as far as can be told without echoing its content.
fn why_unreadable(value: &Value) -> Reason {
    for key in ["headers", "multiValueHeaders"] {
        if let Some(reason) = value[key].as_object().and_then(bad_header) {
            return reason;
        }
    }
    let method = value["httpMethod"]
        .as_str()
        .or_else(|| value["requestContext"]["http"]["method"].as_str());
    if method.is_some_and(|method| Method::from_bytes(method.as_bytes()).is_err()) {
        return "the HTTP method is not a valid method".into();
    }
    "the event is not an HTTP request from API Gateway, a function URL or a load balancer".into()
}

/// The first header of `headers` (a JSON object of strings or arrays of strings) whose name or
/// value HTTP does not allow.
fn bad_header(headers: &serde_json::Map<String, Value>) -> Option<Reason> {
    for (name, values) in headers {
        if HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Some("a header name is not a valid HTTP header name".into());
        }
        let values = match values {
            Value::Array(values) => values.iter().collect(),
            value => vec![value],
        };
        let invalid = values.iter().any(|value| {
            value
                .as_str()
                .is_some_and(|value| HeaderValue::from_str(value).is_err())
        });
        if invalid {
            return Some(
                format!("the value of header {name} is not a valid HTTP header value").into(),
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_put_in_front_of_paths_like_lambda_http_does() {
        let path = |path: &str| Some(path.to_owned());
        assert_eq!(path_with_stage(Some("prod"), &path("/a")), "/prod/a");
        assert_eq!(path_with_stage(Some("prod"), &path("/prod/a")), "/prod/a");
        assert_eq!(path_with_stage(Some("$default"), &path("/a")), "/a");
        assert_eq!(path_with_stage(None, &None), "");
    }

    #[test]
    fn paths_are_absolute_without_control_characters() {
        assert!(check_path(None).is_ok());
        assert!(check_path(Some("/a/b%20c")).is_ok());
        for path in ["a/b", "/a\u{1}", "/a\u{7f}", "/a\nb"] {
            assert!(check_path(Some(path)).is_err(), "{path:?}");
        }
    }

    #[test]
    fn uris_are_checked_part_by_part() {
        let headers = HeaderMap::new();
        assert!(check_uri(Some("a.example"), &headers, "/x", Some("a=1")).is_ok());
        assert!(check_uri(None, &headers, "", None).is_ok());
        for (host, path, query) in [
            (Some("1234567890.execute-api.{dns_suffix}"), "/x", None),
            (Some("a b"), "/x", None),
            (Some("h:99999"), "/x", None),
            (None, "/x", Some("a b")),
            (None, "/x", Some("a=\u{7f}")),
        ] {
            assert!(
                check_uri(host, &headers, path, query).is_err(),
                "{host:?} {path:?} {query:?}"
            );
        }
    }
}
