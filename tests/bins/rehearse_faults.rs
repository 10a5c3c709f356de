//! A program for `tests/rehearse.rs` whose Synth action fails without building anything:
//! the fault tests of the rehearsal (a failing synth command; Ctrl-C while a build runs,
//! with `PIPEWRIGHT_REHEARSE_SLEEP` seconds of build first).
//!
//! `cargo run --package test-programs --bin rehearse_faults -- rehearse`

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        pipeline FaultyPipeline {
            account: "111111111111",
            region: "us-west-2",
            source: {
                repo: "example-org/serverless-backend",
                branch: "main",
                connection: "arn:aws:codestar-connections:us-west-2:111111111111:connection/5c7a0d36-1d3c-4a8e-9b1e-2f4a6c8e0b12",
            },
            synth: {
                install: ["echo installing nothing"],
                commands: ["sleep \"${PIPEWRIGHT_REHEARSE_SLEEP:-0}\"", "ls no-such-file"],
            },
        }

        stack ServiceStack {
            lambda Handler { package: "service" }
        }

        stage Test {
            account: "111111111111",
            region: "us-west-2",
        }
    };
    pipewright::cli::run(app)
}
