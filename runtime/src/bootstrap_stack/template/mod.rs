//! The bootstrap stack's template, built through the typed model: its parameters and the
//! conditions on them ([`inputs`]), the resources by kind (the version; the key, bucket
//! and repository: [`storage`]; the roles and policies: [`roles`]), and the outputs.

mod inputs;
mod roles;
mod storage;

use crate::bootstrap_stack::{TEMPLATE_VERSION, VERSION_OUTPUT};
use crate::cfn::resources::{ecr, kms, s3, ssm};
use crate::cfn::{Export, Handle, Output, Template, TemplateError, Value};

use inputs::{Conditions, Parameters, NAMES};
use roles::{
    deployment_role, execution_role, permissions_boundary, publishing_policies, PublishingRoles,
};
use storage::{assets_key, container_repository, key_arn, staging_bucket};

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
