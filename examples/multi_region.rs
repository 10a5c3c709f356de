//! A larger program: three stacks deployed by five stages (and a release gate) across
//! four accounts and three regions, with approvals and verify steps. The pipeline lives
//! in a tooling account (111111111111, us-east-1) where no stage deploys; the stages in
//! eu-west-1 and ap-southeast-2 get the pipeline's support stacks there.
//!
//! The verify steps check the stage outputs they are given, without calling the APIs: the
//! rehearsal (`tests/rehearse.rs`) runs them against an emulator that creates the APIs and
//! functions but does not run function code, and sends nothing off this machine.
//!
//! `cargo run --example multi_region -- synth --out cdk.out`

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        /// Orders, payments and reports, from commit to three production regions.
        pipeline ShopDelivery {
            account: "111111111111",
            region: "us-east-1",
            source: {
                repo: "acme/shop",
                branch: "release",
                connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            },
            synth: {
                commands: ["cargo run --locked --no-default-features --example multi_region -- synth --out cdk.out"],
                output: "cdk.out",
            },
            cross_account_keys: true,
            codebuild: {
                compute: Large,
                policy: [{ actions: ["ssm:GetParameter"], resources: ["arn:aws:ssm:us-east-1:111111111111:parameter/shop/*"] }],
            },
        }

        /// Takes orders.
        stack Orders {
            lambda OrdersHandler {
                package: "service",
                memory: 1024,
                timeout: 30s,
                environment: { SERVICE: "orders" },
            }

            api OrdersApi {
                handler: OrdersHandler,
                cors: { origins: ["https://shop.example.com"], methods: ["GET", "POST"] },
            }
        }

        /// Charges cards, on Graviton.
        stack Payments {
            lambda PaymentsHandler {
                package: "service",
                architecture: Arm64,
                deployment: Canary10Percent5Minutes,
                alarm: { threshold: 5, evaluation_periods: 2, period: 5min },
            }

            api PaymentsApi {
                handler: PaymentsHandler,
            }
        }

        /// Nightly reports: a function without an API.
        stack Reports {
            lambda ReportsWorker {
                package: "service",
                timeout: 15min,
                deployment: AllAtOnce,
            }
        }

        stage Dev {
            account: "555555555555",
            region: "us-east-1",
            environment: { STAGE: "dev" },
            verify: ["test -n \"$OrdersApiUrl\"", "test -n \"$PaymentsApiUrl\""],
        }

        stage Staging {
            account: "222222222222",
            region: "eu-west-1",
            stacks: [Orders, Payments],
            environment: { STAGE: "staging" },
            verify: ["test -n \"$OrdersApiUrl\""],
        }

        /// One release decision for every production region.
        stage ReleaseGate {
            account: "333333333333",
            region: "us-east-1",
            approval: "Release to production",
            stacks: [],
        }

        stage ProdUs {
            account: "333333333333",
            region: "us-east-1",
            approval: "Promote to production",
            environment: { STAGE: "prod" },
            verify: ["test -n \"$OrdersApiUrl\"", "test -n \"$ReportsWorkerAliasArn\""],
        }

        stage ProdEu {
            account: "333333333333",
            region: "eu-west-1",
            approval: "Promote to EU",
            stacks: [Orders, Payments],
            environment: { STAGE: "prod" },
        }

        stage ProdAp {
            account: "444444444444",
            region: "ap-southeast-2",
            approval: "Promote to Asia Pacific",
            stacks: [Orders],
            environment: { STAGE: "prod" },
            verify: ["test -n \"$OrdersApiUrl\""],
        }
    };
    pipewright::cli::run(app)
}
