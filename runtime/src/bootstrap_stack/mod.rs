//! The bootstrap stack of an environment (account + region), the same contract as `cdk
//! bootstrap`'s: the one home of the names of its resources (roles, bucket, repository,
//! version parameter), its constants, and its template ([`template`]). An environment
//! bootstrapped by the AWS CDK works with pipewright as it is, and `cdk bootstrap` updates
//! a stack that `deploy bootstrap` (`deploy::bootstrap`, with the `aws` feature)
//! created.
//!
//! Every name is formatted here once, from an [`Environment`]'s parts: the concrete ones
//! (`cdk-hnb659fds-deploy-role-111111111111-us-west-2`) and, through
//! [`Environment::IN_TEMPLATE`], the `Fn::Sub` forms of the template
//! (`cdk-${Qualifier}-deploy-role-${AWS::AccountId}-${AWS::Region}`).

mod template;

pub use template::template;

/// The bootstrap version the synthesized stacks require (the CDK's stacks require 6).
pub const REQUIRED_VERSION: u32 = 6;

/// The bootstrap version the lookup role needs (the CDK's manifests say 8).
pub const LOOKUP_ROLE_REQUIRED_VERSION: u32 = 8;

/// The version of the bootstrap template [`template`] writes: the contract of `cdk
/// bootstrap`'s version 18 template (same resources, logical ids, names, parameters and
/// outputs). A newer CDK CLI upgrades it in place; this tool leaves newer ones alone.
pub const TEMPLATE_VERSION: u32 = 18;

/// The qualifier `cdk bootstrap` uses unless told otherwise (`hnb659fds`; the program
/// model's default, [`crate::spec::DEFAULT_QUALIFIER`]).
pub const DEFAULT_QUALIFIER: &str = crate::spec::DEFAULT_QUALIFIER;

/// What a qualifier may be: 1 to 10 letters, digits, `-` or `_` (the template's
/// `AllowedPattern`; [`is_valid_qualifier`] says the same in Rust).
pub const QUALIFIER_PATTERN: &str = "[A-Za-z0-9_-]{1,10}";

/// Whether a qualifier matches [`QUALIFIER_PATTERN`].
pub fn is_valid_qualifier(qualifier: &str) -> bool {
    (1..=10).contains(&qualifier.len())
        && qualifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The tag the CDK puts on each bootstrap role, valued with the role's [`Role::id`].
pub const ROLE_TAG: &str = "aws-cdk:bootstrap-role";

/// The bootstrap stack's name (`cdk bootstrap --toolkit-stack-name` changes it).
pub const TOOLKIT_STACK_NAME: &str = "CDKToolkit";

/// The `BootstrapVariant` of the CDK's default template. The CDK CLI refuses to update a
/// bootstrap stack of another variant without `--force`, so the template keeps the CDK's:
/// it has the same resources.
pub const DEFAULT_VARIANT: &str = "AWS CDK: Default Resources";

/// `FileAssetsBucketKmsKeyId` value that encrypts the bucket with the AWS-managed S3 key
/// (what `cdk bootstrap` passes for a new stack unless `--bootstrap-customer-key`).
pub const AWS_MANAGED_KEY: &str = "AWS_MANAGED_KEY";

/// A role of the bootstrap stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Creates and executes change sets (`deploy`).
    Deploy,
    /// The role CloudFormation runs as (`cfn-exec`).
    CfnExec,
    /// Uploads file assets (`file-publishing`).
    FilePublishing,
    /// Pushes container images (`image-publishing`).
    ImagePublishing,
    /// Reads values for context lookups (`lookup`).
    Lookup,
}

impl Role {
    /// The id in the role's name and [`ROLE_TAG`]: `deploy`, `cfn-exec`...
    pub fn id(self) -> &'static str {
        match self {
            Role::Deploy => "deploy",
            Role::CfnExec => "cfn-exec",
            Role::FilePublishing => "file-publishing",
            Role::ImagePublishing => "image-publishing",
            Role::Lookup => "lookup",
        }
    }
}

/// The bootstrap resources of one environment, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Environment<'a> {
    /// The qualifier (`hnb659fds` unless `--qualifier`).
    pub qualifier: &'a str,
    /// The account.
    pub account: &'a str,
    /// The region.
    pub region: &'a str,
}

impl Environment<'static> {
    /// The parts as the template's `Fn::Sub` writes them (`${Qualifier}`,
    /// `${AWS::AccountId}`, `${AWS::Region}`): the names of this environment's methods are
    /// then the template's own.
    pub const IN_TEMPLATE: Environment<'static> = Environment {
        qualifier: "${Qualifier}",
        account: "${AWS::AccountId}",
        region: "${AWS::Region}",
    };
}

impl Environment<'_> {
    /// The partition of the region (`aws` for unknown ones).
    pub fn partition(&self) -> &'static str {
        crate::spec::partition_of(self.region).unwrap_or("aws")
    }

    /// `cdk-{qualifier}-{infix}-{account}-{region}`, the CDK's form of a name.
    fn name(&self, infix: &str) -> String {
        format!(
            "cdk-{}-{infix}-{}-{}",
            self.qualifier, self.account, self.region
        )
    }

    /// The file assets bucket.
    pub fn assets_bucket(&self) -> String {
        self.name("assets")
    }

    /// The container assets repository.
    pub fn container_assets_repository(&self) -> String {
        self.name("container-assets")
    }

    /// The alias of the key the file assets bucket is encrypted with (when the stack
    /// creates one).
    pub fn assets_key_alias(&self) -> String {
        format!("alias/cdk-{}-assets-key", self.qualifier)
    }

    /// A role's name.
    pub fn role_name(&self, role: Role) -> String {
        self.name(&format!("{}-role", role.id()))
    }

    /// The name of the default policy of a role (the publishing roles have one).
    pub fn role_default_policy(&self, role: Role) -> String {
        self.name(&format!("{}-role-default-policy", role.id()))
    }

    /// The CDK's example permissions boundary policy.
    pub fn permissions_boundary(&self) -> String {
        self.name("permissions-boundary")
    }

    /// A role's ARN in a partition given as is (`aws`, or `${AWS::Partition}`).
    pub fn role_arn_in(&self, partition: &str, role: Role) -> String {
        format!(
            "arn:{partition}:iam::{}:role/{}",
            self.account,
            self.role_name(role)
        )
    }

    /// A role's ARN, in the region's partition.
    pub fn role_arn(&self, role: Role) -> String {
        self.role_arn_in(self.partition(), role)
    }

    /// The role a deployment assumes to create and execute change sets.
    pub fn deploy_role_arn(&self) -> String {
        self.role_arn(Role::Deploy)
    }

    /// The role CloudFormation runs as.
    pub fn cfn_exec_role_arn(&self) -> String {
        self.role_arn(Role::CfnExec)
    }

    /// The role that uploads file assets.
    pub fn file_publishing_role_arn(&self) -> String {
        self.role_arn(Role::FilePublishing)
    }

    /// The read-only lookup role.
    pub fn lookup_role_arn(&self) -> String {
        self.role_arn(Role::Lookup)
    }

    /// The SSM parameter holding the bootstrap version.
    pub fn version_parameter(&self) -> String {
        version_parameter(self.qualifier)
    }

    /// The export name of the stack's `FileAssetKeyArn` output.
    pub fn file_asset_key_export(&self) -> String {
        format!("CdkBootstrap-{}-FileAssetKeyArn", self.qualifier)
    }

    /// The bootstrap stack's name.
    pub fn stack_name(&self) -> &'static str {
        TOOLKIT_STACK_NAME
    }
}

/// The SSM parameter holding the bootstrap version, for a qualifier.
pub fn version_parameter(qualifier: &str) -> String {
    format!("/cdk-bootstrap/{qualifier}/version")
}

/// The parameters of the bootstrap template, by name: what `cdk bootstrap` passes.
pub mod parameters {
    /// Accounts trusted to publish assets and deploy (comma-separated).
    pub const TRUSTED_ACCOUNTS: &str = "TrustedAccounts";
    /// Accounts trusted to look values up (comma-separated).
    pub const TRUSTED_ACCOUNTS_FOR_LOOKUP: &str = "TrustedAccountsForLookup";
    /// Managed policy ARNs of the CloudFormation execution role (comma-separated).
    pub const CLOUDFORMATION_EXECUTION_POLICIES: &str = "CloudFormationExecutionPolicies";
    /// A custom assets bucket name (empty: the standard name).
    pub const FILE_ASSETS_BUCKET_NAME: &str = "FileAssetsBucketName";
    /// Empty (a new key), `AWS_MANAGED_KEY`, or a key id/ARN.
    pub const FILE_ASSETS_BUCKET_KMS_KEY_ID: &str = "FileAssetsBucketKmsKeyId";
    /// A custom container assets repository name.
    pub const CONTAINER_ASSETS_REPOSITORY_NAME: &str = "ContainerAssetsRepositoryName";
    /// The qualifier.
    pub const QUALIFIER: &str = "Qualifier";
    /// `true` or `false`: block public access to the bucket.
    pub const PUBLIC_ACCESS_BLOCK_CONFIGURATION: &str = "PublicAccessBlockConfiguration";
    /// A permissions boundary policy name for the execution role.
    pub const INPUT_PERMISSIONS_BOUNDARY: &str = "InputPermissionsBoundary";
    /// `true` or `false`: create the CDK's example permissions boundary.
    pub const USE_EXAMPLE_PERMISSIONS_BOUNDARY: &str = "UseExamplePermissionsBoundary";
    /// The provenance of the template.
    pub const BOOTSTRAP_VARIANT: &str = "BootstrapVariant";
}

/// The output of the bootstrap stack that holds its version.
pub const VERSION_OUTPUT: &str = "BootstrapVersion";

#[cfg(test)]
mod tests {
    use super::*;

    /// `deploy bootstrap` compares the deployed template with [`template`] as parsed JSON,
    /// where the order of an object's keys does not count: a stack deployed from a template
    /// that differs only in key order (as earlier versions' did) is left as it is.
    #[test]
    fn templates_compare_whatever_the_order_of_keys() {
        let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert_eq!(
            parse(r#"{"Effect": "Allow", "Action": "sts:AssumeRole"}"#),
            parse(r#"{"Action": "sts:AssumeRole", "Effect": "Allow"}"#)
        );
    }

    #[test]
    fn qualifiers_are_checked_as_the_template_checks_them() {
        assert_eq!(QUALIFIER_PATTERN, "[A-Za-z0-9_-]{1,10}");
        for ok in [DEFAULT_QUALIFIER, "a", "A-b_9", "0123456789"] {
            assert!(is_valid_qualifier(ok), "{ok}");
        }
        for bad in ["", "01234567890", "a.b", "é", "a b"] {
            assert!(!is_valid_qualifier(bad), "{bad}");
        }
    }

    #[test]
    fn names_match_the_cdk_bootstrap() {
        let env = Environment {
            qualifier: "hnb659fds",
            account: "111111111111",
            region: "us-west-2",
        };
        assert_eq!(
            env.assets_bucket(),
            "cdk-hnb659fds-assets-111111111111-us-west-2"
        );
        assert_eq!(
            env.deploy_role_arn(),
            "arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-us-west-2"
        );
        assert_eq!(
            env.cfn_exec_role_arn(),
            "arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-west-2"
        );
        assert_eq!(env.version_parameter(), "/cdk-bootstrap/hnb659fds/version");
        assert_eq!(
            Environment::IN_TEMPLATE.role_name(Role::FilePublishing),
            "cdk-${Qualifier}-file-publishing-role-${AWS::AccountId}-${AWS::Region}"
        );
        assert_eq!(
            Environment::IN_TEMPLATE.role_default_policy(Role::ImagePublishing),
            "cdk-${Qualifier}-image-publishing-role-default-policy-${AWS::AccountId}-${AWS::Region}"
        );
        let cn = Environment {
            region: "cn-north-1",
            ..env
        };
        assert!(cn
            .file_publishing_role_arn()
            .starts_with("arn:aws-cn:iam::"));
    }
}
