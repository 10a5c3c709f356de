use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        pipeline BackendPipeline {
            account: "111111111111",
            region: "us-west-2",
            source: {
                repo: "ColeMurray/serverless-express-lambda-cdk",
                branch: "main",
                connection: "arn:aws:codestar-connections:us-west-2:111111111111:connection/5c7a0d36-1d3c-4a8e-9b1e-2f4a6c8e0b12",
            },
            synth: {
                commands: ["cargo run --locked --no-default-features --bin deploy -- synth --out cdk.out"],
                output: "cdk.out",
            },
            self_mutation: true,
            cross_account_keys: false,
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
            account: "111111111111",
            region: "us-west-2",
            approval: "Promote to Prod",
            environment: { STAGE: "prod" },
        }
    };
    pipewright::cli::run(app)
}
