//! A `ref`, a `get_att` and a `depends_on` naming no block of the stack.
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
            resource Client {
                type: "AWS::Cognito::UserPoolClient",
                properties: { UserPoolId: { ref: Usres }, ClientName: { get_att: [Pool, "Arn"] } },
                depends_on: [Userz],
            }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
}
