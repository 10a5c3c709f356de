//! The bootstrap contract of an environment (account + region), the same as `cdk
//! bootstrap`'s: the names of its resources, and the template of the bootstrap stack
//! ([`template`]). An environment bootstrapped by the AWS CDK works with pipewright as it
//! is, and `cdk bootstrap` updates a stack that `deploy bootstrap` created.

use serde_json::{json, Value as Json};

use crate::cfn::resources::{ecr, iam, kms, s3, ssm};
use crate::cfn::{
    Attributes, Condition, Output, Parameter, PolicyDocument, Principal, Pseudo, RemovalPolicy,
    Statement, Template, Value,
};

/// The bootstrap version the synthesized stacks require (the CDK's stacks require 6).
pub const REQUIRED_VERSION: u32 = 6;

/// The version of the bootstrap template [`template`] writes: the contract of `cdk
/// bootstrap`'s version 18 template (same resources, logical ids, names, parameters and
/// outputs). A newer CDK CLI upgrades it in place; this tool leaves newer ones alone.
pub const TEMPLATE_VERSION: u32 = 18;

/// The qualifier `cdk bootstrap` uses unless told otherwise.
pub const DEFAULT_QUALIFIER: &str = "hnb659fds";

/// The bootstrap stack's name (`cdk bootstrap --toolkit-stack-name` changes it).
pub const TOOLKIT_STACK_NAME: &str = "CDKToolkit";

/// The `BootstrapVariant` of the CDK's default template. The CDK CLI refuses to update a
/// bootstrap stack of another variant without `--force`, so the template keeps the CDK's:
/// it has the same resources.
pub const DEFAULT_VARIANT: &str = "AWS CDK: Default Resources";

/// `FileAssetsBucketKmsKeyId` value that encrypts the bucket with the AWS-managed S3 key
/// (what `cdk bootstrap` passes for a new stack unless `--bootstrap-customer-key`).
pub const AWS_MANAGED_KEY: &str = "AWS_MANAGED_KEY";

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

/// The bootstrap stack's template, as JSON: the contract of `cdk bootstrap`'s version 18
/// template (the same logical ids, physical names, parameters, conditions and outputs), so
/// that either tool updates what the other created without replacing anything.
///
/// Two differences, both for `cfn-lint` to find nothing: the bucket has no legacy
/// `AccessControl: Private` (private is the default), and the `BootstrapVariant` parameter
/// is also the output `Variant` (the CDK's template declares it without using it).
pub fn template() -> String {
    let mut t = Template::new();
    t.set_description(
        "This stack includes resources needed to deploy AWS CDK apps into this environment",
    );
    let p = |t: &mut Template, name: &str, type_name: &str, default: &str, description: &str| {
        t.add_parameter(
            name,
            Parameter {
                type_name: type_name.into(),
                default: Some(default.into()),
                description: (!description.is_empty()).then(|| description.to_owned()),
                allowed_values: Vec::new(),
            },
        )
        .expect("bootstrap parameter names are distinct")
    };
    use parameters as n;
    let trusted = p(&mut t, n::TRUSTED_ACCOUNTS, "CommaDelimitedList", "", "List of AWS accounts that are trusted to publish assets and deploy stacks to this environment");
    let trusted_for_lookup = p(
        &mut t,
        n::TRUSTED_ACCOUNTS_FOR_LOOKUP,
        "CommaDelimitedList",
        "",
        "List of AWS accounts that are trusted to look up values in this environment",
    );
    let execution_policies = p(
        &mut t,
        n::CLOUDFORMATION_EXECUTION_POLICIES,
        "CommaDelimitedList",
        "",
        "List of the ManagedPolicy ARN(s) to attach to the CloudFormation deployment role",
    );
    let bucket_name = p(
        &mut t,
        n::FILE_ASSETS_BUCKET_NAME,
        "String",
        "",
        "The name of the S3 bucket used for file assets",
    );
    let kms_key_id = p(&mut t, n::FILE_ASSETS_BUCKET_KMS_KEY_ID, "String", "", "Empty to create a new key (default), 'AWS_MANAGED_KEY' to use a managed S3 key, or the ID/ARN of an existing key.");
    let repository_name = p(
        &mut t,
        n::CONTAINER_ASSETS_REPOSITORY_NAME,
        "String",
        "",
        "A user-provided custom name to use for the container assets ECR repository",
    );
    let _qualifier = p(
        &mut t,
        n::QUALIFIER,
        "String",
        DEFAULT_QUALIFIER,
        "An identifier to distinguish multiple bootstrap stacks in the same environment",
    );
    let public_access_block = t
        .add_parameter(
            n::PUBLIC_ACCESS_BLOCK_CONFIGURATION,
            Parameter {
                type_name: "String".into(),
                default: Some("true".into()),
                description: Some(
                    "Whether or not to enable S3 Staging Bucket Public Access Block Configuration"
                        .into(),
                ),
                allowed_values: vec!["true".into(), "false".into()],
            },
        )
        .expect("bootstrap parameter names are distinct");
    let permissions_boundary = p(
        &mut t,
        n::INPUT_PERMISSIONS_BOUNDARY,
        "String",
        "",
        "Whether or not to use either the CDK supplied or custom permissions boundary",
    );
    let use_example_boundary = t
        .add_parameter(
            n::USE_EXAMPLE_PERMISSIONS_BOUNDARY,
            Parameter {
                type_name: "String".into(),
                default: Some("false".into()),
                description: None,
                allowed_values: vec!["true".into(), "false".into()],
            },
        )
        .expect("bootstrap parameter names are distinct");
    let variant = p(&mut t, n::BOOTSTRAP_VARIANT, "String", DEFAULT_VARIANT, "Describe the provenance of the resources in this bootstrap stack. Change this when you customize the template. To prevent accidents, the CDK CLI will not overwrite bootstrap stacks with a different variant.");

    // Conditions. The three on list parameters are rewritten below to the CDK's
    // `Fn::Join` of the whole list (`Value::join` takes a list of parts); these
    // declarations give the handles and the order.
    let not_empty = |v: Value<String>| Condition::Not(Box::new(Condition::Equals("".into(), v)));
    let c = |t: &mut Template, name: &str, cond: Condition| {
        t.add_condition(name, cond)
            .expect("bootstrap condition names are distinct")
    };
    let has_trusted = c(&mut t, "HasTrustedAccounts", not_empty(trusted.value()));
    let has_trusted_for_lookup = c(
        &mut t,
        "HasTrustedAccountsForLookup",
        not_empty(trusted_for_lookup.value()),
    );
    let has_execution_policies = c(
        &mut t,
        "HasCloudFormationExecutionPolicies",
        not_empty(execution_policies.value()),
    );
    let has_bucket_name = c(
        &mut t,
        "HasCustomFileAssetsBucketName",
        not_empty(bucket_name.value()),
    );
    let create_new_key = c(
        &mut t,
        "CreateNewKey",
        Condition::Equals("".into(), kms_key_id.value()),
    );
    let use_aws_managed_key = c(
        &mut t,
        "UseAwsManagedKey",
        Condition::Equals(AWS_MANAGED_KEY.into(), kms_key_id.value()),
    );
    let create_boundary = c(
        &mut t,
        "ShouldCreatePermissionsBoundary",
        Condition::Equals("true".into(), use_example_boundary.value()),
    );
    let boundary_set = c(
        &mut t,
        "PermissionsBoundarySet",
        not_empty(permissions_boundary.value()),
    );
    let has_repository_name = c(
        &mut t,
        "HasCustomContainerAssetsRepositoryName",
        not_empty(repository_name.value()),
    );
    let use_public_access_block = c(
        &mut t,
        "UsePublicAccessBlockConfiguration",
        Condition::Equals("true".into(), public_access_block.value()),
    );

    let no_value = || Pseudo::NoValue.value::<String>();
    let account_principal = || Principal::Aws(vec![Pseudo::AccountId.value()]);
    let bootstrap_role = |assume: PolicyDocument, name: &str, tag: &str| iam::Role {
        role_name: Some(Value::sub(format!(
            "cdk-${{Qualifier}}-{name}-role-${{AWS::AccountId}}-${{AWS::Region}}"
        ))),
        tags: Some(vec![iam::role::Tag::new("aws-cdk:bootstrap-role", tag)]),
        ..iam::Role::new(assume)
    };
    let trust_account = || {
        PolicyDocument::new([Statement::allow(["sts:AssumeRole"]).principal(account_principal())])
    };

    let version = t
        .add(
            "CdkBootstrapVersion",
            ssm::Parameter {
                name: Some(Value::sub("/cdk-bootstrap/${Qualifier}/version")),
                ..ssm::Parameter::new("String", TEMPLATE_VERSION.to_string())
            },
        )
        .expect("bootstrap logical ids are distinct");

    let file_publishing_role = t
        .add(
            "FilePublishingRole",
            bootstrap_role(trust_account(), "file-publishing", "file-publishing"),
        )
        .expect("bootstrap logical ids are distinct");
    let image_publishing_role = t
        .add(
            "ImagePublishingRole",
            bootstrap_role(trust_account(), "image-publishing", "image-publishing"),
        )
        .expect("bootstrap logical ids are distinct");
    t.add(
        "LookupRole",
        iam::Role {
            managed_policy_arns: Some(vec![Value::sub(
                "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess",
            )]),
            policies: Some(vec![iam::role::Policy::new(
                PolicyDocument::new([Statement::deny(["kms:Decrypt"])
                    .on(["*"])
                    .sid("DontReadSecrets")]),
                "LookupRolePolicy",
            )]),
            ..bootstrap_role(trust_account(), "lookup", "lookup")
        },
    )
    .expect("bootstrap logical ids are distinct");

    let key_statements = [
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
    ];
    let key = t
        .add_with(
            "FileAssetsBucketEncryptionKey",
            kms::Key {
                key_policy: Some(PolicyDocument::new([
                    Statement::allow([
                        "kms:Create*",
                        "kms:Describe*",
                        "kms:Enable*",
                        "kms:List*",
                        "kms:Put*",
                        "kms:Update*",
                        "kms:Revoke*",
                        "kms:Disable*",
                        "kms:Get*",
                        "kms:Delete*",
                        "kms:ScheduleKeyDeletion",
                        "kms:CancelKeyDeletion",
                        "kms:GenerateDataKey",
                        "kms:TagResource",
                        "kms:UntagResource",
                    ])
                    .principal(account_principal())
                    .on(["*"]),
                    Statement::allow(key_statements)
                        .principal(Principal::Aws(vec!["*".into()]))
                        .on(["*"])
                        .when(json!({"StringEquals": {
                            "kms:CallerAccount": {"Ref": "AWS::AccountId"},
                            "kms:ViaService": [{"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}],
                        }})),
                    Statement::allow(key_statements)
                        .principal(Principal::Aws(vec![Value::sub(
                            file_publishing_role.sub_att(iam::RoleAttribute::Arn),
                        )]))
                        .on(["*"]),
                ])),
                ..kms::Key::new()
            },
            Attributes::new().condition(&create_new_key),
        )
        .expect("bootstrap logical ids are distinct");
    t.add_with(
        "FileAssetsBucketEncryptionKeyAlias",
        kms::Alias::new(
            Value::sub("alias/cdk-${Qualifier}-assets-key"),
            key.reference::<String>(),
        ),
        Attributes::new().condition(&create_new_key),
    )
    .expect("bootstrap logical ids are distinct");
    let key_arn = || Value::sub(key.sub_att(kms::KeyAttribute::Arn));

    let bucket = t
        .add_with(
            "StagingBucket",
            s3::Bucket {
                bucket_name: Some(Value::if_(
                    &has_bucket_name,
                    Value::sub("${FileAssetsBucketName}"),
                    Value::sub("cdk-${Qualifier}-assets-${AWS::AccountId}-${AWS::Region}"),
                )),
                bucket_encryption: Some(s3::bucket::BucketEncryption::new(vec![
                    s3::bucket::ServerSideEncryptionRule {
                        server_side_encryption_by_default: Some(
                            s3::bucket::ServerSideEncryptionByDefault {
                                kms_master_key_id: Some(Value::if_(
                                    &create_new_key,
                                    key_arn(),
                                    Value::if_(
                                        &use_aws_managed_key,
                                        no_value(),
                                        Value::sub("${FileAssetsBucketKmsKeyId}"),
                                    ),
                                )),
                                ..s3::bucket::ServerSideEncryptionByDefault::new("aws:kms")
                            },
                        ),
                        ..s3::bucket::ServerSideEncryptionRule::new()
                    },
                ])),
                versioning_configuration: Some(s3::bucket::VersioningConfiguration::new("Enabled")),
                lifecycle_configuration: Some(s3::bucket::LifecycleConfiguration::new(vec![
                    s3::bucket::Rule {
                        id: Some("CleanupOldVersions".into()),
                        noncurrent_version_expiration: Some(
                            s3::bucket::NoncurrentVersionExpiration::new(365),
                        ),
                        ..s3::bucket::Rule::new("Enabled")
                    },
                ])),
                ..s3::Bucket::new()
            },
            Attributes::new().removal_policy(RemovalPolicy::Retain),
        )
        .expect("bootstrap logical ids are distinct");
    let bucket_arn = bucket.sub_att(s3::BucketAttribute::Arn);
    let bucket_resources = || {
        [
            Value::sub(bucket_arn.clone()),
            Value::sub(format!("{bucket_arn}/*")),
        ]
    };
    t.add(
        "StagingBucketPolicy",
        s3::BucketPolicy::new(
            bucket.reference::<String>(),
            PolicyDocument::new([Statement::deny(["s3:*"])
                .sid("AllowSSLRequestsOnly")
                .principal(Principal::Anyone)
                .on(bucket_resources())
                .when(json!({"Bool": {"aws:SecureTransport": "false"}}))]),
        ),
    )
    .expect("bootstrap logical ids are distinct");

    let repository = t
        .add(
            "ContainerAssetsRepository",
            ecr::Repository {
                image_tag_mutability: Some("IMMUTABLE".into()),
                lifecycle_policy: Some(ecr::repository::LifecyclePolicy {
                    lifecycle_policy_text: Some(ECR_LIFECYCLE_POLICY.into()),
                    ..ecr::repository::LifecyclePolicy::new()
                }),
                repository_name: Some(Value::if_(
                    &has_repository_name,
                    Value::sub("${ContainerAssetsRepositoryName}"),
                    Value::sub("cdk-${Qualifier}-container-assets-${AWS::AccountId}-${AWS::Region}"),
                )),
                repository_policy_text: Some(json!({
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "LambdaECRImageRetrievalPolicy",
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                        "Condition": {"StringLike": {"aws:sourceArn": {
                            "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*"
                        }}},
                    }],
                })),
                ..ecr::Repository::new()
            },
        )
        .expect("bootstrap logical ids are distinct");

    t.add(
        "FilePublishingRoleDefaultPolicy",
        iam::Policy {
            roles: Some(vec![file_publishing_role.reference()]),
            ..iam::Policy::new(
                PolicyDocument::new([
                    Statement::allow([
                        "s3:GetObject*",
                        "s3:GetBucket*",
                        "s3:GetEncryptionConfiguration",
                        "s3:List*",
                        "s3:DeleteObject*",
                        "s3:PutObject*",
                        "s3:Abort*",
                    ])
                    .on(bucket_resources()),
                    Statement::allow(key_statements).on([Value::if_(
                        &create_new_key,
                        key_arn(),
                        Value::sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${FileAssetsBucketKmsKeyId}"),
                    )]),
                ]),
                Value::sub("cdk-${Qualifier}-file-publishing-role-default-policy-${AWS::AccountId}-${AWS::Region}"),
            )
        },
    )
    .expect("bootstrap logical ids are distinct");
    t.add(
        "ImagePublishingRoleDefaultPolicy",
        iam::Policy {
            roles: Some(vec![image_publishing_role.reference()]),
            ..iam::Policy::new(
                PolicyDocument::new([
                    Statement::allow([
                        "ecr:PutImage",
                        "ecr:InitiateLayerUpload",
                        "ecr:UploadLayerPart",
                        "ecr:CompleteLayerUpload",
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:DescribeRepositories",
                        "ecr:DescribeImages",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                    ])
                    .on([Value::sub(repository.sub_att(ecr::RepositoryAttribute::Arn))]),
                    Statement::allow(["ecr:GetAuthorizationToken"]).on(["*"]),
                ]),
                Value::sub("cdk-${Qualifier}-image-publishing-role-default-policy-${AWS::AccountId}-${AWS::Region}"),
            )
        },
    )
    .expect("bootstrap logical ids are distinct");

    let boundary_name = "cdk-${Qualifier}-permissions-boundary-${AWS::AccountId}-${AWS::Region}";
    let execution_role = t
        .add(
            "CloudFormationExecutionRole",
            iam::Role {
                role_name: Some(Value::sub(
                    "cdk-${Qualifier}-cfn-exec-role-${AWS::AccountId}-${AWS::Region}",
                )),
                permissions_boundary: Some(Value::if_(
                    &boundary_set,
                    Value::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/${InputPermissionsBoundary}"),
                    no_value(),
                )),
                ..iam::Role::new(PolicyDocument::assumed_by_service(
                    "cloudformation.amazonaws.com",
                ))
            },
        )
        .expect("bootstrap logical ids are distinct");
    t.add(
        "DeploymentActionRole",
        iam::Role {
            policies: Some(vec![iam::role::Policy::new(
                PolicyDocument::new([
                    Statement::allow([
                        "cloudformation:CreateChangeSet",
                        "cloudformation:DeleteChangeSet",
                        "cloudformation:DescribeChangeSet",
                        "cloudformation:DescribeStacks",
                        "cloudformation:ExecuteChangeSet",
                        "cloudformation:CreateStack",
                        "cloudformation:UpdateStack",
                    ])
                    .sid("CloudFormationPermissions")
                    .on(["*"]),
                    Statement::allow([
                        "s3:GetObject*",
                        "s3:GetBucket*",
                        "s3:List*",
                        "s3:Abort*",
                        "s3:DeleteObject*",
                        "s3:PutObject*",
                    ])
                    .sid("PipelineCrossAccountArtifactsBucket")
                    .on(["*"])
                    .when(json!({"StringNotEquals": {"s3:ResourceAccount": {"Ref": "AWS::AccountId"}}})),
                    Statement::allow(key_statements)
                        .sid("PipelineCrossAccountArtifactsKey")
                        .on(["*"])
                        .when(json!({"StringEquals": {"kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}}})),
                    Statement::allow(["iam:PassRole"]).on([Value::sub(
                        execution_role.sub_att(iam::RoleAttribute::Arn),
                    )]),
                    Statement::allow([
                        "cloudformation:DescribeStackEvents",
                        "cloudformation:GetTemplate",
                        "cloudformation:DeleteStack",
                        "cloudformation:UpdateTerminationProtection",
                        "sts:GetCallerIdentity",
                        "cloudformation:GetTemplateSummary",
                    ])
                    .sid("CliPermissions")
                    .on(["*"]),
                    Statement::allow(["s3:GetObject*", "s3:GetBucket*", "s3:List*"])
                        .sid("CliStagingBucket")
                        .on(bucket_resources()),
                    Statement::allow(["ssm:GetParameter"])
                        .sid("ReadVersion")
                        .on([Value::sub(format!(
                            "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{}",
                            version.sub_ref()
                        ))]),
                ]),
                "default",
            )]),
            ..bootstrap_role(trust_account(), "deploy", "deploy")
        },
    )
    .expect("bootstrap logical ids are distinct");

    t.add_with(
        "CdkBoostrapPermissionsBoundaryPolicy",
        iam::ManagedPolicy {
            description: Some("Bootstrap Permission Boundary".into()),
            managed_policy_name: Some(Value::sub(boundary_name)),
            path: Some("/".into()),
            ..iam::ManagedPolicy::new(PolicyDocument::new([
                Statement::allow(["*"]).sid("ExplicitAllowAll").on(["*"]),
                Statement::deny([
                    "iam:CreateUser",
                    "iam:CreateRole",
                    "iam:PutRolePermissionsBoundary",
                    "iam:PutUserPermissionsBoundary",
                ])
                .sid("DenyAccessIfRequiredPermBoundaryIsNotBeingApplied")
                .on(["*"])
                .when(json!({"StringNotEquals": {"iam:PermissionsBoundary": {
                    "Fn::Sub": format!("arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{boundary_name}")
                }}})),
                Statement::deny([
                    "iam:CreatePolicyVersion",
                    "iam:DeletePolicy",
                    "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion",
                ])
                .sid("DenyPermBoundaryIAMPolicyAlteration")
                .on([Value::sub(format!(
                    "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{boundary_name}"
                ))]),
                Statement::deny([
                    "iam:DeleteUserPermissionsBoundary",
                    "iam:DeleteRolePermissionsBoundary",
                ])
                .sid("DenyRemovalOfPermBoundaryFromAnyUserOrRole")
                .on(["*"]),
            ]))
        },
        Attributes::new().condition(&create_boundary),
    )
    .expect("bootstrap logical ids are distinct");

    let output = |t: &mut Template, name: &str, description: &str, value: Value<String>| {
        t.add_output(
            name,
            Output {
                description: Some(description.into()),
                value,
                export: None,
            },
        )
        .expect("bootstrap output names are distinct")
    };
    output(
        &mut t,
        "BucketName",
        "The name of the S3 bucket owned by the CDK toolkit stack",
        Value::sub(bucket.sub_ref()),
    );
    output(
        &mut t,
        "BucketDomainName",
        "The domain name of the S3 bucket owned by the CDK toolkit stack",
        Value::sub(bucket.sub_att(s3::BucketAttribute::RegionalDomainName)),
    );
    t.add_output(
        "FileAssetKeyArn",
        Output {
            description: Some(
                "The ARN of the KMS key used to encrypt the asset bucket (deprecated)".into(),
            ),
            value: Value::if_(
                &create_new_key,
                key_arn(),
                Value::sub("${FileAssetsBucketKmsKeyId}"),
            ),
            export: Some(crate::cfn::Export {
                name: Value::sub("CdkBootstrap-${Qualifier}-FileAssetKeyArn"),
            }),
        },
    )
    .expect("bootstrap output names are distinct");
    output(
        &mut t,
        "ImageRepositoryName",
        "The name of the ECR repository which hosts docker image assets",
        Value::sub(repository.sub_ref()),
    );
    output(
        &mut t,
        VERSION_OUTPUT,
        "The version of the bootstrap resources that are currently mastered in this stack",
        version.get_att(ssm::ParameterAttribute::Value),
    );
    output(
        &mut t,
        "Variant",
        "The provenance of the resources in this bootstrap stack (its BootstrapVariant)",
        variant.value(),
    );

    // What the typed model cannot say: a whole property or list element that is an
    // `Fn::If`, `Fn::Join` of a list parameter, `AllowedPattern`. Written as the CDK writes them.
    let mut json = crate::cfn::value_json(&t);
    let trust_if = |condition: &str, accounts: &str| {
        json!({"Fn::If": [condition, {
            "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"AWS": {"Ref": accounts}},
        }, {"Ref": "AWS::NoValue"}]})
    };
    let resources = &mut json["Resources"];
    for role in [
        "FilePublishingRole",
        "ImagePublishingRole",
        "LookupRole",
        "DeploymentActionRole",
    ] {
        let statements = resources[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
            .as_array_mut()
            .expect("trust policies have statements");
        if role == "LookupRole" {
            statements.push(trust_if(
                has_trusted_for_lookup.name(),
                n::TRUSTED_ACCOUNTS_FOR_LOOKUP,
            ));
        }
        statements.push(trust_if(has_trusted.name(), n::TRUSTED_ACCOUNTS));
    }
    resources["StagingBucket"]["Properties"]["PublicAccessBlockConfiguration"] = json!({"Fn::If": [
        use_public_access_block.name(),
        {"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
        {"Ref": "AWS::NoValue"},
    ]});
    resources["CloudFormationExecutionRole"]["Properties"]["ManagedPolicyArns"] = json!({"Fn::If": [
        has_execution_policies.name(),
        {"Ref": n::CLOUDFORMATION_EXECUTION_POLICIES},
        {"Fn::If": [has_trusted.name(), {"Ref": "AWS::NoValue"}, [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"}]]},
    ]});
    for (condition, list) in [
        (&has_trusted, n::TRUSTED_ACCOUNTS),
        (&has_trusted_for_lookup, n::TRUSTED_ACCOUNTS_FOR_LOOKUP),
        (
            &has_execution_policies,
            n::CLOUDFORMATION_EXECUTION_POLICIES,
        ),
    ] {
        json["Conditions"][condition.name()] =
            json!({"Fn::Not": [{"Fn::Equals": ["", {"Fn::Join": ["", {"Ref": list}]}]}]});
    }
    let qualifier = &mut json["Parameters"][n::QUALIFIER];
    qualifier["AllowedPattern"] = Json::from("[A-Za-z0-9_-]{1,10}");
    qualifier["ConstraintDescription"] =
        Json::from("Qualifier must be an alphanumeric identifier of at most 10 characters");
    serde_json::to_string_pretty(&json).expect("templates serialize to JSON")
}

/// The lifecycle policy of the container assets repository, as the CDK writes it.
const ECR_LIFECYCLE_POLICY: &str = r#"{
  "rules": [
    {
      "rulePriority": 1,
      "description": "Untagged images should not exist, but expire any older than one year",
      "selection": {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 365
      },
      "action": { "type": "expire" }
    }
  ]
}
"#;

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
