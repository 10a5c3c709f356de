//! One stack through CloudFormation: its state, a change set, its execution, and the wait.
//!
//! - A stack another run left in progress (interrupted with Ctrl-C) is waited for, and so
//!   is a change set another run prepared and has not executed yet ([`super::runs`]).
//! - A stack left in `ROLLBACK_COMPLETE` by a failed first create is deleted, then created
//!   again (CloudFormation cannot update it; the CDK does the same).
//! - A stack whose deployed template and parameters are what would be deployed is not
//!   touched: "no changes" without a change set.
//! - Otherwise a change set (CREATE or UPDATE) is made and shown as a table; an empty one
//!   means "no changes" and is deleted; `--require-approval` asks before executing risky
//!   changes; the execution is followed event by event until the stack is stable; a failure
//!   names every failed resource with CloudFormation's reason.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudformation::types::{
    Capability, Change, ChangeSetStatus, ChangeSetType, Parameter, Stack, StackEvent, Tag,
};
use serde_json::Value as Json;

use super::changes::{self, Approval, ResourceChange};
use super::clients::Environment;
use super::console::{Console, StackProgress};
use super::error::{aws_reason, is_throttling, Error, Result};
use super::runs::{self, Unexecuted};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The largest template CloudFormation accepts inline (`TemplateBody`); larger ones are
/// uploaded to the asset bucket and passed by URL, as the CDK does.
pub const MAX_TEMPLATE_BODY: usize = 51_200;

/// Polls in a row that may stay throttled (after the SDK's own retries) before a wait
/// gives up.
const MAX_THROTTLED_POLLS: u32 = 10;

/// The tag every stack deployed by `deploy` carries, as the pipeline's change sets set it:
/// the pipeline it belongs to (how `diff` finds deployed stacks that the program no longer
/// has).
pub use crate::synth::PIPELINE_TAG;

/// A parameter value to pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParameterValue {
    /// This value.
    Value(String),
    /// The value the stack has now.
    Previous,
}

/// What to deploy as one stack.
#[derive(Clone, Debug)]
pub struct StackSpec {
    /// The stack name.
    pub name: String,
    /// The template, as JSON.
    pub template: String,
    /// Parameters to pass (the others take their defaults).
    pub parameters: Vec<(String, ParameterValue)>,
    /// Stack tags.
    pub tags: Vec<(String, String)>,
    /// Termination protection on (it is never turned off here).
    pub protected: bool,
}

/// How stacks are deployed.
#[derive(Clone, Debug)]
pub struct DeployOptions {
    /// When to ask before executing a change set.
    pub approval: Approval,
    /// How often CloudFormation is polled while it works.
    pub poll_interval: Duration,
    /// Go through a change set even when the deployed template is the same.
    pub force: bool,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            approval: Approval::Never,
            poll_interval: Duration::from_secs(2),
            force: false,
        }
    }
}

/// What deploying a stack did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do.
    NoChanges {
        /// The stack's outputs.
        outputs: Vec<(String, String)>,
    },
    /// A change set was executed.
    Deployed {
        /// What changed.
        changes: Vec<ResourceChange>,
        /// The stack's outputs.
        outputs: Vec<(String, String)>,
    },
}

impl Outcome {
    /// The stack's outputs.
    pub fn outputs(&self) -> &[(String, String)] {
        match self {
            Outcome::NoChanges { outputs } | Outcome::Deployed { outputs, .. } => outputs,
        }
    }
}

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

fn is_missing_stack<E>(e: &E) -> bool
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

/// Turns termination protection on for a deployed stack (a `protect: true` stage's): a
/// change set cannot.
async fn enable_termination_protection(
    env: &Environment,
    name: &str,
    console: &Console,
) -> Result<()> {
    env.clients
        .cloudformation
        .update_termination_protection()
        .stack_name(name)
        .enable_termination_protection(true)
        .send()
        .await
        .map_err(|e| Error::aws(format!("{name}: cannot turn termination protection on"), &e))?;
    console.note(&format!("{name}: termination protection on"));
    Ok(())
}

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
                        .map(|r| format!(" ({})", super::error::one_line(r)))
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

/// Deletes a change set that will not be executed, and, for a first deployment
/// (`new_stack`), the empty `REVIEW_IN_PROGRESS` stack that creating it made: nothing is
/// left behind. Best effort: a leftover change set stops holding runs back once abandoned,
/// and the next run creates a stack still in review like a new one.
async fn discard_change_set(env: &Environment, change_set_id: &str, new_stack: Option<&str>) {
    let cloudformation = &env.clients.cloudformation;
    let _ = cloudformation
        .delete_change_set()
        .change_set_name(change_set_id)
        .send()
        .await;
    if let Some(stack_id) = new_stack {
        let _ = cloudformation
            .delete_stack()
            .stack_name(stack_id)
            .send()
            .await;
    }
}

/// Waits until CloudFormation is done with a stack that another run (or an interrupted
/// one) started working on; returns the stack then.
pub async fn wait_until_stable(
    env: &Environment,
    stack: &Stack,
    options: &DeployOptions,
    console: &Console,
) -> Result<Stack> {
    let name = stack.stack_name().unwrap_or_default().to_owned();
    let id = stack.stack_id().unwrap_or(&name).to_owned();
    let progress = console.stack(&name, "waiting", 0);
    let baseline = latest_event_id(env, &id).await?;
    let done = wait(
        env,
        &name,
        &id,
        baseline.as_deref(),
        &progress,
        options,
        console,
    )
    .await?;
    progress.finish(&format!(
        "the operation in progress ended in {}",
        status(&done.stack)
    ));
    Ok(done.stack)
}

/// Whether deploying `spec` over the deployed stack would change nothing: the same
/// template (compared as JSON), no new parameter values, the same tags, and no
/// SSM-parameter-typed parameter that a resource or an output reads (its value may have
/// changed in SSM).
async fn unchanged(env: &Environment, spec: &StackSpec, stack: &Stack) -> Result<bool> {
    if status(stack) == "UPDATE_ROLLBACK_COMPLETE" {
        // The last update failed: go through a change set, which says what it would do.
        return Ok(false);
    }
    let ours: Json = serde_json::from_str(&spec.template)
        .map_err(|e| Error::new(&spec.name, format!("the template is not JSON: {e}")))?;
    if reads_ssm_parameters(&ours) {
        return Ok(false);
    }
    let deployed_params: BTreeMap<&str, &str> = stack
        .parameters()
        .iter()
        .map(|p| {
            (
                p.parameter_key().unwrap_or_default(),
                p.parameter_value().unwrap_or_default(),
            )
        })
        .collect();
    for (key, value) in &spec.parameters {
        if let ParameterValue::Value(v) = value {
            if deployed_params.get(key.as_str()) != Some(&v.as_str()) {
                return Ok(false);
            }
        }
    }
    let deployed_tags: BTreeMap<&str, &str> = stack
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))
        .collect();
    let our_tags: BTreeMap<&str, &str> = spec
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if deployed_tags != our_tags {
        return Ok(false);
    }
    let deployed = deployed_template(env, &spec.name).await?;
    Ok(deployed.as_ref() == Some(&ours))
}

/// The template a stack was deployed with (`GetTemplate`, original stage), parsed; `None`
/// when it is not JSON (YAML, from another tool) or there is no stack.
pub async fn deployed_template(env: &Environment, name: &str) -> Result<Option<Json>> {
    match env
        .clients
        .cloudformation
        .get_template()
        .stack_name(name)
        .template_stage(aws_sdk_cloudformation::types::TemplateStage::Original)
        .send()
        .await
    {
        Ok(o) => Ok(o
            .template_body()
            .and_then(|body| serde_json::from_str(body).ok())),
        Err(e) if is_missing_stack(&e) => Ok(None),
        Err(e) => Err(Error::aws(
            format!("{name}: cannot read the deployed template"),
            &e,
        )),
    }
}

/// Whether a template's resources, outputs or conditions read an SSM-typed parameter.
fn reads_ssm_parameters(template: &Json) -> bool {
    let ssm: Vec<&String> = template["Parameters"]
        .as_object()
        .map(|params| {
            params
                .iter()
                .filter(|(_, p)| {
                    p["Type"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("AWS::SSM::Parameter::Value"))
                })
                .map(|(name, _)| name)
                .collect()
        })
        .unwrap_or_default();
    if ssm.is_empty() {
        return false;
    }
    ["Resources", "Outputs", "Conditions"]
        .iter()
        .any(|section| {
            let text = template[*section].to_string();
            ssm.iter().any(|name| {
                text.contains(&format!("{{\"Ref\":\"{name}\"}}"))
                    || text.contains(&format!("${{{name}}}"))
            })
        })
}

/// The template as CloudFormation takes it: inline, or uploaded and by URL when too large.
enum TemplateSource {
    Body(String),
    Url(String),
}

async fn template_source(
    env: &Environment,
    spec: &StackSpec,
    console: &Console,
) -> Result<TemplateSource> {
    if spec.template.len() <= MAX_TEMPLATE_BODY {
        return Ok(TemplateSource::Body(spec.template.clone()));
    }
    let key = format!(
        "{}.json",
        super::archive::sha256_hex(spec.template.as_bytes())
    );
    let what = format!("{}: template ({} bytes)", spec.name, spec.template.len());
    let notes = |n: String| console.note(&n);
    if super::publish::look_up(env, &key).await? == super::publish::Remote::Missing {
        super::publish::upload(env, &key, &what, spec.template.clone().into_bytes(), &notes)
            .await?;
    }
    Ok(TemplateSource::Url(template_url(env, &key)))
}

/// The URL of an object of the asset bucket, in the form CloudFormation reads
/// (`https://s3.<region>.<suffix>/<bucket>/<key>`).
pub fn template_url(env: &Environment, key: &str) -> String {
    let names = env.names();
    let suffix = if names.partition() == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!(
        "https://s3.{}.{suffix}/{}/{key}",
        env.region,
        names.assets_bucket()
    )
}

/// Creates change set `change_set_name`; returns its id and the stack's id (`None`:
/// nothing to change).
async fn create_change_set(
    env: &Environment,
    spec: &StackSpec,
    change_set_name: &str,
    kind: &ChangeSetType,
    template: &TemplateSource,
) -> Result<Option<(String, String)>> {
    let mut request = env
        .clients
        .cloudformation
        .create_change_set()
        .stack_name(&spec.name)
        .change_set_name(change_set_name)
        .change_set_type(kind.clone())
        .description("pipewright deploy")
        .capabilities(Capability::CapabilityIam)
        .capabilities(Capability::CapabilityNamedIam)
        .capabilities(Capability::CapabilityAutoExpand);
    request = match template {
        TemplateSource::Body(body) => request.template_body(body),
        TemplateSource::Url(url) => request.template_url(url),
    };
    if let Some(role) = &env.execution_role {
        request = request.role_arn(role);
    }
    for (key, value) in &spec.parameters {
        let p = Parameter::builder().parameter_key(key);
        request = request.parameters(match value {
            ParameterValue::Value(v) => p.parameter_value(v).build(),
            ParameterValue::Previous => p.use_previous_value(true).build(),
        });
    }
    for (key, value) in &spec.tags {
        request = request.tags(Tag::builder().key(key).value(value).build());
    }
    match request.send().await {
        Ok(o) => Ok(Some((
            o.id().unwrap_or(change_set_name).to_owned(),
            o.stack_id().unwrap_or(&spec.name).to_owned(),
        ))),
        // What `UpdateStack` answers, and some CloudFormation implementations (moto)
        // answer for a change set too.
        Err(e)
            if e.message()
                .is_some_and(|m| m.contains("No updates are to be performed")) =>
        {
            Ok(None)
        }
        Err(e) => Err(Error::aws(
            format!("{}: cannot create a change set", spec.name),
            &e,
        )),
    }
}

pub(crate) enum ChangeSetResult {
    Empty,
    Ready(Vec<Change>),
}

/// Waits for a change set to be computed; returns its changes (every page).
pub(crate) async fn wait_for_change_set(
    env: &Environment,
    name: &str,
    change_set: &str,
    options: &DeployOptions,
) -> Result<ChangeSetResult> {
    let cfn = &env.clients.cloudformation;
    loop {
        let mut changes = Vec::new();
        let mut next: Option<String> = None;
        let status = loop {
            let page = cfn
                .describe_change_set()
                .change_set_name(change_set)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| {
                    if runs::overtaken(&e) {
                        runs::overtaken_error(name)
                    } else {
                        Error::aws(format!("{name}: cannot describe the change set"), &e)
                    }
                })?;
            let status = page.status().cloned();
            let reason = page.status_reason().unwrap_or_default().to_owned();
            changes.extend(page.changes().iter().cloned());
            next = page.next_token().map(str::to_owned);
            if next.is_none() || status != Some(ChangeSetStatus::CreateComplete) {
                break (status, reason);
            }
        };
        match status {
            (Some(ChangeSetStatus::CreateComplete), _) => {
                return Ok(ChangeSetResult::Ready(changes))
            }
            (Some(ChangeSetStatus::Failed), reason) => {
                if reason.contains("didn't contain changes")
                    || reason.contains("No updates are to be performed")
                {
                    return Ok(ChangeSetResult::Empty);
                }
                return Err(Error::msg(format!(
                    "{name}: the change set failed: {}",
                    super::error::one_line(&reason)
                )));
            }
            _ => tokio::time::sleep(options.poll_interval.min(Duration::from_secs(5))).await,
        }
    }
}

/// The most recent event of a stack (events newer than it belong to what follows).
pub(crate) async fn latest_event_id(env: &Environment, stack_id: &str) -> Result<Option<String>> {
    match env
        .clients
        .cloudformation
        .describe_stack_events()
        .stack_name(stack_id)
        .send()
        .await
    {
        Ok(o) => Ok(o
            .stack_events()
            .first()
            .and_then(|e| e.event_id())
            .map(str::to_owned)),
        Err(e) if is_missing_stack(&e) => Ok(None),
        Err(e) => Err(Error::aws(
            format!("{stack_id}: cannot read the stack's events"),
            &e,
        )),
    }
}

/// Events newer than `after`, oldest first (at most a few pages per poll).
async fn new_events(
    env: &Environment,
    stack_id: &str,
    after: Option<&str>,
) -> Result<Vec<StackEvent>> {
    let mut events = Vec::new();
    let mut next: Option<String> = None;
    'pages: for _ in 0..5 {
        let page = match env
            .clients
            .cloudformation
            .describe_stack_events()
            .stack_name(stack_id)
            .set_next_token(next.take())
            .send()
            .await
        {
            Ok(page) => page,
            Err(e) if is_missing_stack(&e) => break,
            Err(e) => {
                return Err(Error::aws(
                    format!("{stack_id}: cannot read the stack's events"),
                    &e,
                ))
            }
        };
        for event in page.stack_events() {
            if after.is_some() && event.event_id() == after {
                break 'pages;
            }
            events.push(event.clone());
        }
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    events.reverse();
    Ok(events)
}

/// A stack after an operation, and the events of the operation.
pub struct Finished {
    /// The stack as described at the end.
    pub stack: Stack,
    /// Every event since the operation started, oldest first.
    pub events: Vec<StackEvent>,
}

/// Follows a stack until CloudFormation is done with it, reporting its events.
pub(crate) async fn wait(
    env: &Environment,
    name: &str,
    stack_id: &str,
    baseline: Option<&str>,
    progress: &StackProgress,
    options: &DeployOptions,
    _console: &Console,
) -> Result<Finished> {
    let mut seen: Vec<StackEvent> = Vec::new();
    let mut last = baseline.map(str::to_owned);
    let mut first = true;
    let mut throttled = 0;
    loop {
        if !first {
            tokio::time::sleep(options.poll_interval).await;
        }
        first = false;
        let described = env
            .clients
            .cloudformation
            .describe_stacks()
            .stack_name(stack_id)
            .send()
            .await;
        let stack = match described {
            Ok(o) => o.stacks().first().cloned(),
            Err(e) if is_missing_stack(&e) => None,
            // Still throttled after the SDK's retries: CloudFormation is working anyway;
            // ask again at the next poll.
            Err(e) if is_throttling(&e) && throttled < MAX_THROTTLED_POLLS => {
                throttled += 1;
                continue;
            }
            Err(e) => return Err(Error::aws(format!("{name}: cannot describe the stack"), &e)),
        };
        throttled = 0;
        let events = new_events(env, stack_id, last.as_deref()).await?;
        for event in &events {
            progress.event(event);
        }
        if let Some(newest) = events.last() {
            last = newest.event_id().map(str::to_owned);
        }
        seen.extend(events);
        let Some(stack) = stack else {
            // Only a deletion makes a stack vanish: it is done.
            return Ok(Finished {
                stack: Stack::builder()
                    .stack_name(name)
                    .stack_status(aws_sdk_cloudformation::types::StackStatus::DeleteComplete)
                    .creation_time(aws_smithy_types::DateTime::from_secs(0))
                    .build(),
                events: seen,
            });
        };
        if state_of(status(&stack)) != State::InProgress {
            return Ok(Finished {
                stack,
                events: seen,
            });
        }
    }
}

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
            super::error::one_line(event.resource_status_reason().unwrap_or("no reason given")),
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
            message.push_str(&super::error::one_line(reason));
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

/// Deletes a stack and waits until it is gone.
pub async fn delete_stack(
    env: &Environment,
    stack: &Stack,
    options: &DeployOptions,
    console: &Console,
) -> Result<()> {
    let name = stack.stack_name().unwrap_or_default().to_owned();
    let id = stack.stack_id().unwrap_or(&name).to_owned();
    let total = 0;
    let progress = console.stack(&name, "delete", total);
    let baseline = latest_event_id(env, &id).await?;
    let mut request = env.clients.cloudformation.delete_stack().stack_name(&id);
    if let Some(role) = &env.execution_role {
        request = request.role_arn(role);
    }
    console.set_in_flight(&name, true);
    if let Err(e) = request.send().await {
        console.set_in_flight(&name, false);
        progress.finish("not deleted");
        return Err(Error::new(
            format!("{name}: cannot delete the stack"),
            aws_reason(&e),
        ));
    }
    let done = wait(
        env,
        &name,
        &id,
        baseline.as_deref(),
        &progress,
        options,
        console,
    )
    .await;
    console.set_in_flight(&name, false);
    let done = done?;
    let final_status = status(&done.stack).to_owned();
    if final_status != "DELETE_COMPLETE" {
        progress.finish(&format!("failed ({final_status})"));
        return Err(Error::msg(failure_message(
            &name,
            &final_status,
            &done.stack,
            &done.events,
        )));
    }
    progress.finish("deleted");
    Ok(())
}
