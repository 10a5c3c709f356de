//! The `pipeline` block: the source repository and its trigger, the synth step, CodeBuild
//! settings and notifications.

/// The `pipeline` block: the CodePipeline that builds and deploys everything.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    /// Block name; also the pipeline stack's name.
    pub name: String,
    /// Doc comment of the block.
    pub doc: Option<String>,
    /// Where the pipeline stack lives.
    pub account: String,
    /// Where the pipeline stack lives.
    pub region: String,
    /// The repository the pipeline builds.
    pub source: Source,
    /// How the pipeline synthesizes the templates.
    pub synth: Synth,
    /// The pipeline updates itself first when its definition changes.
    pub self_mutation: bool,
    /// Encrypt artifacts with a customer-managed KMS key that other accounts can use.
    pub cross_account_keys: bool,
    /// CodeBuild settings of the pipeline's build actions.
    pub codebuild: CodeBuild,
    /// The bootstrap qualifier of the target environments (`cdk bootstrap --qualifier`).
    pub qualifier: String,
    /// Who hears of the pipeline's events.
    pub notifications: Option<Notifications>,
}

/// The `notifications` group: pipeline events sent to an SNS topic.
#[derive(Clone, Debug, PartialEq)]
pub struct Notifications {
    /// Where they go.
    pub target: NotifyTarget,
    /// The events that notify.
    pub events: Vec<PipelineEvent>,
}

/// Where a notification goes: a topic the pipeline stack creates for these email
/// addresses, or an existing topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotifyTarget {
    /// Email addresses, subscribed to a topic of the pipeline stack.
    Emails(Vec<String>),
    /// An existing SNS topic's ARN.
    Topic(String),
}

/// The source repository.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// `owner/name`.
    pub repo: String,
    /// The branch to build.
    pub branch: String,
    /// The CodeStar / CodeConnections connection ARN.
    pub connection: String,
    /// Which pushes start the pipeline.
    pub trigger: Trigger,
}

/// Which pushes start the pipeline (CodePipeline V2 trigger filters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trigger {
    /// A push to the branch starts it only when a changed file matches one of these.
    pub paths: Vec<String>,
    /// A push whose changed files all match these does not start it.
    pub ignore_paths: Vec<String>,
    /// A pushed tag matching one of these also starts it.
    pub tags: Vec<String>,
    /// Pushes start it at all (false: only by hand).
    pub on_push: bool,
}

impl Default for Trigger {
    fn default() -> Self {
        Trigger {
            paths: Vec::new(),
            ignore_paths: Vec::new(),
            tags: Vec::new(),
            on_push: true,
        }
    }
}

impl Trigger {
    /// Whether it filters pushes (the pipeline then has a trigger declaration).
    pub fn filters(&self) -> bool {
        !(self.paths.is_empty() && self.ignore_paths.is_empty() && self.tags.is_empty())
    }
}

/// The synth step.
#[derive(Clone, Debug, PartialEq)]
pub struct Synth {
    /// Commands run before `commands` (e.g. toolchain setup).
    pub install: Vec<String>,
    /// Commands that build and write the cloud assembly.
    pub commands: Vec<String>,
    /// Directory, relative to the repository, holding the cloud assembly.
    pub output: String,
}

/// CodeBuild settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeBuild {
    /// Compute size.
    pub compute: ComputeType,
    /// Docker-in-Docker.
    pub privileged: bool,
    /// Extra statements for the build role.
    pub policy: Vec<PolicyGrant>,
    /// Build image; `None` for the default.
    pub image: Option<String>,
}

/// An `Allow` statement added to a role.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyGrant {
    /// `service:Action` names.
    pub actions: Vec<String>,
    /// Resource ARNs, or `*`.
    pub resources: Vec<String>,
}

named_enum! {
    /// The pipeline events a notification rule can send.
    PipelineEvent {
        /// An execution started.
        Started = "codepipeline-pipeline-pipeline-execution-started",
        /// An execution succeeded.
        Succeeded = "codepipeline-pipeline-pipeline-execution-succeeded",
        /// An execution failed.
        Failed = "codepipeline-pipeline-pipeline-execution-failed",
        /// An execution was stopped.
        Canceled = "codepipeline-pipeline-pipeline-execution-canceled",
        /// A newer execution took over.
        Superseded = "codepipeline-pipeline-pipeline-execution-superseded",
        /// A manual approval waits.
        ApprovalNeeded = "codepipeline-pipeline-manual-approval-needed",
    }
}

named_enum! {
    /// CodeBuild compute sizes.
    ComputeType {
        /// 3 GB, 2 vCPUs.
        Small = "BUILD_GENERAL1_SMALL",
        /// 7 GB, 4 vCPUs.
        Medium = "BUILD_GENERAL1_MEDIUM",
        /// 15 GB, 8 vCPUs.
        Large = "BUILD_GENERAL1_LARGE",
        /// 145 GB, 72 vCPUs.
        X2Large = "BUILD_GENERAL1_2XLARGE",
    }
}
