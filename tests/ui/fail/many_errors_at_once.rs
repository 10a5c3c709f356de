use pipewright_macros::pipeline;

fn main() {
    let _app = pipeline! {
        pipeline Delivery {
            account: "111111111111",
            region: "us-est-1",
            source: {
                repo: "shop",
                branch: "main",
                connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/0f1e2d3c",
            },
            synth: { commands: ["cargo run --bin deploy -- synth"] },
        }

        stack Shop {
            lambda Orders {
                package: "servce",
                memroy: 1024,
                timeout: 20min,
            }

            api OrdersApi {
                handler: Order,
            }
        }

        stage Prod {
            account: "1234",
            region: "us-east-1",
        }
    };
}
