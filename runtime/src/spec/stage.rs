//! The `stage` and `wave` blocks, and their manual approvals.

use super::pipeline::NotifyTarget;

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

impl Stage {
    /// The name of the CloudFormation stack of `stack` in this stage.
    pub fn stack_name(&self, stack: &str) -> String {
        format!("{}-{}", self.name, stack)
    }
}
