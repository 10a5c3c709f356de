//! The names of the bootstrap resources of an environment (account + region), the same
//! contract as `cdk bootstrap`: an environment bootstrapped by the AWS CDK works with
//! pipewright as it is, and the other way round.

/// The bootstrap version the synthesized stacks require (the CDK's stacks require 6).
pub const REQUIRED_VERSION: u32 = 6;

/// The bootstrap resources of one environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Environment<'a> {
    /// The qualifier (`hnb659fds` unless `--qualifier`).
    pub qualifier: &'a str,
    /// The account.
    pub account: &'a str,
    /// The region.
    pub region: &'a str,
}

impl Environment<'_> {
    /// The partition of the region (`aws` for unknown ones).
    pub fn partition(&self) -> &'static str {
        crate::spec::partition_of(self.region).unwrap_or("aws")
    }

    /// The file assets bucket.
    pub fn assets_bucket(&self) -> String {
        format!(
            "cdk-{}-assets-{}-{}",
            self.qualifier, self.account, self.region
        )
    }

    fn role_name(&self, role: &str) -> String {
        format!(
            "cdk-{}-{role}-role-{}-{}",
            self.qualifier, self.account, self.region
        )
    }

    fn role_arn(&self, role: &str) -> String {
        format!(
            "arn:{}:iam::{}:role/{}",
            self.partition(),
            self.account,
            self.role_name(role)
        )
    }

    /// The role a deployment assumes to create and execute change sets.
    pub fn deploy_role_arn(&self) -> String {
        self.role_arn("deploy")
    }

    /// The role CloudFormation runs as.
    pub fn cfn_exec_role_arn(&self) -> String {
        self.role_arn("cfn-exec")
    }

    /// The role that uploads file assets.
    pub fn file_publishing_role_arn(&self) -> String {
        self.role_arn("file-publishing")
    }

    /// The read-only lookup role.
    pub fn lookup_role_arn(&self) -> String {
        self.role_arn("lookup")
    }

    /// The SSM parameter holding the bootstrap version.
    pub fn version_parameter(&self) -> String {
        version_parameter(self.qualifier)
    }

    /// The bootstrap stack's name.
    pub fn stack_name(&self) -> &'static str {
        "CDKToolkit"
    }
}

/// The SSM parameter holding the bootstrap version, for a qualifier.
pub fn version_parameter(qualifier: &str) -> String {
    format!("/cdk-bootstrap/{qualifier}/version")
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let cn = Environment {
            region: "cn-north-1",
            ..env
        };
        assert!(cn
            .file_publishing_role_arn()
            .starts_with("arn:aws-cn:iam::"));
    }
}
