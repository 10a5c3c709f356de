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

        stack S1 {}
        stack S2 {}
        stack S3 {}
        stack S4 {}
        stack S5 {}
        stack S6 {}
        stack S7 {}
        stack S8 {}
        stack S9 {}
        stack S10 {}
        stack S11 {}
        stack S12 {}
        stack S13 {}
        stack S14 {}
        stack S15 {}
        stack S16 {}
        stack S17 {}
        stack S18 {}
        stack S19 {}
        stack S20 {}
        stack S21 {}
        stack S22 {}
        stack S23 {}
        stack S24 {}
        stack S25 {}

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
            approval: "Go",
        }
    };
}
