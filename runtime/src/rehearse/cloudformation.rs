//! A CloudFormation action, as CodePipeline runs it: `CHANGE_SET_REPLACE` makes the named
//! change set from the template and configuration files of an input artifact, as the
//! action's role, for CloudFormation to run as the configuration's `RoleArn`;
//! `CHANGE_SET_EXECUTE` executes it, waits, and publishes the stack's outputs to the
//! action's namespace. A change set without changes is a success, as on CodePipeline.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter, Tag};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::Deserialize;

use super::context::{ActionResult, Context, Stop};
use super::definition::{account_of, Action};
use super::files;
use crate::deploy::clients::Environment;
use crate::deploy::error::Error;
use crate::deploy::stack::{self, ChangeSetResult, DeployOptions, State};

/// CloudFormation on the emulator answers at once: poll often.
fn options() -> DeployOptions {
    DeployOptions {
        poll_interval: Duration::from_millis(250),
        ..DeployOptions::default()
    }
}

/// Runs a CloudFormation action.
pub async fn run(ctx: &Context, action: &Action) -> ActionResult {
    match action.required("ActionMode")? {
        "CHANGE_SET_REPLACE" => replace(ctx, action).await,
        "CHANGE_SET_EXECUTE" => execute(ctx, action).await,
        other => Err(Stop::Failed(format!(
            "the CloudFormation action mode {other} is not rehearsed (pipewright's pipelines use CHANGE_SET_REPLACE and CHANGE_SET_EXECUTE)"
        ))),
    }
}

/// The action's environment: its region, as its role (else the pipeline's account admin).
async fn environment(ctx: &Context, action: &Action) -> Result<Environment, Stop> {
    let region = ctx.region_of(action.region.as_deref());
    let (account, keys) = match &action.role_arn {
        Some(role) => (
            account_of(role).unwrap_or(&ctx.account).to_owned(),
            ctx.accounts.assume(role).await?,
        ),
        None => (ctx.account.clone(), ctx.admin.clone()),
    };
    Ok(ctx.accounts.environment(&account, region, &keys))
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TemplateConfiguration {
    #[serde(default)]
    parameters: BTreeMap<String, String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// `Artifact::path/in/it` → the file's bytes.
async fn artifact_file(ctx: &Context, action: &Action, reference: &str) -> Result<Vec<u8>, Stop> {
    let (artifact, path) = reference
        .split_once("::")
        .ok_or_else(|| format!("`{reference}` is not of the form ArtifactName::path"))?;
    if !action.inputs.iter().any(|i| i == artifact) {
        return Err(Stop::Failed(format!(
            "`{reference}` names {artifact}, which is not an input artifact of the action"
        )));
    }
    let region = ctx.region_of(action.region.as_deref());
    let bytes = ctx.get_artifact(artifact, region).await?;
    files::read_from_zip(&bytes, path).map_err(|e| Stop::Failed(format!("{artifact}: {e}")))
}

async fn replace(ctx: &Context, action: &Action) -> ActionResult {
    let stack_name = action.required("StackName")?;
    let change_set = action.required("ChangeSetName")?;
    let template =
        String::from_utf8(artifact_file(ctx, action, action.required("TemplatePath")?).await?)
            .map_err(|_| "the template is not UTF-8".to_owned())?;
    let configuration: TemplateConfiguration = match action.config("TemplateConfiguration") {
        Some(reference) => serde_json::from_slice(&artifact_file(ctx, action, reference).await?)
            .map_err(|e| format!("the template configuration {reference} is not valid: {e}"))?,
        None => TemplateConfiguration::default(),
    };
    let mut parameters = configuration.parameters;
    if let Some(overrides) = action.config("ParameterOverrides") {
        let overrides: BTreeMap<String, String> = serde_json::from_str(&ctx.resolve(overrides)?)
            .map_err(|e| format!("ParameterOverrides is not a JSON object of strings: {e}"))?;
        parameters.extend(overrides);
    }
    let env = environment(ctx, action).await?;
    let kind = prepare_stack(ctx, &env, stack_name).await?;
    let cfn = &env.clients.cloudformation;
    // Replace: the change set of that name goes first, also of a stack still under review
    // (a first deployment that stopped at its approval); none is fine.
    let _ = cfn
        .delete_change_set()
        .stack_name(stack_name)
        .change_set_name(change_set)
        .send()
        .await;
    let mut request = cfn
        .create_change_set()
        .stack_name(stack_name)
        .change_set_name(change_set)
        .change_set_type(kind)
        .template_body(template);
    for capability in action.config("Capabilities").unwrap_or_default().split(',') {
        if !capability.trim().is_empty() {
            request = request.capabilities(Capability::from(capability.trim()));
        }
    }
    if let Some(role) = action.config("RoleArn") {
        request = request.role_arn(role);
    }
    for (key, value) in parameters {
        request = request.parameters(
            Parameter::builder()
                .parameter_key(key)
                .parameter_value(value)
                .build(),
        );
    }
    for (key, value) in configuration.tags {
        request = request.tags(Tag::builder().key(key).value(value).build());
    }
    let created = match request.send().await {
        Ok(created) => created,
        Err(e)
            if e.message()
                .is_some_and(|m| m.contains("No updates are to be performed")) =>
        {
            return Ok("no changes".to_owned());
        }
        Err(e) => {
            return Err(Error::aws(
                format!("{stack_name}: cannot create the change set {change_set}"),
                &e,
            )
            .into())
        }
    };
    let id = created.id().unwrap_or(change_set).to_owned();
    match stack::wait_for_change_set(&env, stack_name, &id, &options()).await? {
        ChangeSetResult::Empty => Ok(format!("{stack_name}: no changes")),
        ChangeSetResult::Ready(changes) => Ok(format!(
            "{stack_name}: change set {change_set} with {} changes",
            changes.len()
        )),
    }
}

/// Gets a stack ready for a change set: waits for one CloudFormation is working on,
/// deletes a failed first create (as CodePipeline's replace does), and says whether the
/// change set creates or updates it.
async fn prepare_stack(
    ctx: &Context,
    env: &Environment,
    name: &str,
) -> Result<ChangeSetType, Stop> {
    let mut current = stack::describe(env, name).await?;
    if let Some(found) = &current {
        if stack::state_of(stack::status(found)) == State::InProgress {
            stack::wait_until_stable(env, found, &options(), &ctx.console).await?;
            current = stack::describe(env, name).await?;
        }
    }
    Ok(
        match current.as_ref().map(|s| stack::state_of(stack::status(s))) {
            None | Some(State::Missing) | Some(State::Review) => ChangeSetType::Create,
            Some(State::RollbackComplete) => {
                let found = current.as_ref().expect("a stack");
                stack::delete_stack(env, found, &options(), &ctx.console).await?;
                ChangeSetType::Create
            }
            Some(State::Failed) => {
                return Err(Stop::Failed(format!(
                    "{name} is {}: CloudFormation cannot change it until it is repaired",
                    current.as_ref().map(stack::status).unwrap_or_default()
                )))
            }
            Some(_) => ChangeSetType::Update,
        },
    )
}

async fn execute(ctx: &Context, action: &Action) -> ActionResult {
    let stack_name = action.required("StackName")?;
    let change_set = action.required("ChangeSetName")?;
    let env = environment(ctx, action).await?;
    let cfn = &env.clients.cloudformation;
    let described = cfn
        .describe_change_set()
        .stack_name(stack_name)
        .change_set_name(change_set)
        .send()
        .await;
    let summary = match described {
        Err(e) => {
            return Err(Error::aws(
                format!("{stack_name}: no change set {change_set} to execute"),
                &e,
            )
            .into())
        }
        Ok(found) if found.status() == Some(&ChangeSetStatus::Failed) => {
            let reason = found.status_reason().unwrap_or_default();
            if !(reason.contains("didn't contain changes") || reason.contains("No updates")) {
                return Err(Stop::Failed(format!(
                    "{stack_name}: the change set {change_set} failed: {reason}"
                )));
            }
            format!("{stack_name}: no changes")
        }
        Ok(found) => {
            let changes = found.changes().len();
            run_change_set(
                ctx,
                &env,
                stack_name,
                found.change_set_id().unwrap_or(change_set),
            )
            .await?;
            if stack_name == ctx.pipeline_stack {
                ctx.mutated.store(true, Ordering::SeqCst);
            }
            format!("{stack_name}: {changes} changes deployed")
        }
    };
    let outputs = stack::describe(&env, stack_name)
        .await?
        .map(|s| stack::outputs_of(&s))
        .unwrap_or_default();
    if let Some(namespace) = &action.namespace {
        ctx.publish(namespace, outputs.into_iter().collect());
    }
    Ok(summary)
}

async fn run_change_set(
    ctx: &Context,
    env: &Environment,
    name: &str,
    change_set_id: &str,
) -> Result<(), Stop> {
    let stack_id = stack::describe(env, name)
        .await?
        .and_then(|s| s.stack_id().map(str::to_owned))
        .unwrap_or_else(|| name.to_owned());
    let baseline = stack::latest_event_id(env, &stack_id).await?;
    env.clients
        .cloudformation
        .execute_change_set()
        .change_set_name(change_set_id)
        .send()
        .await
        .map_err(|e| Error::aws(format!("{name}: cannot execute the change set"), &e))?;
    let progress = ctx.console.stack(name, "execute", 0);
    let done = stack::wait(
        env,
        name,
        &stack_id,
        baseline.as_deref(),
        &progress,
        &options(),
        &ctx.console,
    )
    .await?;
    let status = stack::status(&done.stack).to_owned();
    if !stack::succeeded(&status) {
        progress.finish(&format!("failed ({status})"));
        return Err(Stop::Failed(stack::failure_message(
            name,
            &status,
            &done.stack,
            &done.events,
        )));
    }
    progress.finish(&status);
    Ok(())
}
