//! The pipeline's artifact stores: the bucket (and key, with `cross_account_keys`) in
//! the pipeline's region, in the pipeline stack, and one in each other region, in that
//! region's support stack; and who may read them.

use crate::cfn::resources::{code_pipeline, kms, s3};
use crate::cfn::{
    Attributes, ConditionOperator, Handle, Metadata, Output, PolicyDocument, Principal,
    RemovalPolicy, Statement, Template, TemplateError, Value,
};
use crate::plan::{PipelinePlan, Site, SupportRegion};
use crate::spec::Program;
use crate::synth::bootstrap_version::require_bootstrap;
use crate::synth::error::SynthError;

/// The artifact store of the pipeline's region.
pub(super) struct Store {
    pub(super) bucket: Handle<s3::Bucket>,
    pub(super) key: Option<Handle<kms::Key>>,
}

/// Where in the artifact bucket CodeBuild keeps the build caches (one prefix per project).
pub(super) const BUILD_CACHE_PREFIX: &str = "pipewright-cache";

/// How long a build cache that no build refreshed stays: a cache this old costs a cold
/// build at most.
const BUILD_CACHE_DAYS: i64 = 14;

impl Store {
    /// The S3 location of a project's build cache (`bucket/prefix/project`).
    pub(super) fn build_cache(&self, project: &str) -> Value<String> {
        Value::sub(format!(
            "{}/{BUILD_CACHE_PREFIX}/{project}",
            self.bucket.sub_ref()
        ))
    }

    /// The key CodeBuild encrypts its artifacts with.
    pub(super) fn encryption_key(&self) -> Value<String> {
        match &self.key {
            Some(k) => k.get_att(kms::KeyAttribute::Arn),
            None => "alias/aws/s3".into(),
        }
    }
}

pub(super) const BUCKET_READ: &[&str] = &["s3:GetObject*", "s3:GetBucket*", "s3:List*"];
pub(super) const BUCKET_WRITE: &[&str] = &[
    "s3:PutObject",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:Abort*",
    "s3:DeleteObject*",
];
pub(super) const KEY_READ: &[&str] = &["kms:Decrypt", "kms:DescribeKey"];
pub(super) const KEY_WRITE: &[&str] = &["kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"];

/// The read actions, and the write actions too when `with_write`.
pub(super) fn read_write(
    read: &[&'static str],
    write: &[&'static str],
    with_write: bool,
) -> Vec<&'static str> {
    let mut actions = read.to_vec();
    if with_write {
        actions.extend_from_slice(write);
    }
    actions
}

pub(super) fn bucket_arns(bucket: &Handle<s3::Bucket>) -> [Value<String>; 2] {
    [
        bucket.get_att(s3::BucketAttribute::Arn),
        Value::sub(format!("{}/*", bucket.sub_att(s3::BucketAttribute::Arn))),
    ]
}

pub(super) fn bucket_statements(bucket: &Handle<s3::Bucket>, write: bool) -> Vec<Statement> {
    vec![Statement::allow(read_write(BUCKET_READ, BUCKET_WRITE, write)).on(bucket_arns(bucket))]
}

pub(super) fn kms_statement(key: &Handle<kms::Key>, write: bool) -> Statement {
    Statement::allow(read_write(KEY_READ, KEY_WRITE, write))
        .on([key.get_att::<String>(kms::KeyAttribute::Arn)])
}

/// The deploy roles that read the artifact store of one region: those of the stages
/// deployed there, and, in the pipeline's region, the pipeline account's own (the
/// self-mutation change set). Split into the pipeline's account and the others, which
/// policies grant differently.
struct Readers {
    same_account: Vec<String>,
    other_accounts: Vec<(String, String)>,
}

fn artifact_readers(program: &Program, plan: &PipelinePlan, region: &str) -> Readers {
    let p = &program.pipeline;
    let mut targets: Vec<_> = plan.targets.iter().filter(|e| e.region == region).collect();
    if plan.mutates_itself() && region == p.region && !targets.contains(&&plan.home) {
        targets.insert(0, &plan.home);
    }
    let mut readers = Readers {
        same_account: Vec::new(),
        other_accounts: Vec::new(),
    };
    for target in targets {
        let role = target.environment(&p.qualifier).deploy_role_arn();
        if target.account == p.account {
            readers.same_account.push(role);
        } else {
            readers.other_accounts.push((target.account.clone(), role));
        }
    }
    readers
}

/// The root principals of other accounts, limited by `aws:PrincipalArn` to their deploy
/// roles. Unlike a role ARN as principal, this does not fail the deployment when a target
/// account is not bootstrapped yet, and keeps working when a bootstrap role is recreated.
fn other_account_grant(readers: &Readers, actions: &[&str], sid: &str) -> Option<Statement> {
    if readers.other_accounts.is_empty() {
        return None;
    }
    let mut accounts: Vec<&str> = readers
        .other_accounts
        .iter()
        .map(|(a, _)| a.as_str())
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    let roles: Vec<&str> = readers
        .other_accounts
        .iter()
        .map(|(_, r)| r.as_str())
        .collect();
    Some(
        Statement::allow(actions.iter().copied())
            .sid(sid)
            .principal(Principal::Aws(
                accounts
                    .iter()
                    .map(|a| Value::sub(format!("arn:${{AWS::Partition}}:iam::{a}:root")))
                    .collect(),
            ))
            .when(ConditionOperator::ArnEquals, "aws:PrincipalArn", roles),
    )
}

/// Why the artifact buckets have no access logging (checkov CKV_AWS_18).
const NO_ACCESS_LOGS: &str = "Pipeline artifact store: only this pipeline's roles and the listed deploy roles can read it, and CloudTrail records their API calls; a log bucket per pipeline and region would itself need a log bucket";

/// An encrypted, versioned, private, TLS-only artifact bucket, kept when the stack is
/// deleted (it holds the history of what was deployed). `readers` are the deploy roles
/// whose CloudFormation actions read templates from it.
fn artifact_bucket(
    t: &mut Template,
    key: Option<&Handle<kms::Key>>,
    name: Option<String>,
    readers: &Readers,
) -> Result<Handle<s3::Bucket>, TemplateError> {
    let encryption = s3::bucket::ServerSideEncryptionByDefault {
        kms_master_key_id: key.map(|k| k.get_att(kms::KeyAttribute::Arn)),
        ..s3::bucket::ServerSideEncryptionByDefault::new("aws:kms")
    };
    let bucket = t.add_with(
        "ArtifactsBucket",
        s3::Bucket {
            bucket_name: name.map(Into::into),
            bucket_encryption: Some(s3::bucket::BucketEncryption::new(vec![
                s3::bucket::ServerSideEncryptionRule {
                    server_side_encryption_by_default: Some(encryption),
                    bucket_key_enabled: Some(true.into()),
                    ..s3::bucket::ServerSideEncryptionRule::new()
                },
            ])),
            public_access_block_configuration: Some(
                s3::bucket::PublicAccessBlockConfiguration {
                    block_public_acls: Some(true.into()),
                    block_public_policy: Some(true.into()),
                    ignore_public_acls: Some(true.into()),
                    restrict_public_buckets: Some(true.into()),
                }
                .into(),
            ),
            versioning_configuration: Some(s3::bucket::VersioningConfiguration::new("Enabled")),
            ownership_controls: Some(s3::bucket::OwnershipControls::new(vec![
                s3::bucket::OwnershipControlsRule {
                    object_ownership: Some("BucketOwnerEnforced".into()),
                },
            ])),
            lifecycle_configuration: Some(s3::bucket::LifecycleConfiguration::new(vec![
                s3::bucket::Rule {
                    id: Some("ExpireOldArtifacts".into()),
                    noncurrent_version_expiration: Some(
                        s3::bucket::NoncurrentVersionExpiration::new(30),
                    ),
                    abort_incomplete_multipart_upload: Some(
                        s3::bucket::AbortIncompleteMultipartUpload::new(7),
                    ),
                    ..s3::bucket::Rule::new("Enabled")
                },
                s3::bucket::Rule {
                    id: Some("ExpireBuildCaches".into()),
                    prefix: Some(format!("{BUILD_CACHE_PREFIX}/").into()),
                    expiration_in_days: Some(BUILD_CACHE_DAYS.into()),
                    noncurrent_version_expiration: Some(
                        s3::bucket::NoncurrentVersionExpiration::new(1),
                    ),
                    ..s3::bucket::Rule::new("Enabled")
                },
            ])),
            ..s3::Bucket::default()
        },
        Attributes::new()
            .removal_policy(RemovalPolicy::Retain)
            .metadata(Metadata::checkov_skips(&[("CKV_AWS_18", NO_ACCESS_LOGS)])),
    )?;
    let mut statements = vec![Statement::deny(["s3:*"])
        .sid("RequireTls")
        .principal(Principal::Anyone)
        .on(bucket_arns(&bucket))
        .when(ConditionOperator::Bool, "aws:SecureTransport", "false")];
    // The bootstrap deploy role may read other accounts' buckets by its own policy, but
    // not its own account's: that grant has to come from here.
    if !readers.same_account.is_empty() {
        statements.push(
            Statement::allow(BUCKET_READ.iter().copied())
                .sid("DeployRolesReadArtifacts")
                .principal(Principal::Aws(
                    readers
                        .same_account
                        .iter()
                        .map(|r| Value::from(r.clone()))
                        .collect(),
                ))
                .on(bucket_arns(&bucket)),
        );
    }
    if let Some(grant) = other_account_grant(readers, BUCKET_READ, "TargetAccountsReadArtifacts") {
        statements.push(grant.on(bucket_arns(&bucket)));
    }
    t.add(
        "ArtifactsBucketPolicy",
        s3::BucketPolicy::new(
            bucket.reference::<String>(),
            PolicyDocument::new(statements),
        ),
    )?;
    Ok(bucket)
}

/// The first statement of every key policy of the pipeline stack: the account administers
/// the key through IAM, as every key created by the CDK.
pub(super) fn account_administers_key() -> Statement {
    Statement::allow(["kms:*"])
        .sid("AccountAdministersTheKey")
        .principal(Principal::Aws(vec![Value::sub(
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
        )]))
        .on(["*"])
}

/// A customer-managed key for the artifacts (rotated yearly), usable by the target
/// accounts' deploy roles: CodePipeline cannot share artifacts across accounts with the
/// AWS-managed key.
fn artifact_key(
    t: &mut Template,
    readers: &Readers,
    alias: String,
) -> Result<Handle<kms::Key>, TemplateError> {
    let mut statements = vec![account_administers_key()];
    if let Some(grant) = other_account_grant(readers, KEY_READ, "TargetAccountsReadArtifacts") {
        statements.push(grant.on(["*"]));
    }
    let key = t.add_with(
        "ArtifactsKey",
        kms::Key {
            description: Some(
                "Encrypts the pipeline's artifacts, readable by the target accounts".into(),
            ),
            enable_key_rotation: Some(true.into()),
            key_policy: Some(PolicyDocument::new(statements)),
            ..kms::Key::default()
        },
        Attributes::new().removal_policy(RemovalPolicy::Retain),
    )?;
    t.add(
        "ArtifactsKeyAlias",
        kms::Alias::new(alias, key.get_att::<String>(kms::KeyAttribute::Arn)),
    )?;
    Ok(key)
}

/// The artifact store of the pipeline's region, in the pipeline stack.
pub(super) fn home_store(
    t: &mut Template,
    program: &Program,
    plan: &PipelinePlan,
) -> Result<Store, TemplateError> {
    let p = &program.pipeline;
    let readers = artifact_readers(program, plan, &p.region);
    let key = if p.cross_account_keys {
        Some(artifact_key(
            t,
            &readers,
            crate::plan::artifact_key_alias(p, &p.region),
        )?)
    } else {
        None
    };
    let bucket = artifact_bucket(t, key.as_ref(), None, &readers)?;
    Ok(Store { bucket, key })
}

/// The support stack of one other region: the artifact bucket (and key) that
/// CodePipeline requires in every region where it runs an action.
pub(in crate::synth) fn support_stack(
    program: &Program,
    plan: &PipelinePlan,
    support: &SupportRegion,
) -> Result<Template, SynthError> {
    let p = &program.pipeline;
    let region = &support.region;
    let err = |e: TemplateError| SynthError::at(Site::Pipeline, e);
    let mut t = Template::new();
    t.set_description(format!(
        "Artifact store of the {} pipeline in {region} (managed by pipewright)",
        p.name
    ));
    require_bootstrap(&mut t, &p.qualifier).map_err(err)?;
    let readers = artifact_readers(program, plan, region);
    let key = match &support.key_alias {
        Some(alias) => Some(artifact_key(&mut t, &readers, alias.clone()).map_err(err)?),
        None => None,
    };
    artifact_bucket(
        &mut t,
        key.as_ref(),
        Some(support.bucket_name.clone()),
        &readers,
    )
    .map_err(err)?;
    t.add_output(
        "ArtifactsBucketName",
        Output {
            description: Some(format!(
                "The {} pipeline's artifact store in {region}",
                p.name
            )),
            value: Value::from(support.bucket_name.clone()),
            export: None,
        },
    )
    .map_err(err)?;
    Ok(t)
}

/// The pipeline's artifact stores: its bucket alone, or, with actions in several
/// regions, one store per region (the pipeline's own included), as CodePipeline wants.
pub(super) fn artifact_stores(
    program: &Program,
    plan: &PipelinePlan,
    store: &Store,
) -> (
    Option<code_pipeline::pipeline::ArtifactStore>,
    Option<Vec<code_pipeline::pipeline::ArtifactStoreMap>>,
) {
    use code_pipeline::pipeline::{ArtifactStore, ArtifactStoreMap, EncryptionKey};
    let p = &program.pipeline;
    let home = ArtifactStore {
        encryption_key: store
            .key
            .as_ref()
            .map(|k| EncryptionKey::new(k.get_att::<String>(kms::KeyAttribute::Arn), "KMS")),
        ..ArtifactStore::new(store.bucket.reference::<String>(), "S3")
    };
    if plan.support_regions.is_empty() {
        return (Some(home), None);
    }
    let partition = plan.home.environment(&p.qualifier).partition();
    let mut stores = vec![ArtifactStoreMap::new(home, p.region.clone())];
    for support in &plan.support_regions {
        stores.push(ArtifactStoreMap::new(
            ArtifactStore {
                encryption_key: support.key_alias.as_ref().map(|alias| {
                    EncryptionKey::new(
                        format!(
                            "arn:{partition}:kms:{}:{}:{alias}",
                            support.region, p.account
                        ),
                        "KMS",
                    )
                }),
                ..ArtifactStore::new(support.bucket_name.clone(), "S3")
            },
            support.region.clone(),
        ));
    }
    (None, Some(stores))
}
