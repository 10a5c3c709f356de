//! Nothing to use: this crate only turns features of shared dependencies on (see its
//! `Cargo.toml`), so that every build of the pipewright workspace compiles them once.
#![forbid(unsafe_code)]
