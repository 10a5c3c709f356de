//! The reference program with production in another account: the variant of
//! `shared/reference/cdk-synth/variants/cdk-2.89.0-cross-account/` (prod in account
//! 222222222222, `cross_account_keys: true`). The pipeline tests compare its pipeline
//! stack with the CDK's.
//!
//! `cargo run --example cross_account -- synth --out cdk.out`

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        pipeline BackendPipelineStack {
            account: "111111111111",
            region: "us-west-2",
            source: {
                repo: "example-org/serverless-express-lambda-cdk",
                branch: "main",
                connection: "arn:aws:codestar-connections:us-west-2:111111111111:connection/00000000-1111-2222-3333-444444444444",
            },
            synth: {
                commands: ["cargo run --locked --no-default-features --example cross_account -- synth --out cdk.out"],
                output: "cdk.out",
            },
            self_mutation: true,
            cross_account_keys: true,
            codebuild: {
                compute: Medium,
                privileged: true,
                policy: [{ actions: ["secretsmanager:GetSecretValue"], resources: ["*"] }],
            },
        }

        stack BackendStack {
            lambda BackendServer {
                package: "service",
                description: "backend server lambda function",
                memory: 2048,
                timeout: 60s,
                alarm: { threshold: 1, evaluation_periods: 1 },
                deployment: Linear10PercentEvery1Minute,
            }

            api BackendApi {
                description: "Api gateway for backend api",
                binary_media_types: ["*/*"],
                cors: { origins: ["*"], methods: ["*"] },
                handler: BackendServer,
            }
        }

        stage PreProdBackend {
            account: "111111111111",
            region: "us-west-2",
            environment: { STAGE: "preprod" },
        }

        stage ProdBackend {
            account: "222222222222",
            region: "us-west-2",
            approval: "Promote to Prod",
            environment: { STAGE: "prod" },
        }
    };
    pipewright::cli::run(app)
}
