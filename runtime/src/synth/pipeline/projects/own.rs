//! The pipeline's own projects, which run no command of the program: the support stacks
//! of the other regions, the assets, and the termination protection of protected stages.

use crate::bootstrap_stack::{Environment, Role};
use crate::cfn::resources::code_build;
use crate::cfn::{Handle, Statement, Template, TemplateError, Value};
use crate::plan::{PipelinePlan, Target};
use crate::spec::Program;

use super::super::change_sets::PIPELINE_TAG;
use super::builder::{codebuild_role, BuildSpec, Builder, ProjectSpec};
use super::toolchain::CDK_ASSETS_PACKAGE;

/// The bootstrap roles of the environment the support stacks' script deploys to, as the
/// script names them (its variables).
const SCRIPT_ROLES: Environment<'static> = Environment {
    qualifier: "$QUALIFIER",
    account: "$ACCOUNT",
    region: "$region",
};

/// UpdatePipeline, first action: the support stacks of the other regions, deployed with
/// the AWS CLI through the pipeline account's bootstrap roles of their region.
/// CodePipeline cannot run an action in a region before that region's artifact bucket
/// exists; this action runs in the pipeline's region, and deploys whatever support
/// stacks the new assembly holds, so a stage added in a new region works in the same run.
pub(super) fn support_stacks_project(
    t: &mut Template,
    builder: &Builder<'_>,
    program: &Program,
    plan: &PipelinePlan,
) -> Result<Handle<code_build::Project>, TemplateError> {
    let p = &program.pipeline;
    let partition = plan.home.environment(&p.qualifier).partition();
    let deploy_roles = Environment {
        qualifier: &p.qualifier,
        account: &p.account,
        region: "*",
    }
    .role_arn_in(partition, Role::Deploy);
    let mut statements = builder.role_statements("SupportStacks", false);
    // Any region: the running pipeline deploys the support stacks of the assembly it
    // just built, including regions it has never deployed to.
    statements.push(Statement::allow(["sts:AssumeRole"]).on([deploy_roles]));
    let role = codebuild_role(
        t,
        "SupportStacksRole",
        "Deploys the pipeline's artifact stores in the other regions".into(),
        statements,
        None,
    )?;
    let script = format!(
        "( set -euo pipefail\n\
         for template in {pipeline}-support-*.template.json; do\n\
         \x20 [ -e \"$template\" ] || continue\n\
         \x20 stack=\"${{template%.template.json}}\"\n\
         \x20 region=\"${{stack##*-support-}}\"\n\
         \x20 echo \"deploying $stack to $region\"\n\
         \x20 credentials=\"$(aws sts assume-role --role-arn \"{deploy_role}\" --role-session-name pipewright-support-stacks --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)\"\n\
         \x20 read -r key secret token <<< \"$credentials\"\n\
         \x20 AWS_ACCESS_KEY_ID=\"$key\" AWS_SECRET_ACCESS_KEY=\"$secret\" AWS_SESSION_TOKEN=\"$token\" \\\n\
         \x20   aws cloudformation deploy --region \"$region\" --stack-name \"$stack\" --template-file \"$template\" \\\n\
         \x20   --role-arn \"{exec_role}\" --no-fail-on-empty-changeset \\\n\
         \x20   --tags \"{PIPELINE_TAG}={pipeline}\"\n\
         done )",
        pipeline = p.name,
        deploy_role = SCRIPT_ROLES.role_arn_in("$PARTITION", Role::Deploy),
        exec_role = SCRIPT_ROLES.role_arn_in("$PARTITION", Role::CfnExec),
    );
    builder.add_project(
        t,
        "SupportStacksProject",
        "SupportStacks",
        &role,
        ProjectSpec {
            description: format!(
                "Deploys the artifact stores of the {} pipeline in its other regions",
                p.name
            ),
            environment: builder.own_environment(vec![
                ("PARTITION", partition.to_owned()),
                ("ACCOUNT", p.account.clone()),
                ("QUALIFIER", p.qualifier.clone()),
            ]),
            spec: BuildSpec::new(None, vec![script]),
            timeout_minutes: 30,
            cache: false,
        },
    )
}

/// Assets: one project, one action per bundle. It assumes the file-publishing role of
/// each destination.
pub(super) fn assets_project(
    t: &mut Template,
    builder: &Builder<'_>,
    program: &Program,
    plan: &PipelinePlan,
) -> Result<Handle<code_build::Project>, TemplateError> {
    let qualifier = &program.pipeline.qualifier;
    let publishing_roles: Vec<Value<String>> = plan
        .targets
        .iter()
        .map(|e| e.environment(qualifier).file_publishing_role_arn().into())
        .collect();
    let mut statements = builder.role_statements("Assets", false);
    statements.push(Statement::allow(["sts:AssumeRole"]).on(publishing_roles));
    let role = codebuild_role(
        t,
        "AssetsRole",
        "Publishes the Lambda bundles to the target environments".into(),
        statements,
        None,
    )?;
    builder.add_project(
        t,
        "AssetsProject",
        "Assets",
        &role,
        ProjectSpec {
            description: "Publishes one Lambda bundle to every environment that deploys it".into(),
            environment: builder.own_environment(Vec::new()),
            spec: BuildSpec::new(
                Some(vec![format!("npm install --global {CDK_ASSETS_PACKAGE}")]),
                vec!["cdk-assets --path \"$ASSET_MANIFEST\" --verbose publish".to_owned()],
            ),
            timeout_minutes: 30,
            cache: false,
        },
    )
}

/// Protect: turns termination protection on for the stacks of a protected stage, through
/// the deploy role of its environment (the CDK's deploy role may
/// `cloudformation:UpdateTerminationProtection`). A CloudFormation action cannot, and CDK
/// Pipelines ignores the setting (aws-cdk#17871). The action names the stacks, their
/// region and the role; the project's own role may assume only the deploy roles of the
/// protected stages.
pub(super) fn protect_project(
    t: &mut Template,
    builder: &Builder<'_>,
    program: &Program,
    targets: &[Target],
) -> Result<Handle<code_build::Project>, TemplateError> {
    let qualifier = &program.pipeline.qualifier;
    let mut roles: Vec<String> = targets
        .iter()
        .map(|target| target.environment(qualifier).deploy_role_arn())
        .collect();
    roles.dedup();
    let mut statements = builder.role_statements("Protect", false);
    statements.push(Statement::allow(["sts:AssumeRole"]).on(roles));
    let role = codebuild_role(
        t,
        "ProtectRole",
        "Turns termination protection on for the protected stages' stacks".into(),
        statements,
        None,
    )?;
    let script = "( set -euo pipefail\n\
         credentials=\"$(aws sts assume-role --role-arn \"$DEPLOY_ROLE\" --role-session-name pipewright-protect --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)\"\n\
         read -r key secret token <<< \"$credentials\"\n\
         for stack in $STACKS; do\n\
         \x20 echo \"termination protection on for $stack\"\n\
         \x20 AWS_ACCESS_KEY_ID=\"$key\" AWS_SECRET_ACCESS_KEY=\"$secret\" AWS_SESSION_TOKEN=\"$token\" \\\n\
         \x20   aws cloudformation update-termination-protection --region \"$STACKS_REGION\" --stack-name \"$stack\" --enable-termination-protection\n\
         done )";
    builder.add_project(
        t,
        "ProtectProject",
        "Protect",
        &role,
        ProjectSpec {
            description: format!(
                "Turns termination protection on for the protected stacks of the {} pipeline",
                program.pipeline.name
            ),
            environment: builder.own_environment(Vec::new()),
            spec: BuildSpec::new(None, vec![script.to_owned()]),
            timeout_minutes: 10,
            cache: false,
        },
    )
}
