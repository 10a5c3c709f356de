//! `deploy --hotswap STACK...`: new function code on a development stage in seconds. When
//! the only differences between a stack's template and the deployed one are its functions'
//! code and environment ([`plan`]), each of those functions is updated through the Lambda
//! API ([`lambda`]: configuration, code, a published version, the `Current` alias moved to
//! it) instead of a change set; the stack then differs from its template until the next full
//! deploy. Any other difference falls back to the ordinary deployment, after saying which
//! change prevented the hot swap. A stack of a protected stage, or of a stage behind a manual
//! approval, is refused: such a stage is not a development stage.

pub mod lambda;
pub mod plan;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value as Json;

use super::assets::AssetBuilder;
use super::clients::Environment;
use super::deployment::{self, publish, refuse_stale};
use super::error::{Error, Result};
use super::select::select;
use super::session::Session;
use super::stack::{deployed_template, DeployOptions};
use crate::app::{App, StackArtifact, StackRole};

use plan::{Blocker, SwapPlan};

/// What `deploy --hotswap` did to one stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HotSwap {
    /// Functions updated directly: their logical ids.
    Swapped(Vec<String>),
    /// Nothing to swap: the functions are as the template says.
    Nothing,
    /// Deployed through a change set, for this difference.
    FellBack(String),
}

/// Hot-swaps the stacks named (stack names, stage names or patterns; never the pipeline's),
/// and deploys the ones that cannot be hot-swapped the ordinary way with `options`.
pub async fn run(
    session: &Session,
    app: &App,
    builder: &AssetBuilder,
    names: &[String],
    options: &DeployOptions,
) -> Result<Vec<(String, HotSwap)>> {
    if names.is_empty() {
        return Err(Error::msg(
            "--hotswap needs the stacks (or the stage) to update, as `deploy --hotswap Dev`",
        ));
    }
    let stacks = select(app, names, false, false)?;
    for stack in &stacks {
        refuse(stack)?;
    }
    let console = &session.console;
    let mut swappable: Vec<(&StackArtifact, Arc<Environment>, SwapPlan)> = Vec::new();
    let mut outcomes = Vec::new();
    let mut fallback: Vec<String> = Vec::new();
    for stack in &stacks {
        let env = session
            .environment(&stack.account, &stack.region, &app.qualifier)
            .await?;
        match plan_stack(&env, stack).await? {
            Ok(plan) => swappable.push((stack, env, plan)),
            Err(blocker) => {
                console.out(&format!(
                    "{}: cannot hot-swap: {blocker}; deploying it through a change set",
                    stack.name
                ));
                outcomes.push((
                    stack.name.to_string(),
                    HotSwap::FellBack(blocker.to_string()),
                ));
                fallback.push(stack.name.to_string());
            }
        }
    }
    if !swappable.is_empty() {
        let swapping: Vec<&StackArtifact> = swappable.iter().map(|(s, _, _)| *s).collect();
        refuse_stale(app, builder, &swapping)?;
        for (_, env, _) in &swappable {
            env.check_bootstrap().await?;
        }
        let env_of = |stack: &StackArtifact| {
            let (_, env, _) = swappable
                .iter()
                .find(|(s, _, _)| s.name == stack.name)
                .expect("a stack being swapped");
            env.clone()
        };
        publish(session, app, builder, &swapping, &env_of).await?;
        for (stack, env, plan) in &swappable {
            let outcome = swap_stack(session, env, stack, plan).await?;
            outcomes.push((stack.name.to_string(), outcome));
        }
    }
    if !fallback.is_empty() {
        deployment::run(session, app, builder, &fallback, false, options).await?;
    }
    Ok(outcomes)
}

/// Refuses a stack that is not a development stage's: the pipeline's own stacks, a
/// protected stage's, a stage's behind a manual approval.
fn refuse(stack: &StackArtifact) -> Result<()> {
    let name = &stack.name;
    let StackRole::Stage { stage, .. } = &stack.role else {
        return Err(Error::msg(format!(
            "--hotswap refused for {name}: it is the pipeline's own stack, not a stage's; deploy it without --hotswap"
        )));
    };
    if stack.protected {
        return Err(Error::msg(format!(
            "--hotswap refused for {name}: its stage {stage} is protected (`protect: true`); deploy it without --hotswap"
        )));
    }
    if let Some(approval) = &stack.approval {
        return Err(Error::msg(format!(
            "--hotswap refused for {name}: its stage {stage} deploys after the approval `{approval}`; deploy it without --hotswap"
        )));
    }
    Ok(())
}

/// The stack's hot swap against its deployed template, or what prevents it.
async fn plan_stack(
    env: &Environment,
    stack: &StackArtifact,
) -> Result<std::result::Result<SwapPlan, Blocker>> {
    let deployed = deployed_template(env, &stack.name).await?;
    let ours: Json = serde_json::from_str(&stack.template)
        .map_err(|e| Error::new(&stack.name, format!("the template is not JSON: {e}")))?;
    Ok(plan::plan(deployed.as_ref(), &ours))
}

/// Swaps the functions of one stack that the template changed or an earlier hot swap left
/// different, and says what it did.
async fn swap_stack(
    session: &Session,
    env: &Environment,
    stack: &StackArtifact,
    plan: &SwapPlan,
) -> Result<HotSwap> {
    let console = &session.console;
    let client = &env.clients.lambda;
    let mut swapped = Vec::new();
    let mut restored = Vec::new();
    let physical = physical_ids(env, stack).await?;
    for function in &plan.functions {
        let Some(name) = physical.get(&function.logical_id).cloned() else {
            return Err(Error::msg(format!(
                "{}: the function {} has no physical name: deploy the stack without --hotswap",
                stack.name, function.logical_id
            )));
        };
        let live = lambda::live(client, &name).await?;
        if !function.changed && !live.hot_swapped() {
            continue;
        }
        let done = lambda::swap(client, &name, function, &live, function.changed).await?;
        let (bucket, key) = &function.code;
        let aliases: Vec<String> = function
            .aliases
            .iter()
            .map(|alias| format!("{alias} -> {}", done.version))
            .collect();
        let what = if function.changed {
            format!("hot-swapped {} ({name})", function.logical_id)
        } else {
            format!("restored {} ({name}) to its template", function.logical_id)
        };
        console.out(&format!(
            "{}: {what}: code s3://{bucket}/{key} (SHA-256 {}), version {}{}",
            stack.name,
            done.code_sha256,
            done.version,
            if aliases.is_empty() {
                String::new()
            } else {
                format!(", {}", aliases.join(", "))
            }
        ));
        if function.changed {
            swapped.push(function.logical_id.clone());
        } else {
            restored.push(function.logical_id.clone());
        }
    }
    if swapped.is_empty() && restored.is_empty() {
        console.out(&format!(
            "{}: no code or environment differs from the template: nothing to hot-swap",
            stack.name
        ));
        return Ok(HotSwap::Nothing);
    }
    if swapped.is_empty() {
        console.out(&format!(
            "{}: its functions are as its deployed template has them again",
            stack.name
        ));
    } else {
        console.out(&format!(
            "{}: hot-swapped {} without CloudFormation: the stack differs from its template until the next full deploy (`deploy {}`)",
            stack.name,
            swapped.join(", "),
            stack.name
        ));
    }
    Ok(HotSwap::Swapped(
        swapped.into_iter().chain(restored).collect(),
    ))
}

/// The physical ids of the stack's resources, by logical id.
async fn physical_ids(env: &Environment, stack: &StackArtifact) -> Result<HashMap<String, String>> {
    let resources = super::stack::resources(env, &stack.name).await?;
    Ok(resources
        .iter()
        .filter_map(|r| {
            let logical = r.logical_resource_id()?;
            Some((logical.to_owned(), r.physical_resource_id()?.to_owned()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage_stack(protected: bool, approval: Option<&str>) -> StackArtifact {
        StackArtifact {
            name: "Prod-Shop".into(),
            role: StackRole::Stage {
                stage: "Prod".into(),
                stack: "Shop".into(),
            },
            account: "111111111111".into(),
            region: "us-west-2".into(),
            template: "{}".into(),
            assets: Vec::new(),
            depends_on: Vec::new(),
            outputs: Vec::new(),
            protected,
            approval: approval.map(|a| a.to_owned().into()),
            stateful_types: Vec::new(),
        }
    }

    #[test]
    fn a_development_stage_is_accepted() {
        assert!(refuse(&stage_stack(false, None)).is_ok());
    }

    #[test]
    fn protected_stages_stages_behind_an_approval_and_the_pipeline_are_refused() {
        assert_eq!(
            refuse(&stage_stack(true, None)).unwrap_err().to_string(),
            "--hotswap refused for Prod-Shop: its stage Prod is protected (`protect: true`); deploy it without --hotswap"
        );
        assert_eq!(
            refuse(&stage_stack(false, Some("Promote to Prod")))
                .unwrap_err()
                .to_string(),
            "--hotswap refused for Prod-Shop: its stage Prod deploys after the approval `Promote to Prod`; deploy it without --hotswap"
        );
        let mut pipeline = stage_stack(false, None);
        pipeline.role = StackRole::Pipeline;
        assert!(refuse(&pipeline)
            .unwrap_err()
            .to_string()
            .contains("the pipeline's own stack"));
    }
}
