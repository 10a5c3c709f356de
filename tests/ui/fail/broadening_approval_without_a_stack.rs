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
            lambda Orders {
                package: "service",
            }
        }

        stage Beta {
            account: "111111111111",
            region: "us-east-1",
        }

        stage Gate {
            account: "111111111111",
            region: "us-east-1",
            approval: { name: "Go on", when: Broadening },
            stacks: [],
        }
    };
}
