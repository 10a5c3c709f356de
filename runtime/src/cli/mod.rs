//! The `deploy` command line of a pipewright program.
//!
//! `list` and `synth` work offline from what the program already holds (the templates
//! were synthesized when it compiled): no AWS, no async runtime. `assets` builds the Lambda
//! zips. `bootstrap`, `diff`, `deploy`, `destroy` and `rehearse` talk to AWS through the
//! standard SDK configuration (see [`crate::deploy`]); they run in the program's engine, a
//! second binary of its package ([`run_engine`], [`crate::app::ENGINE_BINARY`]), so that
//! the program itself does not link the AWS SDK.

mod args;
#[cfg(feature = "aws")]
mod aws;
mod engine;
mod synth;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::app::App;
use crate::deploy::assets::AssetBuilder;
use crate::deploy::Error;

pub use args::{
    ApprovalArg, BootstrapArgs, Cli, Command, Global, ProgressArg, RehearseArgs, Stacks,
};

/// Runs the command line on the program's application: parses `std::env::args`,
/// runs the command, and returns the exit status (printing a one-line reason on failure).
///
/// # Example
///
/// The whole of a program, `src/bin/deploy.rs` of a package that depends on `pipewright`
/// and `pipewright-macros`: `cargo run --bin deploy -- synth --out cdk.out` writes the cloud
/// assembly, `cargo run --bin deploy -- --help` lists the commands. (Not run here: it reads
/// this process's arguments.)
///
/// ```no_run
/// use pipewright_macros::pipeline;
///
/// fn main() -> std::process::ExitCode {
///     let app = pipeline! {
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
///         stack Shop {
///             lambda Orders { package: "service" }
///         }
///         stage Prod {
///             account: "111111111111",
///             region: "us-east-1",
///         }
///     };
///     pipewright::cli::run(app)
/// }
/// ```
pub fn run(app: App) -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = Cli::parse_from(&args);
    let result = match run_offline(&app, cli.command) {
        Offline::Ran(result) => result,
        Offline::TalksToAws(_) => engine::delegate(&app, &args[1..]),
    };
    finish(result)
}

/// The `main` of the program's engine, the binary [`crate::app::ENGINE_BINARY`] of its
/// package, which the program starts for the commands that talk to AWS (see [`run`]): its
/// whole source is `fn main() -> std::process::ExitCode { pipewright::cli::run_engine() }`,
/// and Cargo builds it with pipewright's `aws` feature.
pub fn run_engine() -> ExitCode {
    let result = engine::receive(std::env::args_os().collect()).and_then(|(app, args)| {
        let cli = Cli::parse_from(args);
        run_in_engine(&app, cli)
    });
    finish(result)
}

#[cfg(feature = "aws")]
fn run_in_engine(app: &App, cli: Cli) -> Result<ExitCode, Error> {
    match run_offline(app, cli.command) {
        Offline::Ran(result) => result,
        Offline::TalksToAws(Command::Rehearse(args)) => aws::run_rehearsal(app, &cli.global, &args),
        Offline::TalksToAws(command) => aws::run_aws(app, &cli.global, command),
    }
}

#[cfg(not(feature = "aws"))]
fn run_in_engine(_: &App, _: Cli) -> Result<ExitCode, Error> {
    Err(Error::msg(format!(
        "this engine was built without pipewright's `aws` feature: build it with `cargo build --bin {} --features pipewright/aws`",
        crate::app::ENGINE_BINARY
    )))
}

/// The exit status of a command, after a one-line reason on failure.
fn finish(result: Result<ExitCode, Error>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// What [`run_offline`] did with a command.
enum Offline {
    /// It ran the command, which needs no AWS.
    Ran(Result<ExitCode, Error>),
    /// The command talks to AWS: it runs in the engine (which reads it; without the `aws`
    /// feature there is none).
    TalksToAws(#[cfg_attr(not(feature = "aws"), allow(dead_code))] Command),
}

/// Runs a command that needs no AWS (`list`, `synth`, `assets`); gives any other back.
fn run_offline(app: &App, command: Command) -> Offline {
    Offline::Ran(match command {
        Command::List => {
            let mut out = String::new();
            for stack in &app.stacks {
                out.push_str(&stack.name);
                out.push('\n');
            }
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Synth { out } => synth::write(app, &out)
            .map(|written| {
                println!("wrote {} templates to {}", written, out.display());
                ExitCode::SUCCESS
            })
            .map_err(Error::msg),
        Command::Assets { out } => AssetBuilder::for_app(app)
            .write_all(app, &out)
            .map(|written| {
                println!("wrote {} assets to {}", written.len(), out.display());
                ExitCode::SUCCESS
            }),
        talks_to_aws => return Offline::TalksToAws(talks_to_aws),
    })
}
