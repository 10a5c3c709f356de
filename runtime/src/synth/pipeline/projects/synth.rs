//! The synth project: it builds the repository, runs the program's synth commands, and
//! writes the Lambda bundles into the assembly.

use crate::cfn::resources::code_build;
use crate::cfn::{Handle, Template, TemplateError};
use crate::plan::PipelinePlan;
use crate::spec::{Architecture, Program};

use super::builder::{
    codebuild_role, BuildSpec, BuildSpecArtifacts, BuildSpecCache, Builder, ProjectSpec,
};
use super::toolchain::{DEFAULT_INSTALL, TOOL_CACHE_PATHS};

/// Build/Synth: install, the program's commands, then the Lambda bundles into the
/// assembly so that the Assets stage can publish them. The program that writes them is
/// built without its default features (a program whose AWS commands are behind its
/// default `aws` feature, as the reference program's, builds no AWS SDK) and without
/// optimizations: it only writes files, and cargo-lambda builds the bundles optimized.
pub(super) fn synth_project(
    t: &mut Template,
    builder: &Builder<'_>,
    program: &Program,
    plan: &PipelinePlan,
) -> Result<Handle<code_build::Project>, TemplateError> {
    let p = &program.pipeline;
    let mut commands = p.synth.commands.clone();
    if !plan.bundles.is_empty() {
        let package = match program.select_package {
            true => format!("--package {} ", program.package),
            false => String::new(),
        };
        commands.push(format!(
            "cargo run --locked --no-default-features {package}{} {} -- assets --out {}",
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
        cached.extend(TOOL_CACHE_PATHS);
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
