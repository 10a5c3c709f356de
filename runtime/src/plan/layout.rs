//! Lays the pipeline out: its stages and their actions, in the order CodePipeline runs
//! them.

use crate::app::template_file;
use crate::spec::{Approval, ApprovalWhen, Deployment, Program, Stage};

use super::names::{
    approval_action_name, artifact_key_alias, asset_action_name_of, asset_manifest_file_of,
    data_loss_namespace, data_loss_reference, deploy_action_name, prepare_action_name,
    source_action_name, support_bucket_name, support_stack_name, wave_action_name, ASSETS_STAGE,
    BROADENING_CHECK_ACTION, BUILD_STAGE, DATA_LOSS_CHECK_ACTION, PRE_ACTION, PROTECT_ACTION,
    SELF_MUTATE_DEPLOY_ACTION, SELF_MUTATE_PREPARE_ACTION, SOURCE_STAGE, SUPPORT_STACKS_ACTION,
    SYNTH_ACTION, UPDATE_PIPELINE_STAGE, VERIFY_ACTION,
};
use super::{
    Action, ActionKind, ActionRole, ApprovalStep, Artifact, BroadeningCheck, Bundle, DataLossCheck,
    DeployedStack, PipelinePlan, PipelineStage, Site, StageKind, SupportRegion, Target,
};

/// The plan of a program's pipeline, limits unchecked.
pub(super) fn lay_out(program: &Program) -> PipelinePlan {
    let p = &program.pipeline;
    let home = Target {
        account: p.account.clone(),
        region: p.region.clone(),
    };
    let bundles = bundles(program);
    let mut stages = vec![
        PipelineStage {
            name: SOURCE_STAGE.to_owned(),
            kind: StageKind::Source,
            actions: vec![Action {
                role: ActionRole::Source,
                outputs: vec![Artifact::Source],
                ..Action::new(source_action_name(p), ActionKind::Source, 1)
            }],
        },
        PipelineStage {
            name: BUILD_STAGE.to_owned(),
            kind: StageKind::Build,
            actions: vec![Action {
                inputs: vec![Artifact::Source],
                outputs: vec![Artifact::Synth],
                ..Action::new(SYNTH_ACTION.to_owned(), ActionKind::Synth, 1)
            }],
        },
    ];
    if p.self_mutation {
        stages.push(update_pipeline(program, &home));
    }
    if !bundles.is_empty() {
        stages.push(PipelineStage {
            name: ASSETS_STAGE.to_owned(),
            kind: StageKind::Assets,
            actions: bundles
                .iter()
                .map(|bundle| Action {
                    inputs: vec![Artifact::Synth],
                    ..Action::new(
                        bundle.action.clone(),
                        ActionKind::Asset {
                            manifest_file: asset_manifest_file_of(&bundle.action),
                        },
                        1,
                    )
                })
                .collect(),
        });
    }
    stages.extend(program.deployments().iter().map(|d| deployment(program, d)));
    PipelinePlan {
        name: p.name.clone(),
        targets: targets(program),
        support_regions: support_regions(program),
        home,
        stages,
        bundles,
    }
}

impl Action {
    /// An action run as the pipeline's role, in the pipeline's region, with no
    /// namespace or artifact.
    fn new(name: String, kind: ActionKind, run_order: u32) -> Self {
        Action {
            name,
            kind,
            run_order,
            role: ActionRole::Pipeline,
            region: None,
            namespace: None,
            inputs: Vec::new(),
            outputs: Vec::new(),
        }
    }
}

/// The pair of actions that deploy one stack: create the change set, then execute it.
fn change_set_actions(
    names: (String, String),
    stack: DeployedStack,
    run_orders: (u32, u32),
    target: &Target,
    region: Option<&str>,
    namespace: Option<String>,
) -> [Action; 2] {
    let prepare = Action {
        role: ActionRole::Deploy(target.clone()),
        region: region.map(str::to_owned),
        inputs: vec![Artifact::Synth],
        ..Action::new(names.0, ActionKind::Prepare(stack.clone()), run_orders.0)
    };
    let execute = Action {
        role: ActionRole::Deploy(target.clone()),
        region: region.map(str::to_owned),
        namespace,
        ..Action::new(names.1, ActionKind::Execute(stack), run_orders.1)
    };
    [prepare, execute]
}

/// `UpdatePipeline`: the support stacks of the other regions (which CodePipeline cannot
/// deploy before their artifact store exists), then the pipeline stack's own change set.
fn update_pipeline(program: &Program, home: &Target) -> PipelineStage {
    let name = &program.pipeline.name;
    let [prepare, execute] = change_set_actions(
        (
            SELF_MUTATE_PREPARE_ACTION.to_owned(),
            SELF_MUTATE_DEPLOY_ACTION.to_owned(),
        ),
        DeployedStack {
            stage: name.clone(),
            stack_name: name.clone(),
            template_file: template_file(name),
        },
        (2, 3),
        home,
        None,
        None,
    );
    let support = Action {
        inputs: vec![Artifact::Synth],
        ..Action::new(
            SUPPORT_STACKS_ACTION.to_owned(),
            ActionKind::SupportStacks,
            1,
        )
    };
    PipelineStage {
        name: UPDATE_PIPELINE_STAGE.to_owned(),
        kind: StageKind::UpdatePipeline,
        actions: vec![support, prepare, execute],
    }
}

/// The pipeline stage of one deployment (a `stage` block, or a `wave` of them): every
/// stack's change set and the `pre` steps; when its stacks hold data, the check for
/// changes that lose data; then the approval (which waits for the change sets it is
/// about; alone in its stage, it comes first) with, beside it, the check that decides a
/// `when: Broadening` approval; then the executions, then the verify and protection
/// steps. In a wave, each stage's actions are named after it.
fn deployment(program: &Program, deployment: &Deployment<'_>) -> PipelineStage {
    let stages = deployment.stages();
    let has_stacks = stages.iter().any(|s| !s.stacks.is_empty());
    let holds_data = stages.iter().any(|s| stage_holds_data(program, s));
    // The data-loss check takes the run order after the change sets.
    let checked = u32::from(holds_data);
    let (approve, execute) = match (deployment.approval(), has_stacks) {
        (Some(_), true) => (2 + checked, 3 + checked),
        (Some(_), false) => (1, 2),
        (None, _) => (1, 2 + checked),
    };
    let in_wave = matches!(deployment, Deployment::Wave { .. });
    let name_of = |stage: &Stage, action: &str| match in_wave {
        true => wave_action_name(&stage.name, action),
        false => action.to_owned(),
    };
    let mut prepares = Vec::new();
    let mut pres = Vec::new();
    let mut executes = Vec::new();
    let mut afterwards = Vec::new();
    if let Deployment::Wave { wave, .. } = deployment {
        pres.extend(pre_action(&wave.name, PRE_ACTION.to_owned(), &wave.pre));
    }
    for stage in &stages {
        let [stage_prepares, stage_executes] = stage_change_sets(program, stage, execute, &name_of);
        prepares.extend(stage_prepares);
        executes.extend(stage_executes);
        pres.extend(pre_action(
            &stage.name,
            name_of(stage, PRE_ACTION),
            &stage.pre,
        ));
        afterwards.extend(verify_action(
            program,
            stage,
            name_of(stage, VERIFY_ACTION),
            execute + 1,
        ));
        afterwards.extend(protect_action(
            stage,
            name_of(stage, PROTECT_ACTION),
            execute + 1,
        ));
    }
    let mut actions = prepares;
    actions.extend(pres);
    let owner = deployment.name();
    let approval_name = deployment.approval().map(|a| approval_action_name(&a.name));
    if holds_data {
        actions.push(data_loss_check(owner, &stages, approval_name.clone()));
    }
    let data_loss = holds_data.then(|| data_loss_reference(owner));
    if let (Some(approval), Some(name)) = (deployment.approval(), approval_name) {
        let step = ApprovalStep {
            data_loss: data_loss.clone(),
            ..approval_step(owner, &stages, approval)
        };
        // Before the approval: when the check fails, its failure is the stage's first.
        if approval.when == ApprovalWhen::Broadening && has_stacks {
            actions.push(broadening_check(&step, &name, approve));
        }
        actions.push(Action::new(name, ActionKind::Approval(step), approve));
    }
    actions.extend(executes);
    actions.extend(afterwards);
    PipelineStage {
        name: owner.to_owned(),
        kind: StageKind::Deploy {
            stages: stages.iter().map(|s| s.name.clone()).collect(),
        },
        actions,
    }
}

/// Whether a stage deploys a stack that holds data.
fn stage_holds_data(program: &Program, stage: &Stage) -> bool {
    stage
        .stacks
        .iter()
        .filter_map(|s| program.stack(s))
        .any(|s| s.holds_data())
}

/// The data-loss check of a deployment (`owner`: the stage's or wave's name), after its
/// change sets are prepared, about every one of them (a stack whose last table is removed
/// holds no data any more, and loses it there), telling `approval` when there is one.
/// CodeBuild actions take an input artifact: the new templates, which the check compares
/// with the deployed ones where CloudFormation does not say whether a change replaces.
fn data_loss_check(owner: &str, stages: &[&Stage], approval: Option<String>) -> Action {
    let change_sets = stages
        .iter()
        .map(|stage| {
            let stacks = stage
                .stacks
                .iter()
                .map(|block| {
                    let stack_name = stage.stack_name(block);
                    DeployedStack {
                        stage: stage.name.clone(),
                        template_file: template_file(&stack_name),
                        stack_name,
                    }
                })
                .collect();
            (target_of(stage), stacks)
        })
        .collect();
    Action {
        inputs: vec![Artifact::Synth],
        namespace: Some(data_loss_namespace(owner)),
        ..Action::new(
            DATA_LOSS_CHECK_ACTION.to_owned(),
            ActionKind::DataLossCheck(DataLossCheck {
                owner: owner.to_owned(),
                approval,
                change_sets,
            }),
            2,
        )
    }
}

/// The environment a stage deploys to.
fn target_of(stage: &Stage) -> Target {
    Target {
        account: stage.account.clone(),
        region: stage.region.clone(),
    }
}

/// A stage's change-set actions: the prepares (run order 1), and the executions.
fn stage_change_sets(
    program: &Program,
    stage: &Stage,
    execute: u32,
    name_of: &dyn Fn(&Stage, &str) -> String,
) -> [Vec<Action>; 2] {
    let target = target_of(stage);
    let region = (stage.region != program.pipeline.region).then_some(stage.region.as_str());
    let mut prepares = Vec::new();
    let mut executes = Vec::new();
    for block in &stage.stacks {
        let stack_name = stage.stack_name(block);
        // The stack's name is also the namespace of its outputs.
        let namespace = stack_name.clone();
        let [prepare, deploy] = change_set_actions(
            (
                name_of(stage, &prepare_action_name(block)),
                name_of(stage, &deploy_action_name(block)),
            ),
            DeployedStack {
                stage: stage.name.clone(),
                template_file: template_file(&stack_name),
                stack_name,
            },
            (1, execute),
            &target,
            region,
            Some(namespace),
        );
        prepares.push(prepare);
        executes.push(deploy);
    }
    [prepares, executes]
}

/// The `pre` step of a stage or wave, when it has commands.
fn pre_action(owner: &str, name: String, commands: &[String]) -> Option<Action> {
    (!commands.is_empty()).then(|| Action {
        inputs: vec![Artifact::Source],
        ..Action::new(
            name,
            ActionKind::Pre {
                owner: owner.to_owned(),
                commands: commands.to_vec(),
            },
            1,
        )
    })
}

/// The manual approval of a deployment (`owner`: the stage's or wave's name), about every
/// change set of its stages.
fn approval_step(owner: &str, stages: &[&Stage], approval: &Approval) -> ApprovalStep {
    let change_sets = stages
        .iter()
        .map(|stage| {
            let stacks = stage.stacks.iter().map(|s| stage.stack_name(s)).collect();
            (target_of(stage), stacks)
        })
        .collect();
    ApprovalStep {
        owner: owner.to_owned(),
        label: approval.name.clone(),
        comment: approval.comment.clone(),
        notify: approval.notify.clone(),
        change_sets,
        data_loss: None,
    }
}

/// The check beside a `when: Broadening` approval (the action `approval` of `step`), at
/// its run order. Without change sets to read there is none (the plan's limits say so).
/// CodeBuild actions take an input artifact; the script reads none of it.
fn broadening_check(step: &ApprovalStep, approval: &str, run_order: u32) -> Action {
    Action {
        inputs: vec![Artifact::Synth],
        ..Action::new(
            BROADENING_CHECK_ACTION.to_owned(),
            ActionKind::BroadeningCheck(BroadeningCheck {
                owner: step.owner.clone(),
                approval: approval.to_owned(),
                change_sets: step.change_sets.clone(),
                data_loss: step.data_loss.clone(),
            }),
            run_order,
        )
    }
}

/// A stage's verify step, when it has commands: every output of its stacks as an
/// environment variable.
fn verify_action(program: &Program, stage: &Stage, name: String, run_order: u32) -> Option<Action> {
    if stage.verify.is_empty() {
        return None;
    }
    let mut variables = Vec::new();
    for block in &stage.stacks {
        let namespace = stage.stack_name(block);
        if let Some(stack) = program.stack(block) {
            for output in stack.output_names() {
                let variable = format!("#{{{namespace}.{output}}}");
                variables.push((output, variable));
            }
        }
    }
    Some(Action {
        inputs: vec![Artifact::Source],
        ..Action::new(
            name,
            ActionKind::Verify {
                stage: stage.name.clone(),
                commands: stage.verify.clone(),
                variables,
            },
            run_order,
        )
    })
}

/// A stage's protection step, when it is protected and deploys a stack.
fn protect_action(stage: &Stage, name: String, run_order: u32) -> Option<Action> {
    // CodeBuild actions take an input artifact; the script reads none of it.
    (stage.protect && !stage.stacks.is_empty()).then(|| Action {
        inputs: vec![Artifact::Synth],
        ..Action::new(
            name,
            ActionKind::Protect {
                stage: stage.name.clone(),
                stacks: stage.stacks.iter().map(|s| stage.stack_name(s)).collect(),
                target: target_of(stage),
            },
            run_order,
        )
    })
}

/// The distinct bundles of the lambdas the stages deploy, in deployment order. A lambda
/// whose binary is not known (the program has an error there) has none.
fn bundles(program: &Program) -> Vec<Bundle> {
    let mut bundles: Vec<Bundle> = Vec::new();
    for stage in &program.stages {
        for stack in stage.stacks.iter().filter_map(|s| program.stack(s)) {
            for lambda in stack.lambdas.iter().filter(|l| !l.bin.is_empty()) {
                let action =
                    asset_action_name_of(&lambda.package, &lambda.bin, lambda.architecture);
                if bundles.iter().any(|b| b.action == action) {
                    continue;
                }
                bundles.push(Bundle {
                    package: lambda.package.clone(),
                    bin: lambda.bin.clone(),
                    architecture: lambda.architecture,
                    action,
                    site: Site::lambda(&stack.name, &lambda.name),
                });
            }
        }
    }
    bundles
}

/// The environments the stages deploy to, each once, in stage order.
fn targets(program: &Program) -> Vec<Target> {
    let mut targets: Vec<Target> = Vec::new();
    for stage in &program.stages {
        let target = Target {
            account: stage.account.clone(),
            region: stage.region.clone(),
        };
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    targets
}

/// The regions other than the pipeline's where a stage deploys, in stage order.
fn support_regions(program: &Program) -> Vec<SupportRegion> {
    let p = &program.pipeline;
    let mut regions: Vec<SupportRegion> = Vec::new();
    for stage in &program.stages {
        let region = stage.region.as_str();
        if region == p.region || regions.iter().any(|r| r.region == region) {
            continue;
        }
        regions.push(SupportRegion {
            region: region.to_owned(),
            stack_name: support_stack_name(p, region),
            bucket_name: support_bucket_name(p, region),
            key_alias: p.cross_account_keys.then(|| artifact_key_alias(p, region)),
        });
    }
    regions
}
