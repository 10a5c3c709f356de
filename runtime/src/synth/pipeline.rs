//! The pipeline stack: a CodePipeline that builds the repository, updates itself,
//! publishes the Lambda bundles and deploys every stage, with the semantics of CDK
//! Pipelines (see `shared/reference/cdk-synth/pipeline/`), and the support stacks that
//! hold its artifacts in the other regions it deploys to.
//!
//! Stages, in order: `Source`, `Build` (the synth action), `UpdatePipeline` (when
//! `self_mutation`), `Assets` (when a stage deploys a lambda), then one stage per `stage`
//! block. Deployments go through the bootstrap roles of each target environment, as the
//! CDK names them, so an environment bootstrapped with `cdk bootstrap` works unchanged.
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

use std::collections::BTreeSet;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::app::{Asset, StackArtifact, StackRole};
use crate::bootstrap::Environment;
use crate::cfn::resources::{code_build, code_pipeline, iam, kms, s3};
use crate::cfn::{
    Attributes, Handle, Json, Output, PolicyDocument, Principal, RemovalPolicy, Statement,
    Template, TemplateError, Value,
};
use crate::fingerprint::hex;
use crate::spec::{Architecture, Pipeline, Program, Stage};

use super::{require_bootstrap, SynthError};

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

/// Artifact of the source action.
pub const SOURCE_ARTIFACT: &str = "Source_Output";
/// Artifact of the synth action: the cloud assembly.
pub const SYNTH_ARTIFACT: &str = "Synth_Output";
/// The change set every deployment prepares and executes.
pub const CHANGE_SET: &str = "PipelineChange";
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

/// The pipeline's own stages, before the deployment stages.
pub const SOURCE_STAGE: &str = "Source";
/// The stage of the synth action.
pub const BUILD_STAGE: &str = "Build";
/// The self-mutation stage.
pub const UPDATE_PIPELINE_STAGE: &str = "UpdatePipeline";
/// The stage that publishes the Lambda bundles.
pub const ASSETS_STAGE: &str = "Assets";
/// The name of the action that runs a stage's `verify` commands.
pub const VERIFY_ACTION: &str = "Verify";

/// CodePipeline's limit on stage, action and namespace names (characters).
pub const MAX_NAME_LENGTH: usize = 100;
/// CodePipeline's limit on the actions of one stage.
pub const MAX_ACTIONS_PER_STAGE: usize = 50;
/// CodePipeline's limit on the stages of one pipeline.
pub const MAX_STAGES: usize = 50;
/// CodePipeline's limit on one action configuration value (characters), which the verify
/// action's `EnvironmentVariables` must fit in. The API reference still says 1,000; the
/// service has answered `Member must have length less than or equal to 50000` since at
/// least 2022 (aws-cdk#19767, terraform-provider-aws#41023).
pub const MAX_CONFIGURATION_VALUE_LENGTH: usize = 50_000;

/// A CodePipeline stage, action or namespace name: 1 to 100 characters of
/// `A-Za-z0-9.@-_` (namespaces also exclude `.`).
pub fn check_codepipeline_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LENGTH {
        return Err(format!(
            "`{name}` has {} characters: CodePipeline names have 1 to {MAX_NAME_LENGTH}",
            name.len()
        ));
    }
    match name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-@".contains(*c)))
    {
        Some(bad) => Err(format!(
            "`{bad}` is not allowed in a CodePipeline name: use letters, digits, `.`, `-`, `_` and `@`"
        )),
        None => Ok(()),
    }
}

/// The action that creates a stack's change set.
pub fn prepare_action_name(stack: &str) -> String {
    format!("{stack}.Prepare")
}

/// The action that executes a stack's change set.
pub fn deploy_action_name(stack: &str) -> String {
    format!("{stack}.Deploy")
}

/// The action of a stage's manual approval: its label with spaces as `_`.
pub fn approval_action_name(label: &str) -> String {
    label.replace(' ', "_")
}

/// The variable namespace of a deployed stack: its stack name.
pub fn stack_namespace(stage: &Stage, stack: &str) -> String {
    stage.stack_name(stack)
}

/// Every action name of a deployment stage, in pipeline order.
pub fn stage_action_names(stage: &Stage) -> Vec<String> {
    let mut names: Vec<String> = stage
        .stacks
        .iter()
        .map(|s| prepare_action_name(s))
        .collect();
    names.extend(stage.approval.iter().map(|a| approval_action_name(a)));
    names.extend(stage.stacks.iter().map(|s| deploy_action_name(s)));
    if !stage.verify.is_empty() {
        names.push(VERIFY_ACTION.to_owned());
    }
    names
}

/// The pipeline's own stages before the deployment stages.
pub fn own_stage_names(pipeline: &Pipeline, has_assets: bool) -> Vec<&'static str> {
    let mut stages = vec![SOURCE_STAGE, BUILD_STAGE];
    if pipeline.self_mutation {
        stages.push(UPDATE_PIPELINE_STAGE);
    }
    if has_assets {
        stages.push(ASSETS_STAGE);
    }
    stages
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
    format!("assets/{}.assets.json", asset_action_name(asset))
}

/// The source action's name: the repository as `owner_name`, as the CDK names it.
fn source_action_name(pipeline: &Pipeline) -> String {
    let mut name = pipeline.source.repo.replace('/', "_");
    name.truncate(MAX_NAME_LENGTH);
    name
}

fn target_environments(program: &Program) -> Vec<Environment<'_>> {
    let mut envs: Vec<Environment<'_>> = Vec::new();
    for stage in &program.stages {
        let env = Environment {
            qualifier: &program.pipeline.qualifier,
            account: &stage.account,
            region: &stage.region,
        };
        if !envs.contains(&env) {
            envs.push(env);
        }
    }
    envs
}

/// The regions other than the pipeline's where a stage deploys, in stage order.
pub fn other_regions(program: &Program) -> Vec<&str> {
    let mut regions: Vec<&str> = Vec::new();
    for stage in &program.stages {
        if stage.region != program.pipeline.region && !regions.contains(&stage.region.as_str()) {
            regions.push(&stage.region);
        }
    }
    regions
}

/// The deploy roles that read the artifact store of one region: those of the stages
/// deployed there, and, in the pipeline's region, the pipeline account's own (the
/// self-mutation change set). Split into the pipeline's account and the others, which
/// policies grant differently.
struct Readers {
    same_account: Vec<String>,
    other_accounts: Vec<(String, String)>,
}

fn artifact_readers(program: &Program, region: &str) -> Readers {
    let p = &program.pipeline;
    let mut envs: Vec<Environment<'_>> = target_environments(program)
        .into_iter()
        .filter(|e| e.region == region)
        .collect();
    let home = Environment {
        qualifier: &p.qualifier,
        account: &p.account,
        region: &p.region,
    };
    if p.self_mutation && region == p.region && !envs.contains(&home) {
        envs.insert(0, home);
    }
    let mut readers = Readers {
        same_account: Vec::new(),
        other_accounts: Vec::new(),
    };
    for env in envs {
        if env.account == p.account {
            readers.same_account.push(env.deploy_role_arn());
        } else {
            readers
                .other_accounts
                .push((env.account.to_owned(), env.deploy_role_arn()));
        }
    }
    readers
}

/// The root principals of other accounts, limited by `aws:PrincipalArn` to their deploy
/// roles. Unlike a role ARN as principal, this does not fail the deployment when a target
/// account is not bootstrapped yet, and keeps working when a bootstrap role is recreated.
fn other_account_grant(readers: &Readers, actions: &[&str], sid: &str) -> Option<Statement> {
    if readers.other_accounts.is_empty() {
        return None;
    }
    let mut accounts: Vec<&str> = readers
        .other_accounts
        .iter()
        .map(|(a, _)| a.as_str())
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    let roles: Vec<&str> = readers
        .other_accounts
        .iter()
        .map(|(_, r)| r.as_str())
        .collect();
    Some(
        Statement::allow(actions.iter().copied())
            .sid(sid)
            .principal(Principal::Aws(
                accounts
                    .iter()
                    .map(|a| Value::sub(format!("arn:${{AWS::Partition}}:iam::{a}:root")))
                    .collect(),
            ))
            .when(serde_json::json!({"ArnEquals": {"aws:PrincipalArn": roles}})),
    )
}

/// Action configurations, as typed values; CodePipeline takes them as a free-form map.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ChangeSetConfig {
    action_mode: &'static str,
    stack_name: String,
    change_set_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_configuration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capabilities: Option<&'static str>,
    #[serde(rename = "RoleArn", skip_serializing_if = "Option::is_none")]
    role_arn: Option<String>,
}

/// One entry of a CodeBuild action's `EnvironmentVariables`.
#[derive(Serialize)]
struct BuildVariable {
    name: String,
    value: String,
    r#type: &'static str,
}

fn build_variables(variables: Vec<(String, String)>) -> String {
    let entries: Vec<BuildVariable> = variables
        .into_iter()
        .map(|(name, value)| BuildVariable {
            name,
            value,
            r#type: "PLAINTEXT",
        })
        .collect();
    serde_json::to_string(&entries).expect("variables serialize to JSON")
}

/// The `EnvironmentVariables` of a stage's verify action: every output of the stage's
/// stacks, read from the CloudFormation actions' output variables.
pub fn verify_environment_variables(stage: &Stage, outputs: &[(String, Vec<String>)]) -> String {
    let mut variables = Vec::new();
    for (stack, names) in outputs {
        let namespace = stack_namespace(stage, stack);
        for name in names {
            variables.push((name.clone(), format!("#{{{namespace}.{name}}}")));
        }
    }
    build_variables(variables)
}

fn to_json(value: &impl Serialize) -> Json {
    serde_json::to_value(value).expect("action configurations serialize to JSON")
}

fn action_type(category: &str, provider: &str) -> code_pipeline::pipeline::ActionTypeId {
    code_pipeline::pipeline::ActionTypeId {
        category: category.into(),
        owner: "AWS".into(),
        provider: provider.into(),
        version: "1".into(),
    }
}

/// The pair of actions that deploy one stack: create the change set, execute it. Both
/// run as the environment's deploy role; CloudFormation runs as its execution role.
fn change_set_actions(
    env: &Environment<'_>,
    stack_name: &str,
    template_file: &str,
    names: (String, String),
    run_orders: (i64, i64),
    region: Option<&str>,
    namespace: Option<String>,
) -> [code_pipeline::pipeline::ActionDeclaration; 2] {
    use code_pipeline::pipeline::{ActionDeclaration, InputArtifact};
    let deploy_role = env.deploy_role_arn();
    let prepare = ActionDeclaration {
        configuration: Some(to_json(&ChangeSetConfig {
            action_mode: "CHANGE_SET_REPLACE",
            stack_name: stack_name.to_owned(),
            change_set_name: CHANGE_SET,
            template_path: Some(format!("{SYNTH_ARTIFACT}::{template_file}")),
            template_configuration: Some(format!(
                "{SYNTH_ARTIFACT}::{}",
                template_configuration_file(stack_name)
            )),
            capabilities: Some(CAPABILITIES),
            role_arn: Some(env.cfn_exec_role_arn()),
        })),
        input_artifacts: Some(vec![InputArtifact::new(SYNTH_ARTIFACT)]),
        role_arn: Some(deploy_role.clone().into()),
        run_order: Some(run_orders.0.into()),
        region: region.map(Into::into),
        ..ActionDeclaration::new(action_type("Deploy", "CloudFormation"), names.0)
    };
    let execute = ActionDeclaration {
        configuration: Some(to_json(&ChangeSetConfig {
            action_mode: "CHANGE_SET_EXECUTE",
            stack_name: stack_name.to_owned(),
            change_set_name: CHANGE_SET,
            template_path: None,
            template_configuration: None,
            capabilities: None,
            role_arn: None,
        })),
        role_arn: Some(deploy_role.into()),
        run_order: Some(run_orders.1.into()),
        region: region.map(Into::into),
        namespace: namespace.map(Into::into),
        ..ActionDeclaration::new(action_type("Deploy", "CloudFormation"), names.1)
    };
    [prepare, execute]
}

/// A buildspec, written as JSON (which is YAML).
#[derive(Serialize)]
struct BuildSpec {
    version: &'static str,
    env: BuildSpecEnv,
    phases: Phases,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifacts: Option<BuildSpecArtifacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cache: Option<BuildSpecCache>,
}

#[derive(Serialize)]
struct BuildSpecEnv {
    shell: &'static str,
}

#[derive(Serialize)]
struct Phases {
    #[serde(skip_serializing_if = "Option::is_none")]
    install: Option<Commands>,
    build: Commands,
}

#[derive(Serialize)]
struct Commands {
    commands: Vec<String>,
}

#[derive(Serialize)]
struct BuildSpecArtifacts {
    #[serde(rename = "base-directory")]
    base_directory: String,
    files: Vec<&'static str>,
}

#[derive(Serialize)]
struct BuildSpecCache {
    paths: Vec<&'static str>,
}

impl BuildSpec {
    fn new(install: Option<Vec<String>>, build: Vec<String>) -> Self {
        BuildSpec {
            version: "0.2",
            env: BuildSpecEnv { shell: "bash" },
            phases: Phases {
                install: install.map(|commands| Commands { commands }),
                build: Commands { commands: build },
            },
            artifacts: None,
            cache: None,
        }
    }

    fn render(&self) -> String {
        serde_json::to_string_pretty(self).expect("buildspecs serialize to JSON")
    }
}

/// What every CodeBuild role needs: its own logs and test reports, and reading (or
/// writing) the artifacts.
fn build_role_statements(
    project_name: &str,
    bucket: &Handle<s3::Bucket>,
    key: Option<&Handle<kms::Key>>,
    write: bool,
) -> Vec<Statement> {
    let log_group = format!("arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/codebuild/{project_name}");
    let mut statements = vec![
        Statement::allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])
            .on([Value::sub(log_group.clone()), Value::sub(format!("{log_group}:*"))]),
        Statement::allow([
            "codebuild:CreateReportGroup",
            "codebuild:CreateReport",
            "codebuild:UpdateReport",
            "codebuild:BatchPutTestCases",
            "codebuild:BatchPutCodeCoverages",
        ])
        .on([Value::sub(format!(
            "arn:${{AWS::Partition}}:codebuild:${{AWS::Region}}:${{AWS::AccountId}}:report-group/{project_name}-*"
        ))]),
    ];
    statements.extend(bucket_statements(bucket, write));
    if let Some(k) = key {
        statements.push(kms_statement(k, write));
    }
    statements
}

fn bucket_arns(bucket: &Handle<s3::Bucket>) -> [Value<String>; 2] {
    [
        bucket.get_att(s3::BucketAttribute::Arn),
        Value::sub(format!("{}/*", bucket.sub_att(s3::BucketAttribute::Arn))),
    ]
}

const BUCKET_READ: &[&str] = &["s3:GetObject*", "s3:GetBucket*", "s3:List*"];
const BUCKET_WRITE: &[&str] = &[
    "s3:PutObject",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:Abort*",
    "s3:DeleteObject*",
];
const KEY_READ: &[&str] = &["kms:Decrypt", "kms:DescribeKey"];
const KEY_WRITE: &[&str] = &["kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"];

fn read_write(
    read: &[&'static str],
    write: &[&'static str],
    with_write: bool,
) -> Vec<&'static str> {
    let mut actions = read.to_vec();
    if with_write {
        actions.extend_from_slice(write);
    }
    actions
}

fn bucket_statements(bucket: &Handle<s3::Bucket>, write: bool) -> Vec<Statement> {
    vec![Statement::allow(read_write(BUCKET_READ, BUCKET_WRITE, write)).on(bucket_arns(bucket))]
}

fn kms_statement(key: &Handle<kms::Key>, write: bool) -> Statement {
    Statement::allow(read_write(KEY_READ, KEY_WRITE, write))
        .on([key.get_att::<String>(kms::KeyAttribute::Arn)])
}

/// `Metadata` that skips checkov checks, each with the reason it does not apply: the
/// justification travels with the template.
fn checkov_skips(skips: &[(&str, &str)]) -> Json {
    let skip: Vec<Json> = skips
        .iter()
        .map(|(id, comment)| serde_json::json!({"id": id, "comment": comment}))
        .collect();
    serde_json::json!({"checkov": {"skip": skip}})
}

/// Why the artifact buckets have no access logging (checkov CKV_AWS_18).
const NO_ACCESS_LOGS: &str = "Pipeline artifact store: only this pipeline's roles and the listed deploy roles can read it, and CloudTrail records their API calls; a log bucket per pipeline and region would itself need a log bucket";

/// An encrypted, versioned, private, TLS-only artifact bucket, kept when the stack is
/// deleted (it holds the history of what was deployed). `readers` are the deploy roles
/// whose CloudFormation actions read templates from it.
fn artifact_bucket(
    t: &mut Template,
    key: Option<&Handle<kms::Key>>,
    name: Option<String>,
    readers: &Readers,
) -> Result<Handle<s3::Bucket>, TemplateError> {
    let encryption = s3::bucket::ServerSideEncryptionByDefault {
        kms_master_key_id: key.map(|k| k.get_att(kms::KeyAttribute::Arn)),
        ..s3::bucket::ServerSideEncryptionByDefault::new("aws:kms")
    };
    let bucket = t.add_with(
        "ArtifactsBucket",
        s3::Bucket {
            bucket_name: name.map(Into::into),
            bucket_encryption: Some(s3::bucket::BucketEncryption::new(vec![
                s3::bucket::ServerSideEncryptionRule {
                    server_side_encryption_by_default: Some(encryption),
                    bucket_key_enabled: Some(true.into()),
                    ..s3::bucket::ServerSideEncryptionRule::new()
                },
            ])),
            public_access_block_configuration: Some(s3::bucket::PublicAccessBlockConfiguration {
                block_public_acls: Some(true.into()),
                block_public_policy: Some(true.into()),
                ignore_public_acls: Some(true.into()),
                restrict_public_buckets: Some(true.into()),
            }),
            versioning_configuration: Some(s3::bucket::VersioningConfiguration::new("Enabled")),
            ownership_controls: Some(s3::bucket::OwnershipControls::new(vec![
                s3::bucket::OwnershipControlsRule {
                    object_ownership: Some("BucketOwnerEnforced".into()),
                },
            ])),
            lifecycle_configuration: Some(s3::bucket::LifecycleConfiguration::new(vec![
                s3::bucket::Rule {
                    id: Some("ExpireOldArtifacts".into()),
                    noncurrent_version_expiration: Some(
                        s3::bucket::NoncurrentVersionExpiration::new(30),
                    ),
                    abort_incomplete_multipart_upload: Some(
                        s3::bucket::AbortIncompleteMultipartUpload::new(7),
                    ),
                    ..s3::bucket::Rule::new("Enabled")
                },
            ])),
            ..s3::Bucket::default()
        },
        Attributes::new()
            .removal_policy(RemovalPolicy::Retain)
            .metadata(checkov_skips(&[("CKV_AWS_18", NO_ACCESS_LOGS)])),
    )?;
    let mut statements = vec![Statement::deny(["s3:*"])
        .sid("RequireTls")
        .principal(Principal::Anyone)
        .on(bucket_arns(&bucket))
        .when(serde_json::json!({"Bool": {"aws:SecureTransport": "false"}}))];
    // The bootstrap deploy role may read other accounts' buckets by its own policy, but
    // not its own account's: that grant has to come from here.
    if !readers.same_account.is_empty() {
        statements.push(
            Statement::allow(BUCKET_READ.iter().copied())
                .sid("DeployRolesReadArtifacts")
                .principal(Principal::Aws(
                    readers
                        .same_account
                        .iter()
                        .map(|r| Value::from(r.clone()))
                        .collect(),
                ))
                .on(bucket_arns(&bucket)),
        );
    }
    if let Some(grant) = other_account_grant(readers, BUCKET_READ, "TargetAccountsReadArtifacts") {
        statements.push(grant.on(bucket_arns(&bucket)));
    }
    t.add(
        "ArtifactsBucketPolicy",
        s3::BucketPolicy::new(
            bucket.reference::<String>(),
            PolicyDocument::new(statements),
        ),
    )?;
    Ok(bucket)
}

/// A customer-managed key for the artifacts (rotated yearly), usable by the target
/// accounts' deploy roles: CodePipeline cannot share artifacts across accounts with the
/// AWS-managed key.
fn artifact_key(
    t: &mut Template,
    readers: &Readers,
    alias: String,
) -> Result<Handle<kms::Key>, TemplateError> {
    // The account administers the key through IAM, as every key created by the CDK.
    let mut statements = vec![Statement::allow(["kms:*"])
        .sid("AccountAdministersTheKey")
        .principal(Principal::Aws(vec![Value::sub(
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
        )]))
        .on(["*"])];
    if let Some(grant) = other_account_grant(readers, KEY_READ, "TargetAccountsReadArtifacts") {
        statements.push(grant.on(["*"]));
    }
    let key = t.add_with(
        "ArtifactsKey",
        kms::Key {
            description: Some(
                "Encrypts the pipeline's artifacts, readable by the target accounts".into(),
            ),
            enable_key_rotation: Some(true.into()),
            key_policy: Some(PolicyDocument::new(statements)),
            ..kms::Key::default()
        },
        Attributes::new().removal_policy(RemovalPolicy::Retain),
    )?;
    t.add(
        "ArtifactsKeyAlias",
        kms::Alias::new(alias, key.get_att::<String>(kms::KeyAttribute::Arn)),
    )?;
    Ok(key)
}

/// The support stack of one other region: the artifact bucket (and key) that
/// CodePipeline requires in every region where it runs an action.
pub(super) fn support_stack(program: &Program, region: &str) -> Result<Template, SynthError> {
    let p = &program.pipeline;
    let err = |e: TemplateError| SynthError::at("pipeline", e);
    let mut t = Template::new();
    t.set_description(format!(
        "Artifact store of the {} pipeline in {region} (managed by pipewright)",
        p.name
    ));
    require_bootstrap(&mut t, &p.qualifier).map_err(err)?;
    let readers = artifact_readers(program, region);
    let key = if p.cross_account_keys {
        Some(artifact_key(&mut t, &readers, artifact_key_alias(p, region)).map_err(err)?)
    } else {
        None
    };
    artifact_bucket(
        &mut t,
        key.as_ref(),
        Some(support_bucket_name(p, region)),
        &readers,
    )
    .map_err(err)?;
    t.add_output(
        "ArtifactsBucketName",
        Output {
            description: Some(format!(
                "The {} pipeline's artifact store in {region}",
                p.name
            )),
            value: Value::from(support_bucket_name(p, region)),
            export: None,
        },
    )
    .map_err(err)?;
    Ok(t)
}

/// A CodeBuild role with these statements, assumed by CodeBuild.
fn codebuild_role(
    t: &mut Template,
    logical_id: &str,
    description: String,
    statements: Vec<Statement>,
    metadata: Option<Json>,
) -> Result<Handle<iam::Role>, TemplateError> {
    let mut attributes = Attributes::new();
    if let Some(m) = metadata {
        attributes = attributes.metadata(m);
    }
    t.add_with(
        logical_id,
        iam::Role {
            description: Some(description.into()),
            policies: Some(vec![iam::role::Policy::new(
                PolicyDocument::new(statements),
                "Build",
            )]),
            ..iam::Role::new(PolicyDocument::assumed_by_service(
                "codebuild.amazonaws.com",
            ))
        },
        attributes,
    )
}

/// The CodeBuild environment type an image runs in: the Graviton images (`aarch64`,
/// `arm`) need `ARM_CONTAINER`.
fn environment_type(image: &str) -> &'static str {
    let name = image.rsplit('/').next().unwrap_or(image);
    if name.contains("aarch64") || name.contains("arm") {
        "ARM_CONTAINER"
    } else {
        "LINUX_CONTAINER"
    }
}

/// What a CodeBuild project of the pipeline is made of.
struct ProjectSpec {
    description: String,
    environment: code_build::project::Environment,
    spec: BuildSpec,
    timeout_minutes: i64,
    cache: bool,
}

/// The pipeline stack.
pub(super) fn pipeline_stack(
    program: &Program,
    stage_stacks: &[StackArtifact],
    assets: &[Asset],
) -> Result<Template, SynthError> {
    let p = &program.pipeline;
    let err = |e: TemplateError| SynthError::at("pipeline", e);
    let mut t = Template::new();
    t.set_description(match &p.doc {
        Some(doc) => format!("{doc} (managed by pipewright)"),
        None => format!("The {} delivery pipeline (managed by pipewright)", p.name),
    });
    require_bootstrap(&mut t, &p.qualifier).map_err(err)?;
    let home = Environment {
        qualifier: &p.qualifier,
        account: &p.account,
        region: &p.region,
    };
    let targets = target_environments(program);
    let regions = other_regions(program);
    let partition = home.partition();

    let readers = artifact_readers(program, &p.region);
    let key = if p.cross_account_keys {
        Some(artifact_key(&mut t, &readers, artifact_key_alias(p, &p.region)).map_err(err)?)
    } else {
        None
    };
    let bucket = artifact_bucket(&mut t, key.as_ref(), None, &readers).map_err(err)?;
    let encryption_key: Value<String> = match &key {
        Some(k) => k.get_att(kms::KeyAttribute::Arn),
        None => "alias/aws/s3".into(),
    };

    // The source action's own role: it may use this one connection, and write the
    // checked-out source to the artifact bucket.
    // CodeStar Connections was renamed CodeConnections: the same connection answers to
    // both services, each checking the permission against an ARN of its own service.
    let connection_as = |service: &str| {
        let rest = p
            .source
            .connection
            .splitn(4, ':')
            .nth(3)
            .unwrap_or_default();
        let partition = p.source.connection.split(':').nth(1).unwrap_or("aws");
        format!("arn:{partition}:{service}:{rest}")
    };
    let mut source_statements = vec![
        Statement::allow(["codestar-connections:UseConnection"])
            .on([connection_as("codestar-connections")]),
        Statement::allow(["codeconnections:UseConnection"]).on([connection_as("codeconnections")]),
    ];
    source_statements.extend(bucket_statements(&bucket, true));
    source_statements.push(
        Statement::allow(["s3:PutObjectAcl", "s3:PutObjectVersionAcl"]).on([Value::sub(format!(
            "{}/*",
            bucket.sub_att(s3::BucketAttribute::Arn)
        ))]),
    );
    if let Some(k) = &key {
        source_statements.push(kms_statement(k, true));
    }
    // Trusts the account, as the CDK's action roles do: the pipeline's role (which names
    // this role in its policy) is what assumes it.
    let source_role = t
        .add(
            "SourceRole",
            iam::Role {
                description: Some("Checks the repository out for the pipeline".into()),
                policies: Some(vec![iam::role::Policy::new(
                    PolicyDocument::new(source_statements),
                    "UseConnection",
                )]),
                ..iam::Role::new(PolicyDocument::new([Statement::allow(["sts:AssumeRole"])
                    .principal(Principal::Aws(vec![Value::sub(
                        "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
                    )]))]))
            },
        )
        .map_err(err)?;

    let user_image = p
        .codebuild
        .image
        .clone()
        .unwrap_or_else(|| DEFAULT_IMAGE.to_owned());
    // The program's commands (synth, verify) run with its CodeBuild settings; the
    // pipeline's own projects (assets, support stacks) need no more than a small default
    // image with Node.js and the AWS CLI.
    let user_environment = || code_build::project::Environment {
        privileged_mode: Some(p.codebuild.privileged.into()),
        image_pull_credentials_type: Some("CODEBUILD".into()),
        ..code_build::project::Environment::new(
            p.codebuild.compute.aws_value(),
            user_image.clone(),
            environment_type(&user_image),
        )
    };
    let own_environment = |variables: Vec<(&str, String)>| code_build::project::Environment {
        image_pull_credentials_type: Some("CODEBUILD".into()),
        environment_variables: (!variables.is_empty()).then(|| {
            variables
                .into_iter()
                .map(|(name, value)| code_build::project::EnvironmentVariable {
                    r#type: Some("PLAINTEXT".into()),
                    ..code_build::project::EnvironmentVariable::new(name, value)
                })
                .collect()
        }),
        ..code_build::project::Environment::new(
            "BUILD_GENERAL1_SMALL",
            DEFAULT_IMAGE,
            "LINUX_CONTAINER",
        )
    };
    let project_name = |suffix: &str| format!("${{AWS::StackName}}-{suffix}");
    let user_statements: Vec<Statement> = p
        .codebuild
        .policy
        .iter()
        .map(|g| Statement::allow(g.actions.clone()).on(g.resources.clone()))
        .collect();
    // checkov reads a `*` resource in the program's own statements as possible data
    // exfiltration: they are what the program asked for, and only its commands use them.
    let asks_for_everything = p
        .codebuild
        .policy
        .iter()
        .any(|g| g.resources.iter().any(|r| r == "*"));
    let user_role_metadata = asks_for_everything.then(|| {
        checkov_skips(&[(
            "CKV_AWS_108",
            "The statements flagged come from the program's `codebuild.policy` (a `*` resource it asked for): its own commands need them",
        )])
    });
    let add_project = |t: &mut Template,
                       logical_id: &str,
                       suffix: &str,
                       role: &Handle<iam::Role>,
                       spec: ProjectSpec|
     -> Result<Handle<code_build::Project>, TemplateError> {
        t.add(
            logical_id,
            code_build::Project {
                name: Some(Value::sub(project_name(suffix))),
                description: Some(spec.description.into()),
                encryption_key: Some(encryption_key.clone()),
                timeout_in_minutes: Some(spec.timeout_minutes.into()),
                cache: spec.cache.then(|| code_build::project::ProjectCache {
                    modes: Some(vec![
                        "LOCAL_SOURCE_CACHE".into(),
                        "LOCAL_CUSTOM_CACHE".into(),
                    ]),
                    ..code_build::project::ProjectCache::new("LOCAL")
                }),
                ..code_build::Project::new(
                    code_build::project::Artifacts::new("CODEPIPELINE"),
                    spec.environment,
                    role.get_att(iam::RoleAttribute::Arn),
                    code_build::project::Source {
                        build_spec: Some(spec.spec.render().into()),
                        ..code_build::project::Source::new("CODEPIPELINE")
                    },
                )
            },
        )
    };

    // Build/Synth: install, the program's commands, then the Lambda bundles into the
    // assembly so that the Assets stage can publish them.
    let mut synth_commands = p.synth.commands.clone();
    if !assets.is_empty() {
        synth_commands.push(format!(
            "cargo run --release --locked {} {} -- assets --out {}",
            program.binary_kind.cargo_flag(),
            program.binary,
            p.synth.output
        ));
    }
    let install = if p.synth.install.is_empty() {
        let mut install: Vec<String> = DEFAULT_INSTALL.iter().map(|s| s.to_string()).collect();
        if assets.iter().any(|a| a.architecture == Architecture::Arm64) {
            install.push(format!(
                "rustup target add {}",
                Architecture::Arm64.rust_target()
            ));
        }
        install
    } else {
        p.synth.install.clone()
    };
    let mut synth_spec = BuildSpec::new(Some(install), synth_commands);
    synth_spec.artifacts = Some(BuildSpecArtifacts {
        base_directory: p.synth.output.clone(),
        files: vec!["**/*"],
    });
    synth_spec.cache = Some(BuildSpecCache {
        paths: vec![
            "/root/.cargo/registry/**/*",
            "/root/.cargo/git/**/*",
            "target/**/*",
        ],
    });
    let mut synth_statements =
        build_role_statements(&project_name("Synth"), &bucket, key.as_ref(), true);
    synth_statements.extend(user_statements.clone());
    let synth_role = codebuild_role(
        &mut t,
        "SynthRole",
        "Runs the synth action".into(),
        synth_statements,
        user_role_metadata.clone(),
    )
    .map_err(err)?;
    let synth_project = add_project(
        &mut t,
        "SynthProject",
        "Synth",
        &synth_role,
        ProjectSpec {
            description: format!(
                "Builds the repository and synthesizes the {} assembly",
                p.name
            ),
            environment: user_environment(),
            spec: synth_spec,
            timeout_minutes: 60,
            cache: true,
        },
    )
    .map_err(err)?;
    let mut started = vec![synth_project.get_att::<String>(code_build::ProjectAttribute::Arn)];

    // UpdatePipeline, first action: the support stacks of the other regions, deployed
    // with the AWS CLI through the pipeline account's bootstrap roles of their region.
    // CodePipeline cannot run an action in a region before that region's artifact bucket
    // exists; this action runs in the pipeline's region, and deploys whatever support
    // stacks the new assembly holds, so a stage added in a new region works in the same
    // run.
    let support_project = if p.self_mutation {
        let deploy_roles = format!(
            "arn:{partition}:iam::{acct}:role/cdk-{q}-deploy-role-{acct}-*",
            acct = p.account,
            q = p.qualifier
        );
        let mut statements =
            build_role_statements(&project_name("SupportStacks"), &bucket, key.as_ref(), false);
        // Any region: the running pipeline deploys the support stacks of the assembly it
        // just built, including regions it has never deployed to.
        statements.push(Statement::allow(["sts:AssumeRole"]).on([deploy_roles]));
        let role = codebuild_role(
            &mut t,
            "SupportStacksRole",
            "Deploys the pipeline's artifact stores in the other regions".into(),
            statements,
            None,
        )
        .map_err(err)?;
        let script = format!(
            "( set -euo pipefail\n\
             for template in {pipeline}-support-*.template.json; do\n\
             \x20 [ -e \"$template\" ] || continue\n\
             \x20 stack=\"${{template%.template.json}}\"\n\
             \x20 region=\"${{stack##*-support-}}\"\n\
             \x20 echo \"deploying $stack to $region\"\n\
             \x20 credentials=\"$(aws sts assume-role --role-arn \"arn:$PARTITION:iam::$ACCOUNT:role/cdk-$QUALIFIER-deploy-role-$ACCOUNT-$region\" --role-session-name pipewright-support-stacks --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)\"\n\
             \x20 read -r key secret token <<< \"$credentials\"\n\
             \x20 AWS_ACCESS_KEY_ID=\"$key\" AWS_SECRET_ACCESS_KEY=\"$secret\" AWS_SESSION_TOKEN=\"$token\" \\\n\
             \x20   aws cloudformation deploy --region \"$region\" --stack-name \"$stack\" --template-file \"$template\" \\\n\
             \x20   --role-arn \"arn:$PARTITION:iam::$ACCOUNT:role/cdk-$QUALIFIER-cfn-exec-role-$ACCOUNT-$region\" --no-fail-on-empty-changeset \\\n\
             \x20   --tags \"{PIPELINE_TAG}={pipeline}\"\n\
             done )",
            pipeline = p.name
        );
        let project = add_project(
            &mut t,
            "SupportStacksProject",
            "SupportStacks",
            &role,
            ProjectSpec {
                description: format!(
                    "Deploys the artifact stores of the {} pipeline in its other regions",
                    p.name
                ),
                environment: own_environment(vec![
                    ("PARTITION", partition.to_owned()),
                    ("ACCOUNT", p.account.clone()),
                    ("QUALIFIER", p.qualifier.clone()),
                ]),
                spec: BuildSpec::new(None, vec![script]),
                timeout_minutes: 30,
                cache: false,
            },
        )
        .map_err(err)?;
        started.push(project.get_att(code_build::ProjectAttribute::Arn));
        Some(project)
    } else {
        None
    };

    // Assets: one project, one action per asset. It assumes the file-publishing role of
    // each destination.
    let assets_project = if assets.is_empty() {
        None
    } else {
        let publishing_roles: Vec<Value<String>> = targets
            .iter()
            .map(|e| e.file_publishing_role_arn().into())
            .collect();
        let mut statements =
            build_role_statements(&project_name("Assets"), &bucket, key.as_ref(), false);
        statements.push(Statement::allow(["sts:AssumeRole"]).on(publishing_roles));
        let role = codebuild_role(
            &mut t,
            "AssetsRole",
            "Publishes the Lambda bundles to the target environments".into(),
            statements,
            None,
        )
        .map_err(err)?;
        let project = add_project(
            &mut t,
            "AssetsProject",
            "Assets",
            &role,
            ProjectSpec {
                description: "Publishes one Lambda bundle to every environment that deploys it"
                    .into(),
                environment: own_environment(Vec::new()),
                spec: BuildSpec::new(
                    Some(vec![format!("npm install --global {CDK_ASSETS_PACKAGE}")]),
                    vec!["cdk-assets --path \"$ASSET_MANIFEST\" --verbose publish".to_owned()],
                ),
                timeout_minutes: 30,
                cache: false,
            },
        )
        .map_err(err)?;
        started.push(project.get_att(code_build::ProjectAttribute::Arn));
        Some(project)
    };

    // Verify: one project per stage with `verify` commands, with the program's CodeBuild
    // settings and statements (its commands may call AWS).
    let mut verify_projects = Vec::new();
    for stage in program.stages.iter().filter(|s| !s.verify.is_empty()) {
        let suffix = format!("{}-Verify", stage.name);
        let mut statements =
            build_role_statements(&project_name(&suffix), &bucket, key.as_ref(), false);
        statements.extend(user_statements.clone());
        let role = codebuild_role(
            &mut t,
            &format!("{}VerifyRole", stage.name),
            format!("Runs the verify commands of the {} stage", stage.name),
            statements,
            user_role_metadata.clone(),
        )
        .map_err(err)?;
        let project = add_project(
            &mut t,
            &format!("{}VerifyProject", stage.name),
            &suffix,
            &role,
            ProjectSpec {
                description: format!("Checks the {} stage once it is deployed", stage.name),
                environment: user_environment(),
                spec: BuildSpec::new(None, stage.verify.clone()),
                timeout_minutes: 30,
                cache: false,
            },
        )
        .map_err(err)?;
        started.push(project.get_att(code_build::ProjectAttribute::Arn));
        verify_projects.push((stage.name.clone(), project));
    }

    // The pipeline's role: the artifacts in every region, the projects it starts, the
    // roles its actions run as.
    let mut assumed: Vec<Value<String>> = vec![source_role.get_att(iam::RoleAttribute::Arn)];
    let mut deploy_roles: BTreeSet<String> = targets.iter().map(|e| e.deploy_role_arn()).collect();
    if p.self_mutation {
        deploy_roles.insert(home.deploy_role_arn());
    }
    assumed.extend(deploy_roles.into_iter().map(Value::from));
    let mut pipeline_statements = bucket_statements(&bucket, true);
    if let Some(k) = &key {
        pipeline_statements.push(kms_statement(k, true));
    }
    if !regions.is_empty() {
        let mut buckets = Vec::new();
        for region in &regions {
            let name = support_bucket_name(p, region);
            buckets.push(format!("arn:{partition}:s3:::{name}"));
            buckets.push(format!("arn:{partition}:s3:::{name}/*"));
        }
        pipeline_statements
            .push(Statement::allow(read_write(BUCKET_READ, BUCKET_WRITE, true)).on(buckets));
        if p.cross_account_keys {
            // The support stacks' keys are known by their aliases only (no cross-region
            // reference): grant on keys of the account, limited to those aliases.
            let aliases: Vec<String> = regions.iter().map(|r| artifact_key_alias(p, r)).collect();
            let keys: Vec<String> = regions
                .iter()
                .map(|r| format!("arn:{partition}:kms:{r}:{}:key/*", p.account))
                .collect();
            pipeline_statements.push(
                Statement::allow(read_write(KEY_READ, KEY_WRITE, true))
                    .on(keys)
                    .when(serde_json::json!({"ForAnyValue:StringEquals": {"kms:ResourceAliases": aliases}})),
            );
        }
    }
    pipeline_statements.push(
        Statement::allow([
            "codebuild:BatchGetBuilds",
            "codebuild:StartBuild",
            "codebuild:StopBuild",
        ])
        .on(started),
    );
    pipeline_statements.push(Statement::allow(["sts:AssumeRole"]).on(assumed));
    let pipeline_role = t
        .add(
            "PipelineRole",
            iam::Role {
                description: Some(format!("Service role of the {} pipeline", p.name).into()),
                policies: Some(vec![iam::role::Policy::new(
                    PolicyDocument::new(pipeline_statements),
                    "Pipeline",
                )]),
                ..iam::Role::new(PolicyDocument::assumed_by_service(
                    "codepipeline.amazonaws.com",
                ))
            },
        )
        .map_err(err)?;

    // The stages.
    use code_pipeline::pipeline::{
        ActionDeclaration, ArtifactStore, ArtifactStoreMap, EncryptionKey, InputArtifact,
        OutputArtifact, StageDeclaration,
    };
    let mut stages = Vec::new();
    stages.push(StageDeclaration::new(
        vec![ActionDeclaration {
            configuration: Some(serde_json::json!({
                "ConnectionArn": p.source.connection,
                "FullRepositoryId": p.source.repo,
                "BranchName": p.source.branch,
            })),
            output_artifacts: Some(vec![OutputArtifact::new(SOURCE_ARTIFACT)]),
            role_arn: Some(source_role.get_att(iam::RoleAttribute::Arn)),
            run_order: Some(1.into()),
            ..ActionDeclaration::new(
                action_type("Source", "CodeStarSourceConnection"),
                source_action_name(p),
            )
        }],
        SOURCE_STAGE,
    ));
    stages.push(StageDeclaration::new(
        vec![ActionDeclaration {
            configuration: Some(
                serde_json::json!({"ProjectName": synth_project.reference::<String>()}),
            ),
            input_artifacts: Some(vec![InputArtifact::new(SOURCE_ARTIFACT)]),
            output_artifacts: Some(vec![OutputArtifact::new(SYNTH_ARTIFACT)]),
            run_order: Some(1.into()),
            ..ActionDeclaration::new(action_type("Build", "CodeBuild"), "Synth")
        }],
        BUILD_STAGE,
    ));
    if let Some(project) = &support_project {
        let mut actions = vec![ActionDeclaration {
            configuration: Some(serde_json::json!({"ProjectName": project.reference::<String>()})),
            input_artifacts: Some(vec![InputArtifact::new(SYNTH_ARTIFACT)]),
            run_order: Some(1.into()),
            ..ActionDeclaration::new(action_type("Build", "CodeBuild"), "SupportStacks")
        }];
        actions.extend(change_set_actions(
            &home,
            &p.name,
            &format!("{}.template.json", p.name),
            (
                "SelfMutate.Prepare".to_owned(),
                "SelfMutate.Deploy".to_owned(),
            ),
            (2, 3),
            None,
            None,
        ));
        stages.push(StageDeclaration::new(actions, UPDATE_PIPELINE_STAGE));
    }
    if let Some(project) = &assets_project {
        let actions = assets
            .iter()
            .map(|asset| ActionDeclaration {
                configuration: Some(serde_json::json!({
                    "ProjectName": project.reference::<String>(),
                    "EnvironmentVariables": build_variables(vec![
                        ("ASSET_MANIFEST".to_owned(), asset_manifest_file(asset)),
                    ]),
                })),
                input_artifacts: Some(vec![InputArtifact::new(SYNTH_ARTIFACT)]),
                run_order: Some(1.into()),
                ..ActionDeclaration::new(
                    action_type("Build", "CodeBuild"),
                    asset_action_name(asset),
                )
            })
            .collect();
        stages.push(StageDeclaration::new(actions, ASSETS_STAGE));
    }
    for stage in &program.stages {
        stages.push(StageDeclaration::new(
            stage_actions(program, stage, stage_stacks, &verify_projects)?,
            stage.name.clone(),
        ));
    }

    let artifact_store = ArtifactStore {
        encryption_key: key
            .as_ref()
            .map(|k| EncryptionKey::new(k.get_att::<String>(kms::KeyAttribute::Arn), "KMS")),
        ..ArtifactStore::new(bucket.reference::<String>(), "S3")
    };
    // With actions in several regions, CodePipeline wants one store per region, the
    // pipeline's own included, and no `ArtifactStore`.
    let (artifact_store, artifact_stores) = if regions.is_empty() {
        (Some(artifact_store), None)
    } else {
        let mut stores = vec![ArtifactStoreMap::new(artifact_store, p.region.clone())];
        for region in &regions {
            stores.push(ArtifactStoreMap::new(
                ArtifactStore {
                    encryption_key: p.cross_account_keys.then(|| {
                        EncryptionKey::new(
                            format!(
                                "arn:{partition}:kms:{region}:{}:{}",
                                p.account,
                                artifact_key_alias(p, region)
                            ),
                            "KMS",
                        )
                    }),
                    ..ArtifactStore::new(support_bucket_name(p, region), "S3")
                },
                region.to_string(),
            ));
        }
        (None, Some(stores))
    };
    t.add(
        "Pipeline",
        code_pipeline::Pipeline {
            name: Some(p.name.clone().into()),
            pipeline_type: Some("V2".into()),
            execution_mode: Some("SUPERSEDED".into()),
            restart_execution_on_update: Some(p.self_mutation.into()),
            artifact_store,
            artifact_stores,
            ..code_pipeline::Pipeline::new(pipeline_role.get_att(iam::RoleAttribute::Arn), stages)
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

/// The CloudFormation console's list of a stage's stacks, where the approver reads the
/// change sets (`aws` partition only: the others have their own console domains).
fn change_sets_link(stage: &Stage) -> Option<String> {
    (crate::spec::partition_of(&stage.region) == Some("aws")).then(|| {
        format!(
            "https://{r}.console.aws.amazon.com/cloudformation/home?region={r}#/stacks?filteringText={s}-&filteringStatus=active&viewNested=true",
            r = stage.region,
            s = stage.name
        )
    })
}

/// The actions of one deployment stage: every stack's change set, then the approval,
/// then the executions, then the verify step.
fn stage_actions(
    program: &Program,
    stage: &Stage,
    stage_stacks: &[StackArtifact],
    verify_projects: &[(String, Handle<code_build::Project>)],
) -> Result<Vec<code_pipeline::pipeline::ActionDeclaration>, SynthError> {
    use code_pipeline::pipeline::{ActionDeclaration, InputArtifact};
    let p = &program.pipeline;
    let env = Environment {
        qualifier: &p.qualifier,
        account: &stage.account,
        region: &stage.region,
    };
    let region = (stage.region != p.region).then_some(stage.region.as_str());
    // The approval waits for the change sets it is about; alone in its stage (no
    // stack), it comes first.
    let (approve, execute) = match (&stage.approval, stage.stacks.is_empty()) {
        (Some(_), false) => (2, 3),
        (Some(_), true) => (1, 2),
        (None, _) => (1, 2),
    };
    let mut prepares = Vec::new();
    let mut executes = Vec::new();
    let mut outputs: Vec<(String, Vec<String>)> = Vec::new();
    for stack in stage_stacks
        .iter()
        .filter(|s| s.stage() == Some(stage.name.as_str()))
    {
        let StackRole::Stage { stack: block, .. } = &stack.role else {
            continue;
        };
        let [a, b] = change_set_actions(
            &env,
            &stack.name,
            &stack.template_file(),
            (prepare_action_name(block), deploy_action_name(block)),
            (1, execute),
            region,
            Some(stack_namespace(stage, block)),
        );
        prepares.push(a);
        executes.push(b);
        outputs.push((
            block.to_string(),
            stack.outputs.iter().map(|o| o.to_string()).collect(),
        ));
    }
    let mut actions = prepares;
    if let Some(approval) = &stage.approval {
        let stacks: Vec<&str> = stage.stacks.iter().map(String::as_str).collect();
        let mut custom_data = format!(
            "{approval}: review the change sets `{CHANGE_SET}` of {} in {} ({}), then approve to deploy them.",
            stacks
                .iter()
                .map(|s| stage.stack_name(s))
                .collect::<Vec<_>>()
                .join(", "),
            stage.account,
            stage.region
        );
        // CodePipeline takes at most 500 characters.
        if custom_data.len() > 500 {
            let mut end = 497;
            while !custom_data.is_char_boundary(end) {
                end -= 1;
            }
            custom_data.truncate(end);
            custom_data.push_str("...");
        }
        let mut configuration = serde_json::json!({"CustomData": custom_data});
        if let Some(link) = change_sets_link(stage) {
            configuration["ExternalEntityLink"] = link.into();
        }
        actions.push(ActionDeclaration {
            configuration: Some(configuration),
            run_order: Some(approve.into()),
            ..ActionDeclaration::new(
                action_type("Approval", "Manual"),
                approval_action_name(approval),
            )
        });
    }
    actions.extend(executes);
    if let Some((_, project)) = verify_projects.iter().find(|(s, _)| *s == stage.name) {
        let variables = verify_environment_variables(stage, &outputs);
        if variables.len() > MAX_CONFIGURATION_VALUE_LENGTH {
            return Err(SynthError::at(
                format!("stage:{}", stage.name),
                format!(
                    "the verify step passes {} stack outputs as environment variables, {} characters of action configuration: \
                     CodePipeline accepts at most {MAX_CONFIGURATION_VALUE_LENGTH}; deploy fewer stacks in this stage or give its blocks shorter names",
                    outputs.iter().map(|(_, o)| o.len()).sum::<usize>(),
                    variables.len()
                ),
            ));
        }
        actions.push(ActionDeclaration {
            configuration: Some(serde_json::json!({
                "ProjectName": project.reference::<String>(),
                "EnvironmentVariables": variables,
            })),
            input_artifacts: Some(vec![InputArtifact::new(SOURCE_ARTIFACT)]),
            run_order: Some((execute + 1).into()),
            ..ActionDeclaration::new(action_type("Build", "CodeBuild"), VERIFY_ACTION)
        });
    }
    Ok(actions)
}
