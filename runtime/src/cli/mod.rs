//! The `deploy` command line of a pipewright program.
//!
//! `list` and `synth` work offline from what the program already holds (the templates
//! were synthesized when it compiled); the other commands talk to AWS through the
//! standard SDK configuration.

mod synth;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::App;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "deploy",
    about = "Synthesize and deploy this pipewright program",
    long_about = "Synthesize and deploy this pipewright program.\n\nAWS settings come from the standard \
                  AWS configuration: profiles, AWS_REGION, AWS_ENDPOINT_URL and the credentials chain."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every stack name, in deployment order (the pipeline stack first).
    List,
    /// Write every template and the cloud assembly manifests (no AWS access).
    Synth {
        /// The assembly directory.
        #[arg(long, short, default_value = "cdk.out")]
        out: PathBuf,
    },
}

/// Runs the command line on the program's application: parses `std::env::args`,
/// runs the command, and returns the exit status (printing a one-line reason on failure).
pub fn run(app: App) -> ExitCode {
    run_with(app, Cli::parse())
}

/// Runs an already parsed command line.
pub fn run_with(app: App, cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::List => {
            let mut out = String::new();
            for stack in &app.stacks {
                out.push_str(&stack.name);
                out.push('\n');
            }
            print!("{out}");
            Ok(())
        }
        Command::Synth { out } => synth::write(&app, &out).map(|written| {
            println!("wrote {} templates to {}", written, out.display());
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
