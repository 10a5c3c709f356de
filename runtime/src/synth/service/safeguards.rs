//! What the stateful blocks share: how they outlive a removal from the program (or a
//! replacement), and the statement by which queues and buckets refuse requests without
//! TLS.

use crate::cfn::{ConditionOperator, Principal, RemovalPolicy, Statement, Value};
use crate::spec::Removal;

/// CloudFormation's `DeletionPolicy` and `UpdateReplacePolicy` for a block's `removal`.
pub(super) fn removal_policy(removal: Removal) -> RemovalPolicy {
    match removal {
        Removal::Retain => RemovalPolicy::Retain,
        Removal::Destroy => RemovalPolicy::Delete,
    }
}

/// Denies everyone every action on the resources over a connection without TLS (CDK's
/// `enforceSSL`).
pub(super) fn deny_insecure_transport(action: &str, resources: Vec<Value<String>>) -> Statement {
    Statement::deny([action])
        .principal(Principal::Aws(vec!["*".into()]))
        .on(resources)
        .when(ConditionOperator::Bool, "aws:SecureTransport", "false")
}
