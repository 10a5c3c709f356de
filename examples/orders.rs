//! The orders example: a service with state. An order API stores each order in a DynamoDB
//! table and hands it to a worker through an SQS queue; the worker marks it processed. It is
//! delivered to a development stage, checked there, then to production behind an approval.
//!
//! - `table Orders`: the orders by `id`, retained with their data (no fixed physical name:
//!   CloudFormation names it per stage, and the stage's output `OrdersTableName` says how).
//! - `queue Jobs`: one job per new order; a job that fails three times goes to the
//!   dead-letter queue `JobsDeadLetter`, whose alarm rolls back a deployment of the worker.
//! - `lambda Api` (binary `api` of the package `orders`, examples/orders/): reads and writes
//!   the orders and sends jobs, and nothing else: its role grants exactly that, and its code
//!   finds the table and the queue through its links (`pipewright_links::links!`).
//! - `lambda Worker` (binary `worker`): started by the queue's batches (`events`), it
//!   updates the orders.
//! - `api OrdersApi`: the REST API in front of `Api`.
//! - `Dev` checks after its deployment that its table exists (`verify` sees the stage's
//!   outputs); `Prod` waits for a person.
//!
//! Where it lives: the functions are the package `orders` (examples/orders/); this program
//! is a binary of the package `orders-pipeline` (examples/orders/pipeline/), not an example
//! of the workspace's root package, nor a binary of `orders`. Cargo compiles a package's
//! dev-dependencies for its examples (the root's are the AWS SDK's test builds and
//! criterion), and every dependency of a package for any of its binaries (`orders` has the
//! AWS SDK's DynamoDB and SQS clients): the pipeline's Synth action, which builds this
//! program, would compile them all for a program that uses none. It compiles pipewright and
//! its macros only, and then builds the two functions with cargo-lambda.
//!
//! `cargo run --package orders-pipeline --bin orders -- synth --out cdk.out`

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        /// The shop's delivery pipeline.
        pipeline ShopDelivery {
            account: "111111111111",
            region: "us-west-2",
            source: {
                repo: "example-org/shop",
                branch: "main",
                connection: "arn:aws:codestar-connections:us-west-2:111111111111:connection/5c7a0d36-1d3c-4a8e-9b1e-2f4a6c8e0b12",
            },
            synth: {
                commands: ["cargo run --locked --no-default-features --package orders-pipeline --bin orders -- synth --out cdk.out"],
                output: "cdk.out",
            },
        }

        stack Shop {
            /// The orders, by id.
            table Orders {
                partition_key: { name: "id", type: String },
            }

            /// One job per new order, for the worker.
            queue Jobs {
                dead_letter: { max_receives: 3 },
            }

            lambda Api {
                package: "orders",
                bin: "api",
                description: "The order API",
                memory: 256,
                timeout: 10s,
                link: { Orders: ReadWrite, Jobs: Send },
            }

            lambda Worker {
                package: "orders",
                bin: "worker",
                description: "Processes the orders' jobs",
                memory: 256,
                timeout: 20s,
                events: [{ queue: Jobs }],
                link: { Orders: ReadWrite },
            }

            api OrdersApi {
                handler: Api,
            }
        }

        stage Dev {
            account: "111111111111",
            region: "us-west-2",
            environment: { STAGE: "dev" },
            verify: [
                "test -n \"$OrdersTableName\"",
                "test \"$(aws dynamodb describe-table --table-name \"$OrdersTableName\" --query Table.TableStatus --output text)\" = ACTIVE",
                "echo \"found the table $OrdersTableName\"",
            ],
        }

        stage Prod {
            account: "111111111111",
            region: "us-west-2",
            approval: "Promote to Prod",
            environment: { STAGE: "prod" },
        }
    };
    pipewright::cli::run(app)
}
