//! Where a stack stands: described, its status classified, its outputs.

use aws_sdk_cloudformation::types::{Stack, StackResourceSummary};

use crate::deploy::clients::Environment;
use crate::deploy::error::{Error, Result};

/// Where a stack stands, for a deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// There is no stack (or only a deleted one).
    Missing,
    /// A stack made for a change set that was never executed: created like a new one.
    Review,
    /// CloudFormation is working on it.
    InProgress,
    /// A failed first create, rolled back: it can only be deleted.
    RollbackComplete,
    /// Stuck: CloudFormation needs a person (continue a rollback, retry a delete).
    Failed,
    /// Stable, updatable.
    Stable,
}

/// Classifies a CloudFormation stack status.
pub fn state_of(status: &str) -> State {
    match status {
        "DELETE_COMPLETE" => State::Missing,
        "REVIEW_IN_PROGRESS" => State::Review,
        "ROLLBACK_COMPLETE" => State::RollbackComplete,
        s if s.ends_with("_IN_PROGRESS") => State::InProgress,
        s if s.ends_with("_FAILED") => State::Failed,
        _ => State::Stable,
    }
}

/// Whether a final status means the operation succeeded.
pub(crate) fn succeeded(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE" | "DELETE_COMPLETE"
    )
}

/// The stack of this name, if there is one (a deleted stack is none).
pub async fn describe(env: &Environment, name: &str) -> Result<Option<Stack>> {
    match env
        .clients
        .cloudformation
        .describe_stacks()
        .stack_name(name)
        .send()
        .await
    {
        Ok(o) => Ok(o
            .stacks()
            .first()
            .filter(|s| s.stack_status().map(|st| st.as_str()) != Some("DELETE_COMPLETE"))
            .cloned()),
        Err(e) if is_missing_stack(&e) => Ok(None),
        Err(e) => Err(Error::aws(format!("{name}: cannot describe the stack"), &e)),
    }
}

/// Every resource of the stack (`ListStackResources`, every page).
pub async fn resources(env: &Environment, name: &str) -> Result<Vec<StackResourceSummary>> {
    env.clients
        .cloudformation
        .list_stack_resources()
        .stack_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<_, _>>()
        .await
        .map_err(|e| Error::aws(format!("{name}: cannot list the stack's resources"), &e))
}

pub(super) fn is_missing_stack<E>(e: &E) -> bool
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    e.code() == Some("ValidationError") && e.message().is_some_and(|m| m.contains("does not exist"))
}

pub(crate) fn status(stack: &Stack) -> &str {
    stack.stack_status().map(|s| s.as_str()).unwrap_or_default()
}

/// The outputs of a described stack.
pub fn outputs_of(stack: &Stack) -> Vec<(String, String)> {
    stack
        .outputs()
        .iter()
        .map(|o| {
            (
                o.output_key().unwrap_or_default().to_owned(),
                o.output_value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}
