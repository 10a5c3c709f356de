//! Deployment: what the `deploy` command line does with files and with AWS.
//!
//! Offline (the `cli` feature): [`assets`] and [`archive`] (building and zipping the Lambda
//! bundles) and [`error`]. With AWS (the `aws` feature), one concern per module:
//! [`clients`] (AWS configuration, environments and their bootstrap roles, request
//! counting), `bootstrapped` (whether an environment is bootstrapped, with which version),
//! [`settings`] (checks of the AWS settings), [`publish`] (uploads to the asset
//! buckets), [`stack`] (one stack through a change set), [`changes`] (change set tables and
//! approvals), [`losses`] (the changes that lose data, refused unless allowed), [`runs`] (runs of the same stack at once), [`console`] (results, progress,
//! questions), [`select`] (which stacks, in which order), [`repair`] (bootstrap resources
//! deleted behind CloudFormation's back), and one module per command: [`bootstrap`],
//! [`deployment`], [`hotswap`] (`deploy --hotswap`), [`diff`], [`destroy`]. The model and the synthesis they deploy are pure
//! ([`crate::synth`], [`crate::bootstrap_stack`]); nothing here runs at compile time.

pub mod archive;
pub mod assets;
pub mod error;

#[cfg(feature = "aws")]
pub mod bootstrap;
#[cfg(feature = "aws")]
mod bootstrapped;
#[cfg(feature = "aws")]
pub mod changes;
#[cfg(feature = "aws")]
pub mod clients;
#[cfg(feature = "aws")]
pub mod console;
#[cfg(feature = "aws")]
pub mod deployment;
#[cfg(feature = "aws")]
pub mod destroy;
#[cfg(feature = "aws")]
pub mod diff;
#[cfg(feature = "aws")]
pub mod hotswap;
#[cfg(feature = "aws")]
pub mod losses;
#[cfg(feature = "aws")]
pub mod publish;
#[cfg(feature = "aws")]
pub mod repair;
#[cfg(feature = "aws")]
pub mod runs;
#[cfg(feature = "aws")]
pub mod select;
#[cfg(feature = "aws")]
pub mod session;
#[cfg(feature = "aws")]
pub mod settings;
#[cfg(feature = "aws")]
pub mod stack;

#[cfg(feature = "aws")]
pub use clients::{Aws, AwsSettings, CallStats, Clients, Environment};
#[cfg(feature = "aws")]
pub use console::{Console, Progress};
pub use error::{Error, Result};
#[cfg(feature = "aws")]
pub use session::Session;
#[cfg(feature = "aws")]
pub use stack::{DeployOptions, Outcome};
