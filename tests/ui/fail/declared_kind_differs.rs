//! The API function declares `Bucket(Uploads, Read)`, but the stack's `Uploads` is a table.
use pipewright_macros::pipeline;

fn main() {
    let _app = pipeline! {
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
            queue Jobs {}
            table Uploads { partition_key: { name: "key", type: String } }
            lambda Api {
                package: "linked-functions",
                bin: "api",
                link: { Orders: ReadWrite, Jobs: Send, Uploads: Read },
            }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
}
