//! Lambdas whose functions declare their links (the `linked-functions` package): each
//! declaration is linked with at least its access; a link nobody declares is fine.
use pipewright_macros::pipeline;

fn main() {
    let app = pipeline! {
        pipeline Delivery {
            account: "111111111111",
            region: "us-east-1",
            source: {
                repo: "acme/shop",
                branch: "main",
                connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/0f1e2d3c",
            },
            synth: { commands: ["cargo run --bin deploy -- synth"] },
        }

        stack Shop {
            table Orders { partition_key: { name: "id", type: String } }
            queue Jobs { visibility_timeout: 60s }
            bucket Uploads {}
            topic OrderEvents {}
            lambda Api {
                package: "linked-functions",
                bin: "api",
                link: { Orders: ReadWrite, Jobs: SendConsume, Uploads: Read, OrderEvents: Publish },
            }
            lambda Worker {
                package: "linked-functions",
                bin: "worker",
                events: [{ queue: Jobs }],
                link: { Orders: ReadWrite, Jobs: Send },
            }
            api OrdersApi { handler: Api }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
    let mut bins: Vec<&str> = app.assets.iter().map(|a| &*a.bin).collect();
    bins.sort();
    assert_eq!(bins, ["api", "worker"]);
}
