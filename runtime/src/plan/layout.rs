//! Lays the pipeline out: its stages and their actions, in the order CodePipeline runs
//! them.

use crate::spec::{Program, Stage};
use crate::synth::output_names;

use super::names::{
    approval_action_name, artifact_key_alias, asset_action_name_of, asset_manifest_file_of,
    deploy_action_name, prepare_action_name, source_action_name, support_bucket_name,
    support_stack_name, template_file, ASSETS_STAGE, BUILD_STAGE, SELF_MUTATE_DEPLOY_ACTION,
    SELF_MUTATE_PREPARE_ACTION, SOURCE_STAGE, SUPPORT_STACKS_ACTION, SYNTH_ACTION,
    UPDATE_PIPELINE_STAGE, VERIFY_ACTION,
};
use super::{
    Action, ActionKind, ActionRole, Artifact, Bundle, DeployedStack, PipelinePlan, PipelineStage,
    Site, StageKind, SupportRegion, Target,
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
    stages.extend(program.stages.iter().map(|s| deployment(program, s)));
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

/// The stage of one `stage` block: every stack's change set, then the approval (which
/// waits for the change sets it is about; alone in its stage, it comes first), then the
/// executions, then the verify step.
fn deployment(program: &Program, stage: &Stage) -> PipelineStage {
    let target = Target {
        account: stage.account.clone(),
        region: stage.region.clone(),
    };
    let region = (stage.region != program.pipeline.region).then_some(stage.region.as_str());
    let (approve, execute) = match (&stage.approval, stage.stacks.is_empty()) {
        (Some(_), false) => (2, 3),
        (Some(_), true) | (None, _) => (1, 2),
    };
    let mut prepares = Vec::new();
    let mut executes = Vec::new();
    let mut variables = Vec::new();
    for block in &stage.stacks {
        let stack_name = stage.stack_name(block);
        // The stack's name is also the namespace of its outputs.
        let namespace = stack_name.clone();
        if let Some(stack) = program.stack(block) {
            for output in output_names(stack) {
                let variable = format!("#{{{namespace}.{output}}}");
                variables.push((output, variable));
            }
        }
        let [prepare, deploy] = change_set_actions(
            (prepare_action_name(block), deploy_action_name(block)),
            DeployedStack {
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
    let mut actions = prepares;
    if let Some(label) = &stage.approval {
        let stacks = stage.stacks.iter().map(|s| stage.stack_name(s)).collect();
        actions.push(Action::new(
            approval_action_name(label),
            ActionKind::Approval {
                label: label.clone(),
                stacks,
            },
            approve,
        ));
    }
    actions.extend(executes);
    if !stage.verify.is_empty() {
        actions.push(Action {
            inputs: vec![Artifact::Source],
            ..Action::new(
                VERIFY_ACTION.to_owned(),
                ActionKind::Verify {
                    commands: stage.verify.clone(),
                    variables,
                },
                execute + 1,
            )
        });
    }
    PipelineStage {
        name: stage.name.clone(),
        kind: StageKind::Deploy { target },
        actions,
    }
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
