//! Runs of `deploy` on the same stack at the same time.
//!
//! Each run names its change sets for itself ([`change_set_name`]), so no run ever deletes
//! or executes another's. Before preparing a change set, a run waits while another run's
//! change set of the stack is pending (being made, or made and not yet executed: that run
//! may be asking for an approval); executing one change set makes CloudFormation drop the
//! stack's others, so a run whose change set was overtaken says so instead of failing with
//! a raw error. A change set whose run was killed stops counting after [`ABANDONED_AFTER`];
//! a run interrupted with Ctrl-C deletes its own ([`Unexecuted`]). Seeing other runs' change
//! sets takes `cloudformation:ListChangeSets`, which the CDK's deploy role does not grant:
//! through that role, a run learns of another only when that one executes first.

use std::time::{Duration, SystemTime};

use aws_sdk_cloudformation::types::{ChangeSetStatus, ChangeSetSummary, ExecutionStatus};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::clients::Environment;
use super::console::Console;
use super::error::{Error, Result};

/// What the names of the change sets `deploy` makes start with.
pub const CHANGE_SET_PREFIX: &str = "pipewright-deploy-";

/// How old another run's pending change set may be and still hold this run back: a run
/// killed without a chance to clean up leaves one behind.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(15 * 60);

/// A change set name of this run: unique per process and moment (CloudFormation's names:
/// a letter, then letters, digits and hyphens, at most 128).
pub fn change_set_name() -> String {
    let since_epoch = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{CHANGE_SET_PREFIX}{}-{}-{}",
        since_epoch.as_secs(),
        since_epoch.subsec_millis(),
        std::process::id()
    )
}

/// Another run's change set that is still pending (made by `deploy`, not this run's, being
/// made or ready to execute, younger than [`ABANDONED_AFTER`]).
pub fn pending_of_another_run(summary: &ChangeSetSummary, own: &str, now: SystemTime) -> bool {
    let name = summary.change_set_name().unwrap_or_default();
    if !name.starts_with(CHANGE_SET_PREFIX) || name == own {
        return false;
    }
    let in_the_making = matches!(
        summary.status(),
        Some(ChangeSetStatus::CreatePending | ChangeSetStatus::CreateInProgress)
    );
    let ready = summary.status() == Some(&ChangeSetStatus::CreateComplete)
        && summary.execution_status() == Some(&ExecutionStatus::Available);
    let young = summary
        .creation_time()
        .and_then(|t| SystemTime::try_from(*t).ok())
        .is_none_or(|created| now.duration_since(created).unwrap_or_default() < ABANDONED_AFTER);
    (in_the_making || ready) && young
}

/// Waits while another run's change set of stack `name` is pending.
pub async fn wait_for_other_runs(
    env: &Environment,
    name: &str,
    own: &str,
    poll_interval: Duration,
    console: &Console,
) -> Result<()> {
    let mut announced = None::<String>;
    loop {
        let Some(other) = pending_change_set(env, name, own).await? else {
            return Ok(());
        };
        if announced.as_deref() != Some(other.as_str()) {
            console.note(&format!(
                "{name}: another deploy run prepared change set {other} and has not executed it yet: waiting for it (a change set counts as abandoned {} minutes after it was made; to go on now: aws cloudformation delete-change-set --stack-name {name} --change-set-name {other})",
                ABANDONED_AFTER.as_secs() / 60
            ));
            announced = Some(other);
        }
        tokio::time::sleep(poll_interval.min(Duration::from_secs(5))).await;
    }
}

/// The name of another run's pending change set of the stack, if there is one.
async fn pending_change_set(env: &Environment, name: &str, own: &str) -> Result<Option<String>> {
    let now = SystemTime::now();
    let mut pages = env
        .clients
        .cloudformation
        .list_change_sets()
        .stack_name(name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) if e.code() == Some("ValidationError") => return Ok(None),
            // The CDK's deploy role (bootstrap v18) may not list change sets: then a run
            // cannot see another's pending one, and learns of it only if that run executes
            // first ([`overtaken`]).
            Err(e) if matches!(e.code(), Some("AccessDenied" | "AccessDeniedException")) => {
                return Ok(None)
            }
            Err(e) => {
                return Err(Error::aws(
                    format!("{name}: cannot list the change sets"),
                    &e,
                ))
            }
        };
        let found = page
            .summaries()
            .iter()
            // Some implementations list every stack's change sets.
            .filter(|s| s.stack_name().is_none_or(|stack| stack == name))
            .find(|s| pending_of_another_run(s, own, now))
            .and_then(|s| s.change_set_name().map(str::to_owned));
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Whether a failed execution (or description) of this run's change set means another
/// run's execution overtook it: CloudFormation deletes, or marks obsolete, every other
/// change set of a stack when one is executed.
pub fn overtaken<E: ProvideErrorMetadata>(e: &E) -> bool {
    matches!(
        e.code(),
        Some("ChangeSetNotFound" | "ChangeSetNotFoundException" | "InvalidChangeSetStatus")
    )
}

/// The error of a run whose change set another run's execution overtook.
pub fn overtaken_error(name: &str) -> Error {
    Error::msg(format!(
        "{name}: another deploy run executed its change set while this one was being prepared: nothing of this run was deployed; run it again to deploy over the other run's changes"
    ))
}

/// A change set of this run that is not executed yet: deleted if the run stops before it
/// is (Ctrl-C drops the future that holds it), so that the next run does not wait for it.
pub struct Unexecuted {
    cloudformation: aws_sdk_cloudformation::Client,
    id: Option<String>,
}

impl Unexecuted {
    /// Guards change set `id` (an ARN).
    pub fn new(env: &Environment, id: &str) -> Unexecuted {
        Unexecuted {
            cloudformation: env.clients.cloudformation.clone(),
            id: Some(id.to_owned()),
        }
    }

    /// The change set is executed, or deleted by its run: nothing to clean up.
    pub fn disarm(mut self) {
        self.id = None;
    }
}

impl Drop for Unexecuted {
    fn drop(&mut self) {
        let (Some(id), Ok(runtime)) = (self.id.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let cloudformation = self.cloudformation.clone();
        // Best effort, in the time the command gives its runtime to shut down.
        runtime.spawn(async move {
            let _ = cloudformation
                .delete_change_set()
                .change_set_name(id)
                .send()
                .await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::DateTime;

    fn summary(
        name: &str,
        status: ChangeSetStatus,
        execution: ExecutionStatus,
        age: u64,
    ) -> ChangeSetSummary {
        let now = SystemTime::now();
        ChangeSetSummary::builder()
            .change_set_name(name)
            .status(status)
            .execution_status(execution)
            .creation_time(DateTime::from(now - Duration::from_secs(age)))
            .build()
    }

    #[test]
    fn names_are_valid_and_unique_per_process() {
        let name = change_set_name();
        assert!(name.starts_with(CHANGE_SET_PREFIX));
        assert!(name.len() <= 128);
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }

    #[test]
    fn only_young_pending_change_sets_of_other_runs_hold_a_run_back() {
        let now = SystemTime::now();
        let own = "pipewright-deploy-1-0-1";
        let ready = |name: &str, age| {
            summary(
                name,
                ChangeSetStatus::CreateComplete,
                ExecutionStatus::Available,
                age,
            )
        };
        assert!(pending_of_another_run(
            &ready("pipewright-deploy-2-0-2", 5),
            own,
            now
        ));
        assert!(pending_of_another_run(
            &summary(
                "pipewright-deploy-2-0-2",
                ChangeSetStatus::CreateInProgress,
                ExecutionStatus::Unavailable,
                1
            ),
            own,
            now
        ));
        // This run's own, another tool's, an abandoned one, executed or failed ones.
        assert!(!pending_of_another_run(&ready(own, 5), own, now));
        assert!(!pending_of_another_run(
            &ready("cdk-deploy-change-set", 5),
            own,
            now
        ));
        assert!(!pending_of_another_run(
            &ready("pipewright-deploy-2-0-2", ABANDONED_AFTER.as_secs() + 1),
            own,
            now
        ));
        assert!(!pending_of_another_run(
            &summary(
                "pipewright-deploy-2-0-2",
                ChangeSetStatus::CreateComplete,
                ExecutionStatus::ExecuteInProgress,
                5
            ),
            own,
            now
        ));
        assert!(!pending_of_another_run(
            &summary(
                "pipewright-deploy-2-0-2",
                ChangeSetStatus::Failed,
                ExecutionStatus::Unavailable,
                5
            ),
            own,
            now
        ));
    }
}
