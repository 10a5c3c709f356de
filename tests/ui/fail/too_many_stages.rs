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

        stack Shop {}

        stage Stage1 { account: "111111111111", region: "us-east-1" }
        stage Stage2 { account: "111111111111", region: "us-east-1" }
        stage Stage3 { account: "111111111111", region: "us-east-1" }
        stage Stage4 { account: "111111111111", region: "us-east-1" }
        stage Stage5 { account: "111111111111", region: "us-east-1" }
        stage Stage6 { account: "111111111111", region: "us-east-1" }
        stage Stage7 { account: "111111111111", region: "us-east-1" }
        stage Stage8 { account: "111111111111", region: "us-east-1" }
        stage Stage9 { account: "111111111111", region: "us-east-1" }
        stage Stage10 { account: "111111111111", region: "us-east-1" }
        stage Stage11 { account: "111111111111", region: "us-east-1" }
        stage Stage12 { account: "111111111111", region: "us-east-1" }
        stage Stage13 { account: "111111111111", region: "us-east-1" }
        stage Stage14 { account: "111111111111", region: "us-east-1" }
        stage Stage15 { account: "111111111111", region: "us-east-1" }
        stage Stage16 { account: "111111111111", region: "us-east-1" }
        stage Stage17 { account: "111111111111", region: "us-east-1" }
        stage Stage18 { account: "111111111111", region: "us-east-1" }
        stage Stage19 { account: "111111111111", region: "us-east-1" }
        stage Stage20 { account: "111111111111", region: "us-east-1" }
        stage Stage21 { account: "111111111111", region: "us-east-1" }
        stage Stage22 { account: "111111111111", region: "us-east-1" }
        stage Stage23 { account: "111111111111", region: "us-east-1" }
        stage Stage24 { account: "111111111111", region: "us-east-1" }
        stage Stage25 { account: "111111111111", region: "us-east-1" }
        stage Stage26 { account: "111111111111", region: "us-east-1" }
        stage Stage27 { account: "111111111111", region: "us-east-1" }
        stage Stage28 { account: "111111111111", region: "us-east-1" }
        stage Stage29 { account: "111111111111", region: "us-east-1" }
        stage Stage30 { account: "111111111111", region: "us-east-1" }
        stage Stage31 { account: "111111111111", region: "us-east-1" }
        stage Stage32 { account: "111111111111", region: "us-east-1" }
        stage Stage33 { account: "111111111111", region: "us-east-1" }
        stage Stage34 { account: "111111111111", region: "us-east-1" }
        stage Stage35 { account: "111111111111", region: "us-east-1" }
        stage Stage36 { account: "111111111111", region: "us-east-1" }
        stage Stage37 { account: "111111111111", region: "us-east-1" }
        stage Stage38 { account: "111111111111", region: "us-east-1" }
        stage Stage39 { account: "111111111111", region: "us-east-1" }
        stage Stage40 { account: "111111111111", region: "us-east-1" }
        stage Stage41 { account: "111111111111", region: "us-east-1" }
        stage Stage42 { account: "111111111111", region: "us-east-1" }
        stage Stage43 { account: "111111111111", region: "us-east-1" }
        stage Stage44 { account: "111111111111", region: "us-east-1" }
        stage Stage45 { account: "111111111111", region: "us-east-1" }
        stage Stage46 { account: "111111111111", region: "us-east-1" }
        stage Stage47 { account: "111111111111", region: "us-east-1" }
        stage Stage48 { account: "111111111111", region: "us-east-1" }
    };
}
