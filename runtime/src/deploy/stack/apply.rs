//! Deploying one stack: the stack made updatable, the change set made, shown, refused
//! when it loses data that `--allow-replace` does not give up, approved and executed, the
//! execution followed to its end.

use aws_sdk_cloudformation::types::{ChangeSetType, Stack};
use serde_json::Value as Json;

use super::change_set::{
    create_change_set, discard_change_set, template_source, wait_for_change_set, ChangeSetResult,
};
use super::delete::delete_stack;
use super::events::{latest_event_id, wait, wait_until_stable};
use super::failure::failure_message;
use super::options::{DeployOptions, Outcome, StackSpec};
use super::protection::enable_termination_protection;
use super::state::{describe, outputs_of, state_of, status, succeeded, State};
use super::unchanged::{deployed_template, unchanged};
use crate::broadening::data_loss::StatefulTypes;
use crate::deploy::changes::{self, ResourceChange};
use crate::deploy::clients::Environment;
use crate::deploy::console::Console;
use crate::deploy::error::{Error, Result};
use crate::deploy::losses::{self, Loss};
use crate::deploy::runs::{self, Unexecuted};

/// Deploys one stack, and turns its termination protection on when `spec.protected` asks
/// for it and the stack does not have it yet (the setting outlives updates, so the stack
/// as found before the change tells).
pub async fn deploy_stack(
    env: &Environment,
    spec: &StackSpec,
    options: &DeployOptions,
    console: &Console,
) -> Result<Outcome> {
    let name = spec.name.as_str();
    let change_set_name = runs::change_set_name();
    runs::wait_for_other_runs(env, name, &change_set_name, options.poll_interval, console).await?;
    let current = updatable(env, name, options, console).await?;
    let protect = spec.protected
        && current
            .as_ref()
            .is_none_or(|s| s.enable_termination_protection() != Some(true));
    let outcome = deploy_change(env, spec, options, console, current, &change_set_name).await?;
    if protect {
        enable_termination_protection(env, name, console).await?;
    }
    Ok(outcome)
}

/// The stack as a change set can update it: another run's operation waited for, a failed
/// first create deleted (`None`: created again); a stack CloudFormation cannot update is an
/// error.
async fn updatable(
    env: &Environment,
    name: &str,
    options: &DeployOptions,
    console: &Console,
) -> Result<Option<Stack>> {
    let mut current = describe(env, name).await?;

    if let Some(stack) = &current {
        if state_of(status(stack)) == State::InProgress {
            console.note(&format!(
                "{name}: {} (another deployment, or an interrupted run): waiting for it",
                status(stack)
            ));
            wait_until_stable(env, stack, options, console).await?;
            current = describe(env, name).await?;
        }
    }
    if let Some(stack) = &current {
        match state_of(status(stack)) {
            State::RollbackComplete => {
                console.note(&format!(
                    "{name}: ROLLBACK_COMPLETE after a failed first create: deleting it to create it again"
                ));
                delete_stack(env, stack, options, console).await?;
                current = None;
            }
            State::Failed => {
                return Err(Error::msg(format!(
                    "{name}: the stack is {}{}: CloudFormation cannot update it until it is repaired (continue the rollback, or delete the stack)",
                    status(stack),
                    stack
                        .stack_status_reason()
                        .map(|r| format!(" ({})", crate::deploy::error::one_line(r)))
                        .unwrap_or_default()
                )));
            }
            _ => {}
        }
    }
    Ok(current)
}

/// Deploys the change of one stack (as [`updatable`] found it) through a change set
/// named `change_set_name`, unless nothing changed.
async fn deploy_change(
    env: &Environment,
    spec: &StackSpec,
    options: &DeployOptions,
    console: &Console,
    current: Option<Stack>,
    change_set_name: &str,
) -> Result<Outcome> {
    let name = spec.name.as_str();
    let exists = current
        .as_ref()
        .is_some_and(|s| state_of(status(s)) == State::Stable);

    if exists && !options.force {
        let stack = current.as_ref().expect("exists");
        if unchanged(env, spec, stack).await? {
            console.note(&format!("{name}: no changes"));
            return Ok(Outcome::NoChanges {
                outputs: outputs_of(stack),
            });
        }
    }

    let change_set_type = if exists {
        ChangeSetType::Update
    } else {
        ChangeSetType::Create
    };
    let template = template_source(env, spec, console).await?;
    let Some((change_set_id, stack_id)) =
        create_change_set(env, spec, change_set_name, &change_set_type, &template).await?
    else {
        console.note(&format!("{name}: no changes"));
        let outputs = current.as_ref().map(outputs_of).unwrap_or_default();
        return Ok(Outcome::NoChanges { outputs });
    };

    let unexecuted = Unexecuted::new(env, &change_set_id);
    let changes = match wait_for_change_set(env, name, &change_set_id, options).await? {
        ChangeSetResult::Empty => {
            unexecuted.disarm();
            let _ = env
                .clients
                .cloudformation
                .delete_change_set()
                .change_set_name(&change_set_id)
                .send()
                .await;
            console.note(&format!("{name}: no changes"));
            let outputs = current.as_ref().map(outputs_of).unwrap_or_default();
            return Ok(Outcome::NoChanges { outputs });
        }
        ChangeSetResult::Ready(changes) => changes,
    };
    let changes: Vec<ResourceChange> = changes
        .iter()
        .filter_map(ResourceChange::from_sdk)
        .collect();
    console.out(&changes::table(name, &changes));

    let lost = losses_of(env, spec, &changes).await?;
    if let Some(refused) = losses::refusal(name, &lost, &options.allow_replace) {
        unexecuted.disarm();
        discard_change_set(env, &change_set_id, (!exists).then_some(stack_id.as_str())).await;
        return Err(Error::msg(refused));
    }
    if let Err(refused) = approve(name, &options.approval.reasons(&changes), console).await {
        unexecuted.disarm();
        discard_change_set(env, &change_set_id, (!exists).then_some(stack_id.as_str())).await;
        return Err(refused);
    }

    let progress = console.stack(
        name,
        if exists { "update" } else { "create" },
        changes.len() as u64,
    );
    let baseline = latest_event_id(env, &stack_id).await?;
    console.set_in_flight(name, true);
    let executed = env
        .clients
        .cloudformation
        .execute_change_set()
        .change_set_name(&change_set_id)
        .send()
        .await;
    unexecuted.disarm();
    if let Err(e) = executed {
        console.set_in_flight(name, false);
        progress.finish("change set not executed");
        if runs::overtaken(&e) {
            return Err(runs::overtaken_error(name));
        }
        return Err(Error::aws(
            format!("{name}: cannot execute the change set"),
            &e,
        ));
    }
    let done = wait(
        env,
        name,
        &stack_id,
        baseline.as_deref(),
        &progress,
        options,
        console,
    )
    .await;
    console.set_in_flight(name, false);
    let done = done?;
    let final_status = status(&done.stack).to_owned();
    if !succeeded(&final_status) {
        progress.finish(&format!("failed ({final_status})"));
        let mut message = failure_message(name, &final_status, &done.stack, &done.events);
        if final_status == "ROLLBACK_COMPLETE" {
            message.push_str(" (the next deploy deletes the stack and creates it again)");
        }
        return Err(Error::msg(message));
    }
    progress.finish(&format!("{final_status} ({} changes)", changes.len()));
    Ok(Outcome::Deployed {
        changes,
        outputs: outputs_of(&done.stack),
    })
}

/// The changes that lose data, the deployed template read only when one may.
async fn losses_of(
    env: &Environment,
    spec: &StackSpec,
    changes: &[ResourceChange],
) -> Result<Vec<Loss>> {
    let stateful = StatefulTypes::new(&spec.stateful_types);
    if !changes
        .iter()
        .any(|c| losses::needs_deployed_template(stateful, c))
    {
        return Ok(Vec::new());
    }
    let deployed = deployed_template(env, &spec.name).await?;
    let new: Json = serde_json::from_str(&spec.template)
        .map_err(|e| Error::new(&spec.name, format!("the template is not JSON: {e}")))?;
    Ok(losses::losses(stateful, changes, deployed.as_ref(), &new))
}

/// Asks before executing changes that need an approval (`risks`: why they do); without a
/// terminal to ask, refuses them and names the flag that deploys without asking.
async fn approve(name: &str, risks: &[String], console: &Console) -> Result<()> {
    if risks.is_empty() {
        return Ok(());
    }
    let risks = risks.join("; ");
    if !console.can_ask() {
        return Err(Error::msg(format!(
            "{name}: the changes need approval ({risks}) and there is no terminal to ask: run it in a terminal, or pass `--require-approval never` to deploy without asking; nothing was deployed"
        )));
    }
    if console
        .confirm(&format!("{name}: {risks}. Deploy these changes?"))
        .await
    {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "{name}: changes not approved ({risks}); nothing was deployed"
        )))
    }
}
