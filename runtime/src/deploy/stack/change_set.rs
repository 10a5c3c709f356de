//! Change sets: the template passed inline or by URL, a change set created, waited for
//! until CloudFormation has computed it, or discarded.

use std::time::Duration;

use aws_sdk_cloudformation::types::{
    Capability, Change, ChangeSetStatus, ChangeSetType, Parameter, Tag,
};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::options::{DeployOptions, ParameterValue, StackSpec};
use crate::deploy::clients::Environment;
use crate::deploy::console::Console;
use crate::deploy::error::{Error, Result};
use crate::deploy::runs;

/// The largest template CloudFormation accepts inline (`TemplateBody`); larger ones are
/// uploaded to the asset bucket and passed by URL, as the CDK does.
pub const MAX_TEMPLATE_BODY: usize = 51_200;

/// The template as CloudFormation takes it: inline, or uploaded and by URL when too large.
pub(super) enum TemplateSource {
    Body(String),
    Url(String),
}

pub(super) async fn template_source(
    env: &Environment,
    spec: &StackSpec,
    console: &Console,
) -> Result<TemplateSource> {
    if spec.template.len() <= MAX_TEMPLATE_BODY {
        return Ok(TemplateSource::Body(spec.template.clone()));
    }
    let key = format!(
        "{}.json",
        crate::deploy::archive::sha256_hex(spec.template.as_bytes())
    );
    let what = format!("{}: template ({} bytes)", spec.name, spec.template.len());
    let notes = |n: String| console.note(&n);
    if crate::deploy::publish::look_up(env, &key).await? == crate::deploy::publish::Remote::Missing
    {
        crate::deploy::publish::upload(
            env,
            &key,
            &what,
            spec.template.clone().into_bytes(),
            &notes,
        )
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
pub(super) async fn create_change_set(
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
                    crate::deploy::error::one_line(&reason)
                )));
            }
            _ => tokio::time::sleep(options.poll_interval.min(Duration::from_secs(5))).await,
        }
    }
}

/// Deletes a change set that will not be executed, and, for a first deployment
/// (`new_stack`), the empty `REVIEW_IN_PROGRESS` stack that creating it made: nothing is
/// left behind. Best effort: a leftover change set stops holding runs back once abandoned,
/// and the next run creates a stack still in review like a new one.
pub(super) async fn discard_change_set(
    env: &Environment,
    change_set_id: &str,
    new_stack: Option<&str>,
) {
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
