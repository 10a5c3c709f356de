//! The `pipeline!` language, usable without the compiler: its syntax tree
//! ([`syntax`]), the checks and the lowering to pipewright's program model ([`lower`]),
//! the CloudFormation registry that `resource` blocks are checked against ([`registry`]),
//! the workspace it is compiled in ([`workspace`]) and what its lambdas' builds compile
//! ([`lambda_build`]), and the expansion ([`expand()`]).
//!
//! `pipewright-macros` is a thin shim over [`expand()`]; everything here can be unit
//! tested on token streams.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod diagnostics;
pub mod expand;
pub mod lambda_build;
pub mod lower;
pub mod registry;
pub mod syntax;
pub mod workspace;

pub use expand::{expand, synthesize, synthesize_in, Context};
