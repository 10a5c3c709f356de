//! A program for `tests/rehearse.rs`: the reference program with `pre` and `verify` steps,
//! a protected pre-production stage, and production as a wave of two stages in another
//! account, one in another region (a support stack, a cross-account key). The
//! pre-production `pre` step runs on the checked-out source; its verify checks that the
//! stage's API URL reached it; the verify of production in eu-west-1 fails on purpose (a
//! verify that fails stops the pipeline, named, with its log). With
//! `PIPEWRIGHT_REHEARSE_BREAK` set in the rehearsal's environment, the Synth action breaks
//! the pre-production template (its function's code is in a bucket that does not exist)
//! so that its change set fails.
//!
//! `cargo run --package test-programs --bin rehearse_verify -- rehearse --approve-all`

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        pipeline VerifiedPipeline {
            account: "111111111111",
            region: "us-west-2",
            source: {
                repo: "example-org/serverless-backend",
                branch: "main",
                connection: "arn:aws:codestar-connections:us-west-2:111111111111:connection/5c7a0d36-1d3c-4a8e-9b1e-2f4a6c8e0b12",
            },
            synth: {
                commands: [
                    "cargo run --locked --no-default-features --package test-programs --bin rehearse_verify -- synth --out cdk.out",
                    "if [ -n \"${PIPEWRIGHT_REHEARSE_BREAK:-}\" ]; then sed -i 's/\"S3Bucket\": \"/\"S3Bucket\": \"missing-/' cdk.out/PreProd-BackendStack.template.json; fi",
                ],
                output: "cdk.out",
            },
            cross_account_keys: true,
        }

        stack BackendStack {
            lambda BackendServer {
                package: "service",
                memory: 512,
                timeout: 10s,
            }

            api BackendApi {
                handler: BackendServer,
            }
        }

        stage PreProd {
            account: "111111111111",
            region: "us-west-2",
            environment: { STAGE: "preprod" },
            pre: ["test -f pipeline.rs", "echo checked the source before PreProd"],
            protect: true,
            verify: [
                "echo \"verifying $BackendApiUrl\"",
                "case \"$BackendApiUrl\" in https://*.execute-api.us-west-2.amazonaws.com/prod/) ;; *) exit 1 ;; esac",
                "echo verified",
            ],
        }

        wave Production {
            approval: { name: "Promote to Prod", comment: "Both production regions at once." },

            stage Prod {
                account: "222222222222",
                region: "eu-west-1",
                environment: { STAGE: "prod" },
                verify: ["echo \"checking $BackendApiUrl\"", "test \"$BackendApiUrl\" = https://example.invalid/"],
            }
            stage ProdUs {
                account: "222222222222",
                region: "us-west-2",
                environment: { STAGE: "prod" },
            }
        }
    };
    pipewright::cli::run(app)
}
