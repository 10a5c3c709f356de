//! Each planned stage and action as CodePipeline declares it: its type, configuration,
//! role and artifacts.

use crate::cfn::actions::{
    ActionMode, CloudFormation, CodeBuild, ManualApproval, SourceConnection,
};
use crate::cfn::resources::{code_build, code_pipeline, iam};
use crate::cfn::{ActionConfiguration, Handle, Value};
use crate::plan::{
    environment_variables_value, Action, ActionKind, ActionRole, ApprovalStep, DeployedStack,
    PipelinePlan, PipelineStage, StageKind, Target, CHANGE_SET, SYNTH_ARTIFACT,
};
use crate::spec::{Program, Source};

use super::change_sets::{template_configuration_file, CAPABILITIES};
use super::notify::Topics;
use super::projects::{broadening_check_variables, data_loss_check_variables, Projects};

use code_pipeline::pipeline::{
    ActionDeclaration, ActionTypeId, InputArtifact, OutputArtifact, StageDeclaration,
};

/// Every stage of the plan, declared.
pub(super) fn declarations(
    program: &Program,
    plan: &PipelinePlan,
    source_role: &Handle<iam::Role>,
    projects: &Projects,
    topics: &Topics,
) -> Vec<StageDeclaration> {
    let renderer = Renderer {
        program,
        source_role,
        projects,
        topics,
    };
    plan.stages
        .iter()
        .map(|stage| {
            let actions = stage
                .actions
                .iter()
                .map(|action| renderer.action(stage, action))
                .collect();
            StageDeclaration::new(actions, stage.name.clone())
        })
        .collect()
}

/// What the actions' declarations refer to.
struct Renderer<'a> {
    program: &'a Program,
    source_role: &'a Handle<iam::Role>,
    projects: &'a Projects,
    topics: &'a Topics,
}

impl Renderer<'_> {
    fn action(&self, stage: &PipelineStage, action: &Action) -> ActionDeclaration {
        let (type_id, configuration) = self.configuration(stage, action);
        let qualifier = &self.program.pipeline.qualifier;
        ActionDeclaration {
            configuration: Some(configuration),
            input_artifacts: (!action.inputs.is_empty()).then(|| {
                action
                    .inputs
                    .iter()
                    .map(|a| InputArtifact::new(a.name()))
                    .collect()
            }),
            output_artifacts: (!action.outputs.is_empty()).then(|| {
                action
                    .outputs
                    .iter()
                    .map(|a| OutputArtifact::new(a.name()))
                    .collect()
            }),
            role_arn: match &action.role {
                ActionRole::Pipeline => None,
                ActionRole::Source => Some(self.source_role.get_att(iam::RoleAttribute::Arn)),
                ActionRole::Deploy(target) => {
                    Some(target.environment(qualifier).deploy_role_arn().into())
                }
            },
            run_order: Some(i64::from(action.run_order).into()),
            region: action.region.clone().map(Into::into),
            namespace: action.namespace.clone().map(Into::into),
            ..ActionDeclaration::new(type_id, action.name.clone())
        }
    }

    /// The action's type and its configuration.
    fn configuration(
        &self,
        stage: &PipelineStage,
        action: &Action,
    ) -> (ActionTypeId, ActionConfiguration) {
        let p = &self.program.pipeline;
        let project = |project: Option<&Handle<code_build::Project>>| {
            project
                .expect("the projects follow the plan")
                .reference::<String>()
        };
        match &action.kind {
            ActionKind::Source => (
                action_type("Source", "CodeStarSourceConnection"),
                source_configuration(&p.source),
            ),
            ActionKind::Synth => (
                action_type("Build", "CodeBuild"),
                CodeBuild::new(project(Some(&self.projects.synth))).into(),
            ),
            ActionKind::SupportStacks => (
                action_type("Build", "CodeBuild"),
                CodeBuild::new(project(self.projects.support_stacks.as_ref())).into(),
            ),
            ActionKind::Asset { manifest_file } => (
                action_type("Build", "CodeBuild"),
                with_variables(
                    project(self.projects.assets.as_ref()),
                    &[("ASSET_MANIFEST".to_owned(), manifest_file.clone())],
                ),
            ),
            ActionKind::Prepare(stack) => (
                action_type("Deploy", "CloudFormation"),
                prepare_change_set(stack, self.deploy_target(action)).into(),
            ),
            ActionKind::Execute(stack) => (
                action_type("Deploy", "CloudFormation"),
                execute_change_set(stack).into(),
            ),
            ActionKind::Approval(step) => (
                action_type("Approval", "Manual"),
                approval_configuration(stage, step, self.topics.approval(&step.owner)),
            ),
            ActionKind::BroadeningCheck(check) => (
                action_type("Build", "CodeBuild"),
                with_variables(
                    project(self.projects.broadening_check.as_ref()),
                    &broadening_check_variables(check, &p.qualifier),
                ),
            ),
            ActionKind::DataLossCheck(check) => (
                action_type("Build", "CodeBuild"),
                with_variables(
                    project(self.projects.data_loss_check.as_ref()),
                    &data_loss_check_variables(check, &p.qualifier),
                ),
            ),
            ActionKind::Pre { owner, .. } => (
                action_type("Build", "CodeBuild"),
                CodeBuild::new(project(self.projects.pre_of(owner))).into(),
            ),
            ActionKind::Verify {
                stage, variables, ..
            } => (
                action_type("Build", "CodeBuild"),
                with_variables(project(self.projects.verify_of(stage)), variables),
            ),
            ActionKind::Protect { stacks, target, .. } => (
                action_type("Build", "CodeBuild"),
                with_variables(
                    project(self.projects.protect.as_ref()),
                    &[
                        ("STACKS".to_owned(), stacks.join(" ")),
                        ("STACKS_REGION".to_owned(), target.region.clone()),
                        (
                            "DEPLOY_ROLE".to_owned(),
                            target.environment(&p.qualifier).deploy_role_arn(),
                        ),
                    ],
                ),
            ),
        }
    }

    /// The environment whose execution role a change set is created with.
    fn deploy_target<'a>(&self, action: &'a Action) -> Option<(&'a Target, &str)> {
        match &action.role {
            ActionRole::Deploy(target) => Some((target, &self.program.pipeline.qualifier)),
            ActionRole::Pipeline | ActionRole::Source => None,
        }
    }
}

fn action_type(category: &str, provider: &str) -> ActionTypeId {
    ActionTypeId {
        category: category.into(),
        owner: "AWS".into(),
        provider: provider.into(),
        version: "1".into(),
    }
}

/// A CodeBuild action that runs its project with these variables.
fn with_variables(
    project_name: Value<String>,
    variables: &[(String, String)],
) -> ActionConfiguration {
    CodeBuild {
        environment_variables: Some(environment_variables_value(variables).into()),
        ..CodeBuild::new(project_name)
    }
    .into()
}

/// Creates the change set from the stack's template in the assembly, tagged by its
/// template configuration; CloudFormation runs as the environment's execution role.
fn prepare_change_set(stack: &DeployedStack, target: Option<(&Target, &str)>) -> CloudFormation {
    CloudFormation {
        change_set_name: Some(CHANGE_SET.into()),
        template_path: Some(format!("{SYNTH_ARTIFACT}::{}", stack.template_file).into()),
        template_configuration: Some(
            format!(
                "{SYNTH_ARTIFACT}::{}",
                template_configuration_file(&stack.stack_name)
            )
            .into(),
        ),
        capabilities: Some(CAPABILITIES.into()),
        role_arn: target.map(|(t, qualifier)| t.environment(qualifier).cfn_exec_role_arn().into()),
        ..CloudFormation::new(ActionMode::ChangeSetReplace, stack.stack_name.clone())
    }
}

/// Executes the change set.
fn execute_change_set(stack: &DeployedStack) -> CloudFormation {
    CloudFormation {
        change_set_name: Some(CHANGE_SET.into()),
        ..CloudFormation::new(ActionMode::ChangeSetExecute, stack.stack_name.clone())
    }
}

/// CodePipeline's limit on an approval's `CustomData` (characters).
const MAX_CUSTOM_DATA_LENGTH: usize = 500;

/// What the approver reads (the program's comment, or which change sets to review and
/// where, then what the data-loss check found), a link to the change sets, and the topic
/// told that the approval waits.
fn approval_configuration(
    stage: &PipelineStage,
    step: &ApprovalStep,
    topic: Option<&Value<String>>,
) -> ActionConfiguration {
    let data_loss = step
        .data_loss
        .as_ref()
        .map(|found| format!(" Data: {found}"))
        .unwrap_or_default();
    let room = MAX_CUSTOM_DATA_LENGTH - data_loss.len();
    let custom_data = match &step.comment {
        // The program's comment is within the limit (the plan checks it): only the data
        // loss may need room.
        Some(comment) if data_loss.is_empty() => comment.clone(),
        Some(comment) => cut(comment.clone(), room),
        None => review_text(step, room),
    } + &data_loss;
    ManualApproval {
        custom_data: Some(custom_data),
        external_entity_link: change_sets_link(stage, step),
        notification_arn: topic.cloned(),
    }
    .into()
}

/// Which change sets to review, and where, cut to `room` characters.
fn review_text(step: &ApprovalStep, room: usize) -> String {
    let mut places: Vec<(&Target, Vec<&str>)> = Vec::new();
    for (target, names) in &step.change_sets {
        let names = names.iter().map(String::as_str);
        match places.iter_mut().find(|(t, _)| *t == target) {
            Some((_, stacks)) => stacks.extend(names),
            None => places.push((target, names.collect())),
        }
    }
    let places: Vec<String> = places
        .iter()
        .map(|(target, stacks)| {
            format!(
                "{} in {} ({})",
                stacks.join(", "),
                target.account,
                target.region
            )
        })
        .collect();
    let custom_data = format!(
        "{}: review the change sets `{CHANGE_SET}` of {}, then approve to deploy them.",
        step.label,
        places.join("; ")
    );
    cut(custom_data, room)
}

/// A text cut to `room` bytes, ending in `...` when cut.
fn cut(mut text: String, room: usize) -> String {
    if text.len() > room {
        let mut end = room - 3;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}

/// The source action's configuration: no change detection when the pipeline runs only
/// when started (`on_push: false`).
fn source_configuration(source: &Source) -> ActionConfiguration {
    SourceConnection {
        connection_arn: source.connection.clone().into(),
        full_repository_id: source.repo.clone().into(),
        branch_name: source.branch.clone().into(),
        detect_changes: (!source.trigger.on_push).then(|| "false".into()),
    }
    .into()
}

/// The CloudFormation console's list of the stacks an approval is about, where the
/// approver reads the change sets: those of one region, filtered by the stage's prefix
/// when they are one stage's (`aws` partition only: the others have their own console
/// domains).
fn change_sets_link(stage: &PipelineStage, step: &ApprovalStep) -> Option<String> {
    let (first, _) = step.change_sets.first()?;
    let region = &first.region;
    let one_region = step.change_sets.iter().all(|(t, _)| t.region == *region);
    let filter = match &stage.kind {
        StageKind::Deploy { stages } if stages.len() == 1 => format!("{}-", stages[0]),
        _ => String::new(),
    };
    (one_region && crate::spec::partition_of(region) == Some("aws")).then(|| {
        format!(
            "https://{region}.console.aws.amazon.com/cloudformation/home?region={region}#/stacks?filteringText={filter}&filteringStatus=active&viewNested=true",
        )
    })
}
