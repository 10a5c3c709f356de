//! Synthesis: a checked [`Program`] in, every stack's CloudFormation template out.
//!
//! Pure (no I/O): the `pipeline!` macro calls it while the program compiles, tests and
//! benchmarks call it directly. The order of the stacks is the deployment order: the
//! pipeline stack, its support stacks, then each stage's stacks in the order the stages
//! are written. The pipeline stack and the support stacks render the program's
//! [`plan`](crate::plan); each stage's stacks are its `stack` blocks, as service stacks.
//! What both kinds share has a module of its own: the error ([`SynthError`]), the check
//! of the environment's bootstrap stack, the ids of the Lambda bundles ([`asset_id`]).

mod asset;
mod bootstrap_version;
mod error;
mod pipeline;
mod service;

use crate::app::{App, Asset, StackArtifact, StackRole, StatefulType, Text};
use crate::cfn::Template;
use crate::plan::{Site, StageField};
use crate::spec::Program;

pub use asset::{asset_id, ASSET_RECIPE};
pub use error::SynthError;
pub use pipeline::{
    template_configuration, template_configuration_file, CAPABILITIES, CDK_ASSETS_PACKAGE,
    DEFAULT_IMAGE, DEFAULT_INSTALL, PIPELINE_TAG, RUST_TOOLCHAIN, TOOL_CACHE_PATHS,
};

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
                    stateful_types: Vec::new(),
                    approval: None,
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
                .map(|lambda| asset::lambda_asset(program, stack, lambda))
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
                    stateful_types: StatefulType::declared_by([stack]),
                    approval: approval_before(program, stage),
                }),
                Err(e) => errors.push(e),
            }
        }
    }
    (stage_stacks, assets)
}

/// The name of the manual approval before a stage deploys: its own, or its wave's.
fn approval_before(program: &Program, stage: &crate::spec::Stage) -> Option<Text> {
    let wave = stage.wave.as_deref().and_then(|name| program.wave(name));
    stage
        .approval
        .as_ref()
        .or(wave.and_then(|w| w.approval.as_ref()))
        .map(|approval| approval.name.clone().into())
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
                stateful_types: Vec::new(),
                approval: None,
            }),
            Err(e) => errors.push(e),
        }
    }
    stacks
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
