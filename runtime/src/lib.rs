//! pipewright: ship a serverless Rust service through a real CI/CD pipeline.
//!
//! A program written with the `pipeline!` macro of `pipewright-macros` is checked and
//! synthesized to CloudFormation while it compiles; this crate holds what it compiles to:
//! the typed CloudFormation model ([`cfn`]), the program's model ([`spec`]), the pipeline's
//! layout decided from it ([`plan`]), the pure synthesis ([`synth`]), the bootstrap stack
//! every environment needs, its names and its template ([`bootstrap_stack`]) and, with the
//! `cli` feature, the `deploy` command line's offline commands (`list`, `synth`, `assets`);
//! with the `aws` feature (the default), its commands that talk to AWS and the rehearsal.
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
