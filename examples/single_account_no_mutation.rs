//! The smallest pipeline shape: one account, one region, no self-mutation, a stack
//! without an API and an empty one, and a stage that deploys them with a verify step.
//!
//! `cargo run --example single_account_no_mutation -- synth --out cdk.out`

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        pipeline Jobs {
            account: "555555555555",
            region: "eu-central-1",
            source: {
                repo: "acme/jobs",
                branch: "main",
                connection: "arn:aws:codestar-connections:eu-central-1:555555555555:connection/7e6d5c4b-3a29-1807-f6e5-d4c3b2a19087",
            },
            synth: {
                install: ["rustup toolchain install stable --profile minimal", "pip3 install cargo-lambda ziglang"],
                commands: ["cargo run --locked --no-default-features --example single_account_no_mutation -- synth --out out/assembly"],
                output: "out/assembly",
            },
            self_mutation: false,
            codebuild: {
                image: "aws/codebuild/amazonlinux-aarch64-standard:3.0",
                policy: [{ actions: ["lambda:GetAlias"], resources: ["arn:aws:lambda:eu-central-1:555555555555:function:*"] }],
            },
        }

        /// Reserved for the queues; nothing in it yet.
        stack Queues {}

        stack Worker {
            lambda Job {
                package: "service",
                architecture: Arm64,
            }
        }

        stage Production {
            account: "555555555555",
            region: "eu-central-1",
            verify: ["aws lambda get-alias --function-name \"$JobFunctionName\" --name Current"],
        }
    };
    pipewright::cli::run(app)
}
