//! The pipeline of the service, checked while it compiles: `cargo run --bin deploy -- list`.

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        // The account and region the pipeline lives in, and the repository it builds: your
        // GitHub repository, through a CodeStar connection of that account.
        pipeline HelloPipeline {
            account: "111111111111",
            region: "us-east-1",
            source: {
                repo: "my-org/hello",
                branch: "main",
                connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/00000000-0000-4000-8000-000000000000",
            },
            synth: {
                commands: ["cargo run --locked --bin deploy -- synth --out cdk.out"],
                output: "cdk.out",
            },
        }

        /// The hello service: its function behind a REST API.
        stack HelloStack {
            lambda Hello {
                package: "hello",
                memory: 256,
                timeout: 10s,
            }

            api HelloApi {
                handler: Hello,
            }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
    pipewright::cli::run(app)
}
