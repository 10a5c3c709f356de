//! The model of a pipewright program: what a `pipeline!` invocation means once it is
//! parsed and checked, free of syntax and spans. [`synth`](crate::synth) turns it into
//! CloudFormation.
//!
//! The value rules of the language live here too (account ids, regions, ARNs, names of
//! deployment configs...), as plain functions: the macro reports their messages at the
//! offending token, and anything else building a [`Program`] can use them as they are.

use std::fmt;

/// Declares a closed set of names the language accepts as identifiers.
macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every accepted name, in the order documented.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($variant)),+];

            /// Looks a variant up by the name written in a program.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $(stringify!($variant) => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The name written in a program.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant)),+
                }
            }

            /// The value AWS uses for it.
            pub fn aws_value(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }
    };
}

/// A whole program: one pipeline, its stacks, and the stages that deploy them.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// The `pipeline` block.
    pub pipeline: Pipeline,
    /// The `stack` blocks, in the order written.
    pub stacks: Vec<Stack>,
    /// The `stage` blocks, in deployment order: those of a `wave` where the wave is
    /// written, in the order written inside it.
    pub stages: Vec<Stage>,
    /// The `wave` blocks, in the order written.
    pub waves: Vec<Wave>,
    /// The Cargo packages the lambdas are built from.
    pub packages: Vec<Package>,
    /// The name of the binary the program compiles to (its `deploy` command line); the
    /// pipeline runs it to package the Lambda bundles.
    pub binary: String,
    /// The Cargo package the program is compiled in (whose
    /// [`ENGINE_BINARY`](crate::app::ENGINE_BINARY) runs its AWS commands).
    pub package: String,
    /// Whether that binary is a Cargo binary or an example (`--bin` or `--example`).
    pub binary_kind: BinaryKind,
}

/// The kind of Cargo target a program is compiled as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BinaryKind {
    /// A `[[bin]]` (`cargo run --bin NAME`).
    #[default]
    Bin,
    /// An `[[example]]` (`cargo run --example NAME`).
    Example,
}

impl BinaryKind {
    /// The Cargo option that selects a target of this kind.
    pub fn cargo_flag(self) -> &'static str {
        match self {
            BinaryKind::Bin => "--bin",
            BinaryKind::Example => "--example",
        }
    }
}

impl Program {
    /// The stack of this name.
    pub fn stack(&self, name: &str) -> Option<&Stack> {
        self.stacks.iter().find(|s| s.name == name)
    }

    /// The package of this name.
    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    /// The wave of this name.
    pub fn wave(&self, name: &str) -> Option<&Wave> {
        self.waves.iter().find(|w| w.name == name)
    }

    /// What deploys one after the other, in order: each stage outside a wave on its own,
    /// each wave with its stages.
    pub fn deployments(&self) -> Vec<Deployment<'_>> {
        let mut deployments: Vec<Deployment<'_>> = Vec::new();
        for stage in &self.stages {
            match (&stage.wave, deployments.last_mut()) {
                (Some(wave), Some(Deployment::Wave { wave: w, stages })) if w.name == *wave => {
                    stages.push(stage)
                }
                (Some(wave), _) => match self.wave(wave) {
                    Some(w) => deployments.push(Deployment::Wave {
                        wave: w,
                        stages: vec![stage],
                    }),
                    None => deployments.push(Deployment::Stage(stage)),
                },
                (None, _) => deployments.push(Deployment::Stage(stage)),
            }
        }
        deployments
    }
}

/// One step of the deployment order: a stage on its own, or a wave of stages deployed
/// side by side.
#[derive(Clone, Debug, PartialEq)]
pub enum Deployment<'a> {
    /// A `stage` outside any wave.
    Stage(&'a Stage),
    /// A `wave` and its stages, in the order written.
    Wave {
        /// The wave.
        wave: &'a Wave,
        /// Its stages.
        stages: Vec<&'a Stage>,
    },
}

impl<'a> Deployment<'a> {
    /// The name of the pipeline stage it becomes: the stage's or the wave's.
    pub fn name(&self) -> &'a str {
        match self {
            Deployment::Stage(stage) => &stage.name,
            Deployment::Wave { wave, .. } => &wave.name,
        }
    }

    /// Its stages.
    pub fn stages(&self) -> Vec<&'a Stage> {
        match self {
            Deployment::Stage(stage) => vec![*stage],
            Deployment::Wave { stages, .. } => stages.clone(),
        }
    }

    /// The approval before it deploys: the stage's, or the wave's.
    pub fn approval(&self) -> Option<&'a Approval> {
        match self {
            Deployment::Stage(stage) => stage.approval.as_ref(),
            Deployment::Wave { wave, .. } => wave.approval.as_ref(),
        }
    }
}

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

/// A `stack` block: deployed once per stage that includes it, as `STAGE-STACK`.
#[derive(Clone, Debug, PartialEq)]
pub struct Stack {
    /// Block name.
    pub name: String,
    /// Doc comment of the block.
    pub doc: Option<String>,
    /// Its lambdas.
    pub lambdas: Vec<Lambda>,
    /// Its REST APIs.
    pub apis: Vec<Api>,
}

impl Stack {
    /// The lambda of this name.
    pub fn lambda(&self, name: &str) -> Option<&Lambda> {
        self.lambdas.iter().find(|l| l.name == name)
    }

    /// The names of its outputs, in the order its template declares them: per lambda
    /// `<Lambda>FunctionName` and `<Lambda>AliasArn`, per api `<Api>Url`. A stage's verify
    /// step sees each as an environment variable.
    pub fn output_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for l in &self.lambdas {
            names.push(format!("{}FunctionName", l.name));
            names.push(format!("{}AliasArn", l.name));
        }
        for api in &self.apis {
            names.push(format!("{}Url", api.name));
        }
        names
    }
}

/// A `lambda` block: function, error alarm, `Current` alias and CodeDeploy canary.
#[derive(Clone, Debug, PartialEq)]
pub struct Lambda {
    /// Block name.
    pub name: String,
    /// The Cargo package of the binary.
    pub package: String,
    /// The binary in that package.
    pub bin: String,
    /// The function's description.
    pub description: Option<String>,
    /// Memory in MB, 128..=10240.
    pub memory: u32,
    /// Timeout, 1s..=900s.
    pub timeout: Duration,
    /// CPU architecture.
    pub architecture: Architecture,
    /// Environment variables (a stage's win over these).
    pub environment: Vec<(String, String)>,
    /// The rollback alarm on the function's errors.
    pub alarm: Alarm,
    /// How CodeDeploy shifts traffic to a new version.
    pub deployment: DeploymentConfig,
}

/// The error alarm that rolls a deployment back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alarm {
    /// Errors per period that trip it.
    pub threshold: u32,
    /// Periods in a row.
    pub evaluation_periods: u32,
    /// Length of a period.
    pub period: Duration,
}

impl Default for Alarm {
    fn default() -> Self {
        Alarm {
            threshold: 1,
            evaluation_periods: 1,
            period: Duration::from_secs(60),
        }
    }
}

/// An `api` block: a REST API proxying every path and method to a lambda's alias.
#[derive(Clone, Debug, PartialEq)]
pub struct Api {
    /// Block name.
    pub name: String,
    /// The lambda (same stack) that handles every request.
    pub handler: String,
    /// The API's description.
    pub description: Option<String>,
    /// Media types API Gateway passes through as binary.
    pub binary_media_types: Vec<String>,
    /// CORS preflight answered by API Gateway.
    pub cors: Option<Cors>,
    /// The API Gateway stage name (the first path segment of the URL).
    pub stage_name: String,
}

/// CORS preflight settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Cors {
    /// Allowed origins, or `*`.
    pub origins: Vec<String>,
    /// Allowed methods, or `*`.
    pub methods: Vec<String>,
    /// Allowed request headers; `None` for API Gateway's usual set.
    pub headers: Option<Vec<String>>,
}

/// A `stage` block: one environment where stacks are deployed.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// Block name.
    pub name: String,
    /// Doc comment of the block.
    pub doc: Option<String>,
    /// Target account.
    pub account: String,
    /// Target region.
    pub region: String,
    /// Environment variables for every lambda of the stage.
    pub environment: Vec<(String, String)>,
    /// The manual approval before the stage deploys.
    pub approval: Option<Approval>,
    /// The stacks it deploys, in order.
    pub stacks: Vec<String>,
    /// Commands run before the stage deploys.
    pub pre: Vec<String>,
    /// Commands run after the stage deployed.
    pub verify: Vec<String>,
    /// Termination protection on the stage's stacks.
    pub protect: bool,
    /// The wave it deploys in, if any.
    pub wave: Option<String>,
}

/// A `wave` block: stages deployed side by side, as one pipeline stage.
#[derive(Clone, Debug, PartialEq)]
pub struct Wave {
    /// Block name.
    pub name: String,
    /// Doc comment of the block.
    pub doc: Option<String>,
    /// The one approval before any stage of the wave deploys.
    pub approval: Option<Approval>,
    /// Commands run before the wave deploys.
    pub pre: Vec<String>,
}

/// A manual approval.
#[derive(Clone, Debug, PartialEq)]
pub struct Approval {
    /// Its name (the action's, once spaces are `_`).
    pub name: String,
    /// What the approver reads.
    pub comment: Option<String>,
    /// Who is told that it waits.
    pub notify: Option<NotifyTarget>,
    /// When it is needed.
    pub when: ApprovalWhen,
}

impl Approval {
    /// An approval of this name, always needed, with no comment or notification.
    pub fn named(name: impl Into<String>) -> Self {
        Approval {
            name: name.into(),
            comment: None,
            notify: None,
            when: ApprovalWhen::Always,
        }
    }
}

named_enum! {
    /// When a manual approval is needed.
    ApprovalWhen {
        /// Every time.
        Always = "Always",
        /// Only when a change set widens permissions, or replaces or removes a resource.
        Broadening = "Broadening",
    }
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

impl Stage {
    /// The name of the CloudFormation stack of `stack` in this stage.
    pub fn stack_name(&self, stack: &str) -> String {
        format!("{}-{}", self.name, stack)
    }
}

/// A Cargo package a lambda is built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// Package name.
    pub name: String,
    /// Its directory, relative to the workspace root (`/`-separated).
    pub dir: String,
    /// SHA-256 (hex) of everything its build reads: its sources, those of its local
    /// path dependencies, the workspace manifest and `Cargo.lock`.
    pub source_hash: String,
}

/// A length of time, whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration {
    secs: u64,
}

impl Duration {
    /// From seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Duration { secs }
    }

    /// In seconds.
    pub const fn as_secs(self) -> u64 {
        self.secs
    }

    /// Parses `<integer><unit>` as the language writes it: units `s`, `min`, `h`.
    pub fn from_value_and_unit(value: u64, unit: &str) -> Result<Self, String> {
        let factor = match unit {
            "s" => 1,
            "min" => 60,
            "h" => 3600,
            "" => return Err("expected a duration with a unit: `30s`, `5min` or `1h`".into()),
            other => {
                return Err(format!(
                    "unknown duration unit `{other}`: expected `s`, `min` or `h` (as in `30s`, `5min`, `1h`)"
                ))
            }
        };
        value
            .checked_mul(factor)
            .map(Duration::from_secs)
            .ok_or_else(|| "duration too large".to_owned())
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.secs {
            s if s != 0 && s % 3600 == 0 => write!(f, "{}h", s / 3600),
            s if s != 0 && s % 60 == 0 => write!(f, "{}min", s / 60),
            s => write!(f, "{s}s"),
        }
    }
}

named_enum! {
    /// A Lambda instruction set.
    Architecture {
        /// x86-64.
        X86_64 = "x86_64",
        /// Graviton.
        Arm64 = "arm64",
    }
}

impl Architecture {
    /// The Rust target the function is built for (glibc, as `provided.al2023` runs it).
    pub fn rust_target(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64-unknown-linux-gnu",
            Architecture::Arm64 => "aarch64-unknown-linux-gnu",
        }
    }
}

named_enum! {
    /// CodeDeploy's predefined configs for Lambda traffic shifting.
    DeploymentConfig {
        /// All traffic at once.
        AllAtOnce = "CodeDeployDefault.LambdaAllAtOnce",
        /// 10%, then the rest after 5 minutes.
        Canary10Percent5Minutes = "CodeDeployDefault.LambdaCanary10Percent5Minutes",
        /// 10%, then the rest after 10 minutes.
        Canary10Percent10Minutes = "CodeDeployDefault.LambdaCanary10Percent10Minutes",
        /// 10%, then the rest after 15 minutes.
        Canary10Percent15Minutes = "CodeDeployDefault.LambdaCanary10Percent15Minutes",
        /// 10%, then the rest after 30 minutes.
        Canary10Percent30Minutes = "CodeDeployDefault.LambdaCanary10Percent30Minutes",
        /// 10% more every minute.
        Linear10PercentEvery1Minute = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        /// 10% more every 2 minutes.
        Linear10PercentEvery2Minutes = "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
        /// 10% more every 3 minutes.
        Linear10PercentEvery3Minutes = "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
        /// 10% more every 10 minutes.
        Linear10PercentEvery10Minutes = "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
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

/// Default Lambda memory, MB.
pub const DEFAULT_MEMORY_MB: u32 = 2048;
/// Accepted Lambda memory, MB.
pub const MEMORY_RANGE_MB: std::ops::RangeInclusive<u64> = 128..=10240;
/// Default Lambda timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Accepted Lambda timeouts, seconds.
pub const TIMEOUT_RANGE_SECS: std::ops::RangeInclusive<u64> = 1..=900;
/// The default bootstrap qualifier, the same as the AWS CDK's.
pub const DEFAULT_QUALIFIER: &str = "hnb659fds";
/// Default API Gateway stage name, the same as the AWS CDK's.
pub const DEFAULT_API_STAGE: &str = "prod";

/// The AWS regions, with their partitions.
pub const REGIONS: &[(&str, &str)] = &[
    ("af-south-1", "aws"),
    ("ap-east-1", "aws"),
    ("ap-east-2", "aws"),
    ("ap-northeast-1", "aws"),
    ("ap-northeast-2", "aws"),
    ("ap-northeast-3", "aws"),
    ("ap-south-1", "aws"),
    ("ap-south-2", "aws"),
    ("ap-southeast-1", "aws"),
    ("ap-southeast-2", "aws"),
    ("ap-southeast-3", "aws"),
    ("ap-southeast-4", "aws"),
    ("ap-southeast-5", "aws"),
    ("ap-southeast-6", "aws"),
    ("ap-southeast-7", "aws"),
    ("ca-central-1", "aws"),
    ("ca-west-1", "aws"),
    ("eu-central-1", "aws"),
    ("eu-central-2", "aws"),
    ("eu-north-1", "aws"),
    ("eu-south-1", "aws"),
    ("eu-south-2", "aws"),
    ("eu-west-1", "aws"),
    ("eu-west-2", "aws"),
    ("eu-west-3", "aws"),
    ("il-central-1", "aws"),
    ("me-central-1", "aws"),
    ("me-south-1", "aws"),
    ("mx-central-1", "aws"),
    ("sa-east-1", "aws"),
    ("us-east-1", "aws"),
    ("us-east-2", "aws"),
    ("us-west-1", "aws"),
    ("us-west-2", "aws"),
    ("cn-north-1", "aws-cn"),
    ("cn-northwest-1", "aws-cn"),
    ("us-gov-east-1", "aws-us-gov"),
    ("us-gov-west-1", "aws-us-gov"),
];

/// The partition of a known region (`aws`, `aws-cn`, `aws-us-gov`).
pub fn partition_of(region: &str) -> Option<&'static str> {
    REGIONS.iter().find(|(r, _)| *r == region).map(|(_, p)| *p)
}

/// An AWS account id: exactly 12 digits.
pub fn check_account(account: &str) -> Result<(), String> {
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "expected an AWS account id of exactly 12 digits, found `{account}`"
        ))
    }
}

/// A region this version knows.
pub fn check_region(region: &str) -> Result<(), String> {
    match partition_of(region) {
        Some(_) => Ok(()),
        None => Err(format!("`{region}` is not an AWS region")),
    }
}

/// A CodeStar Connections or CodeConnections connection ARN:
/// `arn:<partition>:codestar-connections|codeconnections:<region>:<account>:connection/<id>`.
pub fn check_connection_arn(arn: &str) -> Result<(), String> {
    let expected = || {
        format!(
            "expected a connection ARN `arn:aws:codeconnections:REGION:ACCOUNT:connection/ID` \
             (or `codestar-connections`), found `{arn}`"
        )
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [arn_word, partition, service, region, account, resource] = parts[..] else {
        return Err(expected());
    };
    let id = resource.strip_prefix("connection/").unwrap_or("");
    let ok = arn_word == "arn"
        && partition.starts_with("aws")
        && matches!(service, "codestar-connections" | "codeconnections")
        && partition_of(region).is_some()
        && check_account(account).is_ok()
        && !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(expected())
    }
}

/// A repository id `owner/name`.
pub fn check_repo(repo: &str) -> Result<(), String> {
    let valid_part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    match repo.split_once('/') {
        Some((owner, name)) if valid_part(owner) && valid_part(name) => Ok(()),
        _ => Err(format!(
            "expected a repository as `owner/name`, found `{repo}`"
        )),
    }
}

/// A relative directory inside the repository: not absolute, no `..`.
pub fn check_relative_dir(dir: &str) -> Result<(), String> {
    if dir.is_empty() {
        return Err(
            "expected a directory relative to the repository, found an empty string".into(),
        );
    }
    if dir.starts_with('/') || dir.starts_with('\\') || dir.chars().nth(1) == Some(':') {
        return Err(format!(
            "`{dir}` is absolute: expected a directory relative to the repository"
        ));
    }
    if dir.split(['/', '\\']).any(|part| part == "..") {
        return Err(format!(
            "`{dir}` leaves the repository with `..`: expected a directory inside it"
        ));
    }
    Ok(())
}

/// The environment variables Lambda sets itself and refuses in a function's configuration.
pub const RESERVED_LAMBDA_VARIABLES: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT",
];

/// An environment variable name a function may set.
pub fn check_environment_variable(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        return Err(format!(
            "`{name}` is not a valid environment variable name: expected `[a-zA-Z][a-zA-Z0-9_]*`"
        ));
    }
    if RESERVED_LAMBDA_VARIABLES.contains(&name) || name.starts_with("AWS_LAMBDA_") {
        return Err(format!(
            "`{name}` is reserved by the Lambda runtime and cannot be set"
        ));
    }
    Ok(())
}

/// An IAM action `service:Action`; `*` and `?` wildcards allowed in the action part.
pub fn check_iam_action(action: &str) -> Result<(), String> {
    let Some((service, name)) = action.split_once(':') else {
        return Err(if action == "*" {
            "a bare `*` grants every action: expected `service:Action`, e.g. `s3:GetObject` or `s3:Get*`".into()
        } else {
            format!(
                "expected an IAM action `service:Action`, e.g. `s3:GetObject`, found `{action}`"
            )
        });
    };
    let service_ok = !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?');
    if service_ok && name_ok {
        Ok(())
    } else {
        Err(format!(
            "expected an IAM action `service:Action`, e.g. `s3:GetObject`, found `{action}`"
        ))
    }
}

/// A block name: UpperCamelCase ASCII letters and digits, as CloudFormation logical ids
/// and stack names accept them.
pub fn check_block_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` must be UpperCamelCase letters and digits: it becomes a CloudFormation logical id and stack name"
        ))
    }
}

/// An email address, as SNS subscribes it: `local@domain.tld`, no spaces, at most 254
/// characters.
pub fn check_email(address: &str) -> Result<(), String> {
    let ok = address.len() <= 254
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
        && match address.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.split('.').count() >= 2
                    && domain.split('.').all(|part| !part.is_empty())
            }
            None => false,
        };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected an email address such as `ops@example.com`, found `{address}`"
        ))
    }
}

/// An SNS topic ARN: `arn:<partition>:sns:<region>:<account>:<name>`.
pub fn check_sns_topic_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = match parts[..] {
        ["arn", partition, "sns", region, account, name] => {
            partition.starts_with("aws")
                && partition_of(region).is_some()
                && check_account(account).is_ok()
                && (1..=256).contains(&name.len())
                && name
                    .trim_end_matches(".fifo")
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected an SNS topic ARN `arn:aws:sns:REGION:ACCOUNT:NAME`, found `{arn}`"
        ))
    }
}

/// A glob of a trigger filter: 1 to 255 characters, as CodePipeline takes them.
pub fn check_glob(glob: &str) -> Result<(), String> {
    if glob.trim().is_empty() {
        Err("empty glob: expected a pattern such as `service/**` or `v*`".into())
    } else if glob.len() > 255 {
        Err(format!(
            "the glob has {} characters: CodePipeline takes at most 255",
            glob.len()
        ))
    } else {
        Ok(())
    }
}

/// The HTTP methods API Gateway's CORS preflight can allow.
pub const HTTP_METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// A CORS origin: `*` or `scheme://host[:port]`.
pub fn check_cors_origin(origin: &str) -> Result<(), String> {
    if origin == "*" {
        return Ok(());
    }
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains('/') && !host.contains('\'') => Ok(()),
        _ => Err(format!(
            "expected `*` or an origin like `https://example.com`, found `{origin}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            Duration::from_value_and_unit(5, "min").unwrap().as_secs(),
            300
        );
        assert_eq!(
            Duration::from_value_and_unit(1, "h").unwrap().as_secs(),
            3600
        );
        assert!(Duration::from_value_and_unit(1, "ms")
            .unwrap_err()
            .contains("unknown duration unit `ms`"));
        assert_eq!(Duration::from_secs(120).to_string(), "2min");
        assert_eq!(Duration::from_secs(61).to_string(), "61s");
    }

    #[test]
    fn value_rules() {
        assert!(check_account("111111111111").is_ok());
        assert!(check_account("11111111111").is_err());
        assert!(check_region("us-west-2").is_ok());
        assert!(check_region("us-west-9").is_err());
        assert!(check_connection_arn(
            "arn:aws:codestar-connections:us-west-2:111111111111:connection/5c7a0d36-1d3c-4a8e-9b1e-2f4a6c8e0b12"
        )
        .is_ok());
        assert!(check_connection_arn(
            "arn:aws:codeconnections:eu-west-1:111111111111:connection/abc"
        )
        .is_ok());
        assert!(check_connection_arn("arn:aws:s3:::bucket").is_err());
        assert!(check_repo("owner/name").is_ok());
        assert!(check_repo("owner").is_err());
        assert!(check_relative_dir("cdk.out").is_ok());
        assert!(check_relative_dir("/abs").is_err());
        assert!(check_relative_dir("a/../b").is_err());
        assert!(check_environment_variable("STAGE").is_ok());
        assert!(check_environment_variable("AWS_REGION").is_err());
        assert!(check_environment_variable("AWS_LAMBDA_X").is_err());
        assert!(check_environment_variable("1X").is_err());
        assert!(check_iam_action("s3:Get*").is_ok());
        assert!(check_iam_action("*").is_err());
        assert!(check_iam_action("s3").is_err());
        assert!(check_email("ops@example.com").is_ok());
        assert!(check_email("ops@example").is_err());
        assert!(check_email("ops example@example.com").is_err());
        assert!(check_email("@example.com").is_err());
        assert!(check_sns_topic_arn("arn:aws:sns:us-east-1:111111111111:releases").is_ok());
        assert!(check_sns_topic_arn("arn:aws:sqs:us-east-1:111111111111:releases").is_err());
        assert!(check_sns_topic_arn("arn:aws:sns:us-east-1:1111:releases").is_err());
        assert!(check_glob("service/**").is_ok());
        assert!(check_glob(" ").is_err());
        assert!(check_block_name("BackendServer").is_ok());
        assert!(check_block_name("backend_server").is_err());
        assert_eq!(
            DeploymentConfig::from_name("AllAtOnce")
                .unwrap()
                .aws_value(),
            "CodeDeployDefault.LambdaAllAtOnce"
        );
        assert_eq!(ComputeType::NAMES, ["Small", "Medium", "Large", "X2Large"]);
    }
}
