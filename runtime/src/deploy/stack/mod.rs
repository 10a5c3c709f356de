//! One stack through CloudFormation: its state, a change set, its execution, and the wait.
//!
//! - A stack another run left in progress (interrupted with Ctrl-C) is waited for, and so
//!   is a change set another run prepared and has not executed yet ([`super::runs`]).
//! - A stack left in `ROLLBACK_COMPLETE` by a failed first create is deleted, then created
//!   again (CloudFormation cannot update it; the CDK does the same).
//! - A stack whose deployed template and parameters are what would be deployed is not
//!   touched: "no changes" without a change set.
//! - Otherwise a change set (CREATE or UPDATE) is made and shown as a table; an empty one
//!   means "no changes" and is deleted; a change set that loses a table's, bucket's or
//!   queue's data is refused unless `--allow-replace` names each such resource;
//!   `--require-approval` asks before executing risky changes; the execution is followed event by event until the stack is stable; a failure
//!   names every failed resource with CloudFormation's reason.
//!
//! One concern per module: `options` (what to deploy, how, and what it did), `state`
//! (where a stack stands), `apply` (the deployment of one stack, start to end),
//! `unchanged` (nothing to deploy), `change_set` (creating, waiting for and discarding
//! change sets), `events` (waiting on a stack, event by event), `failure` (what failed),
//! `protection` (termination protection) and `delete` (deleting a stack).

mod apply;
mod change_set;
mod delete;
mod events;
mod failure;
mod options;
mod protection;
mod state;
mod unchanged;

pub use apply::deploy_stack;
pub use change_set::{template_url, MAX_TEMPLATE_BODY};
pub(crate) use change_set::{wait_for_change_set, ChangeSetResult};
pub use delete::delete_stack;
pub(crate) use events::{latest_event_id, wait};
pub use events::{wait_until_stable, Finished};
pub use failure::failure_message;
pub use options::{DeployOptions, Outcome, ParameterValue, StackSpec};
pub use state::{describe, outputs_of, resources, state_of, State};
pub(crate) use state::{status, succeeded};
pub use unchanged::deployed_template;

/// The tag every stack deployed by `deploy` carries, as the pipeline's change sets set it:
/// the pipeline it belongs to (how `diff` finds deployed stacks that the program no longer
/// has).
pub use crate::synth::PIPELINE_TAG;
