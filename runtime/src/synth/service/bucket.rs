//! A `bucket` block: an S3 bucket as CDK's `Bucket` with `enforceSSL`: S3-managed
//! encryption, every public access blocked, object ownership enforced for the bucket
//! owner (no ACLs), a policy refusing requests without TLS; versioning and expiry when the
//! program asks; retained with its objects unless the program says `Destroy`.

use crate::cfn::resources::s3::{self, bucket};
use crate::cfn::{Attributes, Handle, Metadata, PolicyDocument, Template, TemplateError, Value};
use crate::spec::Bucket;

use super::safeguards::{deny_insecure_transport, removal_policy};

/// Why the bucket writes no access logs (checkov CKV_AWS_18).
const NO_ACCESS_LOGS: (&str, &str) = (
    "CKV_AWS_18",
    "Server access logs would need a second bucket per stage and stack; the functions' own logs and CloudTrail data events, where wanted, say who used the objects",
);

/// Why an unversioned bucket is not versioned (checkov CKV_AWS_21).
const UNVERSIONED: (&str, &str) = (
    "CKV_AWS_21",
    "The program keeps one version of each object in this bucket (`versioned` is false, its default)",
);

/// `<Bucket>Bucket` and `<Bucket>BucketPolicy`.
pub(super) fn bucket(t: &mut Template, spec: &Bucket) -> Result<Handle<s3::Bucket>, TemplateError> {
    let n = &spec.name;
    let properties = s3::Bucket {
        bucket_encryption: Some(bucket::BucketEncryption::new(vec![
            bucket::ServerSideEncryptionRule {
                server_side_encryption_by_default: Some(
                    bucket::ServerSideEncryptionByDefault::new("AES256"),
                ),
                ..bucket::ServerSideEncryptionRule::new()
            },
        ])),
        public_access_block_configuration: Some(Value::Literal(
            bucket::PublicAccessBlockConfiguration {
                block_public_acls: Some(true.into()),
                block_public_policy: Some(true.into()),
                ignore_public_acls: Some(true.into()),
                restrict_public_buckets: Some(true.into()),
            },
        )),
        ownership_controls: Some(bucket::OwnershipControls::new(vec![
            bucket::OwnershipControlsRule {
                object_ownership: Some("BucketOwnerEnforced".into()),
            },
        ])),
        versioning_configuration: spec
            .versioned
            .then(|| bucket::VersioningConfiguration::new("Enabled")),
        lifecycle_configuration: spec.expire_after.map(|after| {
            bucket::LifecycleConfiguration::new(vec![bucket::Rule {
                // Whole days, rounded up: an object is never deleted earlier than asked.
                expiration_in_days: Some((after.as_secs().div_ceil(86_400) as i64).into()),
                ..bucket::Rule::new("Enabled")
            }])
        }),
        ..s3::Bucket::new()
    };
    let mut skips = vec![NO_ACCESS_LOGS];
    if !spec.versioned {
        skips.push(UNVERSIONED);
    }
    let bucket = t.add_with(
        format!("{n}Bucket"),
        properties,
        Attributes::new()
            .removal_policy(removal_policy(spec.removal))
            .metadata(Metadata::checkov_skips(&skips)),
    )?;
    t.add(
        format!("{n}BucketPolicy"),
        s3::BucketPolicy::new(
            bucket.reference::<String>(),
            PolicyDocument::new([deny_insecure_transport(
                "s3:*",
                vec![
                    bucket.get_att(s3::BucketAttribute::Arn),
                    objects_of(&bucket),
                ],
            )]),
        ),
    )?;
    Ok(bucket)
}

/// The ARN of every object of the bucket (`<bucket ARN>/*`).
pub(super) fn objects_of(bucket: &Handle<s3::Bucket>) -> Value<String> {
    Value::sub(format!("{}/*", bucket.sub_att(s3::BucketAttribute::Arn)))
}
