//! What to deploy as one stack, how, and what deploying it did.

use std::time::Duration;

use crate::app::StatefulType;
use crate::deploy::changes::{Approval, ResourceChange};

/// A parameter value to pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParameterValue {
    /// This value.
    Value(String),
    /// The value the stack has now.
    Previous,
}

/// What to deploy as one stack.
#[derive(Clone, Debug)]
pub struct StackSpec {
    /// The stack name.
    pub name: String,
    /// The template, as JSON.
    pub template: String,
    /// Parameters to pass (the others take their defaults).
    pub parameters: Vec<(String, ParameterValue)>,
    /// Stack tags.
    pub tags: Vec<(String, String)>,
    /// Termination protection on (it is never turned off here).
    pub protected: bool,
    /// The types of its `resource` blocks that hold data (the data-loss rules apply).
    pub stateful_types: Vec<StatefulType>,
}

/// How stacks are deployed.
#[derive(Clone, Debug)]
pub struct DeployOptions {
    /// When to ask before executing a change set.
    pub approval: Approval,
    /// How often CloudFormation is polled while it works.
    pub poll_interval: Duration,
    /// Go through a change set even when the deployed template is the same.
    pub force: bool,
    /// The logical ids of the stateful resources a change set may replace or delete
    /// (`--allow-replace`); any other such change refuses the change set.
    pub allow_replace: Vec<String>,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            approval: Approval::Never,
            poll_interval: Duration::from_secs(2),
            force: false,
            allow_replace: Vec::new(),
        }
    }
}

/// What deploying a stack did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do.
    NoChanges {
        /// The stack's outputs.
        outputs: Vec<(String, String)>,
    },
    /// A change set was executed.
    Deployed {
        /// What changed.
        changes: Vec<ResourceChange>,
        /// The stack's outputs.
        outputs: Vec<(String, String)>,
    },
}

impl Outcome {
    /// The stack's outputs.
    pub fn outputs(&self) -> &[(String, String)] {
        match self {
            Outcome::NoChanges { outputs } | Outcome::Deployed { outputs, .. } => outputs,
        }
    }
}
