//! Several stacks, lambdas and apis, six stages across three accounts and four regions,
//! approvals, verify steps, doc comments and every optional field.
use pipewright_macros::pipeline;

fn main() {
    let app = pipeline! {
        /// Delivers the shop.
        pipeline ShopDelivery {
            account: "111111111111",
            region: "eu-west-1",
            source: {
                repo: "acme/shop",
                branch: "release",
                connection: "arn:aws:codeconnections:eu-west-1:111111111111:connection/7a6b5c4d-0000-4000-8000-123456789abc",
            },
            synth: {
                install: ["rustup toolchain install 1.95.0 --profile minimal", "pip3 install cargo-lambda ziglang"],
                commands: ["cargo build --release --locked", "cargo run --release --bin deploy -- synth --out assembly"],
                output: "assembly",
            },
            self_mutation: true,
            cross_account_keys: true,
            codebuild: {
                compute: Large,
                privileged: false,
                image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
                policy: [
                    { actions: ["secretsmanager:GetSecretValue"], resources: ["arn:aws:secretsmanager:eu-west-1:111111111111:secret:shop-*"] },
                    { actions: ["ssm:GetParameter*"], resources: ["*"] },
                ],
            },
        }

        /// The public storefront.
        stack Storefront {
            /// Serves pages.
            lambda Pages {
                package: "service",
                bin: "service",
                memory: 1024,
                timeout: 30s,
                architecture: X86_64,
                environment: { LOG_LEVEL: "info", STAGE: "lambda-default" },
                alarm: { threshold: 5, evaluation_periods: 2, period: 5min },
                deployment: Canary10Percent5Minutes,
            }

            lambda Search {
                package: "service",
                description: "search",
                memory: 10240,
                timeout: 15min,
                deployment: AllAtOnce,
            }

            api PagesApi {
                handler: Pages,
                description: "pages",
                binary_media_types: ["image/png", "*/*"],
                cors: { origins: ["https://shop.example.com", "https://admin.example.com"], methods: ["GET", "POST"], headers: ["Content-Type", "X-Request-Id"] },
                stage_name: "v1",
            }

            api SearchApi {
                handler: Search,
                cors: { origins: ["*"], methods: ["*"] },
            }
        }

        stack Backoffice {
            lambda Admin { package: "service", timeout: 2min }
        }

        stage Dev {
            account: "111111111111",
            region: "eu-west-1",
            environment: { STAGE: "dev" },
            verify: ["curl -fsS \"$PagesApiUrl\"api/v1/health_check"],
        }

        stage Staging {
            account: "222222222222",
            region: "eu-central-1",
            environment: { STAGE: "staging" },
            stacks: [Storefront],
            verify: ["curl -fsS \"$SearchApiUrl\"", "test -n \"$PagesFunctionName\""],
        }

        stage ProdEu {
            account: "333333333333",
            region: "eu-west-1",
            approval: "Promote to production",
            environment: { STAGE: "prod" },
        }

        stage ProdUs {
            account: "333333333333",
            region: "us-east-1",
            environment: { STAGE: "prod" },
        }

        stage ProdAsia {
            account: "333333333333",
            region: "ap-southeast-2",
            approval: "Promote to Asia",
            stacks: [Storefront],
        }

        stage Backup {
            account: "333333333333",
            region: "us-west-2",
            stacks: [Backoffice],
        }
    };
    let names: Vec<&str> = app.stacks.iter().map(|s| &*s.name).collect();
    assert_eq!(names[0], "ShopDelivery");
    for expected in [
        "Dev-Storefront", "Dev-Backoffice", "Staging-Storefront", "ProdEu-Storefront", "ProdEu-Backoffice",
        "ProdUs-Storefront", "ProdUs-Backoffice", "ProdAsia-Storefront", "Backup-Backoffice",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let prod: serde_json::Value =
        serde_json::from_str(&app.stack("ProdEu-Storefront").unwrap().template).unwrap();
    let vars = &prod["Resources"]["PagesFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["STAGE"], "prod", "the stage's environment wins over the lambda's");
    assert_eq!(vars["LOG_LEVEL"], "info");
}
