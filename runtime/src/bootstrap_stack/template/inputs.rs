//! What the rest of the template is written from: the parameters `cdk bootstrap` passes,
//! the conditions on them, and the names of the resources as the template's `Fn::Sub`s
//! write them.

use crate::bootstrap_stack::parameters as n;
use crate::bootstrap_stack::{
    Environment, AWS_MANAGED_KEY, DEFAULT_QUALIFIER, DEFAULT_VARIANT, QUALIFIER_PATTERN,
};
use crate::cfn::{
    Condition, ConditionName, Parameter, ParameterName, Template, TemplateError, Value,
};

/// The names of the template, as its `Fn::Sub`s write them.
pub(super) const NAMES: Environment<'static> = Environment::IN_TEMPLATE;

/// The parameters `cdk bootstrap` passes.
pub(super) struct Parameters {
    pub(super) trusted: ParameterName,
    pub(super) trusted_for_lookup: ParameterName,
    pub(super) execution_policies: ParameterName,
    pub(super) bucket_name: ParameterName,
    pub(super) kms_key_id: ParameterName,
    pub(super) repository_name: ParameterName,
    pub(super) public_access_block: ParameterName,
    pub(super) permissions_boundary: ParameterName,
    pub(super) use_example_boundary: ParameterName,
    pub(super) variant: ParameterName,
}

impl Parameters {
    pub(super) fn declare(t: &mut Template) -> Result<Self, TemplateError> {
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
pub(super) struct Conditions {
    pub(super) has_trusted: ConditionName,
    pub(super) has_trusted_for_lookup: ConditionName,
    pub(super) has_execution_policies: ConditionName,
    pub(super) has_bucket_name: ConditionName,
    pub(super) create_new_key: ConditionName,
    pub(super) use_aws_managed_key: ConditionName,
    pub(super) create_boundary: ConditionName,
    pub(super) boundary_set: ConditionName,
    pub(super) has_repository_name: ConditionName,
    pub(super) use_public_access_block: ConditionName,
}

impl Conditions {
    pub(super) fn declare(t: &mut Template, p: &Parameters) -> Result<Self, TemplateError> {
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
