//! The pipeline stack: a CodePipeline that builds the repository, updates itself,
//! publishes the Lambda bundles and deploys every stage, with the semantics of CDK
//! Pipelines (see `shared/reference/cdk-synth/pipeline/`), and the support stacks that
//! hold its artifacts in the other regions it deploys to.
//!
//! Stages, in order: `Source`, `Build` (the synth action), `UpdatePipeline` (when
//! `self_mutation`), `Assets`, then one stage per `stage` block. Deployments go through
//! the bootstrap roles of each target environment, as the CDK names them, so an
//! environment bootstrapped with `cdk bootstrap` works unchanged.
//!
//! Where CDK Pipelines hurts its users, this does better:
//! - the pipeline's template holds no asset hash (asset actions are named after the
//!   package and binary, and read the current hash from the synthesized assembly), so a
//!   change of Lambda code never mutates the pipeline and never restarts it in a loop;
//! - one CodeBuild project publishes every asset, one action per asset;
//! - a stage's change sets are created before its manual approval, so the approver can
//!   read what will change before approving;
//! - self-mutation is a CloudFormation change set of the pipeline stack itself, not a
//!   CodeBuild project installing the CDK CLI.

use std::collections::BTreeSet;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::app::{Asset, StackArtifact};
use crate::bootstrap::Environment;
use crate::cfn::resources::{code_build, code_pipeline, iam, kms, s3};
use crate::cfn::{
    Attributes, Handle, Json, Output, PolicyDocument, Principal, RemovalPolicy, Statement,
    Template, TemplateError, Value,
};
use crate::spec::{Pipeline, Program, Stage};

use super::{require_bootstrap, SynthError};

/// The image of the build actions when `codebuild.image` is not set: Amazon Linux 2023,
/// the same distribution (and glibc) as the `provided.al2023` Lambda runtime.
pub const DEFAULT_IMAGE: &str = "aws/codebuild/amazonlinux-x86_64-standard:5.0";

/// What the synth action runs before the program's commands when `synth.install` is
/// not set: a Rust toolchain with rustup, and cargo-lambda with zig to build the
/// Lambda bundles for Amazon Linux 2023.
pub const DEFAULT_INSTALL: &[&str] = &[
    "command -v cargo >/dev/null 2>&1 || curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal",
    "export PATH=\"$HOME/.cargo/bin:$PATH\"",
    "pip3 install --quiet cargo-lambda ziglang",
];

/// The npm package that publishes the assets from the cloud assembly's asset manifests.
pub const CDK_ASSETS_PACKAGE: &str = "cdk-assets@2";

/// Artifact of the source action.
const SOURCE_ARTIFACT: &str = "Source_Output";
/// Artifact of the synth action: the cloud assembly.
const SYNTH_ARTIFACT: &str = "Synth_Output";
/// The change set every deployment prepares and executes.
const CHANGE_SET: &str = "PipelineChange";

/// The name of the support stack of a region the pipeline deploys to but does not live in.
pub fn support_stack_name(pipeline: &Pipeline, region: &str) -> String {
    format!("{}-support-{region}", pipeline.name)
}

/// The artifact bucket of the pipeline in another region: deterministic, so the pipeline
/// stack can name it without a cross-stack reference.
pub fn support_bucket_name(pipeline: &Pipeline, region: &str) -> String {
    let digest = Sha256::digest(format!("{}/{}/{}", pipeline.name, pipeline.account, region));
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let mut prefix: String = pipeline
        .name
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    prefix.truncate(24);
    format!("{prefix}-artifacts-{hash}-{region}")
}

/// The alias of the artifact key of the pipeline in another region.
pub fn support_key_alias(pipeline: &Pipeline, region: &str) -> String {
    format!("alias/pipewright/{}/artifacts-{region}", pipeline.name)
}

/// The CodePipeline action name of an asset: stable across code changes.
pub fn asset_action_name(asset: &Asset) -> String {
    format!(
        "{}-{}-{}",
        asset.package,
        asset.bin,
        asset.architecture.aws_value()
    )
}

/// The asset manifest that lists one asset with every destination, read by its action.
pub fn asset_manifest_file(asset: &Asset) -> String {
    format!("assets/{}.assets.json", asset_action_name(asset))
}

fn target_environments<'a>(program: &'a Program) -> Vec<Environment<'a>> {
    let mut envs: Vec<Environment<'a>> = Vec::new();
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

fn other_regions(program: &Program) -> Vec<&str> {
    let mut regions: Vec<&str> = Vec::new();
    for stage in &program.stages {
        if stage.region != program.pipeline.region && !regions.contains(&stage.region.as_str()) {
            regions.push(&stage.region);
        }
    }
    regions
}

/// Actions, configurations and buildspecs as typed values; CodePipeline takes the
/// configuration as a free-form map.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ChangeSetConfig {
    action_mode: &'static str,
    stack_name: String,
    change_set_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capabilities: Option<&'static str>,
    #[serde(rename = "RoleArn", skip_serializing_if = "Option::is_none")]
    role_arn: Option<String>,
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

/// The pair of actions that deploy one stack: create the change set, execute it.
fn change_set_actions(
    env: &Environment<'_>,
    stack_name: &str,
    template_file: &str,
    prefix: &str,
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
            capabilities: Some("CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND"),
            role_arn: Some(env.cfn_exec_role_arn()),
        })),
        input_artifacts: Some(vec![InputArtifact::new(SYNTH_ARTIFACT)]),
        role_arn: Some(deploy_role.clone().into()),
        run_order: Some(run_orders.0.into()),
        region: region.map(Into::into),
        ..ActionDeclaration::new(
            action_type("Deploy", "CloudFormation"),
            format!("{prefix}Prepare"),
        )
    };
    let execute = ActionDeclaration {
        configuration: Some(to_json(&ChangeSetConfig {
            action_mode: "CHANGE_SET_EXECUTE",
            stack_name: stack_name.to_owned(),
            change_set_name: CHANGE_SET,
            template_path: None,
            capabilities: None,
            role_arn: None,
        })),
        role_arn: Some(deploy_role.into()),
        run_order: Some(run_orders.1.into()),
        region: region.map(Into::into),
        namespace: namespace.map(Into::into),
        ..ActionDeclaration::new(
            action_type("Deploy", "CloudFormation"),
            format!("{prefix}Deploy"),
        )
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
    fn render(&self) -> String {
        serde_json::to_string_pretty(self).expect("buildspecs serialize to JSON")
    }
}

/// What every CodeBuild role needs: its own logs and test reports, and the artifacts.
fn build_role_statements(
    project_name: &str,
    bucket: &Handle<s3::Bucket>,
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
    statements
}

fn bucket_arns(bucket: &Handle<s3::Bucket>) -> [Value<String>; 2] {
    [
        bucket.get_att(s3::BucketAttribute::Arn),
        Value::sub(format!("{}/*", bucket.sub_att(s3::BucketAttribute::Arn))),
    ]
}

fn bucket_statements(bucket: &Handle<s3::Bucket>, write: bool) -> Vec<Statement> {
    let mut actions = vec!["s3:GetObject*", "s3:GetBucket*", "s3:List*"];
    if write {
        actions.extend([
            "s3:PutObject",
            "s3:PutObjectLegalHold",
            "s3:PutObjectRetention",
            "s3:PutObjectTagging",
            "s3:PutObjectVersionTagging",
            "s3:Abort*",
            "s3:DeleteObject*",
        ]);
    }
    vec![Statement::allow(actions).on(bucket_arns(bucket))]
}

fn kms_statement(key: &Handle<kms::Key>, write: bool) -> Statement {
    let mut actions = vec!["kms:Decrypt", "kms:DescribeKey"];
    if write {
        actions.extend(["kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"]);
    }
    Statement::allow(actions).on([key.get_att::<String>(kms::KeyAttribute::Arn)])
}

/// An encrypted, private, TLS-only artifact bucket, kept when the stack is deleted
/// (it holds the history of what was deployed).
fn artifact_bucket(
    t: &mut Template,
    key: Option<&Handle<kms::Key>>,
    name: Option<String>,
    readers: &[String],
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
        Attributes::new().removal_policy(RemovalPolicy::Retain),
    )?;
    let mut statements = vec![Statement::deny(["s3:*"])
        .principal(Principal::Anyone)
        .on(bucket_arns(&bucket))
        .when(serde_json::json!({"Bool": {"aws:SecureTransport": "false"}}))];
    if !readers.is_empty() {
        statements.push(
            Statement::allow(["s3:GetObject*", "s3:GetBucket*", "s3:List*"])
                .principal(Principal::Aws(
                    readers.iter().map(|r| Value::from(r.clone())).collect(),
                ))
                .on(bucket_arns(&bucket)),
        );
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

/// A customer-managed key for the artifacts, usable by the target accounts' deployment
/// roles (CodePipeline cannot share artifacts across accounts with the AWS-managed key).
fn artifact_key(
    t: &mut Template,
    readers: &[String],
    alias: Value<String>,
) -> Result<Handle<kms::Key>, TemplateError> {
    let mut statements = vec![Statement::allow(["kms:*"])
        .sid("AccountAdministersTheKey")
        .principal(Principal::Aws(vec![Value::sub(
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
        )]))
        .on(["*"])];
    if !readers.is_empty() {
        statements.push(
            Statement::allow(["kms:Decrypt", "kms:DescribeKey"])
                .sid("TargetAccountsReadArtifacts")
                .principal(Principal::Aws(
                    readers.iter().map(|r| Value::from(r.clone())).collect(),
                ))
                .on(["*"]),
        );
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

/// The principals in other accounts that read the artifacts: their deploy roles.
fn cross_account_readers(program: &Program, region: Option<&str>) -> Vec<String> {
    target_environments(program)
        .into_iter()
        .filter(|e| e.account != program.pipeline.account && region.is_none_or(|r| r == e.region))
        .map(|e| e.deploy_role_arn())
        .collect()
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
    let readers = cross_account_readers(program, Some(region));
    let key = if p.cross_account_keys {
        Some(artifact_key(&mut t, &readers, support_key_alias(p, region).into()).map_err(err)?)
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
    Ok(t)
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

    let readers = cross_account_readers(program, Some(&p.region));
    let key = if p.cross_account_keys {
        let alias = Value::sub(format!("alias/pipewright/{}/artifacts", p.name));
        Some(artifact_key(&mut t, &readers, alias).map_err(err)?)
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
    let mut source_statements = vec![Statement::allow([
        "codestar-connections:UseConnection",
        "codeconnections:UseConnection",
    ])
    .on([p.source.connection.clone()])];
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
    let source_role = t
        .add(
            "SourceRole",
            iam::Role {
                description: Some("Checks the repository out for the pipeline".into()),
                policies: Some(vec![iam::role::Policy::new(
                    "UseConnection",
                    PolicyDocument::new(source_statements),
                )]),
                ..iam::Role::new(PolicyDocument::new([Statement::allow(["sts:AssumeRole"])
                    .principal(Principal::Aws(vec![Value::sub(
                        "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
                    )]))]))
            },
        )
        .map_err(err)?;

    let image = p
        .codebuild
        .image
        .clone()
        .unwrap_or_else(|| DEFAULT_IMAGE.to_owned());
    let build_environment = |variables: Option<Vec<code_build::project::EnvironmentVariable>>| {
        code_build::project::Environment {
            privileged_mode: Some(p.codebuild.privileged.into()),
            image_pull_credentials_type: Some("CODEBUILD".into()),
            environment_variables: variables,
            ..code_build::project::Environment::new(
                p.codebuild.compute.aws_value(),
                image.clone(),
                "LINUX_CONTAINER",
            )
        }
    };
    let project_name = |suffix: &str| format!("${{AWS::StackName}}-{suffix}");
    let user_statements: Vec<Statement> = p
        .codebuild
        .policy
        .iter()
        .map(|g| Statement::allow(g.actions.clone()).on(g.resources.clone()))
        .collect();

    // Build/Synth: install, the program's commands, then the Lambda bundles into the
    // assembly so that the Assets stage can publish them.
    let mut synth_commands = p.synth.commands.clone();
    if !assets.is_empty() {
        synth_commands.push(format!(
            "cargo run --release --locked --bin {} -- assets --out {}",
            program.binary, p.synth.output
        ));
    }
    let install = if p.synth.install.is_empty() {
        DEFAULT_INSTALL.iter().map(|s| s.to_string()).collect()
    } else {
        p.synth.install.clone()
    };
    let synth_spec = BuildSpec {
        version: "0.2",
        env: BuildSpecEnv { shell: "bash" },
        phases: Phases {
            install: Some(Commands { commands: install }),
            build: Commands {
                commands: synth_commands,
            },
        },
        artifacts: Some(BuildSpecArtifacts {
            base_directory: p.synth.output.clone(),
            files: vec!["**/*"],
        }),
        cache: Some(BuildSpecCache {
            paths: vec![
                "/root/.cargo/registry/**/*",
                "/root/.cargo/git/**/*",
                "target/**/*",
            ],
        }),
    };
    let mut synth_statements = build_role_statements(&project_name("Synth"), &bucket, true);
    if let Some(k) = &key {
        synth_statements.push(kms_statement(k, true));
    }
    synth_statements.extend(user_statements.clone());
    let synth_role = t
        .add(
            "SynthRole",
            iam::Role {
                description: Some("Runs the synth action".into()),
                policies: Some(vec![iam::role::Policy::new(
                    "Synth",
                    PolicyDocument::new(synth_statements),
                )]),
                ..iam::Role::new(PolicyDocument::assumed_by_service(
                    "codebuild.amazonaws.com",
                ))
            },
        )
        .map_err(err)?;
    let synth_project = t
        .add(
            "SynthProject",
            code_build::Project {
                name: Some(Value::sub(project_name("Synth"))),
                description: Some(
                    format!(
                        "Builds the repository and synthesizes the {} assembly",
                        p.name
                    )
                    .into(),
                ),
                encryption_key: Some(encryption_key.clone()),
                timeout_in_minutes: Some(60.into()),
                cache: Some(code_build::project::ProjectCache {
                    modes: Some(vec![
                        "LOCAL_SOURCE_CACHE".into(),
                        "LOCAL_CUSTOM_CACHE".into(),
                    ]),
                    ..code_build::project::ProjectCache::new("LOCAL")
                }),
                ..code_build::Project::new(
                    code_build::project::Artifacts::new("CODEPIPELINE"),
                    synth_role.get_att(iam::RoleAttribute::Arn),
                    build_environment(None),
                    code_build::project::Source {
                        build_spec: Some(synth_spec.render().into()),
                        ..code_build::project::Source::new("CODEPIPELINE")
                    },
                )
            },
        )
        .map_err(err)?;

    // Assets: one project, one action per asset. It assumes the file-publishing role
    // of each destination.
    let mut assets_project = None;
    if !assets.is_empty() {
        let publishing_roles: Vec<Value<String>> = targets
            .iter()
            .map(|e| e.file_publishing_role_arn().into())
            .collect();
        let mut statements = build_role_statements(&project_name("Assets"), &bucket, false);
        statements.push(Statement::allow(["sts:AssumeRole"]).on(publishing_roles));
        if let Some(k) = &key {
            statements.push(kms_statement(k, false));
        }
        let role = t
            .add(
                "AssetsRole",
                iam::Role {
                    description: Some(
                        "Publishes the Lambda bundles to the target environments".into(),
                    ),
                    policies: Some(vec![iam::role::Policy::new(
                        "PublishAssets",
                        PolicyDocument::new(statements),
                    )]),
                    ..iam::Role::new(PolicyDocument::assumed_by_service(
                        "codebuild.amazonaws.com",
                    ))
                },
            )
            .map_err(err)?;
        let spec = BuildSpec {
            version: "0.2",
            env: BuildSpecEnv { shell: "bash" },
            phases: Phases {
                install: Some(Commands {
                    commands: vec![format!("npm install --global {CDK_ASSETS_PACKAGE}")],
                }),
                build: Commands {
                    commands: vec![
                        "cdk-assets --path \"$ASSET_MANIFEST\" --verbose publish".to_owned()
                    ],
                },
            },
            artifacts: None,
            cache: None,
        };
        assets_project = Some(
            t.add(
                "AssetsProject",
                code_build::Project {
                    name: Some(Value::sub(project_name("Assets"))),
                    description: Some(
                        "Publishes one Lambda bundle to every environment that deploys it".into(),
                    ),
                    encryption_key: Some(encryption_key.clone()),
                    timeout_in_minutes: Some(30.into()),
                    ..code_build::Project::new(
                        code_build::project::Artifacts::new("CODEPIPELINE"),
                        role.get_att(iam::RoleAttribute::Arn),
                        build_environment(None),
                        code_build::project::Source {
                            build_spec: Some(spec.render().into()),
                            ..code_build::project::Source::new("CODEPIPELINE")
                        },
                    )
                },
            )
            .map_err(err)?,
        );
    }

    // Verify: one project per stage with `verify` commands.
    let mut verify_projects = Vec::new();
    for stage in program.stages.iter().filter(|s| !s.verify.is_empty()) {
        let suffix = format!("{}-Verify", stage.name);
        let mut statements = build_role_statements(&project_name(&suffix), &bucket, false);
        if let Some(k) = &key {
            statements.push(kms_statement(k, false));
        }
        let role = t
            .add(
                format!("{}VerifyRole", stage.name),
                iam::Role {
                    description: Some(
                        format!("Runs the verify commands of the {} stage", stage.name).into(),
                    ),
                    policies: Some(vec![iam::role::Policy::new(
                        "Verify",
                        PolicyDocument::new(statements),
                    )]),
                    ..iam::Role::new(PolicyDocument::assumed_by_service(
                        "codebuild.amazonaws.com",
                    ))
                },
            )
            .map_err(err)?;
        let spec = BuildSpec {
            version: "0.2",
            env: BuildSpecEnv { shell: "bash" },
            phases: Phases {
                install: None,
                build: Commands {
                    commands: stage.verify.clone(),
                },
            },
            artifacts: None,
            cache: None,
        };
        let project = t
            .add(
                format!("{}VerifyProject", stage.name),
                code_build::Project {
                    name: Some(Value::sub(project_name(&suffix))),
                    description: Some(
                        format!("Checks the {} stage once it is deployed", stage.name).into(),
                    ),
                    encryption_key: Some(encryption_key.clone()),
                    timeout_in_minutes: Some(30.into()),
                    ..code_build::Project::new(
                        code_build::project::Artifacts::new("CODEPIPELINE"),
                        role.get_att(iam::RoleAttribute::Arn),
                        build_environment(None),
                        code_build::project::Source {
                            build_spec: Some(spec.render().into()),
                            ..code_build::project::Source::new("CODEPIPELINE")
                        },
                    )
                },
            )
            .map_err(err)?;
        verify_projects.push((stage.name.clone(), project));
    }

    // The pipeline's role: artifacts, the projects it starts, the roles it assumes.
    let mut assumed: Vec<Value<String>> = vec![source_role.get_att(iam::RoleAttribute::Arn)];
    let mut deploy_roles: BTreeSet<String> = targets.iter().map(|e| e.deploy_role_arn()).collect();
    if p.self_mutation {
        deploy_roles.insert(home.deploy_role_arn());
    }
    assumed.extend(deploy_roles.into_iter().map(Value::from));
    let mut started = vec![synth_project.get_att::<String>(code_build::ProjectAttribute::Arn)];
    started.extend(
        assets_project
            .iter()
            .map(|a| a.get_att(code_build::ProjectAttribute::Arn)),
    );
    started.extend(
        verify_projects
            .iter()
            .map(|(_, v)| v.get_att(code_build::ProjectAttribute::Arn)),
    );
    let mut pipeline_statements = bucket_statements(&bucket, true);
    for region in &regions {
        let name = support_bucket_name(p, region);
        pipeline_statements.push(
            Statement::allow([
                "s3:GetObject*",
                "s3:GetBucket*",
                "s3:List*",
                "s3:PutObject",
                "s3:Abort*",
                "s3:DeleteObject*",
            ])
            .on([
                Value::sub(format!("arn:${{AWS::Partition}}:s3:::{name}")),
                Value::sub(format!("arn:${{AWS::Partition}}:s3:::{name}/*")),
            ]),
        );
    }
    if let Some(k) = &key {
        pipeline_statements.push(kms_statement(k, true));
        for region in &regions {
            pipeline_statements.push(
                Statement::allow(["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"])
                    .on([Value::sub(format!("arn:${{AWS::Partition}}:kms:{region}:${{AWS::AccountId}}:key/*"))])
                    .when(serde_json::json!({"ForAnyValue:StringEquals": {"kms:ResourceAliases": support_key_alias(p, region)}})),
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
                    "Pipeline",
                    PolicyDocument::new(pipeline_statements),
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
                p.source.repo.replace('/', "_"),
            )
        }],
        "Source",
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
        "Build",
    ));
    if p.self_mutation {
        let mut actions = Vec::new();
        for (i, region) in regions.iter().enumerate() {
            let env = Environment { region, ..home };
            let name = support_stack_name(p, region);
            let prefix = format!("Support{}.", i + 1);
            actions.extend(change_set_actions(
                &env,
                &name,
                &format!("{name}.template.json"),
                &prefix,
                (1, 2),
                Some(region),
                None,
            ));
        }
        let order = if regions.is_empty() { (1, 2) } else { (3, 4) };
        actions.extend(change_set_actions(
            &home,
            &p.name,
            &format!("{}.template.json", p.name),
            "SelfMutate.",
            order,
            None,
            None,
        ));
        stages.push(StageDeclaration::new(actions, "UpdatePipeline"));
    }
    if let Some(project) = &assets_project {
        let actions = assets
            .iter()
            .map(|asset| ActionDeclaration {
                configuration: Some(serde_json::json!({
                    "ProjectName": project.reference::<String>(),
                    "EnvironmentVariables": serde_json::to_string(&[serde_json::json!({
                        "name": "ASSET_MANIFEST", "type": "PLAINTEXT", "value": asset_manifest_file(asset)
                    })]).expect("JSON"),
                })),
                input_artifacts: Some(vec![InputArtifact::new(SYNTH_ARTIFACT)]),
                run_order: Some(1.into()),
                ..ActionDeclaration::new(action_type("Build", "CodeBuild"), asset_action_name(asset))
            })
            .collect();
        stages.push(StageDeclaration::new(actions, "Assets"));
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
    let (artifact_store, artifact_stores) = if regions.is_empty() {
        (Some(artifact_store), None)
    } else {
        let mut stores = vec![ArtifactStoreMap::new(artifact_store, p.region.clone())];
        for region in &regions {
            stores.push(ArtifactStoreMap::new(
                ArtifactStore {
                    encryption_key: p.cross_account_keys.then(|| {
                        EncryptionKey::new(
                            Value::sub(format!(
                                "arn:${{AWS::Partition}}:kms:{region}:${{AWS::AccountId}}:{}",
                                support_key_alias(p, region)
                            )),
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
            ..code_pipeline::Pipeline::new(stages, pipeline_role.get_att(iam::RoleAttribute::Arn))
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
    let (prepare, approve, execute) = if stage.approval.is_some() {
        (1, 2, 3)
    } else {
        (1, 2, 2)
    };
    let mut prepares = Vec::new();
    let mut executes = Vec::new();
    let mut outputs: Vec<(String, String)> = Vec::new();
    for stack in stage_stacks
        .iter()
        .filter(|s| s.stage() == Some(stage.name.as_str()))
    {
        let logical = match &stack.role {
            crate::app::StackRole::Stage { stack, .. } => stack.to_string(),
            _ => continue,
        };
        let namespace = format!("{}", stack.name);
        let [a, b] = change_set_actions(
            &env,
            &stack.name,
            &stack.template_file(),
            &format!("{logical}."),
            (prepare, execute),
            region,
            Some(namespace.clone()),
        );
        prepares.push(a);
        executes.push(b);
        for output in &stack.outputs {
            outputs.push((output.to_string(), format!("#{{{namespace}.{output}}}")));
        }
    }
    let mut actions = prepares;
    if let Some(approval) = &stage.approval {
        actions.push(ActionDeclaration {
            configuration: Some(serde_json::json!({
                "CustomData": format!("Review the change sets of {} ({}), then approve to deploy them", stage.name, approval),
            })),
            run_order: Some(approve.into()),
            ..ActionDeclaration::new(action_type("Approval", "Manual"), approval.replace(' ', "_"))
        });
    }
    actions.extend(executes);
    if let Some((_, project)) = verify_projects.iter().find(|(s, _)| *s == stage.name) {
        let variables: Vec<_> = outputs
            .iter()
            .map(|(name, value)| serde_json::json!({"name": name, "type": "PLAINTEXT", "value": value}))
            .collect();
        actions.push(ActionDeclaration {
            configuration: Some(serde_json::json!({
                "ProjectName": project.reference::<String>(),
                "EnvironmentVariables": serde_json::to_string(&variables).expect("JSON"),
            })),
            input_artifacts: Some(vec![InputArtifact::new(SOURCE_ARTIFACT)]),
            run_order: Some((execute + 1).into()),
            ..ActionDeclaration::new(action_type("Build", "CodeBuild"), "Verify")
        });
    }
    Ok(actions)
}
