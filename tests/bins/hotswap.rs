//! A program for `tests/hotswap.rs`: the orders example's `Shop` stack, in variants that the
//! variable `HOTSWAP_VARIANT` chooses at run time (one binary: one build), as successive
//! edits of one program would give them:
//!
//! - `api` (the default): `Api` runs the `api` binary of the package `orders`;
//! - `worker`: `Api` runs the `worker` binary instead (new code only);
//! - `worker-env`: as `worker`, with another value of the stage's `STAGE` (new environment
//!   only);
//! - `ttl`: as `api`, with a time-to-live attribute on the table (a change only
//!   CloudFormation makes).
//!
//! `Dev` is a development stage; `Prod` waits for an approval, `Live` is protected: both
//! refuse a hot swap.

use pipewright_macros::pipeline;

/// The program with `Api`'s binary, `Dev`'s `STAGE` and the table's extra fields.
macro_rules! shop {
    ($bin:tt, $stage:tt, { $($table:tt)* }) => {
        pipeline! {
            pipeline HotSwapShop {
                account: "111111111111",
                region: "us-west-2",
                source: {
                    repo: "example-org/shop",
                    branch: "main",
                    connection: "arn:aws:codestar-connections:us-west-2:111111111111:connection/5c7a0d36-1d3c-4a8e-9b1e-2f4a6c8e0b12",
                },
                synth: { commands: ["cargo run --locked --no-default-features --package test-programs --bin hotswap -- synth --out cdk.out"] },
            }

            stack Shop {
                /// The orders, by id.
                table Orders {
                    partition_key: { name: "id", type: String },
                    $($table)*
                }

                /// One job per new order, for the worker.
                queue Jobs {
                    dead_letter: { max_receives: 3 },
                }

                lambda Api {
                    package: "orders",
                    bin: $bin,
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
                environment: { STAGE: $stage },
            }

            stage Prod {
                account: "111111111111",
                region: "us-west-2",
                approval: "Promote to Prod",
            }

            stage Live {
                account: "111111111111",
                region: "us-west-2",
                protect: true,
            }
        }
    };
}

fn main() -> std::process::ExitCode {
    let app = match std::env::var("HOTSWAP_VARIANT").as_deref() {
        Ok("worker") => shop!("worker", "dev", {}),
        Ok("worker-env") => shop!("worker", "dev2", {}),
        Ok("ttl") => shop!("api", "dev", { ttl: "expires", }),
        _ => shop!("api", "dev", {}),
    };
    pipewright::cli::run(app)
}
