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

mod notify;
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

/// [`RUST_TOOLCHAIN`], as a literal for `concat!`.
macro_rules! rust_toolchain {
    () => {
        "1.95"
    };
}

/// What the synth action runs before the program's commands when `synth.install` is
/// not set, every download pinned and checked by a package manager (nothing piped from a
/// download into a shell): where there is no cargo, rustup from its Python package
/// (`--require-hashes`: the exact wheel, x86-64 or arm64), which installs the
/// [`RUST_TOOLCHAIN`] from the channel's signed manifest (a repository's
/// `rust-toolchain.toml` still wins when cargo runs in it); then cargo-lambda and zig,
/// exact versions, hash-checked, to build the Lambda bundles for Amazon Linux 2023. A
/// program with `Arm64` lambdas also gets the `aarch64-unknown-linux-gnu` target. Cargo's
/// `bin` comes first on the `PATH`: a toolchain the S3 cache brought back (rustup's home and
/// cargo's `bin` are cached paths, [`TOOL_CACHE_PATHS`]) is used as it is, and pip finds the
/// tools' wheels in its cached downloads.
pub const DEFAULT_INSTALL: &[&str] = &[
    "export PATH=\"$HOME/.cargo/bin:$PATH\"",
    concat!(
        "command -v cargo >/dev/null 2>&1 || { printf '%s\\n' 'rustup==1.29.0.1 --hash=sha256:47c6d01a6b54b87308fe29ae91633757fb1c5862374e6dd8978955b411bff7e4 --hash=sha256:771b3a48cc598dfa559c243c5be4358c79c785401b62d6508e23456969fb7a8c' >/tmp/pipewright-rustup.txt",
        " && python3 -m pip install --quiet --disable-pip-version-check --require-hashes -r /tmp/pipewright-rustup.txt",
        " && rustup toolchain install ", rust_toolchain!(), " --profile minimal && rustup default ", rust_toolchain!(), "; }"
    ),
    "printf '%s\\n' 'cargo-lambda==1.9.2 --hash=sha256:db2c0b1d53d7ed0055198fd045f641addc91b180b20d794fcf78cc9a9efacb38 --hash=sha256:3350315e8b4e88f7134967f51546bf51aa5db37a6d39a17380545362ae27e289' 'ziglang==0.17.1 --hash=sha256:ea6cc5d87b033cf0aedfbc8f9549a908cae6c50ac31f1698188fa48a74524b54 --hash=sha256:b7c5f02fccd40f89b999ee16a1f5ddced56e6182370f8affe494bcf8a28cf07e' >/tmp/pipewright-tools.txt",
    "python3 -m pip install --quiet --disable-pip-version-check --require-hashes -r /tmp/pipewright-tools.txt",
];

/// What the synth action's S3 cache keeps of the default install, so that a run with a cache
/// hit downloads none of it again: rustup's toolchains and settings, cargo's `bin` (rustup's
/// proxies), pip's downloads (the cargo-lambda and zig wheels; pip still checks their hashes).
pub const TOOL_CACHE_PATHS: &[&str] = &[
    "/root/.rustup/**/*",
    "/root/.cargo/bin/**/*",
    "/root/.cache/pip/**/*",
];

/// The Rust toolchain the synth action installs where the image has none: the one
/// pipewright is built and tested with (its `rust-version`).
pub const RUST_TOOLCHAIN: &str = rust_toolchain!();

/// The npm package that publishes the assets from the cloud assembly's asset manifests,
/// pinned to an exact version (npm checks the package's integrity hash from the registry).
pub const CDK_ASSETS_PACKAGE: &str = "cdk-assets@4.7.3";

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
    /// A template configuration file of CodePipeline's CloudFormation actions.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct TemplateConfiguration<'a> {
        tags: std::collections::BTreeMap<&'a str, &'a str>,
    }
    let configuration = TemplateConfiguration {
        tags: [(PIPELINE_TAG, pipeline)].into(),
    };
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

/// `Metadata` that skips checkov checks, each with the reason it does not apply: the
/// justification travels with the template.
fn checkov_skips(skips: &[(&str, &str)]) -> crate::cfn::Metadata {
    crate::cfn::Metadata::checkov_skips(skips)
}
