//! The CodeBuild projects behind the pipeline's build actions, each with its own role:
//! synth, the support stacks, the assets, each stage's verify step, and the broadening
//! check ([`broadening`]).

mod broadening;

pub(super) use broadening::action_variables as broadening_check_variables;

use serde::Serialize;

use crate::bootstrap_stack::{Environment, Role};
use crate::cfn::resources::{code_build, iam};
use crate::cfn::{
    Attributes, Handle, Metadata, PolicyDocument, Statement, Template, TemplateError, Value,
};
use crate::plan::{ActionKind, PipelinePlan, Target};
use crate::spec::{Architecture, Program};

use super::storage::{bucket_statements, kms_statement, Store};
use super::{checkov_skips, CDK_ASSETS_PACKAGE, DEFAULT_IMAGE, DEFAULT_INSTALL, PIPELINE_TAG};

/// The projects the pipeline starts.
pub(super) struct Projects {
    pub(super) synth: Handle<code_build::Project>,
    pub(super) support_stacks: Option<Handle<code_build::Project>>,
    pub(super) assets: Option<Handle<code_build::Project>>,
    /// Each stage's verify project, by stage name.
    pub(super) verify: Vec<(String, Handle<code_build::Project>)>,
    /// Each stage's or wave's `pre` project, by its name.
    pub(super) pre: Vec<(String, Handle<code_build::Project>)>,
    /// The project that turns termination protection on, when a stage is protected.
    pub(super) protect: Option<Handle<code_build::Project>>,
    /// The project that decides the `when: Broadening` approvals, when there is one.
    pub(super) broadening_check: Option<Handle<code_build::Project>>,
}

impl Projects {
    /// Every project's ARN, in the order they were created.
    pub(super) fn arns(&self) -> Vec<Value<String>> {
        std::iter::once(&self.synth)
            .chain(&self.support_stacks)
            .chain(&self.assets)
            .chain(self.verify.iter().map(|(_, p)| p))
            .chain(self.pre.iter().map(|(_, p)| p))
            .chain(&self.protect)
            .chain(&self.broadening_check)
            .map(|p| p.get_att(code_build::ProjectAttribute::Arn))
            .collect()
    }

    /// The verify project of a stage.
    pub(super) fn verify_of(&self, stage: &str) -> Option<&Handle<code_build::Project>> {
        self.verify.iter().find(|(s, _)| s == stage).map(|(_, p)| p)
    }

    /// The `pre` project of a stage or wave.
    pub(super) fn pre_of(&self, owner: &str) -> Option<&Handle<code_build::Project>> {
        self.pre.iter().find(|(s, _)| s == owner).map(|(_, p)| p)
    }
}

/// Adds every project the plan's build actions need.
pub(super) fn projects(
    t: &mut Template,
    program: &Program,
    plan: &PipelinePlan,
    store: &Store,
) -> Result<Projects, TemplateError> {
    let builder = Builder::new(program, store);
    let synth = synth_project(t, &builder, program, plan)?;
    let support_stacks = if plan.mutates_itself() {
        Some(support_stacks_project(t, &builder, program, plan)?)
    } else {
        None
    };
    let assets = if plan.bundles.is_empty() {
        None
    } else {
        Some(assets_project(t, &builder, program, plan)?)
    };
    let mut verify = Vec::new();
    let mut pre = Vec::new();
    let mut protected = Vec::new();
    let mut checks = Vec::new();
    for action in plan.deployments().flat_map(|s| &s.actions) {
        match &action.kind {
            ActionKind::Verify {
                stage, commands, ..
            } => verify.push((
                stage.clone(),
                verify_project(t, &builder, stage, commands.clone())?,
            )),
            ActionKind::Pre { owner, commands } => pre.push((
                owner.clone(),
                pre_project(t, &builder, owner, commands.clone())?,
            )),
            ActionKind::Protect { target, .. } => protected.push(target.clone()),
            ActionKind::BroadeningCheck(check) => checks.push(check),
            _ => {}
        }
    }
    let protect = match protected.is_empty() {
        true => None,
        false => Some(protect_project(t, &builder, program, &protected)?),
    };
    let broadening_check = match checks.is_empty() {
        true => None,
        false => Some(broadening::broadening_check_project(
            t, &builder, program, &checks,
        )?),
    };
    Ok(Projects {
        synth,
        support_stacks,
        assets,
        verify,
        pre,
        protect,
        broadening_check,
    })
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

/// What a CodeBuild project of the pipeline is made of.
struct ProjectSpec {
    description: String,
    environment: code_build::project::Environment,
    spec: BuildSpec,
    timeout_minutes: i64,
    cache: bool,
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

/// The project name of a suffix: unique per pipeline stack.
fn project_name(suffix: &str) -> String {
    format!("${{AWS::StackName}}-{suffix}")
}

/// What every project shares: the artifact store, and the program's CodeBuild settings
/// for the projects that run its commands (synth, verify). The pipeline's own projects
/// (assets, support stacks) need no more than a small default image with Node.js and the
/// AWS CLI.
struct Builder<'a> {
    program: &'a Program,
    store: &'a Store,
    encryption_key: Value<String>,
    user_image: String,
    user_statements: Vec<Statement>,
    user_role_metadata: Option<Metadata>,
}

impl<'a> Builder<'a> {
    fn new(program: &'a Program, store: &'a Store) -> Self {
        let codebuild = &program.pipeline.codebuild;
        let user_statements = codebuild
            .policy
            .iter()
            .map(|g| Statement::allow(g.actions.clone()).on(g.resources.clone()))
            .collect();
        // checkov reads a `*` resource in the program's own statements as possible data
        // exfiltration: they are what the program asked for, and only its commands use
        // them.
        let asks_for_everything = codebuild
            .policy
            .iter()
            .any(|g| g.resources.iter().any(|r| r == "*"));
        let user_role_metadata = asks_for_everything.then(|| {
            checkov_skips(&[(
                "CKV_AWS_108",
                "The statements flagged come from the program's `codebuild.policy` (a `*` resource it asked for): its own commands need them",
            )])
        });
        Builder {
            program,
            store,
            encryption_key: store.encryption_key(),
            user_image: codebuild
                .image
                .clone()
                .unwrap_or_else(|| DEFAULT_IMAGE.to_owned()),
            user_statements,
            user_role_metadata,
        }
    }

    /// The environment of the projects that run the program's commands.
    fn user_environment(&self) -> code_build::project::Environment {
        let codebuild = &self.program.pipeline.codebuild;
        code_build::project::Environment {
            privileged_mode: Some(codebuild.privileged.into()),
            image_pull_credentials_type: Some("CODEBUILD".into()),
            ..code_build::project::Environment::new(
                codebuild.compute.aws_value(),
                self.user_image.clone(),
                environment_type(&self.user_image),
            )
        }
    }

    /// The environment of the pipeline's own projects.
    fn own_environment(&self, variables: Vec<(&str, String)>) -> code_build::project::Environment {
        code_build::project::Environment {
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
        }
    }

    /// What every CodeBuild role needs: its own logs and test reports, and reading (or
    /// writing) the artifacts.
    fn role_statements(&self, suffix: &str, write: bool) -> Vec<Statement> {
        let project_name = project_name(suffix);
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
        statements.extend(bucket_statements(&self.store.bucket, write));
        if let Some(k) = &self.store.key {
            statements.push(kms_statement(k, write));
        }
        statements
    }

    /// The role statements of a project that runs the program's commands: its own, and
    /// the program's `codebuild.policy`.
    fn user_role_statements(&self, suffix: &str, write: bool) -> Vec<Statement> {
        let mut statements = self.role_statements(suffix, write);
        statements.extend(self.user_statements.clone());
        statements
    }

    /// A project of the pipeline, named after `suffix`, running as `role`.
    fn add_project(
        &self,
        t: &mut Template,
        logical_id: &str,
        suffix: &str,
        role: &Handle<iam::Role>,
        spec: ProjectSpec,
    ) -> Result<Handle<code_build::Project>, TemplateError> {
        t.add(
            logical_id,
            code_build::Project {
                name: Some(Value::sub(project_name(suffix))),
                description: Some(spec.description.into()),
                encryption_key: Some(self.encryption_key.clone()),
                timeout_in_minutes: Some(spec.timeout_minutes.into()),
                // An S3 cache in the artifact bucket (under an expiring prefix), not a
                // LOCAL one: CodeBuild's local cache only hits when the next build lands on
                // the same host soon after, so nearly every run paid a cold Rust build.
                cache: spec.cache.then(|| code_build::project::ProjectCache {
                    location: Some(self.store.build_cache(suffix)),
                    ..code_build::project::ProjectCache::new("S3")
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
    }
}

/// A CodeBuild role with these statements, assumed by CodeBuild.
fn codebuild_role(
    t: &mut Template,
    logical_id: &str,
    description: String,
    statements: Vec<Statement>,
    metadata: Option<Metadata>,
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

/// Build/Synth: install, the program's commands, then the Lambda bundles into the
/// assembly so that the Assets stage can publish them. The program that writes them is
/// built without its default features (a program whose AWS commands are behind its
/// default `aws` feature, as the reference program's, builds no AWS SDK) and without
/// optimizations: it only writes files, and cargo-lambda builds the bundles optimized.
fn synth_project(
    t: &mut Template,
    builder: &Builder<'_>,
    program: &Program,
    plan: &PipelinePlan,
) -> Result<Handle<code_build::Project>, TemplateError> {
    let p = &program.pipeline;
    let mut commands = p.synth.commands.clone();
    if !plan.bundles.is_empty() {
        commands.push(format!(
            "cargo run --locked --no-default-features {} {} -- assets --out {}",
            program.binary_kind.cargo_flag(),
            program.binary,
            p.synth.output
        ));
    }
    let install = if p.synth.install.is_empty() {
        let mut install: Vec<String> = DEFAULT_INSTALL.iter().map(|s| s.to_string()).collect();
        if plan
            .bundles
            .iter()
            .any(|b| b.architecture == Architecture::Arm64)
        {
            install.push(format!(
                "rustup target add {}",
                Architecture::Arm64.rust_target()
            ));
        }
        install
    } else {
        p.synth.install.clone()
    };
    let mut spec = BuildSpec::new(Some(install), commands);
    spec.artifacts = Some(BuildSpecArtifacts {
        base_directory: p.synth.output.clone(),
        files: vec!["**/*"],
    });
    let mut cached = vec![
        "/root/.cargo/registry/**/*",
        "/root/.cargo/git/**/*",
        "target/**/*",
    ];
    if p.synth.install.is_empty() {
        cached.extend(super::TOOL_CACHE_PATHS);
    }
    spec.cache = Some(BuildSpecCache { paths: cached });
    let role = codebuild_role(
        t,
        "SynthRole",
        "Runs the synth action".into(),
        builder.user_role_statements("Synth", true),
        builder.user_role_metadata.clone(),
    )?;
    builder.add_project(
        t,
        "SynthProject",
        "Synth",
        &role,
        ProjectSpec {
            description: format!(
                "Builds the repository and synthesizes the {} assembly",
                p.name
            ),
            environment: builder.user_environment(),
            spec,
            timeout_minutes: 60,
            cache: true,
        },
    )
}

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
fn support_stacks_project(
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
fn assets_project(
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

/// The `verify` commands of a stage, once it is deployed.
fn verify_project(
    t: &mut Template,
    builder: &Builder<'_>,
    stage: &str,
    commands: Vec<String>,
) -> Result<Handle<code_build::Project>, TemplateError> {
    let step = CommandsStep {
        owner: stage,
        kind: "Verify",
        role_description: format!("Runs the verify commands of the {stage} stage"),
        description: format!("Checks the {stage} stage once it is deployed"),
    };
    commands_project(t, builder, step, commands)
}

/// The `pre` commands of a stage or wave, on the checked-out source, before it deploys.
fn pre_project(
    t: &mut Template,
    builder: &Builder<'_>,
    owner: &str,
    commands: Vec<String>,
) -> Result<Handle<code_build::Project>, TemplateError> {
    let step = CommandsStep {
        owner,
        kind: "Pre",
        role_description: format!("Runs the pre commands of {owner}"),
        description: format!("Checks {owner} before it deploys"),
    };
    commands_project(t, builder, step, commands)
}

/// A step of a stage (or wave) that runs the program's commands.
struct CommandsStep<'a> {
    /// The stage or wave.
    owner: &'a str,
    /// `Pre` or `Verify`: names the project (`<owner>-<kind>`), its role and logical ids.
    kind: &'a str,
    role_description: String,
    description: String,
}

/// One project per step, with the program's CodeBuild settings and statements (its
/// commands may call AWS).
fn commands_project(
    t: &mut Template,
    builder: &Builder<'_>,
    step: CommandsStep<'_>,
    commands: Vec<String>,
) -> Result<Handle<code_build::Project>, TemplateError> {
    let CommandsStep { owner, kind, .. } = step;
    let suffix = format!("{owner}-{kind}");
    let role = codebuild_role(
        t,
        &format!("{owner}{kind}Role"),
        step.role_description,
        builder.user_role_statements(&suffix, false),
        builder.user_role_metadata.clone(),
    )?;
    builder.add_project(
        t,
        &format!("{owner}{kind}Project"),
        &suffix,
        &role,
        ProjectSpec {
            description: step.description,
            environment: builder.user_environment(),
            spec: BuildSpec::new(None, commands),
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
fn protect_project(
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
