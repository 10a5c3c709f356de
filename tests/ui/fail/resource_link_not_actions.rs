//! A link to a resource is a list of IAM actions; its variable may not be set by hand.
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
            resource Users {
                type: "AWS::Cognito::UserPool",
                properties: {},
            }
            resource Logs {
                type: "AWS::Logs::LogGroup",
                properties: {},
            }
            lambda Api {
                package: "service",
                environment: { USERS_ARN: "x" },
                link: { Users: ["cognito-idp:AdminGetUser"], Logs: Read },
            }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
}
