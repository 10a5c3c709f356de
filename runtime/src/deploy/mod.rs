//! Deployment: what `deploy` does with AWS (the `cli` feature).
//!
//! One concern per module: [`clients`] (AWS configuration, environments and their bootstrap
//! roles, request counting), [`settings`] (checks of the AWS settings), [`assets`] and [`archive`] (building, zipping and publishing
//! the Lambda bundles), [`stack`] (one stack through a change set), [`changes`] (change set
//! tables and approvals), [`runs`] (runs of the same stack at once), [`console`] (results, progress, questions), [`select`] (which
//! stacks, in which order), [`repair`] (bootstrap resources deleted behind CloudFormation's
//! back), and one module per command: [`bootstrap`], [`deployment`],
//! [`diff`], [`destroy`]. The model and the synthesis they deploy are pure
//! ([`crate::synth`], [`crate::bootstrap`]); nothing here runs at compile time.

pub mod archive;
pub mod assets;
pub mod bootstrap;
pub mod changes;
pub mod clients;
pub mod console;
pub mod deployment;
pub mod destroy;
pub mod diff;
pub mod error;
pub mod repair;
pub mod runs;
pub mod select;
pub mod session;
pub mod settings;
pub mod stack;

pub use clients::{Aws, AwsSettings, CallStats, Clients, Environment};
pub use console::{Console, Progress};
pub use error::{Error, Result};
pub use session::Session;
pub use stack::{DeployOptions, Outcome};
