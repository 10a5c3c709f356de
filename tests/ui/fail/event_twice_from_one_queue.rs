use pipewright_macros::pipeline;

fn main() {
    let _app = pipeline! {
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
            queue Jobs { visibility_timeout: 2min }
            lambda Worker {
                package: "service",
                events: [{ queue: Jobs }, { queue: Jobs, batch_size: 5 }],
            }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
}
