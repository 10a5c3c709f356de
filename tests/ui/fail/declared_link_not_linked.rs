//! The API function declares bucket `Uploads` (src/bin/api/links.rs) and the package's
//! library queue `Jobs` for every binary: a lambda that does not link them does not compile.
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
            bucket Uploads {}
            lambda Api {
                package: "linked-functions",
                bin: "api",
                link: { Orders: ReadWrite, Jobs: Send },
            }
            lambda Worker {
                package: "linked-functions",
                bin: "worker",
            }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
}
