//! The names the pipeline gives what it creates: its stages, actions, artifacts, change
//! sets, support stacks and buckets. The plan decides with these; tests and the
//! assembly read them.

use sha2::{Digest, Sha256};

use crate::app::Asset;
use crate::fingerprint::hex;
use crate::spec::{Architecture, Pipeline};

/// CodePipeline's limit on stage, action and namespace names (characters): the source
/// action's name is cut to it, and the plan's limits check every other name against it.
pub const MAX_NAME_LENGTH: usize = 100;

/// The pipeline's own first stage: the source action.
pub const SOURCE_STAGE: &str = "Source";
/// The stage of the synth action.
pub const BUILD_STAGE: &str = "Build";
/// The self-mutation stage.
pub const UPDATE_PIPELINE_STAGE: &str = "UpdatePipeline";
/// The stage that publishes the Lambda bundles.
pub const ASSETS_STAGE: &str = "Assets";
/// The pipeline's own stages, whose names a `stage` block cannot take (all four, even
/// when a pipeline has not all of them: a program that adds a lambda or self-mutation
/// later keeps its stage names).
pub const OWN_STAGES: &[&str] = &[
    SOURCE_STAGE,
    BUILD_STAGE,
    UPDATE_PIPELINE_STAGE,
    ASSETS_STAGE,
];

/// The synth action of the `Build` stage.
pub const SYNTH_ACTION: &str = "Synth";
/// The action that deploys the support stacks of the other regions.
pub const SUPPORT_STACKS_ACTION: &str = "SupportStacks";
/// The action that creates the pipeline stack's own change set.
pub const SELF_MUTATE_PREPARE_ACTION: &str = "SelfMutate.Prepare";
/// The action that executes it.
pub const SELF_MUTATE_DEPLOY_ACTION: &str = "SelfMutate.Deploy";
/// The name of the action that runs a stage's `verify` commands.
pub const VERIFY_ACTION: &str = "Verify";
/// The name of the action that runs a stage's (or wave's) `pre` commands.
pub const PRE_ACTION: &str = "Pre";
/// The name of the action that turns termination protection on for a stage's stacks.
pub const PROTECT_ACTION: &str = "Protect";
/// The name of the action that decides a `when: Broadening` approval of a stage or wave.
pub const BROADENING_CHECK_ACTION: &str = "CheckBroadening";
/// The name of the action that reads the change sets of a stage (or wave) whose stacks
/// hold data, before anything executes, for changes that lose data.
pub const DATA_LOSS_CHECK_ACTION: &str = "CheckDataLoss";
/// The variable in which that check says what loses data (`none` when nothing does).
pub const DATA_LOSS_VARIABLE: &str = "DATA_LOSS";
/// How that variable starts when something loses data (what follows names it).
pub const DATA_LOSS_FOUND: &str = "LOSES DATA: ";

/// The namespace of a stage's (or wave's) data-loss check: `_` cannot be in a stack name,
/// so no stack's namespace (its name) takes it.
pub fn data_loss_namespace(owner: &str) -> String {
    format!("{owner}_DataLoss")
}

/// The reference to what the data-loss check of a stage (or wave) found, as an action's
/// configuration reads it.
pub fn data_loss_reference(owner: &str) -> String {
    format!("#{{{}.{DATA_LOSS_VARIABLE}}}", data_loss_namespace(owner))
}

/// Artifact of the source action.
pub const SOURCE_ARTIFACT: &str = "Source_Output";
/// Artifact of the synth action: the cloud assembly.
pub const SYNTH_ARTIFACT: &str = "Synth_Output";
/// The change set every deployment prepares and executes.
pub const CHANGE_SET: &str = "PipelineChange";

/// The source action's name: the repository as `owner_name`, as the CDK names it.
pub fn source_action_name(pipeline: &Pipeline) -> String {
    let mut name = pipeline.source.repo.replace('/', "_");
    name.truncate(MAX_NAME_LENGTH);
    name
}

/// The action that creates a stack's change set.
pub fn prepare_action_name(stack: &str) -> String {
    format!("{stack}.Prepare")
}

/// The action that executes a stack's change set.
pub fn deploy_action_name(stack: &str) -> String {
    format!("{stack}.Deploy")
}

/// The name of a stage's action inside a wave, whose pipeline stage holds the actions
/// of several stages: the stage's name first.
pub fn wave_action_name(stage: &str, action: &str) -> String {
    format!("{stage}.{action}")
}

/// The action of a stage's manual approval: its label with spaces as `_`.
pub fn approval_action_name(label: &str) -> String {
    label.replace(' ', "_")
}

/// The CodePipeline action name of an asset: stable across code changes.
pub fn asset_action_name(asset: &Asset) -> String {
    asset_action_name_of(&asset.package, &asset.bin, asset.architecture)
}

/// The asset action name of a package's binary built for an architecture.
pub fn asset_action_name_of(package: &str, bin: &str, architecture: Architecture) -> String {
    format!("{package}-{bin}-{}", architecture.aws_value())
}

/// The asset manifest that lists one asset with every destination, read by its action.
pub fn asset_manifest_file(asset: &Asset) -> String {
    asset_manifest_file_of(&asset_action_name(asset))
}

/// The asset manifest of the bundle an asset action publishes.
pub(crate) fn asset_manifest_file_of(action: &str) -> String {
    format!("assets/{action}.assets.json")
}

/// The name of the support stack of a region the pipeline deploys to but does not live in.
pub fn support_stack_name(pipeline: &Pipeline, region: &str) -> String {
    format!("{}-support-{region}", pipeline.name)
}

/// Lowercase letters and digits of the pipeline's name, at most 24, and a hash of the
/// pipeline's identity and the region: globally unique names that fit S3's 63 and
/// CodePipeline's 100 characters.
fn physical_name_stem(pipeline: &Pipeline, region: &str) -> (String, String) {
    let digest = Sha256::digest(format!("{}/{}/{}", pipeline.name, pipeline.account, region));
    let hash = hex(&digest[..4]);
    let mut prefix: String = pipeline
        .name
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    prefix.truncate(24);
    (prefix, hash)
}

/// The artifact bucket of the pipeline in another region: deterministic, so the pipeline
/// stack can name it without a cross-region reference.
pub fn support_bucket_name(pipeline: &Pipeline, region: &str) -> String {
    let (prefix, hash) = physical_name_stem(pipeline, region);
    format!("{prefix}-artifacts-{hash}-{region}")
}

/// The alias of the pipeline's artifact key in a region (`cross_account_keys`). Short:
/// CodePipeline takes its ARN as the key id of a cross-region artifact store, and key
/// ids have at most 100 characters.
pub fn artifact_key_alias(pipeline: &Pipeline, region: &str) -> String {
    let (prefix, hash) = physical_name_stem(pipeline, region);
    format!("alias/{prefix}-artifacts-{hash}")
}
