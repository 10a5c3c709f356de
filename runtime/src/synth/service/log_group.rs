//! The log groups of a service stack: a function's logs, an API's access logs.

use crate::cfn::resources::logs;
use crate::cfn::{Attributes, Handle, Metadata, RemovalPolicy, Template, TemplateError};

/// Days the function's logs and the APIs' access logs are kept.
const LOG_RETENTION_DAYS: i64 = 30;

/// Why the log groups use CloudWatch Logs' own encryption (checkov CKV_AWS_158).
const LOGS_ENCRYPTED_BY_SERVICE: (&str, &str) = (
    "CKV_AWS_158",
    "CloudWatch Logs encrypts every log group at rest; a customer-managed key per stack would cost a key per stage and stack for no reader that the service key does not already restrict",
);

/// A log group kept when its stack goes (its logs outlive a deletion), with the
/// retention every log group of a service stack has.
pub(super) fn retained_log_group(
    t: &mut Template,
    logical_id: String,
) -> Result<Handle<logs::LogGroup>, TemplateError> {
    t.add_with(
        logical_id,
        logs::LogGroup {
            retention_in_days: Some(LOG_RETENTION_DAYS.into()),
            ..logs::LogGroup::default()
        },
        Attributes::new()
            .removal_policy(RemovalPolicy::Retain)
            .metadata(Metadata::checkov_skips(&[LOGS_ENCRYPTED_BY_SERVICE])),
    )
}
