//! The `pipeline!` macro: a pipewright program, checked and synthesized to
//! CloudFormation while it compiles. The language is described in the crate's README
//! (`DSL.md` of the project); the logic lives in `pipewright-macros-core`.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

/// A pipewright program: one `pipeline` block, one or more `stack` blocks, one or more
/// `stage` blocks. Evaluates to a `pipewright::app::App` holding every synthesized
/// template, ready for `pipewright::cli::run`.
///
/// Every rule of the language is checked at compile time; all mistakes of one
/// invocation are reported together, each at the offending token.
#[proc_macro]
pub fn pipeline(input: TokenStream) -> TokenStream {
    let context = pipewright_macros_core::Context::from_env();
    pipewright_macros_core::expand(input.into(), &context).into()
}
