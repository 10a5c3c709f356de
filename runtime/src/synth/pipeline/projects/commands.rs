//! The projects that run a stage's (or wave's) own commands: `pre`, before it deploys,
//! and `verify`, once it is deployed.

use crate::cfn::resources::code_build;
use crate::cfn::{Handle, Template, TemplateError};

use super::builder::{codebuild_role, BuildSpec, Builder, ProjectSpec};

/// The `verify` commands of a stage, once it is deployed.
pub(super) fn verify_project(
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
pub(super) fn pre_project(
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
