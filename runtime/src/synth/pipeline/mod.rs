//! The pipeline stack: a CodePipeline that builds the repository, updates itself,
//! publishes the Lambda bundles and deploys every stage, with the semantics of CDK
//! Pipelines (see `shared/reference/cdk-synth/pipeline/`), and the support stacks that
//! hold its artifacts in the other regions it deploys to.
//!
//! The layout (stages, actions, run orders, roles, names) is the [`PipelinePlan`]'s;
//! this renders it: the artifact stores ([`storage`]), the CodeBuild projects behind the
//! build actions ([`projects`]), the roles of the source action and the pipeline
//! ([`roles`]), each planned stage and action as CodePipeline declares it ([`stages`]),
//! what every change set sets ([`change_sets`]), and the notifications ([`notify`]).
//! Deployments go through the bootstrap roles of each target environment, as the CDK
//! names them, so an environment bootstrapped with `cdk bootstrap` works unchanged.
//!
//! Where CDK Pipelines hurts its users, this does better (`docs/pipeline.md` says how):
//! - the pipeline's template holds no asset hash (asset actions are named after the
//!   package, binary and architecture, and read the current hash from the synthesized
//!   assembly), so a change of Lambda code never mutates the pipeline and never restarts
//!   it in a loop;
//! - one CodeBuild project publishes every asset, one action per asset;
//! - a stage's change sets are created before its manual approval, so the approver can
//!   read what will change before approving;
//! - self-mutation is a CloudFormation change set of the pipeline stack itself, not a
//!   CodeBuild project installing the CDK CLI; only the support stacks of other regions
//!   (which CodePipeline cannot deploy before their artifact bucket exists) go through a
//!   small CodeBuild action.

mod change_sets;
mod notify;
mod projects;
mod roles;
mod stages;
mod storage;

use crate::cfn::resources::code_pipeline;
use crate::cfn::{Output, Template, TemplateError, Value};
use crate::plan::{PipelinePlan, Site};
use crate::spec::Program;

use super::bootstrap_version::require_bootstrap;
use super::error::SynthError;

pub use change_sets::{
    template_configuration, template_configuration_file, CAPABILITIES, PIPELINE_TAG,
};
pub use projects::{
    CDK_ASSETS_PACKAGE, DEFAULT_IMAGE, DEFAULT_INSTALL, RUST_TOOLCHAIN, TOOL_CACHE_PATHS,
};
pub(super) use storage::support_stack;

/// The pipeline stack: the artifact store, the source action's role, the CodeBuild
/// projects, the pipeline's role, and the pipeline with every planned stage.
pub(super) fn pipeline_stack(
    program: &Program,
    plan: &PipelinePlan,
) -> Result<Template, SynthError> {
    let p = &program.pipeline;
    let err = |e: TemplateError| SynthError::at(Site::Pipeline, e);
    let mut t = Template::new();
    t.set_description(match &p.doc {
        Some(doc) => format!("{doc} (managed by pipewright)"),
        None => format!("The {} delivery pipeline (managed by pipewright)", p.name),
    });
    require_bootstrap(&mut t, &p.qualifier).map_err(err)?;
    let store = storage::home_store(&mut t, program, plan).map_err(err)?;
    let source_role = roles::source_role(&mut t, program, &store).map_err(err)?;
    let projects = projects::projects(&mut t, program, plan, &store).map_err(err)?;
    let topics = notify::topics(&mut t, program, plan).map_err(err)?;
    let pipeline_role = roles::pipeline_role(
        &mut t,
        program,
        plan,
        &store,
        &source_role,
        &projects,
        topics.publisher_statements(),
    )
    .map_err(err)?;
    let declared = stages::declarations(program, plan, &source_role, &projects, &topics);
    let (artifact_store, artifact_stores) = storage::artifact_stores(program, plan, &store);
    t.add(
        "Pipeline",
        code_pipeline::Pipeline {
            name: Some(p.name.clone().into()),
            pipeline_type: Some("V2".into()),
            execution_mode: Some("SUPERSEDED".into()),
            restart_execution_on_update: Some(plan.mutates_itself().into()),
            artifact_store,
            artifact_stores,
            triggers: triggers(program, plan),
            ..code_pipeline::Pipeline::new(
                pipeline_role.get_att(crate::cfn::resources::iam::RoleAttribute::Arn),
                declared,
            )
        },
    )
    .map_err(err)?;
    notify::notification_rule(&mut t, program, &topics).map_err(err)?;
    t.add_output(
        "PipelineName",
        Output {
            description: Some("Name of the pipeline".into()),
            value: Value::from(p.name.clone()),
            export: None,
        },
    )
    .map_err(err)?;
    Ok(t)
}

/// The pipeline's trigger filters (CodePipeline V2), when the program's `source` has any:
/// pushes to the branch that change a matching file, and pushed tags that match.
fn triggers(
    program: &Program,
    plan: &PipelinePlan,
) -> Option<Vec<code_pipeline::pipeline::PipelineTriggerDeclaration>> {
    use code_pipeline::pipeline::{
        GitBranchFilterCriteria, GitConfiguration, GitFilePathFilterCriteria, GitPushFilter,
        GitTagFilterCriteria, PipelineTriggerDeclaration,
    };
    let source = &program.pipeline.source;
    let trigger = &source.trigger;
    if !trigger.filters() {
        return None;
    }
    let globs =
        |g: &[String]| (!g.is_empty()).then(|| g.iter().map(|g| g.as_str().into()).collect());
    let mut push = vec![GitPushFilter {
        branches: Some(GitBranchFilterCriteria {
            includes: Some(vec![source.branch.as_str().into()]),
            excludes: None,
        }),
        file_paths: (!trigger.paths.is_empty() || !trigger.ignore_paths.is_empty()).then(|| {
            GitFilePathFilterCriteria {
                includes: globs(&trigger.paths),
                excludes: globs(&trigger.ignore_paths),
            }
        }),
        ..GitPushFilter::default()
    }];
    if !trigger.tags.is_empty() {
        push.push(GitPushFilter {
            tags: Some(GitTagFilterCriteria {
                includes: globs(&trigger.tags),
                excludes: None,
            }),
            ..GitPushFilter::default()
        });
    }
    let source_action = plan.stages[0].actions[0].name.clone();
    Some(vec![PipelineTriggerDeclaration {
        git_configuration: Some(GitConfiguration {
            push: Some(push),
            ..GitConfiguration::new(source_action)
        }),
        ..PipelineTriggerDeclaration::new("CodeStarSourceConnection")
    }])
}
