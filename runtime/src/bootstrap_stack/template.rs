//! The bootstrap stack's template, built through the typed model: its parameters, the
//! conditions on them, the resources by kind (version, roles, key, bucket, repository,
//! policies), and the outputs.

use crate::cfn::resources::{ecr, iam, kms, s3, ssm};
use crate::cfn::{
    Attributes, Condition, ConditionName, ConditionOperator as Op, Export, Handle, Output,
    Parameter, ParameterName, PolicyDocument, Principal, Pseudo, RemovalPolicy, Statement,
    Template, TemplateError, Value,
};

use super::parameters as n;
use super::{
    Environment, Role, AWS_MANAGED_KEY, DEFAULT_QUALIFIER, DEFAULT_VARIANT, QUALIFIER_PATTERN,
    ROLE_TAG, TEMPLATE_VERSION, VERSION_OUTPUT,
};

/// The names of the template, as its `Fn::Sub`s write them.
const NAMES: Environment<'static> = Environment::IN_TEMPLATE;

/// The bootstrap stack's template, as JSON: the contract of `cdk bootstrap`'s version 18
/// template (the same logical ids, physical names, parameters, conditions and outputs), so
/// that either tool updates what the other created without replacing anything.
///
/// Two differences, both for `cfn-lint` to find nothing: the bucket has no legacy
/// `AccessControl: Private` (private is the default), and the `BootstrapVariant` parameter
/// is also the output `Variant` (the CDK's template declares it without using it).
pub fn template() -> String {
    build()
        .expect("the bootstrap template's names are distinct and valid")
        .to_json_pretty()
}

fn build() -> Result<Template, TemplateError> {
    let mut t = Template::new();
    t.set_description(
        "This stack includes resources needed to deploy AWS CDK apps into this environment",
    );
    let p = Parameters::declare(&mut t)?;
    let c = Conditions::declare(&mut t, &p)?;
    let version = t.add(
        "CdkBootstrapVersion",
        ssm::Parameter {
            name: Some(Value::sub(NAMES.version_parameter())),
            ..ssm::Parameter::new("String", TEMPLATE_VERSION.to_string())
        },
    )?;
    let roles = PublishingRoles::declare(&mut t, &p, &c)?;
    let key = assets_key(&mut t, &c, &roles.file)?;
    let bucket = staging_bucket(&mut t, &p, &c, &key)?;
    let repository = container_repository(&mut t, &p, &c)?;
    publishing_policies(&mut t, &p, &c, &roles, &key, &bucket, &repository)?;
    let execution_role = execution_role(&mut t, &p, &c)?;
    deployment_role(&mut t, &p, &c, &execution_role, &bucket, &version)?;
    permissions_boundary(&mut t, &c)?;
    outputs(&mut t, &p, &c, &key, &bucket, &repository, &version)?;
    Ok(t)
}

/// The parameters `cdk bootstrap` passes.
struct Parameters {
    trusted: ParameterName,
    trusted_for_lookup: ParameterName,
    execution_policies: ParameterName,
    bucket_name: ParameterName,
    kms_key_id: ParameterName,
    repository_name: ParameterName,
    public_access_block: ParameterName,
    permissions_boundary: ParameterName,
    use_example_boundary: ParameterName,
    variant: ParameterName,
}

impl Parameters {
    fn declare(t: &mut Template) -> Result<Self, TemplateError> {
        let list = |name, description| {
            (
                name,
                Parameter::new("CommaDelimitedList", "").description(description),
            )
        };
        let string = |name, default, description| {
            (
                name,
                Parameter::new("String", default).description(description),
            )
        };
        let boolean = |name, default: &str| {
            let parameter = Parameter {
                allowed_values: vec!["true".into(), "false".into()],
                ..Parameter::new("String", default)
            };
            (name, parameter)
        };
        let mut add = |(name, parameter): (&str, Parameter)| t.add_parameter(name, parameter);
        let trusted = add(list(
            n::TRUSTED_ACCOUNTS,
            "List of AWS accounts that are trusted to publish assets and deploy stacks to this environment",
        ))?;
        let trusted_for_lookup = add(list(
            n::TRUSTED_ACCOUNTS_FOR_LOOKUP,
            "List of AWS accounts that are trusted to look up values in this environment",
        ))?;
        let execution_policies = add(list(
            n::CLOUDFORMATION_EXECUTION_POLICIES,
            "List of the ManagedPolicy ARN(s) to attach to the CloudFormation deployment role",
        ))?;
        let bucket_name = add(string(
            n::FILE_ASSETS_BUCKET_NAME,
            "",
            "The name of the S3 bucket used for file assets",
        ))?;
        let kms_key_id = add(string(
            n::FILE_ASSETS_BUCKET_KMS_KEY_ID,
            "",
            "Empty to create a new key (default), 'AWS_MANAGED_KEY' to use a managed S3 key, or the ID/ARN of an existing key.",
        ))?;
        let repository_name = add(string(
            n::CONTAINER_ASSETS_REPOSITORY_NAME,
            "",
            "A user-provided custom name to use for the container assets ECR repository",
        ))?;
        let (name, qualifier) = string(
            n::QUALIFIER,
            DEFAULT_QUALIFIER,
            "An identifier to distinguish multiple bootstrap stacks in the same environment",
        );
        add((
            name,
            Parameter {
                allowed_pattern: Some(QUALIFIER_PATTERN.into()),
                constraint_description: Some(
                    "Qualifier must be an alphanumeric identifier of at most 10 characters".into(),
                ),
                ..qualifier
            },
        ))?;
        let (name, public_access_block) = boolean(n::PUBLIC_ACCESS_BLOCK_CONFIGURATION, "true");
        let public_access_block = add((
            name,
            public_access_block.description(
                "Whether or not to enable S3 Staging Bucket Public Access Block Configuration",
            ),
        ))?;
        let permissions_boundary = add(string(
            n::INPUT_PERMISSIONS_BOUNDARY,
            "",
            "Whether or not to use either the CDK supplied or custom permissions boundary",
        ))?;
        let use_example_boundary = add(boolean(n::USE_EXAMPLE_PERMISSIONS_BOUNDARY, "false"))?;
        let variant = add(string(
            n::BOOTSTRAP_VARIANT,
            DEFAULT_VARIANT,
            "Describe the provenance of the resources in this bootstrap stack. Change this when you customize the template. To prevent accidents, the CDK CLI will not overwrite bootstrap stacks with a different variant.",
        ))?;
        Ok(Parameters {
            trusted,
            trusted_for_lookup,
            execution_policies,
            bucket_name,
            kms_key_id,
            repository_name,
            public_access_block,
            permissions_boundary,
            use_example_boundary,
            variant,
        })
    }
}

/// The template's conditions, on the parameters.
struct Conditions {
    has_trusted: ConditionName,
    has_trusted_for_lookup: ConditionName,
    has_execution_policies: ConditionName,
    has_bucket_name: ConditionName,
    create_new_key: ConditionName,
    use_aws_managed_key: ConditionName,
    create_boundary: ConditionName,
    boundary_set: ConditionName,
    has_repository_name: ConditionName,
    use_public_access_block: ConditionName,
}

impl Conditions {
    fn declare(t: &mut Template, p: &Parameters) -> Result<Self, TemplateError> {
        let not_empty =
            |v: Value<String>| Condition::Not(Box::new(Condition::Equals("".into(), v)));
        // A list parameter is empty when its elements joined are.
        let list_not_empty = |list: &ParameterName| not_empty(Value::join_list("", list.value()));
        let is = |literal: &str, v: &ParameterName| Condition::Equals(literal.into(), v.value());
        Ok(Conditions {
            has_trusted: t.add_condition("HasTrustedAccounts", list_not_empty(&p.trusted))?,
            has_trusted_for_lookup: t.add_condition(
                "HasTrustedAccountsForLookup",
                list_not_empty(&p.trusted_for_lookup),
            )?,
            has_execution_policies: t.add_condition(
                "HasCloudFormationExecutionPolicies",
                list_not_empty(&p.execution_policies),
            )?,
            has_bucket_name: t.add_condition(
                "HasCustomFileAssetsBucketName",
                not_empty(p.bucket_name.value()),
            )?,
            create_new_key: t.add_condition("CreateNewKey", is("", &p.kms_key_id))?,
            use_aws_managed_key: t
                .add_condition("UseAwsManagedKey", is(AWS_MANAGED_KEY, &p.kms_key_id))?,
            create_boundary: t.add_condition(
                "ShouldCreatePermissionsBoundary",
                is("true", &p.use_example_boundary),
            )?,
            boundary_set: t.add_condition(
                "PermissionsBoundarySet",
                not_empty(p.permissions_boundary.value()),
            )?,
            has_repository_name: t.add_condition(
                "HasCustomContainerAssetsRepositoryName",
                not_empty(p.repository_name.value()),
            )?,
            use_public_access_block: t.add_condition(
                "UsePublicAccessBlockConfiguration",
                is("true", &p.public_access_block),
            )?,
        })
    }
}

/// The actions on the assets key that its users get.
const KEY_USE: [&str; 5] = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
];

/// The stack's own account, as a principal.
fn this_account() -> Principal {
    Principal::Aws(vec![Pseudo::AccountId.value()])
}

/// `s3.<region>.amazonaws.com`: requests S3 makes on a caller's behalf.
fn via_s3() -> Value<String> {
    Value::sub("s3.${AWS::Region}.amazonaws.com")
}

/// The trust policy of the roles the CLI and pipelines assume: the account, the trusted
/// accounts when there are, and for the lookup role the accounts trusted for lookups.
fn trust_policy(p: &Parameters, c: &Conditions, role: Role) -> PolicyDocument {
    let assume = || Statement::allow(["sts:AssumeRole"]);
    let mut statements = vec![assume().principal(this_account())];
    if role == Role::Lookup {
        statements.push(
            assume()
                .principal(Principal::AwsList(p.trusted_for_lookup.value()))
                .only_if(&c.has_trusted_for_lookup),
        );
    }
    statements.push(
        assume()
            .principal(Principal::AwsList(p.trusted.value()))
            .only_if(&c.has_trusted),
    );
    PolicyDocument::new(statements)
}

/// A role the CLI and pipelines assume, named and tagged as the CDK does.
fn assumed_role(p: &Parameters, c: &Conditions, role: Role) -> iam::Role {
    iam::Role {
        role_name: Some(Value::sub(NAMES.role_name(role))),
        tags: Some(vec![iam::role::Tag::new(ROLE_TAG, role.id())]),
        ..iam::Role::new(trust_policy(p, c, role))
    }
}

/// The roles that publish assets.
struct PublishingRoles {
    file: Handle<iam::Role>,
    image: Handle<iam::Role>,
}

impl PublishingRoles {
    /// The publishing roles, then the lookup role.
    fn declare(t: &mut Template, p: &Parameters, c: &Conditions) -> Result<Self, TemplateError> {
        let file = t.add(
            "FilePublishingRole",
            assumed_role(p, c, Role::FilePublishing),
        )?;
        let image = t.add(
            "ImagePublishingRole",
            assumed_role(p, c, Role::ImagePublishing),
        )?;
        t.add(
            "LookupRole",
            iam::Role {
                managed_policy_arns: Some(
                    vec![Value::sub(
                        "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess",
                    )]
                    .into(),
                ),
                policies: Some(vec![iam::role::Policy::new(
                    PolicyDocument::new([Statement::deny(["kms:Decrypt"])
                        .on(["*"])
                        .sid("DontReadSecrets")]),
                    "LookupRolePolicy",
                )]),
                ..assumed_role(p, c, Role::Lookup)
            },
        )?;
        Ok(PublishingRoles { file, image })
    }
}

/// The key of the assets bucket and its alias, when the stack creates one.
fn assets_key(
    t: &mut Template,
    c: &Conditions,
    file_publishing_role: &Handle<iam::Role>,
) -> Result<Handle<kms::Key>, TemplateError> {
    let administer = Statement::allow([
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
    .principal(this_account())
    .on(["*"]);
    let through_s3 = Statement::allow(KEY_USE)
        .principal(Principal::Aws(vec!["*".into()]))
        .on(["*"])
        .when(
            Op::StringEquals,
            "kms:CallerAccount",
            Pseudo::AccountId.value::<String>(),
        )
        .when(Op::StringEquals, "kms:ViaService", vec![via_s3()]);
    let publisher = Statement::allow(KEY_USE)
        .principal(Principal::Aws(vec![Value::sub(
            file_publishing_role.sub_att(iam::RoleAttribute::Arn),
        )]))
        .on(["*"]);
    let key = t.add_with(
        "FileAssetsBucketEncryptionKey",
        kms::Key {
            key_policy: Some(PolicyDocument::new([administer, through_s3, publisher])),
            ..kms::Key::new()
        },
        Attributes::new().condition(&c.create_new_key),
    )?;
    t.add_with(
        "FileAssetsBucketEncryptionKeyAlias",
        kms::Alias::new(
            Value::sub(NAMES.assets_key_alias()),
            key.reference::<String>(),
        ),
        Attributes::new().condition(&c.create_new_key),
    )?;
    Ok(key)
}

/// The ARN of the key the stack creates.
fn key_arn(key: &Handle<kms::Key>) -> Value<String> {
    Value::sub(key.sub_att(kms::KeyAttribute::Arn))
}

/// The bucket and its objects.
fn bucket_and_objects(bucket: &Handle<s3::Bucket>) -> [Value<String>; 2] {
    let arn = bucket.sub_att(s3::BucketAttribute::Arn);
    [Value::sub(arn.clone()), Value::sub(format!("{arn}/*"))]
}

/// The file assets bucket, kept when the stack is deleted, and its TLS-only policy.
fn staging_bucket(
    t: &mut Template,
    p: &Parameters,
    c: &Conditions,
    key: &Handle<kms::Key>,
) -> Result<Handle<s3::Bucket>, TemplateError> {
    use s3::bucket::{
        BucketEncryption, LifecycleConfiguration, NoncurrentVersionExpiration,
        PublicAccessBlockConfiguration, Rule, ServerSideEncryptionByDefault,
        ServerSideEncryptionRule, VersioningConfiguration,
    };
    let encryption = ServerSideEncryptionRule {
        server_side_encryption_by_default: Some(ServerSideEncryptionByDefault {
            kms_master_key_id: Some(Value::if_(
                &c.create_new_key,
                key_arn(key),
                Value::if_(
                    &c.use_aws_managed_key,
                    Value::no_value(),
                    Value::sub(p.kms_key_id.sub_ref()),
                ),
            )),
            ..ServerSideEncryptionByDefault::new("aws:kms")
        }),
        ..ServerSideEncryptionRule::new()
    };
    let block_public_access = PublicAccessBlockConfiguration {
        block_public_acls: Some(true.into()),
        block_public_policy: Some(true.into()),
        ignore_public_acls: Some(true.into()),
        restrict_public_buckets: Some(true.into()),
    };
    let bucket = t.add_with(
        "StagingBucket",
        s3::Bucket {
            bucket_name: Some(Value::if_(
                &c.has_bucket_name,
                Value::sub(p.bucket_name.sub_ref()),
                Value::sub(NAMES.assets_bucket()),
            )),
            bucket_encryption: Some(BucketEncryption::new(vec![encryption])),
            versioning_configuration: Some(VersioningConfiguration::new("Enabled")),
            lifecycle_configuration: Some(LifecycleConfiguration::new(vec![Rule {
                id: Some("CleanupOldVersions".into()),
                noncurrent_version_expiration: Some(NoncurrentVersionExpiration::new(365)),
                ..Rule::new("Enabled")
            }])),
            public_access_block_configuration: Some(Value::only_if(
                &c.use_public_access_block,
                block_public_access.into(),
            )),
            ..s3::Bucket::new()
        },
        Attributes::new().removal_policy(RemovalPolicy::Retain),
    )?;
    t.add(
        "StagingBucketPolicy",
        s3::BucketPolicy::new(
            bucket.reference::<String>(),
            PolicyDocument::new([Statement::deny(["s3:*"])
                .sid("AllowSSLRequestsOnly")
                .principal(Principal::Anyone)
                .on(bucket_and_objects(&bucket))
                .when(Op::Bool, "aws:SecureTransport", "false")]),
        ),
    )?;
    Ok(bucket)
}

/// The container assets repository, whose images Lambda may pull.
fn container_repository(
    t: &mut Template,
    p: &Parameters,
    c: &Conditions,
) -> Result<Handle<ecr::Repository>, TemplateError> {
    let lambda_pulls = Statement::allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"])
        .sid("LambdaECRImageRetrievalPolicy")
        .principal(Principal::Service(vec!["lambda.amazonaws.com".into()]))
        .when(
            Op::StringLike,
            "aws:sourceArn",
            Value::sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*"),
        );
    t.add(
        "ContainerAssetsRepository",
        ecr::Repository {
            image_tag_mutability: Some("IMMUTABLE".into()),
            lifecycle_policy: Some(ecr::repository::LifecyclePolicy {
                lifecycle_policy_text: Some(ECR_LIFECYCLE_POLICY.into()),
                ..ecr::repository::LifecyclePolicy::new()
            }),
            repository_name: Some(Value::if_(
                &c.has_repository_name,
                Value::sub(p.repository_name.sub_ref()),
                Value::sub(NAMES.container_assets_repository()),
            )),
            repository_policy_text: Some(PolicyDocument::new([lambda_pulls])),
            ..ecr::Repository::new()
        },
    )
}

/// The default policies of the publishing roles: the bucket and its key, the repository.
fn publishing_policies(
    t: &mut Template,
    p: &Parameters,
    c: &Conditions,
    roles: &PublishingRoles,
    key: &Handle<kms::Key>,
    bucket: &Handle<s3::Bucket>,
    repository: &Handle<ecr::Repository>,
) -> Result<(), TemplateError> {
    let given_key = format!(
        "arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/{}",
        p.kms_key_id.sub_ref()
    );
    let files = PolicyDocument::new([
        Statement::allow([
            "s3:GetObject*",
            "s3:GetBucket*",
            "s3:GetEncryptionConfiguration",
            "s3:List*",
            "s3:DeleteObject*",
            "s3:PutObject*",
            "s3:Abort*",
        ])
        .on(bucket_and_objects(bucket)),
        Statement::allow(KEY_USE).on([Value::if_(
            &c.create_new_key,
            key_arn(key),
            Value::sub(given_key),
        )]),
    ]);
    let images = PolicyDocument::new([
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
        .on([Value::sub(
            repository.sub_att(ecr::RepositoryAttribute::Arn),
        )]),
        Statement::allow(["ecr:GetAuthorizationToken"]).on(["*"]),
    ]);
    for (logical_id, role, handle, document) in [
        (
            "FilePublishingRoleDefaultPolicy",
            Role::FilePublishing,
            &roles.file,
            files,
        ),
        (
            "ImagePublishingRoleDefaultPolicy",
            Role::ImagePublishing,
            &roles.image,
            images,
        ),
    ] {
        t.add(
            logical_id,
            iam::Policy {
                roles: Some(vec![handle.reference()]),
                ..iam::Policy::new(document, Value::sub(NAMES.role_default_policy(role)))
            },
        )?;
    }
    Ok(())
}

/// The role CloudFormation runs as: the given managed policies; without any, full
/// access unless accounts are trusted (then none: `cdk bootstrap` asks for policies).
fn execution_role(
    t: &mut Template,
    p: &Parameters,
    c: &Conditions,
) -> Result<Handle<iam::Role>, TemplateError> {
    let administrator: Value<Vec<Value<String>>> = vec![Value::sub(
        "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess",
    )]
    .into();
    let boundary = format!(
        "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{}",
        p.permissions_boundary.sub_ref()
    );
    t.add(
        "CloudFormationExecutionRole",
        iam::Role {
            role_name: Some(Value::sub(NAMES.role_name(Role::CfnExec))),
            permissions_boundary: Some(Value::only_if(&c.boundary_set, Value::sub(boundary))),
            managed_policy_arns: Some(Value::if_(
                &c.has_execution_policies,
                p.execution_policies.value(),
                Value::if_(&c.has_trusted, Value::no_value(), administrator),
            )),
            ..iam::Role::new(PolicyDocument::assumed_by_service(
                "cloudformation.amazonaws.com",
            ))
        },
    )
}

/// The role deployments assume: change sets, the pipelines' artifacts in other accounts,
/// passing the execution role, what the CLI reads.
fn deployment_role(
    t: &mut Template,
    p: &Parameters,
    c: &Conditions,
    execution_role: &Handle<iam::Role>,
    bucket: &Handle<s3::Bucket>,
    version: &Handle<ssm::Parameter>,
) -> Result<(), TemplateError> {
    let statements = [
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
        .when(
            Op::StringNotEquals,
            "s3:ResourceAccount",
            Pseudo::AccountId.value::<String>(),
        ),
        Statement::allow(KEY_USE)
            .sid("PipelineCrossAccountArtifactsKey")
            .on(["*"])
            .when(Op::StringEquals, "kms:ViaService", via_s3()),
        Statement::allow(["iam:PassRole"])
            .on([Value::sub(execution_role.sub_att(iam::RoleAttribute::Arn))]),
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
            .on(bucket_and_objects(bucket)),
        Statement::allow(["ssm:GetParameter"])
            .sid("ReadVersion")
            .on([Value::sub(format!(
                "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{}",
                version.sub_ref()
            ))]),
    ];
    t.add(
        "DeploymentActionRole",
        iam::Role {
            policies: Some(vec![iam::role::Policy::new(
                PolicyDocument::new(statements),
                "default",
            )]),
            ..assumed_role(p, c, Role::Deploy)
        },
    )?;
    Ok(())
}

/// The CDK's example permissions boundary, when asked for: everything but escaping it.
fn permissions_boundary(t: &mut Template, c: &Conditions) -> Result<(), TemplateError> {
    let name = NAMES.permissions_boundary();
    let arn = format!("arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{name}");
    t.add_with(
        "CdkBoostrapPermissionsBoundaryPolicy",
        iam::ManagedPolicy {
            description: Some("Bootstrap Permission Boundary".into()),
            managed_policy_name: Some(Value::sub(name)),
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
                .when(
                    Op::StringNotEquals,
                    "iam:PermissionsBoundary",
                    Value::sub(arn.clone()),
                ),
                Statement::deny([
                    "iam:CreatePolicyVersion",
                    "iam:DeletePolicy",
                    "iam:DeletePolicyVersion",
                    "iam:SetDefaultPolicyVersion",
                ])
                .sid("DenyPermBoundaryIAMPolicyAlteration")
                .on([Value::sub(arn)]),
                Statement::deny([
                    "iam:DeleteUserPermissionsBoundary",
                    "iam:DeleteRolePermissionsBoundary",
                ])
                .sid("DenyRemovalOfPermBoundaryFromAnyUserOrRole")
                .on(["*"]),
            ]))
        },
        Attributes::new().condition(&c.create_boundary),
    )?;
    Ok(())
}

/// What the CLI reads from the stack.
fn outputs(
    t: &mut Template,
    p: &Parameters,
    c: &Conditions,
    key: &Handle<kms::Key>,
    bucket: &Handle<s3::Bucket>,
    repository: &Handle<ecr::Repository>,
    version: &Handle<ssm::Parameter>,
) -> Result<(), TemplateError> {
    let output = |description: &str, value| Output {
        description: Some(description.into()),
        value,
        export: None,
    };
    let key_arn = Output {
        export: Some(Export {
            name: Value::sub(NAMES.file_asset_key_export()),
        }),
        ..output(
            "The ARN of the KMS key used to encrypt the asset bucket (deprecated)",
            Value::if_(
                &c.create_new_key,
                key_arn(key),
                Value::sub(p.kms_key_id.sub_ref()),
            ),
        )
    };
    let outputs = [
        (
            "BucketName",
            output(
                "The name of the S3 bucket owned by the CDK toolkit stack",
                Value::sub(bucket.sub_ref()),
            ),
        ),
        (
            "BucketDomainName",
            output(
                "The domain name of the S3 bucket owned by the CDK toolkit stack",
                Value::sub(bucket.sub_att(s3::BucketAttribute::RegionalDomainName)),
            ),
        ),
        ("FileAssetKeyArn", key_arn),
        (
            "ImageRepositoryName",
            output(
                "The name of the ECR repository which hosts docker image assets",
                Value::sub(repository.sub_ref()),
            ),
        ),
        (
            VERSION_OUTPUT,
            output(
                "The version of the bootstrap resources that are currently mastered in this stack",
                version.get_att(ssm::ParameterAttribute::Value),
            ),
        ),
        (
            "Variant",
            output(
                "The provenance of the resources in this bootstrap stack (its BootstrapVariant)",
                p.variant.value(),
            ),
        ),
    ];
    for (name, o) in outputs {
        t.add_output(name, o)?;
    }
    Ok(())
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
    fn every_reference_resolves() {
        assert_eq!(build().unwrap().check_references(), Ok(()));
    }

    #[test]
    fn trusted_accounts_are_trusted_only_when_there_are_some() {
        let json: serde_json::Value = serde_json::from_str(&template()).unwrap();
        let statements =
            &json["Resources"]["LookupRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"];
        assert_eq!(
            statements[1],
            serde_json::json!({"Fn::If": ["HasTrustedAccountsForLookup", {
                "Effect": "Allow",
                "Principal": {"AWS": {"Ref": "TrustedAccountsForLookup"}},
                "Action": "sts:AssumeRole",
            }, {"Ref": "AWS::NoValue"}]})
        );
        assert_eq!(
            statements[2]["Fn::If"][0],
            serde_json::json!("HasTrustedAccounts")
        );
    }
}
