//! The service stack of one `stack` block in one stage: per lambda the "approved lambda"
//! (function, `Current` alias, error alarm, CodeDeploy canary that rolls back on the
//! alarm), per api a REST API proxying every path and method to its handler's alias.
//!
//! Where the AWS CDK's output for the original app is wrong, this is not: the root path
//! is proxied too (the CDK gives it a MOCK integration), the CORS preflight is answered
//! (the CDK silently drops it), the stage's environment reaches the function, the runtime
//! is `provided.al2023`, and no `DependsOn` repeats what a reference already implies.
//!
//! Logical ids derive from the block names only (`<Lambda>Function`, `<Api>Stage`...), so
//! adding a lambda or an api never renames another one's resources. The two exceptions
//! carry a hash of their own configuration on purpose, as the CDK does: a Lambda version
//! and an API Gateway deployment are immutable, and a new logical id is how
//! CloudFormation publishes a new one.
//!
//! One module per construct: a lambda's function, role and log group ([`function`]), its
//! canary (version, `Current` alias, error alarm, CodeDeploy deployment group:
//! [`canary`]), an api's REST API ([`api`]); beside them what they share (log groups,
//! managed policies, the hash in the ids of immutable resources). The stateful blocks come
//! first, one module each ([`table`], [`queue`], [`bucket`], [`topic`]) sharing
//! [`safeguards`] (removal policies, TLS only), then the `resource` blocks of any registry
//! type ([`resource`]); [`state`] declares them and their outputs.
//! Then the lambdas, whose grants and link variables ([`grants`]) and event sources
//! ([`events`]) refer to them.

mod api;
mod bucket;
mod canary;
mod events;
mod function;
mod grants;
mod log_group;
mod managed_policy;
mod queue;
mod resource;
mod safeguards;
mod snapshot;
mod state;
mod table;
mod topic;

use std::collections::BTreeMap;

use crate::app::Asset;
use crate::bootstrap_stack::Environment;
use crate::cfn::resources::{cloud_watch, lambda, ssm};
use crate::cfn::{Handle, Output, Template, TemplateError};
use crate::plan::Site;
use crate::spec::{Lambda, Program, Stack, Stage};

use super::bootstrap_version::require_bootstrap;
use super::error::SynthError;
use grants::Wiring;

/// Builds the template of `stack` as deployed by `stage`, and the names of its outputs.
/// `assets` holds the bundle of each of the stack's lambdas, in the same order.
pub(super) fn service_stack(
    program: &Program,
    stage: &Stage,
    stack: &Stack,
    assets: &[Asset],
) -> Result<(Template, Vec<String>), SynthError> {
    let at = |site: Site| move |e: TemplateError| SynthError::at(site.clone(), e);
    let mut t = Template::new();
    t.set_description(match &stack.doc {
        Some(doc) => format!("{doc} ({} stage; managed by pipewright)", stage.name),
        None => format!(
            "{} stack of the {} stage (managed by pipewright)",
            stack.name, stage.name
        ),
    });
    require_bootstrap(&mut t, &program.pipeline.qualifier).map_err(at(Site::stack(&stack.name)))?;
    let env = Environment {
        qualifier: &program.pipeline.qualifier,
        account: &stage.account,
        region: &stage.region,
    };

    let state = state::declare(&mut t, stack).map_err(at(Site::stack(&stack.name)))?;
    let mut outputs = Vec::new();
    let mut aliases: BTreeMap<&str, Handle<lambda::Alias>> = BTreeMap::new();
    for (l, asset) in stack.lambdas.iter().zip(assets) {
        let site = Site::lambda(&stack.name, &l.name);
        let wiring =
            grants::wiring(stack, &state, l).map_err(|e| SynthError::at(site.clone(), e))?;
        let parts = LambdaParts {
            wiring: &wiring,
            rollback_alarms: &state.dead_letter_alarms(l),
        };
        let alias = approved_lambda(&mut t, stage, &env, l, asset, &parts, &mut outputs)
            .map_err(at(site.clone()))?;
        events::event_sources(&mut t, &state, l, &alias).map_err(|e| SynthError::at(site, e))?;
        aliases.insert(&l.name, alias);
    }
    if !stack.apis.is_empty() {
        let account = api::api_gateway_account(&mut t).map_err(at(Site::stack(&stack.name)))?;
        for api in &stack.apis {
            let alias = aliases.get(api.handler.as_str()).ok_or_else(|| {
                SynthError::at(
                    Site::api(&stack.name, &api.name),
                    format!("no lambda `{}` in the stack", api.handler),
                )
            })?;
            api::rest_api(&mut t, api, alias, &account, &mut outputs)
                .map_err(at(Site::api(&stack.name, &api.name)))?;
        }
    }
    state::add_outputs(&mut t, stack, &state).map_err(at(Site::stack(&stack.name)))?;
    if t.resources().next().is_none() {
        // CloudFormation refuses a template without resources: a stack with nothing in
        // it yet gets a free marker parameter, so the pipeline deploys it like the others.
        t.add(
            "StackMarker",
            ssm::Parameter {
                description: Some(
                    format!(
                        "{} of the {} stage: no lambda or api yet (managed by pipewright)",
                        stack.name, stage.name
                    )
                    .into(),
                ),
                ..ssm::Parameter::new("String", stage.stack_name(&stack.name))
            },
        )
        .map_err(at(Site::stack(&stack.name)))?;
    }
    outputs.extend(stack.output_names().into_iter().skip(outputs.len()));
    let declared: Vec<&str> = t.outputs().map(|(name, _)| name).collect();
    if declared != outputs {
        return Err(SynthError::at(
            Site::stack(&stack.name),
            format!("the template's outputs {declared:?} are not the stack's outputs {outputs:?}"),
        ));
    }
    Ok((t, outputs))
}

/// What a lambda gets from the stateful blocks: its grants and link variables, and the
/// alarms beside its error alarm that roll its canary back.
struct LambdaParts<'a> {
    wiring: &'a Wiring,
    rollback_alarms: &'a [Handle<cloud_watch::Alarm>],
}

/// Function, role, log group, version, `Current` alias, error alarm, and the CodeDeploy
/// application and deployment group that shift traffic to a new version and roll back
/// when the alarm fires.
fn approved_lambda(
    t: &mut Template,
    stage: &Stage,
    env: &Environment<'_>,
    l: &Lambda,
    asset: &Asset,
    parts: &LambdaParts<'_>,
    outputs: &mut Vec<String>,
) -> Result<Handle<lambda::Alias>, TemplateError> {
    let (function, configuration) = function::function(t, stage, env, l, asset, parts.wiring)?;
    let alias = canary::canary(t, l, &function, &configuration, parts.rollback_alarms)?;
    let n = &l.name;
    t.add_output(
        format!("{n}FunctionName"),
        Output {
            description: Some(format!("Name of the {n} function")),
            value: function.reference(),
            export: None,
        },
    )?;
    t.add_output(
        format!("{n}AliasArn"),
        Output {
            description: Some(format!("ARN of the Current alias of {n}")),
            value: alias.reference(),
            export: None,
        },
    )?;
    outputs.push(format!("{n}FunctionName"));
    outputs.push(format!("{n}AliasArn"));
    Ok(alias)
}
