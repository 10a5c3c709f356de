//! The API function declares bucket `Uploads`, which the stack does not have.
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
            bucket Upload {}
            lambda Api {
                package: "linked-functions",
                bin: "api",
                link: { Orders: ReadWrite, Jobs: Send, Upload: Read },
            }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
}
