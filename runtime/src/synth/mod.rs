//! Synthesis: a checked [`Program`] in, every stack's CloudFormation template out.
//!
//! Pure (no I/O): the `pipeline!` macro calls it while the program compiles, tests and
//! benchmarks call it directly. The order of the stacks is the deployment order: the
//! pipeline stack, its support stacks, then each stage's stacks in the order the stages
//! are written. The pipeline stack and the support stacks render the program's
//! [`plan`](crate::plan).

mod pipeline;
mod service;

use std::fmt;

use sha2::{Digest, Sha256};

use crate::app::{App, Asset, StackArtifact, StackRole, Text};
use crate::bootstrap_stack;
use crate::cfn::{Assertion, Condition, Parameter, Rule, Template, TemplateError, Value};
use crate::plan::{PlanError, Site, StageField};
use crate::spec::{Architecture, Lambda, Program, Stack};

pub use pipeline::{
    template_configuration, template_configuration_file, CAPABILITIES, CDK_ASSETS_PACKAGE,
    DEFAULT_IMAGE, DEFAULT_INSTALL, PIPELINE_TAG, RUST_TOOLCHAIN, TOOL_CACHE_PATHS,
};

/// A synthesis failure, tied to the block that caused it when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthError {
    /// The block (or field) of the program the failure is about.
    pub site: Option<Site>,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.site {
            Some(site) => write!(f, "{site}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SynthError {}

impl SynthError {
    pub(crate) fn at(site: Site, error: impl fmt::Display) -> Self {
        SynthError {
            site: Some(site),
            message: error.to_string(),
        }
    }
}

impl From<PlanError> for SynthError {
    fn from(e: PlanError) -> Self {
        SynthError::at(e.site, e.message)
    }
}

/// Version of the recipe that turns sources into a Lambda zip; part of every asset id,
/// so a change of recipe uploads fresh bundles.
pub const ASSET_RECIPE: &str = "pipewright-lambda-zip-v1:provided.al2023:release";

/// The id of the asset a lambda deploys: derived from its sources and how it is built.
pub fn asset_id(source_hash: &str, bin: &str, architecture: Architecture) -> String {
    let mut h = Sha256::new();
    for part in [ASSET_RECIPE, source_hash, bin, architecture.aws_value()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    crate::fingerprint::hex(&h.finalize())
}

/// Synthesizes every stack of a program. `workspace_root` is where the lambdas'
/// packages are built from.
pub fn synthesize(program: &Program, workspace_root: &str) -> Result<App, Vec<SynthError>> {
    let mut errors = Vec::new();
    let (stage_stacks, assets) = stage_stacks(program, &mut errors);
    let mut stacks = Vec::new();
    match crate::plan::plan(program) {
        Ok(plan) => {
            let support_stacks = support_stacks(program, &plan, &mut errors);
            match pipeline::pipeline_stack(program, &plan) {
                Ok(template) => stacks.push(StackArtifact {
                    name: program.pipeline.name.clone().into(),
                    role: StackRole::Pipeline,
                    account: program.pipeline.account.clone().into(),
                    region: program.pipeline.region.clone().into(),
                    template: finish(&template, Site::Pipeline, &mut errors).into(),
                    assets: Vec::new(),
                    depends_on: support_stacks.iter().map(|s| s.name.clone()).collect(),
                    outputs: vec!["PipelineName".into()],
                    protected: false,
                }),
                Err(e) => errors.push(e),
            }
            stacks.extend(support_stacks);
        }
        Err(plan_errors) => errors.extend(plan_errors.into_iter().map(SynthError::from)),
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    stacks.extend(stage_stacks);
    Ok(App {
        pipeline: program.pipeline.name.clone().into(),
        stacks,
        assets,
        qualifier: program.pipeline.qualifier.clone().into(),
        workspace_root: workspace_root.to_owned().into(),
        package: program.package.clone().into(),
    })
}

/// Every stage's stacks, in stage order, and the distinct bundles their lambdas deploy.
fn stage_stacks(
    program: &Program,
    errors: &mut Vec<SynthError>,
) -> (Vec<StackArtifact>, Vec<Asset>) {
    let mut assets: Vec<Asset> = Vec::new();
    let mut stage_stacks = Vec::new();
    for stage in &program.stages {
        for stack_name in &stage.stacks {
            let Some(stack) = program.stack(stack_name) else {
                errors.push(SynthError::at(
                    Site::stage_field(&stage.name, StageField::Stacks),
                    format!("no stack `{stack_name}`"),
                ));
                continue;
            };
            // One bundle per lambda; the template names it, the app lists it once.
            let lambda_assets = match stack
                .lambdas
                .iter()
                .map(|lambda| lambda_asset(program, stack, lambda))
                .collect::<Result<Vec<Asset>, SynthError>>()
            {
                Ok(found) => found,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let mut stack_assets: Vec<Text> = Vec::new();
            for asset in &lambda_assets {
                if !stack_assets.contains(&asset.id) {
                    stack_assets.push(asset.id.clone());
                }
                if !assets.iter().any(|a| a.id == asset.id) {
                    assets.push(asset.clone());
                }
            }
            match service::service_stack(program, stage, stack, &lambda_assets) {
                Ok((template, outputs)) => stage_stacks.push(StackArtifact {
                    name: stage.stack_name(&stack.name).into(),
                    role: StackRole::Stage {
                        stage: stage.name.clone().into(),
                        stack: stack.name.clone().into(),
                    },
                    account: stage.account.clone().into(),
                    region: stage.region.clone().into(),
                    template: finish(&template, Site::stack(&stack.name), errors).into(),
                    assets: stack_assets,
                    depends_on: Vec::new(),
                    outputs: outputs.into_iter().map(Text::from).collect(),
                    protected: stage.protect,
                }),
                Err(e) => errors.push(e),
            }
        }
    }
    (stage_stacks, assets)
}

/// The pipeline's artifact stores in the other regions it deploys to.
fn support_stacks(
    program: &Program,
    plan: &crate::plan::PipelinePlan,
    errors: &mut Vec<SynthError>,
) -> Vec<StackArtifact> {
    let mut stacks = Vec::new();
    for support in &plan.support_regions {
        match pipeline::support_stack(program, plan, support) {
            Ok(template) => stacks.push(StackArtifact {
                name: support.stack_name.clone().into(),
                role: StackRole::Support,
                account: program.pipeline.account.clone().into(),
                region: support.region.clone().into(),
                template: finish(&template, Site::Pipeline, errors).into(),
                assets: Vec::new(),
                depends_on: Vec::new(),
                outputs: vec!["ArtifactsBucketName".into()],
                protected: false,
            }),
            Err(e) => errors.push(e),
        }
    }
    stacks
}

fn lambda_asset(program: &Program, stack: &Stack, lambda: &Lambda) -> Result<Asset, SynthError> {
    let package = program.package(&lambda.package).ok_or_else(|| {
        SynthError::at(
            Site::lambda(&stack.name, &lambda.name),
            format!(
                "package `{}` is not among the program's packages",
                lambda.package
            ),
        )
    })?;
    Ok(Asset {
        id: asset_id(&package.source_hash, &lambda.bin, lambda.architecture).into(),
        package: package.name.clone().into(),
        bin: lambda.bin.clone().into(),
        architecture: lambda.architecture,
        package_dir: package.dir.clone().into(),
        source_hash: package.source_hash.clone().into(),
    })
}

/// Checks that every reference resolves and serializes the template.
fn finish(template: &Template, site: Site, errors: &mut Vec<SynthError>) -> String {
    if let Err(unresolved) = template.check_references() {
        errors.extend(
            unresolved
                .into_iter()
                .map(|e| SynthError::at(site.clone(), e)),
        );
    }
    let (resources, outputs) = (template.resources().count(), template.outputs().count());
    if resources > MAX_RESOURCES {
        errors.push(SynthError::at(
            site.clone(),
            format!("the stack would have {resources} resources: CloudFormation allows {MAX_RESOURCES} per stack; split the stack"),
        ));
    }
    if outputs > MAX_OUTPUTS {
        errors.push(SynthError::at(
            site.clone(),
            format!("the stack would have {outputs} outputs: CloudFormation allows {MAX_OUTPUTS} per stack; split the stack"),
        ));
    }
    let json = template.to_json_pretty();
    if json.len() > MAX_TEMPLATE_SIZE {
        errors.push(SynthError::at(
            site,
            format!(
                "the template is {} bytes: the pipeline's CloudFormation actions deploy templates of at most {MAX_TEMPLATE_SIZE}; split the stack",
                json.len()
            ),
        ));
    }
    json
}

/// CloudFormation's limit of resources in one stack.
pub const MAX_RESOURCES: usize = 500;
/// CloudFormation's limit of outputs in one stack.
pub const MAX_OUTPUTS: usize = 200;

/// The largest template the pipeline deploys: CloudFormation's long-standing limit for a
/// template read from S3, under what CodePipeline's CloudFormation action takes (512 KB).
pub const MAX_TEMPLATE_SIZE: usize = 460_800;

/// The `BootstrapVersion` parameter and the rule that fails the deployment early, with
/// a clear message, when the environment's bootstrap stack is missing or too old. The
/// same check as the AWS CDK's stacks.
fn require_bootstrap(template: &mut Template, qualifier: &str) -> Result<(), TemplateError> {
    let version = template.add_parameter(
        "BootstrapVersion",
        Parameter::new(
            "AWS::SSM::Parameter::Value<String>",
            bootstrap_stack::version_parameter(qualifier),
        )
        .description(
            "Version of the bootstrap resources in this environment, read from SSM Parameter Store.",
        ),
    )?;
    let too_old: Vec<Value<String>> = (1..bootstrap_stack::REQUIRED_VERSION)
        .map(|v| v.to_string().into())
        .collect();
    template.add_rule(
        "CheckBootstrapVersion",
        Rule {
            assertions: vec![Assertion {
                assert: Condition::Not(Box::new(Condition::Contains(too_old, version.value()))),
                assert_description: format!(
                    "Bootstrap stack version {} required. Run `cargo run --bin deploy -- bootstrap` (or `cdk bootstrap`).",
                    bootstrap_stack::REQUIRED_VERSION
                ),
            }],
        },
    )
}
