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
/// invocation are reported together, each at the offending token. A `lambda`'s `package`
/// must be a package of the Cargo workspace being compiled (here, this repository's
/// example service), and the program is recompiled when its sources change. A lambda
/// without `bin` takes its package's only binary, the program itself and its engine left out
/// (a function and its pipeline in one package); that package is refused when its Lambda build would
/// compile pipewright's `aws` feature, hence the AWS SDK.
///
/// # Example
///
/// A complete program with one function in one stage. A real program ends with
/// `pipewright::cli::run(app)`, the `deploy` command line (`list`, `synth`, `assets`,
/// `deploy`...; the commands that talk to AWS run in the program's engine, see
/// `pipewright::cli::run_engine`); this one looks at what was synthesized instead.
///
/// ```
/// use pipewright_macros::pipeline;
///
/// fn main() {
///     let app: pipewright::App = pipeline! {
///         pipeline Delivery {
///             account: "111111111111",
///             region: "us-east-1",
///             source: {
///                 repo: "acme/shop",
///                 branch: "main",
///                 connection: "arn:aws:codestar-connections:us-east-1:111111111111:connection/0f1e2d3c",
///             },
///             synth: { commands: ["cargo run --bin deploy -- synth"] },
///         }
///
///         stack Shop {
///             /// Takes the orders.
///             lambda Orders { package: "service", memory: 512 }
///         }
///
///         stage Prod {
///             account: "111111111111",
///             region: "us-east-1",
///         }
///     };
///     // The pipeline's own stack, then one per stage and stack.
///     let names: Vec<&str> = app.stacks.iter().map(|s| &*s.name).collect();
///     assert_eq!(names, ["Delivery", "Prod-Shop"]);
///     // One Lambda bundle, named after a hash of the package's sources.
///     assert_eq!(app.assets.len(), 1);
///     assert!(app.stacks[1].template.contains("\"MemorySize\": 512"));
/// }
/// ```
#[proc_macro]
pub fn pipeline(input: TokenStream) -> TokenStream {
    let context = pipewright_macros_core::Context::from_env();
    pipewright_macros_core::expand(input.into(), &context).into()
}
