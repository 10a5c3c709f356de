//! A program for `tests/deploy_moto.rs`: `deploy_table` with its table's key renamed to
//! `pk` (a new key schema: CloudFormation replaces the table, and its data with it).

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        pipeline ShopPipeline {
            account: "111111111111",
            region: "us-west-2",
            source: {
                repo: "example-org/shop",
                branch: "main",
                connection: "arn:aws:codestar-connections:us-west-2:111111111111:connection/5c7a0d36-1d3c-4a8e-9b1e-2f4a6c8e0b12",
            },
            synth: { commands: ["cargo run --locked --no-default-features --package test-programs --bin ${TABLE_PROGRAM:-deploy_table} -- synth --out cdk.out"] },
        }

        stack Shop {
            /// Orders by id.
            table Orders { partition_key: { name: "pk", type: String } }
        }

        stage Dev {
            account: "111111111111",
            region: "us-west-2",
        }
    };
    pipewright::cli::run(app)
}
