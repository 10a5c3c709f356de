//! The CodeBuild projects behind the pipeline's build actions, each with its own role:
//! synth ([`synth`]), the stages' and waves' own commands ([`commands`]), the pipeline's
//! own projects (support stacks, assets, termination protection: [`own`]), the
//! broadening check ([`broadening`]) and the data-loss check ([`data_loss`]). Each is made the same way ([`builder`]), with the
//! tools of [`toolchain`].

mod broadening;
mod builder;
mod commands;
mod data_loss;
mod own;
mod synth;
mod toolchain;

pub(super) use broadening::action_variables as broadening_check_variables;
pub(super) use data_loss::action_variables as data_loss_check_variables;
pub use toolchain::{
    CDK_ASSETS_PACKAGE, DEFAULT_IMAGE, DEFAULT_INSTALL, RUST_TOOLCHAIN, TOOL_CACHE_PATHS,
};

use crate::cfn::resources::code_build;
use crate::cfn::{Handle, Template, TemplateError, Value};
use crate::plan::{ActionKind, PipelinePlan};
use crate::spec::Program;

use super::storage::Store;
use builder::Builder;
use commands::{pre_project, verify_project};
use own::{assets_project, protect_project, support_stacks_project};
use synth::synth_project;

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
    /// The project that finds the changes that lose data, when a stage's stacks hold data.
    pub(super) data_loss_check: Option<Handle<code_build::Project>>,
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
            .chain(&self.data_loss_check)
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
    let mut data_checks = Vec::new();
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
            ActionKind::DataLossCheck(check) => data_checks.push(check),
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
    let data_loss_check = match data_checks.is_empty() {
        true => None,
        false => Some(data_loss::data_loss_check_project(
            t,
            &builder,
            program,
            &data_checks,
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
        data_loss_check,
    })
}
