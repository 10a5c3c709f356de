//! `resource` blocks: CloudFormation resources pipewright has no block for, checked at
//! compile time against their registry schemas (docs/pipeline.md, "Any other resource").
//!
//! - a Cognito user pool (stateful: retained by default) and its app client, which refers to
//!   it with `{ ref: Users }`;
//! - an audit log group encrypted with a KMS key of its own (`get_att: [AuditKey, "Arn"]`),
//!   and an SSM parameter naming the pool's ARN (`get_att`);
//! - the API function linked to the user pool: `cognito-idp:AdminGetUser` on its ARN, and
//!   `USERS_REF` / `USERS_ARN` in its environment.
//!
//! `cargo run --example resources -- synth --out cdk.out`

use pipewright_macros::pipeline;

fn main() -> std::process::ExitCode {
    let app = pipeline! {
        /// The accounts service's delivery pipeline.
        pipeline AccountsDelivery {
            account: "111111111111",
            region: "us-east-1",
            source: {
                repo: "example-org/accounts",
                branch: "main",
                connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/00000000-1111-2222-3333-444444444444",
            },
            synth: {
                commands: ["cargo run --locked --no-default-features --example resources -- synth --out cdk.out"],
            },
        }

        stack Accounts {
            /// The users who sign in.
            resource Users {
                type: "AWS::Cognito::UserPool",
                properties: {
                    UserPoolName: "accounts-users",
                    UsernameAttributes: ["email"],
                    AutoVerifiedAttributes: ["email"],
                    MfaConfiguration: "OFF",
                    Policies: {
                        PasswordPolicy: { MinimumLength: 12, RequireNumbers: true, RequireSymbols: true },
                    },
                    AccountRecoverySetting: {
                        RecoveryMechanisms: [{ Name: "verified_email", Priority: 1 }],
                    },
                },
            }

            /// The web client of the pool.
            resource WebClient {
                type: "AWS::Cognito::UserPoolClient",
                properties: {
                    UserPoolId: { ref: Users },
                    ClientName: "web",
                    GenerateSecret: false,
                    ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                },
            }

            /// Where other services find the pool.
            resource UsersArnParameter {
                type: "AWS::SSM::Parameter",
                properties: {
                    Type: "String",
                    Value: { get_att: [Users, "Arn"] },
                    Description: "ARN of the accounts user pool",
                },
            }

            /// The key of the audit trail (stateful: retained by default). CloudWatch Logs
            /// of this region may use it; the account administers it.
            resource AuditKey {
                type: "AWS::KMS::Key",
                properties: {
                    Description: "Encrypts the accounts service's audit log",
                    EnableKeyRotation: true,
                    KeyPolicy: {
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "AccountAdministers",
                                Effect: "Allow",
                                Principal: { AWS: "arn:aws:iam::111111111111:root" },
                                Action: "kms:*",
                                Resource: "*",
                            },
                            {
                                Sid: "LogsEncrypt",
                                Effect: "Allow",
                                Principal: { Service: "logs.us-east-1.amazonaws.com" },
                                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                                Resource: "*",
                            },
                        ],
                    },
                },
            }

            /// The audit trail, kept a year, encrypted with its own key.
            resource AuditLog {
                type: "AWS::Logs::LogGroup",
                properties: {
                    RetentionInDays: 365,
                    KmsKeyId: { get_att: [AuditKey, "Arn"] },
                },
                removal: Destroy,
            }

            lambda Api {
                package: "service",
                link: { Users: ["cognito-idp:AdminGetUser", "cognito-idp:ListUsers"] },
            }

            api AccountsApi {
                handler: Api,
            }
        }

        stage Prod {
            account: "111111111111",
            region: "us-east-1",
        }
    };
    pipewright::cli::run(app)
}
