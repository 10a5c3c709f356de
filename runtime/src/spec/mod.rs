//! The model of a pipewright program: what a `pipeline!` invocation means once it is
//! parsed and checked, free of syntax and spans. [`synth`](crate::synth) turns it into
//! CloudFormation.
//!
//! The value rules of the language live here too (account ids, regions, ARNs, names of
//! deployment configs...), as plain functions: the macro reports their messages at the
//! offending token, and anything else building a [`Program`] can use them as they are.
//!
//! One file per construct: the `pipeline` block, the `stack` block and what it holds, the
//! `stage` and `wave` blocks and their approvals, the values (durations, architectures,
//! defaults) and the value rules (`check_*`); their items are re-exported here, as
//! `spec::X`.

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

mod checks;
mod pipeline;
mod stack;
mod stage;
mod state;
mod values;
mod wiring;

pub use checks::{
    check_account, check_block_name, check_connection_arn, check_cors_origin, check_email,
    check_environment_variable, check_glob, check_iam_action, check_region, check_relative_dir,
    check_repo, check_schedule_expression, check_sns_topic_arn, partition_of, HTTP_METHODS,
    REGIONS, RESERVED_LAMBDA_VARIABLES,
};
pub use pipeline::{
    CodeBuild, ComputeType, Notifications, NotifyTarget, Pipeline, PipelineEvent, PolicyGrant,
    Source, Synth, Trigger,
};
pub use stack::{Alarm, Api, Cors, DeploymentConfig, Lambda, Stack};
pub use stage::{Approval, ApprovalWhen, Stage, Wave};
pub use state::{
    limits as state_limits, Bucket, DeadLetter, Index, Key, KeyType, PropertyValue, Queue, Removal,
    Resource, StreamView, Table, Topic,
};
pub use values::{
    Architecture, Duration, DEFAULT_API_STAGE, DEFAULT_MEMORY_MB, DEFAULT_QUALIFIER,
    DEFAULT_TIMEOUT, MEMORY_RANGE_MB, TIMEOUT_RANGE_SECS,
};
pub use wiring::{
    arn_variable, limits as event_limits, link_variable, screaming_snake_case, Access, BucketEvent,
    Event, Link, MemberKind, StartingPosition,
};

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
    /// Whether the pipeline's Cargo commands name the program's package (`--package`):
    /// the root of its workspace is another package, which Cargo would select instead.
    pub select_package: bool,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_enums() {
        assert_eq!(
            DeploymentConfig::from_name("AllAtOnce")
                .unwrap()
                .aws_value(),
            "CodeDeployDefault.LambdaAllAtOnce"
        );
        assert_eq!(ComputeType::NAMES, ["Small", "Medium", "Large", "X2Large"]);
    }
}
