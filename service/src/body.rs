//! Parsing of request bodies: the `ParsedBody` extractor turns a JSON or
//! `application/x-www-form-urlencoded` body into a JSON value, and every way a body can be
//! wrong into an [`ApiError`] (400, 413 or 415) instead of axum's plain-text rejections.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::error::ApiError;

/// How much of an over-limit body is still read (and thrown away) before the 413 is sent. A
/// client usually writes its whole body before it reads the answer: if the server answered and
/// closed the connection while the client was still writing, the client would see a reset or a
/// broken pipe instead of the 413 (what HTTP servers call a lingering close). Beyond this the
/// connection is closed without waiting.
const DISCARD_LIMIT_BYTES: u64 = 16 * 1024 * 1024;

/// What each frame of a discarded body counts against [`DISCARD_LIMIT_BYTES`] at the least. The
/// cost of reading a body is per frame as much as per byte: a chunked body of 1-byte chunks is
/// one frame per byte (and six bytes on the wire per byte of body), so counting only body bytes
/// let 16 Mi frames through, seconds of CPU. With this floor the allowance is at most 16 Ki
/// frames; a client writing large chunks still gets the full byte allowance.
const DISCARD_MIN_FRAME_CHARGE: u64 = 1024;

/// The media types the body-parsing routes accept.
const ACCEPTED: &str = "application/json or application/x-www-form-urlencoded (charset utf-8)";

/// A request body parsed according to its `content-type`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedBody(pub(crate) Value);

/// The body formats that `ParsedBody` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyFormat {
    Json,
    Form,
}

/// The body limits in force for this router, stored as a request extension by the middleware
/// (so that a 413 can name the size).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    pub(crate) bytes: usize,
    pub(crate) read_timeout: Duration,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            bytes: crate::config::DEFAULT_BODY_LIMIT_BYTES,
            read_timeout: crate::config::DEFAULT_BODY_READ_TIMEOUT,
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for ParsedBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let format = body_format(request.headers())?;
        let limits = request
            .extensions()
            .get::<BodyLimits>()
            .copied()
            .unwrap_or_default();
        let declared = declared_length(request.headers());
        let bytes = read_limited(request.into_body(), limits, declared).await?;
        let value = match format {
            BodyFormat::Json => parse_json(&bytes)?,
            BodyFormat::Form => parse_form(&bytes)?,
        };
        Ok(Self(value))
    }
}

/// Reads the whole body if it is at most `limits.bytes` bytes and arrives within
/// `limits.read_timeout` (408 otherwise); over the size, 413, after reading and discarding the
/// rest of the body up to [`DISCARD_LIMIT_BYTES`] or the same deadline. A declared length over
/// the limit is refused without buffering any of the body.
async fn read_limited(
    body: Body,
    limits: BodyLimits,
    declared: Option<u64>,
) -> Result<Vec<u8>, ApiError> {
    let limit = limits.bytes;
    let limit_u64 = limit as u64;
    let deadline = Instant::now() + limits.read_timeout;
    let mut body = body;
    if let Some(declared) = declared.filter(|declared| *declared > limit_u64) {
        if declared <= DISCARD_LIMIT_BYTES {
            discard(&mut body, 0, deadline).await;
        }
        return Err(ApiError::payload_too_large(limit));
    }
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(limit_u64) as usize);
    while let Some(data) = next_data(&mut body, deadline).await? {
        if (bytes.len() + data.len()) as u64 > limit_u64 {
            discard(&mut body, (bytes.len() + data.len()) as u64, deadline).await;
            return Err(ApiError::payload_too_large(limit));
        }
        bytes.extend_from_slice(&data);
    }
    Ok(bytes)
}

/// The next data frame of `body` (trailers are skipped), `None` at its end; 408 if `deadline`
/// passes first, 400 if the body cannot be read.
async fn next_data(body: &mut Body, deadline: Instant) -> Result<Option<Bytes>, ApiError> {
    loop {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .map_err(|_| ApiError::request_timeout())?;
        let Some(frame) = frame else {
            return Ok(None);
        };
        let frame =
            frame.map_err(|_| ApiError::bad_request("the request body could not be read"))?;
        if let Ok(data) = frame.into_data() {
            return Ok(Some(data));
        }
    }
}

/// Reads and drops the rest of `body` until it ends, fails, `deadline` passes, or its frames
/// have used up [`DISCARD_LIMIT_BYTES`] (`seen` of them already), each frame counting its length
/// but at least [`DISCARD_MIN_FRAME_CHARGE`].
async fn discard(body: &mut Body, mut seen: u64, deadline: Instant) {
    while seen <= DISCARD_LIMIT_BYTES {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                let length = frame.data_ref().map_or(0, |data| data.len() as u64);
                seen += length.max(DISCARD_MIN_FRAME_CHARGE);
            }
            _ => return,
        }
    }
}

/// Which format the `content-type` header announces, or 415 for anything else, including a
/// charset other than UTF-8 (the original app answered those with a 500).
fn body_format(headers: &HeaderMap) -> Result<BodyFormat, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .ok_or_else(|| {
            ApiError::unsupported_media_type(format!("missing content-type: expected {ACCEPTED}"))
        })?
        .to_str()
        .map_err(|_| {
            ApiError::unsupported_media_type(format!(
                "unreadable content-type: expected {ACCEPTED}"
            ))
        })?;
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let format = match essence.as_str() {
        "application/json" => BodyFormat::Json,
        "application/x-www-form-urlencoded" => BodyFormat::Form,
        other if other.starts_with("application/") && other.ends_with("+json") => BodyFormat::Json,
        _ => {
            return Err(ApiError::unsupported_media_type(format!(
                "unsupported content-type {essence:?}: expected {ACCEPTED}"
            )))
        }
    };
    for parameter in parts {
        let Some((name, value)) = parameter.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("charset") {
            let charset = value.trim().trim_matches('"');
            if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("utf8") {
                return Err(ApiError::unsupported_media_type(format!(
                    "unsupported charset {charset:?}: expected utf-8"
                )));
            }
        }
    }
    Ok(format)
}

/// The `content-length` the client declared, if it is a number.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// A JSON body, any JSON value; 400 with serde's position of the first error otherwise.
fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|error| ApiError::bad_request(format!("malformed JSON body: {error}")))
}

/// An `application/x-www-form-urlencoded` body as a JSON object of strings; a key given more
/// than once becomes an array of its values in order. The body and every decoded key and value
/// must be UTF-8 (400 otherwise); `+` is a space, and a `%` that starts no escape is kept as is,
/// as browsers and the WHATWG URL standard do.
fn parse_form(bytes: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request("malformed form body: not UTF-8"))?;
    let mut object = Map::new();
    for pair in text.split('&').filter(|pair| !pair.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_form_component(raw_key)?;
        let value = Value::String(decode_form_component(raw_value)?);
        match object.get_mut(&key) {
            None => {
                object.insert(key, value);
            }
            Some(Value::Array(values)) => values.push(value),
            Some(previous) => {
                let first = previous.take();
                *previous = Value::Array(vec![first, value]);
            }
        }
    }
    Ok(Value::Object(object))
}

/// Decodes one form key or value: `+` to space, then percent-escapes, which must yield UTF-8.
fn decode_form_component(raw: &str) -> Result<String, ApiError> {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| {
            ApiError::bad_request("malformed form body: an escape does not decode to UTF-8")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde_json::json;

    fn headers_with(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
        headers
    }

    #[test]
    fn content_types_map_to_formats() {
        assert_eq!(
            body_format(&headers_with("application/json")),
            Ok(BodyFormat::Json)
        );
        assert_eq!(
            body_format(&headers_with("Application/JSON; charset=UTF-8")),
            Ok(BodyFormat::Json)
        );
        assert_eq!(
            body_format(&headers_with("application/vnd.api+json")),
            Ok(BodyFormat::Json)
        );
        assert_eq!(
            body_format(&headers_with(
                "application/x-www-form-urlencoded; charset=\"utf-8\""
            )),
            Ok(BodyFormat::Form)
        );
        for refused in [
            "text/plain",
            "application/json; charset=utf-16",
            "multipart/form-data",
        ] {
            let error = body_format(&headers_with(refused)).unwrap_err();
            assert_eq!(error.status(), 415, "{refused}");
        }
        assert_eq!(body_format(&HeaderMap::new()).unwrap_err().status(), 415);
    }

    #[test]
    fn forms_decode_to_objects() {
        assert_eq!(
            parse_form(b"name=Sandy+Salamander&tag=a&tag=b%20c&tag=d&empty=&flag").unwrap(),
            json!({"name": "Sandy Salamander", "tag": ["a", "b c", "d"], "empty": "", "flag": ""})
        );
        assert_eq!(parse_form(b"").unwrap(), json!({}));
        assert_eq!(parse_form(b"pct=100%").unwrap(), json!({"pct": "100%"}));
        assert_eq!(parse_form(b"a=%FF").unwrap_err().status(), 400);
        assert_eq!(parse_form(b"a=\xff").unwrap_err().status(), 400);
    }

    #[test]
    fn json_errors_are_bad_requests() {
        assert_eq!(parse_json(b"{\"a\":1}").unwrap(), json!({"a": 1}));
        for malformed in [&b"{"[..], b"", b"{\"a\":}", b"\"\xff\""] {
            assert_eq!(parse_json(malformed).unwrap_err().status(), 400);
        }
    }
}
