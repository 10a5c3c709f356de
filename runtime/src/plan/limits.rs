//! What CodePipeline and CloudFormation accept of a planned pipeline: name lengths and
//! characters, actions per stage, stages per pipeline, action configuration sizes, and
//! the names that would collide once the program's blocks become stages, actions and
//! variables. Each error names the [`Site`] of the program it comes from.

use serde::Serialize;

use crate::spec::{
    check_account as check_account_id, Approval, ApprovalWhen, Deployment, Program, Stage,
};

use super::names::{approval_action_name, MAX_NAME_LENGTH, OWN_STAGES};
use super::{ActionKind, PipelinePlan, PipelineStage, PlanError, Site, StageField};

/// CodePipeline's limit on the actions of one stage.
pub const MAX_ACTIONS_PER_STAGE: usize = 50;
/// CodePipeline's limit on the stages of one pipeline.
pub const MAX_STAGES: usize = 50;
/// CodePipeline's limit on one action configuration value (characters), which the verify
/// action's `EnvironmentVariables` must fit in. The API reference still says 1,000; the
/// service has answered `Member must have length less than or equal to 50000` since at
/// least 2022 (aws-cdk#19767, terraform-provider-aws#41023).
pub const MAX_CONFIGURATION_VALUE_LENGTH: usize = 50_000;

/// CodePipeline's limit on the globs of one trigger filter (its includes, or excludes).
pub const MAX_TRIGGER_GLOBS: usize = 8;

/// CodePipeline's limit on what an approval shows its approver (`CustomData`, characters).
pub const MAX_APPROVAL_COMMENT_LENGTH: usize = 500;

/// A CodePipeline stage, action or namespace name: 1 to 100 characters of
/// `A-Za-z0-9.@-_` (namespaces also exclude `.`).
pub fn check_codepipeline_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LENGTH {
        return Err(format!(
            "`{name}` has {} characters: CodePipeline names have 1 to {MAX_NAME_LENGTH}",
            name.len()
        ));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-@".contains(*c)))
    {
        Some(bad) => Err(format!(
            "`{bad}` is not allowed in a CodePipeline name: use letters, digits, `.`, `-`, `_` and `@`"
        )),
        None => Ok(()),
    }
}

/// An approval's label, which names its action once its spaces are `_`.
fn check_approval_label(label: &str) -> Result<(), String> {
    let name = approval_action_name(label);
    if name.is_empty() || name.len() > MAX_NAME_LENGTH {
        return Err(format!(
            "expected 1 to {MAX_NAME_LENGTH} characters, found {}",
            label.len()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-@".contains(*c)))
    {
        return Err(format!(
            "`{bad}` is not allowed in a CodePipeline action name: use letters, digits, spaces, `.`, `-`, `_` and `@`"
        ));
    }
    Ok(())
}

/// One entry of a CodeBuild action's `EnvironmentVariables`.
#[derive(Serialize)]
struct BuildVariable<'a> {
    name: &'a str,
    value: &'a str,
    r#type: &'static str,
}

/// The `EnvironmentVariables` value of a CodeBuild action: what CodePipeline stores, and
/// measures against [`MAX_CONFIGURATION_VALUE_LENGTH`].
pub(crate) fn environment_variables_value(variables: &[(String, String)]) -> String {
    let entries: Vec<BuildVariable<'_>> = variables
        .iter()
        .map(|(name, value)| BuildVariable {
            name,
            value,
            r#type: "PLAINTEXT",
        })
        .collect();
    serde_json::to_string(&entries).expect("variables serialize to JSON")
}

/// Every limit the plan breaks, in program order.
pub(super) fn check(program: &Program, plan: &PipelinePlan) -> Vec<PlanError> {
    let mut errors = Vec::new();
    check_bundles(plan, &mut errors);
    if let Err(m) = check_codepipeline_name(&plan.name) {
        errors.push(PlanError::at(
            Site::Pipeline,
            format!("pipeline name (the CodePipeline's): {m}"),
        ));
    }
    let own = plan.stages.len() - plan.deployments().count();
    let mut approvals: Vec<(String, String)> = Vec::new();
    let deployments = program.deployments();
    for (i, (deployment, planned)) in deployments.iter().zip(plan.deployments()).enumerate() {
        let site = site_of(deployment, None);
        let name = deployment.name();
        if OWN_STAGES.contains(&name) {
            let own_stages: Vec<String> = OWN_STAGES.iter().map(|s| format!("`{s}`")).collect();
            errors.push(PlanError::at(
                site.clone(),
                format!(
                    "{} name `{name}` is taken by the pipeline's own stages ({})",
                    kind_of(deployment),
                    own_stages.join(", ")
                ),
            ));
        }
        if own + i == MAX_STAGES {
            errors.push(PlanError::at(
                site.clone(),
                format!("a CodePipeline pipeline has at most {MAX_STAGES} stages: the pipeline's own {own} and {} of these", MAX_STAGES - own),
            ));
        }
        if let Err(m) = check_codepipeline_name(name) {
            errors.push(PlanError::at(
                site.clone(),
                format!("{} name: {m}", kind_of(deployment)),
            ));
        }
        for stage in deployment.stages() {
            check_account(program, stage, &mut errors);
            check_stack_names(stage, &mut errors);
            check_verify(program, stage, planned, &mut errors);
        }
        check_actions(program, deployment, planned, &mut errors);
        if let Some(approval) = deployment.approval() {
            check_approval(deployment, approval, planned, &mut approvals, &mut errors);
        }
    }
    errors
}

/// Where a deployment, or one of its fields, is written.
fn site_of(deployment: &Deployment<'_>, field: Option<StageField>) -> Site {
    match (deployment, field) {
        (Deployment::Stage(s), None) => Site::stage(&s.name),
        (Deployment::Stage(s), Some(f)) => Site::stage_field(&s.name, f),
        (Deployment::Wave { wave, .. }, None) => Site::wave(&wave.name),
        (Deployment::Wave { wave, .. }, Some(f)) => Site::wave_field(&wave.name, f),
    }
}

/// "stage" or "wave".
fn kind_of(deployment: &Deployment<'_>) -> &'static str {
    match deployment {
        Deployment::Stage(_) => "stage",
        Deployment::Wave { .. } => "wave",
    }
}

/// An approval's name, comment, condition, and uniqueness in the pipeline and in its
/// stage.
fn check_approval(
    deployment: &Deployment<'_>,
    approval: &Approval,
    planned: &PipelineStage,
    approvals: &mut Vec<(String, String)>,
    errors: &mut Vec<PlanError>,
) {
    let site = site_of(deployment, Some(StageField::Approval));
    let label = &approval.name;
    let action = approval_action_name(label);
    if let Err(m) = check_approval_label(label) {
        errors.push(PlanError::at(site.clone(), format!("approval name: {m}")));
    }
    if let Some(comment) = &approval.comment {
        if comment.chars().count() > MAX_APPROVAL_COMMENT_LENGTH {
            errors.push(PlanError::at(
                site.clone(),
                format!(
                    "the approval's comment has {} characters: CodePipeline shows at most {MAX_APPROVAL_COMMENT_LENGTH}",
                    comment.chars().count()
                ),
            ));
        }
    }
    let checked = planned
        .actions
        .iter()
        .any(|a| matches!(a.kind, ActionKind::BroadeningCheck(_)));
    if approval.when == ApprovalWhen::Broadening && !checked {
        errors.push(PlanError::at(
            site.clone(),
            format!(
                "`when: Broadening` decides from the change sets of {} `{}`, and it deploys no stack: there is nothing to check; write `when: Always` or leave `when` out",
                kind_of(deployment),
                deployment.name()
            ),
        ));
    }
    if let Some((_, other)) = approvals.iter().find(|(a, _)| *a == action) {
        errors.push(PlanError::at(
            site,
            format!("approval `{label}` is already the approval of {other}: give each approval its own name, so the approver knows which stage it releases"),
        ));
    } else if planned.actions.iter().filter(|a| a.name == action).count() > 1 {
        errors.push(PlanError::at(
            site,
            format!(
                "approval `{label}` has the name of another action of {} `{}` (`{action}`)",
                kind_of(deployment),
                deployment.name()
            ),
        ));
    }
    approvals.push((
        action,
        format!("{} `{}`", kind_of(deployment), deployment.name()),
    ));
}

/// The artifact store is shared with the stage's account: another account than the
/// pipeline's can read it only through a customer-managed key.
fn check_account(program: &Program, stage: &Stage, errors: &mut Vec<PlanError>) {
    let p = &program.pipeline;
    let both_valid =
        check_account_id(&p.account).is_ok() && check_account_id(&stage.account).is_ok();
    if both_valid && stage.account != p.account && !p.cross_account_keys {
        errors.push(PlanError::at(
            Site::stage_field(&stage.name, StageField::Account),
            format!(
                "stage `{}` deploys to account {}, not the pipeline's ({}): set `cross_account_keys: true` in the pipeline, \
                 CodePipeline cannot share artifacts across accounts without a customer-managed KMS key",
                stage.name, stage.account, p.account
            ),
        ));
    }
}

/// The `Assets` stage: one action per bundle, named after it.
fn check_bundles(plan: &PipelinePlan, errors: &mut Vec<PlanError>) {
    for (i, bundle) in plan.bundles.iter().enumerate() {
        if let Err(m) = check_codepipeline_name(&bundle.action) {
            errors.push(PlanError::at(
                bundle.site.clone(),
                format!("the asset action of this lambda: {m}"),
            ));
        }
        if i == MAX_ACTIONS_PER_STAGE {
            errors.push(PlanError::at(
                bundle.site.clone(),
                format!("more than {MAX_ACTIONS_PER_STAGE} Lambda bundles (package, binary and architecture): the Assets stage publishes each with one action, and a CodePipeline stage has at most {MAX_ACTIONS_PER_STAGE}"),
            ));
        }
    }
}

/// Each stack becomes a CloudFormation stack and a variable namespace named
/// `<Stage>-<Stack>`.
fn check_stack_names(stage: &Stage, errors: &mut Vec<PlanError>) {
    for stack in &stage.stacks {
        let stack_name = stage.stack_name(stack);
        if stack_name.len() > MAX_NAME_LENGTH {
            errors.push(PlanError::at(
                Site::stage(&stage.name),
                format!(
                    "stack `{stack_name}` has {} characters: it also names the variables of the stack's outputs, and CodePipeline takes at most {MAX_NAME_LENGTH}; shorten the stage or stack name",
                    stack_name.len(),
                ),
            ));
        }
    }
}

/// The actions of one deployment's pipeline stage: their names (`<Stack>.Prepare`,
/// `<Stack>.Deploy`, in a wave `<Stage>.<Stack>.Prepare`...), at least one, at most
/// [`MAX_ACTIONS_PER_STAGE`].
fn check_actions(
    program: &Program,
    deployment: &Deployment<'_>,
    planned: &PipelineStage,
    errors: &mut Vec<PlanError>,
) {
    // One name error per stage or wave: its longest names share the same cause.
    let mut reported: Vec<&str> = Vec::new();
    for action in &planned.actions {
        let stage = match &action.kind {
            ActionKind::Prepare(s) | ActionKind::Execute(s) => &s.stage,
            ActionKind::Pre { owner: stage, .. }
            | ActionKind::Verify { stage, .. }
            | ActionKind::Protect { stage, .. } => stage,
            _ => continue,
        };
        if reported.contains(&stage.as_str()) {
            continue;
        }
        if let Err(m) = check_codepipeline_name(&action.name) {
            reported.push(stage);
            let site = match deployment {
                Deployment::Wave { wave, .. } if wave.name == *stage => Site::wave(stage),
                _ => Site::stage(stage),
            };
            errors.push(PlanError::at(
                site,
                format!("action `{}`: {m}", action.name),
            ));
        }
    }
    // (A program without any stack is reported as such already.)
    if planned.actions.is_empty() && !program.stacks.is_empty() {
        errors.push(PlanError::at(
            site_of(deployment, Some(StageField::Stacks)),
            format!("{0} `{1}` deploys no stack and has no approval: a CodePipeline stage needs at least one action; list a stack in `stacks` or remove the {0}", kind_of(deployment), deployment.name()),
        ));
    }
    if planned.actions.len() > MAX_ACTIONS_PER_STAGE {
        errors.push(PlanError::at(
            site_of(deployment, None),
            format!(
                "{} `{}` would have {} actions (two per stack, the approval and its broadening check, the pre, verify and protection steps): a CodePipeline stage has at most {MAX_ACTIONS_PER_STAGE}; split its stacks over several stages",
                kind_of(deployment),
                deployment.name(),
                planned.actions.len()
            ),
        ));
    }
}

/// The verify step sees every output of the stage's stacks as an environment variable:
/// two stacks with the same output name would hide one of them, and all of them must fit
/// in one action configuration value.
fn check_verify(
    program: &Program,
    stage: &Stage,
    planned: &PipelineStage,
    errors: &mut Vec<PlanError>,
) {
    let Some(variables) = planned.actions.iter().find_map(|a| match &a.kind {
        ActionKind::Verify {
            stage: of,
            variables,
            ..
        } if *of == stage.name => Some(variables),
        _ => None,
    }) else {
        return;
    };
    let mut seen: Vec<(String, &str)> = Vec::new();
    let mut collisions: Vec<(&str, &str, Vec<String>)> = Vec::new();
    for stack in program
        .stacks
        .iter()
        .filter(|s| stage.stacks.contains(&s.name))
    {
        for output in stack.output_names() {
            match seen.iter().find(|(o, _)| *o == output) {
                Some((_, other)) => {
                    match collisions
                        .iter_mut()
                        .find(|(a, b, _)| a == other && *b == stack.name)
                    {
                        Some((_, _, outputs)) => outputs.push(output),
                        None => collisions.push((other, &stack.name, vec![output])),
                    }
                }
                None => seen.push((output, &stack.name)),
            }
        }
    }
    for (first, second, outputs) in collisions {
        let outputs: Vec<String> = outputs.iter().map(|o| format!("`{o}`")).collect();
        errors.push(PlanError::at(
            Site::stage_field(&stage.name, StageField::Verify),
            format!(
                "stacks `{first}` and `{second}` of stage `{}` both have the output{} {}: the verify step sees each output as an environment variable and would see only one of each; rename the blocks of one of them",
                stage.name,
                if outputs.len() > 1 { "s" } else { "" },
                outputs.join(", ")
            ),
        ));
    }
    let value = environment_variables_value(variables);
    if value.len() > MAX_CONFIGURATION_VALUE_LENGTH {
        errors.push(PlanError::at(
            Site::stage(&stage.name),
            format!(
                "the verify step passes {} stack outputs as environment variables, {} characters of action configuration: \
                 CodePipeline accepts at most {MAX_CONFIGURATION_VALUE_LENGTH}; deploy fewer stacks in this stage or give its blocks shorter names",
                variables.len(),
                value.len()
            ),
        ));
    }
}
