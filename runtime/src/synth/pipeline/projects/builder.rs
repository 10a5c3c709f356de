//! What the pipeline's CodeBuild projects are built from: the buildspec, the environment
//! (the program's CodeBuild settings, or the pipeline's own small image), the role of each
//! project and its statements, and the project itself.

use serde::Serialize;

use crate::cfn::resources::{code_build, iam};
use crate::cfn::{
    Attributes, Handle, Metadata, PolicyDocument, Statement, Template, TemplateError, Value,
};
use crate::plan::Target;
use crate::spec::Program;

use super::super::storage::{bucket_statements, kms_statement, Store};
use super::toolchain::DEFAULT_IMAGE;

/// A buildspec, written as JSON (which is YAML).
#[derive(Serialize)]
pub(super) struct BuildSpec {
    version: &'static str,
    env: BuildSpecEnv,
    phases: Phases,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) artifacts: Option<BuildSpecArtifacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) cache: Option<BuildSpecCache>,
}

#[derive(Serialize)]
struct BuildSpecEnv {
    shell: &'static str,
    /// The variables the action publishes to its namespace.
    #[serde(rename = "exported-variables", skip_serializing_if = "Vec::is_empty")]
    exported_variables: Vec<&'static str>,
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
pub(super) struct BuildSpecArtifacts {
    #[serde(rename = "base-directory")]
    pub(super) base_directory: String,
    pub(super) files: Vec<&'static str>,
}

#[derive(Serialize)]
pub(super) struct BuildSpecCache {
    pub(super) paths: Vec<&'static str>,
}

impl BuildSpec {
    pub(super) fn new(install: Option<Vec<String>>, build: Vec<String>) -> Self {
        BuildSpec {
            version: "0.2",
            env: BuildSpecEnv {
                shell: "bash",
                exported_variables: Vec::new(),
            },
            phases: Phases {
                install: install.map(|commands| Commands { commands }),
                build: Commands { commands: build },
            },
            artifacts: None,
            cache: None,
        }
    }

    /// The buildspec, publishing these variables to its action's namespace.
    pub(super) fn exporting(mut self, variables: Vec<&'static str>) -> Self {
        self.env.exported_variables = variables;
        self
    }

    fn render(&self) -> String {
        serde_json::to_string_pretty(self).expect("buildspecs serialize to JSON")
    }
}

/// What a CodeBuild project of the pipeline is made of.
pub(super) struct ProjectSpec {
    pub(super) description: String,
    pub(super) environment: code_build::project::Environment,
    pub(super) spec: BuildSpec,
    pub(super) timeout_minutes: i64,
    pub(super) cache: bool,
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
pub(super) struct Builder<'a> {
    program: &'a Program,
    store: &'a Store,
    encryption_key: Value<String>,
    user_image: String,
    user_statements: Vec<Statement>,
    pub(super) user_role_metadata: Option<Metadata>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(program: &'a Program, store: &'a Store) -> Self {
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
            Metadata::checkov_skips(&[(
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
    pub(super) fn user_environment(&self) -> code_build::project::Environment {
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
    pub(super) fn own_environment(
        &self,
        variables: Vec<(&str, String)>,
    ) -> code_build::project::Environment {
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
    pub(super) fn role_statements(&self, suffix: &str, write: bool) -> Vec<Statement> {
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
    pub(super) fn user_role_statements(&self, suffix: &str, write: bool) -> Vec<Statement> {
        let mut statements = self.role_statements(suffix, write);
        statements.extend(self.user_statements.clone());
        statements
    }

    /// A project of the pipeline, named after `suffix`, running as `role`.
    pub(super) fn add_project(
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
/// The deploy roles of the environments `targets` name, each once, in the order met: what a
/// check that reads change sets may assume.
pub(super) fn deploy_roles<'a>(
    targets: impl IntoIterator<Item = &'a Target>,
    qualifier: &str,
) -> Vec<String> {
    let mut roles: Vec<String> = Vec::new();
    for target in targets {
        let role = target.environment(qualifier).deploy_role_arn();
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles
}

pub(super) fn codebuild_role(
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
