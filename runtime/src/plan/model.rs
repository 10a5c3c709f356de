//! The plan's model: the pipeline, its stages and their actions, the bundles it
//! publishes and the environments and support regions it deploys to.

use crate::bootstrap_stack::Environment;
use crate::spec::{Architecture, NotifyTarget};

use super::names::{SOURCE_ARTIFACT, SYNTH_ARTIFACT};
use super::site::Site;

/// The whole pipeline of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipelinePlan {
    /// The pipeline's name (the CodePipeline's, and its stack's).
    pub name: String,
    /// Where the pipeline lives.
    pub home: Target,
    /// Its stages, in order.
    pub stages: Vec<PipelineStage>,
    /// The Lambda bundles the `Assets` stage publishes, one action each, in the order the
    /// stages first deploy them.
    pub bundles: Vec<Bundle>,
    /// The environments the stages deploy to, each once, in stage order.
    pub targets: Vec<Target>,
    /// The regions other than the pipeline's where a stage deploys, in stage order: each
    /// gets a support stack holding the pipeline's artifact store there.
    pub support_regions: Vec<SupportRegion>,
}

impl PipelinePlan {
    /// The stage of this name.
    pub fn stage(&self, name: &str) -> Option<&PipelineStage> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// The stages that deploy a `stage` block, in program order.
    pub fn deployments(&self) -> impl Iterator<Item = &PipelineStage> {
        self.stages
            .iter()
            .filter(|s| matches!(s.kind, StageKind::Deploy { .. }))
    }

    /// Whether the pipeline deploys its own stack (`self_mutation`: the `UpdatePipeline`
    /// stage), and restarts when it changes.
    pub fn mutates_itself(&self) -> bool {
        self.stages
            .iter()
            .any(|s| s.kind == StageKind::UpdatePipeline)
    }

    /// Every variable namespace of the pipeline, in pipeline order.
    pub fn namespaces(&self) -> impl Iterator<Item = &str> {
        self.stages
            .iter()
            .flat_map(|s| &s.actions)
            .filter_map(|a| a.namespace.as_deref())
    }
}

/// A stage of the pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipelineStage {
    /// The stage's name.
    pub name: String,
    /// What the stage is for.
    pub kind: StageKind,
    /// Its actions, in the order the stage declares them.
    pub actions: Vec<Action>,
}

impl PipelineStage {
    /// The action of this name.
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.name == name)
    }

    /// The names of the actions, in order.
    pub fn action_names(&self) -> Vec<&str> {
        self.actions.iter().map(|a| a.name.as_str()).collect()
    }
}

/// What a stage of the pipeline is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StageKind {
    /// Checks the repository out.
    Source,
    /// Builds the repository and synthesizes the cloud assembly.
    Build,
    /// Deploys the support stacks and the pipeline's own stack (`self_mutation`).
    UpdatePipeline,
    /// Publishes the Lambda bundles.
    Assets,
    /// Deploys a `stage` block of the program, or the stages of a `wave` side by side.
    Deploy {
        /// The program's stages it deploys, in order.
        stages: Vec<String>,
    },
}

/// One action of a stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// The action's name, unique in its stage.
    pub name: String,
    /// What it does.
    pub kind: ActionKind,
    /// When it runs in its stage: actions of the same run order run side by side.
    pub run_order: u32,
    /// The role it runs as.
    pub role: ActionRole,
    /// The region it runs in, when not the pipeline's.
    pub region: Option<String>,
    /// The namespace of its output variables.
    pub namespace: Option<String>,
    /// The artifacts it reads.
    pub inputs: Vec<Artifact>,
    /// The artifacts it writes.
    pub outputs: Vec<Artifact>,
}

/// What an action does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// Checks the repository out through the program's connection.
    Source,
    /// Runs the synth commands (CodeBuild), writing the cloud assembly.
    Synth,
    /// Deploys the support stacks of the other regions (CodeBuild).
    SupportStacks,
    /// Publishes one Lambda bundle to every environment that deploys it (CodeBuild).
    Asset {
        /// The asset manifest of the bundle in the cloud assembly.
        manifest_file: String,
    },
    /// Creates a stack's change set (CloudFormation).
    Prepare(DeployedStack),
    /// Executes a stack's change set (CloudFormation).
    Execute(DeployedStack),
    /// Waits for a person to approve the change sets of a stage (or wave).
    Approval(ApprovalStep),
    /// Reads the change sets of a stage (or wave) beside its `when: Broadening` approval
    /// (CodeBuild), and approves it when none broadens.
    BroadeningCheck(BroadeningCheck),
    /// Reads the change sets of a stage (or wave) whose stacks hold data (CodeBuild),
    /// before its approval and its executions, for changes that lose data.
    DataLossCheck(DataLossCheck),
    /// Runs the `pre` commands of a stage or wave (CodeBuild) on the source, before
    /// anything of it deploys.
    Pre {
        /// The stage or wave whose commands they are.
        owner: String,
        /// The commands.
        commands: Vec<String>,
    },
    /// Runs a stage's verify commands (CodeBuild) with its stacks' outputs.
    Verify {
        /// The program's stage.
        stage: String,
        /// The commands.
        commands: Vec<String>,
        /// The environment variables: each output's name, and the variable of the
        /// CloudFormation action that holds its value (`#{namespace.Output}`).
        variables: Vec<(String, String)>,
    },
    /// Turns termination protection on for a stage's stacks (CodeBuild, through the
    /// environment's deploy role): CloudFormation actions cannot.
    Protect {
        /// The program's stage.
        stage: String,
        /// The stacks' names.
        stacks: Vec<String>,
        /// Where they are.
        target: Target,
    },
}

/// A manual approval, and what it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalStep {
    /// The stage or wave it releases.
    pub owner: String,
    /// The approval's name, as the program writes it.
    pub label: String,
    /// What the approver reads, as the program writes it.
    pub comment: Option<String>,
    /// Who is told that it waits.
    pub notify: Option<NotifyTarget>,
    /// The change sets it releases: for each stage, where it deploys and its stacks'
    /// names.
    pub change_sets: Vec<(Target, Vec<String>)>,
    /// What the data-loss check of its stage (or wave) found, as a variable reference
    /// shown after its comment; `None` where its stacks hold no data.
    pub data_loss: Option<String>,
}

/// The check that decides a `when: Broadening` approval: it runs beside the approval
/// (same run order, once every change set is prepared), and approves it when no change
/// set broadens ([`crate::broadening`]); otherwise the approval waits for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BroadeningCheck {
    /// The stage or wave whose approval it decides (the pipeline stage's name).
    pub owner: String,
    /// The approval action it may approve.
    pub approval: String,
    /// The change sets it reads: for each stage, where it deploys and its stacks' names.
    pub change_sets: Vec<(Target, Vec<String>)>,
    /// What the data-loss check of its stage (or wave) found, as a variable reference:
    /// a change that loses data leaves the approval to a person whatever else the change
    /// sets do. `None` where its stacks hold no data.
    pub data_loss: Option<String>,
}

/// The check of a stage (or wave) whose stacks hold data: once every change set is
/// prepared, it finds the changes that lose data ([`crate::broadening::data_loss`]) and
/// says what they are in its variable; without an approval to wait for a person, such a
/// change fails it, and nothing of the stage executes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataLossCheck {
    /// The stage or wave whose change sets it reads (the pipeline stage's name).
    pub owner: String,
    /// The approval that waits for a person when data is lost; `None`: there is none.
    pub approval: Option<String>,
    /// The change sets it reads: for each stage, where it deploys and its stacks.
    pub change_sets: Vec<(Target, Vec<DeployedStack>)>,
}

/// The stack a CloudFormation action deploys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployedStack {
    /// The program's stage it belongs to (the pipeline's own name for its own stack).
    pub stage: String,
    /// The CloudFormation stack's name.
    pub stack_name: String,
    /// Its template in the cloud assembly.
    pub template_file: String,
}

/// The role an action runs as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionRole {
    /// The pipeline's own service role.
    Pipeline,
    /// The source action's role, which may use the connection.
    Source,
    /// The bootstrap deploy role of an environment (CloudFormation then runs as that
    /// environment's execution role).
    Deploy(Target),
}

/// An artifact passed between actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Artifact {
    /// The checked-out repository.
    Source,
    /// The cloud assembly.
    Synth,
}

impl Artifact {
    /// The artifact's name in the pipeline.
    pub fn name(self) -> &'static str {
        match self {
            Artifact::Source => SOURCE_ARTIFACT,
            Artifact::Synth => SYNTH_ARTIFACT,
        }
    }
}

/// An AWS environment: an account and a region.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// The account id.
    pub account: String,
    /// The region.
    pub region: String,
}

impl Target {
    /// The environment's bootstrap resources under a qualifier.
    pub fn environment<'a>(&'a self, qualifier: &'a str) -> Environment<'a> {
        Environment {
            qualifier,
            account: &self.account,
            region: &self.region,
        }
    }
}

/// A Lambda bundle: a package's binary built for an architecture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The package.
    pub package: String,
    /// The binary.
    pub bin: String,
    /// The architecture it is built for.
    pub architecture: Architecture,
    /// The name of the `Assets` action that publishes it.
    pub action: String,
    /// The first lambda that deploys it.
    pub site: Site,
}

/// The pipeline's artifact store in one of its other regions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupportRegion {
    /// The region.
    pub region: String,
    /// The support stack holding the store.
    pub stack_name: String,
    /// The store's bucket.
    pub bucket_name: String,
    /// The alias of the store's key (`cross_account_keys`).
    pub key_alias: Option<String>,
}
