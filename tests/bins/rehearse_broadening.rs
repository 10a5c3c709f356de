//! A program for `tests/rehearse.rs`: one stage whose approval is only needed when its
//! change set broadens (`when: Broadening`). Its first deployment adds the function's
//! role, so the check leaves the approval to a person; once deployed, a run without
//! changes is approved by the check.
//!
//! `cargo run --package test-programs --bin rehearse_broadening -- rehearse`

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        pipeline BroadeningPipeline {
            account: "111111111111",
            region: "us-west-2",
            source: {
                repo: "example-org/serverless-backend",
                branch: "main",
                connection: "arn:aws:codestar-connections:us-west-2:111111111111:connection/5c7a0d36-1d3c-4a8e-9b1e-2f4a6c8e0b12",
            },
            synth: {
                commands: ["cargo run --locked --no-default-features --package test-programs --bin rehearse_broadening -- synth --out cdk.out"],
                output: "cdk.out",
            },
        }

        stack ServiceStack {
            lambda Handler { package: "service" }
        }

        stage Prod {
            account: "111111111111",
            region: "us-west-2",
            approval: { name: "Promote", when: Broadening },
        }
    };
    pipewright::cli::run(app)
}
