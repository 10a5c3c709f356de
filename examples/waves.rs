//! Waves, pre steps, approvals that say something, notifications, triggers and
//! protection: one service deployed to a beta stage, then two waves of stages side by
//! side across accounts and regions. Every field of the constructs is used once.
//!
//! - `Beta` checks a change freeze before it deploys (`pre`), and tells an existing topic
//!   when its approval (always needed) waits (`notify_topic`).
//! - The `Staging` wave deploys two regions at once, each with its own smoke check.
//! - The `Production` wave prepares every change set of both regions, waits for one
//!   approval (with a comment, and an email to the release team) only when one of them
//!   broadens permissions, replaces or removes a resource (its check approves the others),
//!   executes them side by side, and turns termination protection on for every production
//!   stack.
//! - The pipeline runs for pushes that touch the service or the pipeline (not the docs),
//!   and for release tags; it mails the on-call address when it fails or needs approval.
//!
//! `cargo run --example waves -- synth --out cdk.out`

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        /// The shop's delivery pipeline, in waves.
        pipeline WavesDelivery {
            account: "111111111111",
            region: "us-east-1",
            source: {
                repo: "example-org/shop",
                branch: "main",
                connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/00000000-1111-2222-3333-444444444444",
                paths: ["service/**", "pipeline.rs", "Cargo.lock"],
                ignore_paths: ["**/*.md"],
                tags: ["release-*"],
                on_push: true,
            },
            synth: {
                commands: ["cargo run --locked --no-default-features --example waves -- synth --out cdk.out"],
            },
            cross_account_keys: true,
            notifications: {
                emails: ["oncall@example.com"],
                on: [Failed, ApprovalNeeded],
            },
        }

        stack Shop {
            lambda Orders {
                package: "service",
                architecture: Arm64,
            }

            api OrdersApi {
                handler: Orders,
            }
        }

        stage Beta {
            account: "111111111111",
            region: "us-east-1",
            pre: ["./scripts/check-change-freeze.sh beta"],
            approval: {
                name: "Release to beta",
                notify_topic: "arn:aws:sns:us-east-1:111111111111:shop-releases",
                when: Always,
            },
            verify: ["test -n \"$OrdersApiUrl\""],
        }

        /// Both staging regions at once.
        wave Staging {
            stage StagingUs {
                account: "222222222222",
                region: "us-east-1",
                environment: { STAGE: "staging" },
                verify: ["curl --fail --silent \"$OrdersApiUrl\"health"],
            }
            stage StagingEu {
                account: "222222222222",
                region: "eu-west-1",
                environment: { STAGE: "staging" },
                verify: ["curl --fail --silent \"$OrdersApiUrl\"health"],
            }
        }

        /// Production: one approval for every region.
        wave Production {
            approval: {
                name: "Promote to Prod",
                comment: "Check the staging dashboards and the change sets of every production stack, then approve.",
                notify: ["release-team@example.com"],
                when: Broadening,
            },
            pre: ["./scripts/check-change-freeze.sh prod"],

            stage ProdUs {
                account: "333333333333",
                region: "us-east-1",
                environment: { STAGE: "prod" },
                protect: true,
                verify: ["test -n \"$OrdersApiUrl\""],
            }
            stage ProdEu {
                account: "333333333333",
                region: "eu-west-1",
                environment: { STAGE: "prod" },
                pre: ["./scripts/check-gdpr-review.sh"],
                protect: true,
            }
        }
    };
    pipewright::cli::run(app)
}
