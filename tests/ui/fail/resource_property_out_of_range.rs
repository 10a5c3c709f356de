//! A number outside the schema's `minimum`/`maximum`.
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
            resource Jobs {
                type: "AWS::SQS::Queue",
                properties: { DelaySeconds: 1000 },
            }
            resource Client {
                type: "AWS::Cognito::UserPoolClient",
                properties: { UserPoolId: "us-east-1_x", AuthSessionValidity: 2 },
            }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
}
