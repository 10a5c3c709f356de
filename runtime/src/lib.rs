//! pipewright: ship a serverless Rust service through a real CI/CD pipeline.
//!
//! A program written with the `pipeline!` macro of `pipewright-macros` is checked and
//! synthesized to CloudFormation while it compiles; this crate holds what it compiles to:
//! the typed CloudFormation model ([`cfn`]), the program's model ([`spec`]), the pipeline's
//! layout decided from it ([`plan`]), the pure synthesis ([`synth`]), the bootstrap stack
//! every environment needs, its names and its template ([`bootstrap_stack`]) and, with the
//! `cli` feature (the default), the `deploy` command line's offline commands (`list`, `synth`,
//! `assets`); with the `aws` feature, its commands that talk to AWS and the rehearsal.
//!
//! The modules are layers, each importing only from those before it, and no file depends on
//! itself through others (the repository's `tests/layers.rs` checks both): [`cfn`],
//! [`cargo_manifest`], [`fingerprint`], [`spec`], [`app`], [`bootstrap_stack`],
//! [`broadening`], [`plan`], [`synth`], [`assembly`], then the deployment side over the AWS
//! SDK (`deploy`, `rehearse`) and the command line (`cli`). The pure part (model, plan,
//! synthesis) does no I/O but reading the sources it fingerprints.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;
pub mod assembly;
pub mod bootstrap_stack;
pub mod broadening;
pub mod cargo_manifest;
pub mod cfn;
pub mod fingerprint;
pub mod plan;
pub mod spec;
pub mod synth;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
pub mod deploy;
#[cfg(feature = "aws")]
pub mod rehearse;

pub use app::App;
