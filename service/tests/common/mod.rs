//! Helpers shared by the service's integration tests.
#![allow(dead_code)] // each test crate uses a different subset

use serde_json::Value;

pub mod process;

/// The detail that the fault-injection routes put in their failure; it must never reach a
/// client.
pub const SECRET_DETAIL: &str = "secret detail";

/// Checks that `body` is the service's error document for `status`:
/// `{"error": {"status": status, "message": <non-empty string>}}` and nothing else, and that it
/// leaks no internal detail. Returns the message.
pub fn assert_error_document(status: u16, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let document: Value = serde_json::from_slice(body)
        .unwrap_or_else(|error| panic!("error body is not JSON ({error}): {text}"));
    let object = document.as_object().expect("error document is an object");
    assert_eq!(object.len(), 1, "only the `error` key: {text}");
    let error = document["error"].as_object().expect("`error` is an object");
    assert_eq!(error.len(), 2, "only `status` and `message`: {text}");
    assert_eq!(
        error["status"],
        Value::from(status),
        "status in the body: {text}"
    );
    let message = error["message"].as_str().expect("message is a string");
    assert!(!message.is_empty(), "message is not empty");
    assert!(
        !text.contains(SECRET_DETAIL),
        "internal detail leaked: {text}"
    );
    assert!(!text.contains("panicked"), "panic leaked: {text}");
    message.to_owned()
}

/// Whether a content-type header value is JSON.
pub fn is_json_content_type(value: &str) -> bool {
    value.split(';').next().unwrap_or_default().trim() == "application/json"
}
