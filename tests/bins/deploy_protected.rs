//! A program for `tests/deploy_moto.rs`: one stage with `protect: true`, deploying a
//! stack without a lambda (no bundle to build), in the tests' account and region.

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        pipeline ProtectedPipeline {
            account: "111111111111",
            region: "us-west-2",
            source: {
                repo: "example-org/ledger",
                branch: "main",
                connection: "arn:aws:codestar-connections:us-west-2:111111111111:connection/5c7a0d36-1d3c-4a8e-9b1e-2f4a6c8e0b12",
            },
            synth: { commands: ["cargo run --locked --no-default-features --package test-programs --bin deploy_protected -- synth --out cdk.out"] },
        }

        /// Holds nothing yet: a marker parameter.
        stack Ledger {}

        stage Prod {
            account: "111111111111",
            region: "us-west-2",
            protect: true,
        }
    };
    pipewright::cli::run(app)
}
