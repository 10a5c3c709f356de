//! Every optional field left out: the defaults of DSL.md apply.
use pipewright_macros::pipeline;

fn main() {
    let app = pipeline! {
        pipeline Delivery {
            account: "111111111111",
            region: "us-east-1",
            source: {
                repo: "acme/shop",
                branch: "main",
                connection: "arn:aws:codestar-connections:us-east-1:111111111111:connection/0f1e2d3c",
            },
            synth: { commands: ["cargo run --bin deploy -- synth"] },
        }

        stack Shop {
            lambda Orders { package: "service" }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
    let names: Vec<&str> = app.stacks.iter().map(|s| &*s.name).collect();
    assert_eq!(names, ["Delivery", "Prod-Shop"]);
    let template: serde_json::Value = serde_json::from_str(&app.stacks[1].template).unwrap();
    let function = &template["Resources"]["OrdersFunction"]["Properties"];
    assert_eq!(function["MemorySize"], 2048);
    assert_eq!(function["Timeout"], 60);
    assert_eq!(function["Architectures"][0], "x86_64");
    let group = &template["Resources"]["OrdersDeploymentGroup"]["Properties"];
    assert_eq!(group["DeploymentConfigName"], "CodeDeployDefault.LambdaLinear10PercentEvery1Minute");
    assert_eq!(app.assets.len(), 1);
    assert_eq!(app.assets[0].bin, "service");
}
