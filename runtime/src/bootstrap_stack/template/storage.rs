//! Where the assets go: the key of the assets bucket, the bucket, and the container
//! assets repository; with the principals and resources their policies (and the roles'
//! policies on them) name.

use crate::cfn::resources::{ecr, iam, kms, s3};
use crate::cfn::{
    Attributes, ConditionOperator as Op, Handle, PolicyDocument, Principal, Pseudo, RemovalPolicy,
    Statement, Template, TemplateError, Value,
};

use super::inputs::{Conditions, Parameters, NAMES};

/// The actions on the assets key that its users get.
pub(super) const KEY_USE: [&str; 5] = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
];

/// The stack's own account, as a principal.
pub(super) fn this_account() -> Principal {
    Principal::Aws(vec![Pseudo::AccountId.value()])
}

/// `s3.<region>.amazonaws.com`: requests S3 makes on a caller's behalf.
pub(super) fn via_s3() -> Value<String> {
    Value::sub("s3.${AWS::Region}.amazonaws.com")
}

/// The key of the assets bucket and its alias, when the stack creates one.
pub(super) fn assets_key(
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
pub(super) fn key_arn(key: &Handle<kms::Key>) -> Value<String> {
    Value::sub(key.sub_att(kms::KeyAttribute::Arn))
}

/// The bucket and its objects.
pub(super) fn bucket_and_objects(bucket: &Handle<s3::Bucket>) -> [Value<String>; 2] {
    let arn = bucket.sub_att(s3::BucketAttribute::Arn);
    [Value::sub(arn.clone()), Value::sub(format!("{arn}/*"))]
}

/// The file assets bucket, kept when the stack is deleted, and its TLS-only policy.
pub(super) fn staging_bucket(
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
pub(super) fn container_repository(
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
