//! The pipeline stack: a CodePipeline that builds the repository, updates itself,
//! publishes the Lambda bundles and deploys every stage, with the semantics of CDK
//! Pipelines (see `shared/reference/cdk-synth/pipeline/`), and the support stacks that
//! hold its artifacts in the other regions it deploys to.
//!
//! The layout (stages, actions, run orders, roles, names) is the [`PipelinePlan`]'s;
//! this renders it: the artifact stores ([`storage`]), the CodeBuild projects behind the
//! build actions ([`projects`]), the roles of the source action and the pipeline
//! ([`roles`]), and each planned stage and action as CodePipeline declares it
//! ([`stages`]). Deployments go through the bootstrap roles of each target environment,
//! as the CDK names them, so an environment bootstrapped with `cdk bootstrap` works
//! unchanged.
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

mod projects;
mod roles;
mod stages;
mod storage;

use crate::cfn::resources::code_pipeline;
use crate::cfn::{Output, Template, TemplateError, Value};
use crate::plan::{PipelinePlan, Site};
use crate::spec::Program;

use super::{require_bootstrap, SynthError};

pub(super) use storage::support_stack;

/// The image of the build actions when `codebuild.image` is not set: Amazon Linux 2023,
/// the same distribution (and glibc) as the `provided.al2023` Lambda runtime, with
/// Python, Node.js and the AWS CLI preinstalled.
pub const DEFAULT_IMAGE: &str = "aws/codebuild/amazonlinux-x86_64-standard:5.0";

/// What the synth action runs before the program's commands when `synth.install` is
/// not set: a Rust toolchain with rustup (the repository's `rust-toolchain.toml` is
/// honoured when there is one), and cargo-lambda with zig to build the Lambda bundles
/// for Amazon Linux 2023. A program with `Arm64` lambdas also gets the
/// `aarch64-unknown-linux-gnu` target.
pub const DEFAULT_INSTALL: &[&str] = &[
    "command -v cargo >/dev/null 2>&1 || curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal",
    "export PATH=\"$HOME/.cargo/bin:$PATH\"",
    "pip3 install --quiet cargo-lambda ziglang",
];

/// The npm package that publishes the assets from the cloud assembly's asset manifests,
/// pinned to a major version so a new major cannot change the pipeline's behaviour.
pub const CDK_ASSETS_PACKAGE: &str = "cdk-assets@4";

/// The capabilities every change set acknowledges (named IAM roles, macros).
pub const CAPABILITIES: &str = "CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND";

/// The stack tag naming the pipeline a stack belongs to. `deploy` sets it, and so does
/// the pipeline (through each change set's template configuration): `diff` and `deploy`
/// find the deployed stacks a program no longer has by it.
pub const PIPELINE_TAG: &str = "pipewright:pipeline";

/// The template configuration file of a stack in the assembly: the stack tags its
/// change sets set.
pub fn template_configuration_file(stack: &str) -> String {
    format!("{stack}.template-configuration.json")
}

/// The contents of every stack's template configuration: the pipeline's tag.
pub fn template_configuration(pipeline: &str) -> String {
    let configuration = serde_json::json!({"Tags": {PIPELINE_TAG: pipeline}});
    serde_json::to_string_pretty(&configuration).expect("configurations serialize to JSON")
}

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
    let pipeline_role =
        roles::pipeline_role(&mut t, program, plan, &store, &source_role, &projects)
            .map_err(err)?;
    let declared = stages::declarations(program, plan, &source_role, &projects);
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
            ..code_pipeline::Pipeline::new(
                pipeline_role.get_att(crate::cfn::resources::iam::RoleAttribute::Arn),
                declared,
            )
        },
    )
    .map_err(err)?;
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

/// `Metadata` that skips checkov checks, each with the reason it does not apply: the
/// justification travels with the template.
fn checkov_skips(skips: &[(&str, &str)]) -> crate::cfn::Json {
    let skip: Vec<crate::cfn::Json> = skips
        .iter()
        .map(|(id, comment)| serde_json::json!({"id": id, "comment": comment}))
        .collect();
    serde_json::json!({"checkov": {"skip": skip}})
}
