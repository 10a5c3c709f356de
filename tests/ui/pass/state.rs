//! The `stack Orders` example of DSL.md ("State and events"): every stateful block, link and
//! event, with the workspace's `service` package standing in for the example's `orders`
//! (whose binaries `worker` and `nightly` this workspace does not have).
use pipewright_macros::pipeline;

fn main() {
    let app = pipeline! {
        pipeline Delivery {
            account: "111111111111",
            region: "us-east-1",
            source: {
                repo: "acme/orders",
                branch: "main",
                connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/0f1e2d3c",
            },
            synth: { commands: ["cargo run --bin deploy -- synth"] },
        }

        stack Orders {
            /// Orders by id; a customer's orders by date.
            table Orders {
                partition_key: { name: "pk", type: String },
                sort_key: { name: "sk", type: String },
                indexes: [{ name: "ByCustomer", partition_key: { name: "customer", type: String }, sort_key: { name: "placed", type: Number } }],
                ttl: "expires_at",
                stream: NewAndOldImages,
            }
            queue Jobs { visibility_timeout: 2min, dead_letter: { max_receives: 5 } }
            bucket Uploads { versioned: true, expire_after: 30d }
            topic OrderEvents {}

            lambda Api {
                package: "service",
                link: { Orders: ReadWrite, Jobs: Send, Uploads: Read, OrderEvents: Publish },
            }
            lambda Worker {
                package: "service",
                timeout: 60s,
                events: [{ queue: Jobs, batch_size: 10, window: 5s }],
                link: { Orders: ReadWrite },
            }
            lambda Nightly {
                package: "service",
                events: [{ schedule: "cron(0 3 * * ? *)" }],
                link: { Uploads: ReadWrite },
            }
            api OrdersApi { handler: Api }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
            environment: { STAGE: "prod" },
        }
    };
    let names: Vec<&str> = app.stacks.iter().map(|s| &*s.name).collect();
    assert_eq!(names, ["Delivery", "Prod-Orders"]);
}
