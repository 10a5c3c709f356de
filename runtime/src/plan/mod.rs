//! The pipeline plan: what the pipeline stack deploys, decided once from the program.
//!
//! A pure step between the program ([`spec::Program`](crate::spec::Program)) and
//! CloudFormation, after the CDK Pipelines model (blueprint, graph, renderer): the plan
//! lays out the pipeline's stages and their actions (kind, name, run order, role,
//! region, variable namespace, artifacts), the Lambda bundles the `Assets` stage
//! publishes, the environments it deploys to and the support stacks of its other
//! regions, and checks all of it against CodePipeline's and CloudFormation's limits.
//! The `pipeline!` macro reports the plan's errors at compile time, at the tokens their
//! [`Site`]s name; synthesis renders each plan node into resources and decides nothing
//! about the layout itself.
//!
//! Stages, in order: `Source`, `Build` (the synth action), `UpdatePipeline` (when
//! `self_mutation`), `Assets` (when a stage deploys a lambda), then one stage per `stage`
//! block, each with every stack's change set, the manual approval (and, when it is only
//! needed for changes that broaden, the check that decides it), the executions and the
//! verify step.

mod layout;
mod limits;
mod model;
mod names;
mod site;
#[cfg(test)]
mod tests;

use crate::spec::Program;

pub(crate) use limits::environment_variables_value;
pub use limits::{
    check_codepipeline_name, MAX_ACTIONS_PER_STAGE, MAX_APPROVAL_COMMENT_LENGTH,
    MAX_CONFIGURATION_VALUE_LENGTH, MAX_STAGES, MAX_TRIGGER_GLOBS,
};
pub use model::{
    Action, ActionKind, ActionRole, ApprovalStep, Artifact, BroadeningCheck, Bundle, DataLossCheck,
    DeployedStack, PipelinePlan, PipelineStage, StageKind, SupportRegion, Target,
};
pub use names::{
    approval_action_name, artifact_key_alias, asset_action_name, asset_action_name_of,
    asset_manifest_file, data_loss_namespace, data_loss_reference, deploy_action_name,
    prepare_action_name, source_action_name, support_bucket_name, support_stack_name,
    wave_action_name, ASSETS_STAGE, BROADENING_CHECK_ACTION, BUILD_STAGE, CHANGE_SET,
    DATA_LOSS_CHECK_ACTION, DATA_LOSS_FOUND, DATA_LOSS_VARIABLE, MAX_NAME_LENGTH, OWN_STAGES,
    PRE_ACTION, PROTECT_ACTION, SELF_MUTATE_DEPLOY_ACTION, SELF_MUTATE_PREPARE_ACTION,
    SOURCE_ARTIFACT, SOURCE_STAGE, SUPPORT_STACKS_ACTION, SYNTH_ACTION, SYNTH_ARTIFACT,
    UPDATE_PIPELINE_STAGE, VERIFY_ACTION,
};
pub use site::{PlanError, Site, StageField};

/// Plans the pipeline of a program: the plan, or every limit it breaks, in the order of
/// the program.
pub fn plan(program: &Program) -> Result<PipelinePlan, Vec<PlanError>> {
    let plan = layout::lay_out(program);
    let errors = limits::check(program, &plan);
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}
