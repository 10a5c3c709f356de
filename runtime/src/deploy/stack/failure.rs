//! Failure reporting: what failed in an operation, from the stack's events.

use aws_sdk_cloudformation::types::{Stack, StackEvent};

/// `STACK: deployment failed (STATUS): Resource (Type): reason; ...` from the failed
/// events, the causes first (the "cancelled" failures they caused last).
pub fn failure_message(name: &str, status: &str, stack: &Stack, events: &[StackEvent]) -> String {
    let mut failed: Vec<(String, String, String)> = Vec::new();
    for event in events {
        let event_status = event
            .resource_status()
            .map(|s| s.as_str())
            .unwrap_or_default();
        let logical = event.logical_resource_id().unwrap_or_default();
        if !event_status.ends_with("_FAILED") || logical == name {
            continue;
        }
        if failed.iter().any(|(l, _, _)| l == logical) {
            continue;
        }
        failed.push((
            logical.to_owned(),
            event.resource_type().unwrap_or_default().to_owned(),
            crate::deploy::error::one_line(
                event.resource_status_reason().unwrap_or("no reason given"),
            ),
        ));
    }
    let cancelled = |reason: &str| reason.contains("cancelled") || reason.contains("canceled");
    failed.sort_by_key(|(_, _, reason)| cancelled(reason));
    let what = if status.starts_with("DELETE") {
        "deletion"
    } else {
        "deployment"
    };
    let mut message = format!("{name}: {what} failed ({status})");
    if failed.is_empty() {
        if let Some(reason) = stack.stack_status_reason() {
            message.push_str(": ");
            message.push_str(&crate::deploy::error::one_line(reason));
        }
    } else {
        let parts: Vec<String> = failed
            .iter()
            .map(|(logical, kind, reason)| format!("{logical} ({kind}): {reason}"))
            .collect();
        message.push_str(": ");
        message.push_str(&parts.join("; "));
    }
    message
}
