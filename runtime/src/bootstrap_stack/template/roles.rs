//! The roles of the bootstrap stack, named and tagged as the CDK does: the publishing
//! roles and their policies, the lookup role, the role CloudFormation runs as, the role
//! deployments assume; and the CDK's example permissions boundary.

use crate::bootstrap_stack::{Role, ROLE_TAG};
use crate::cfn::resources::{ecr, iam, kms, s3, ssm};
use crate::cfn::{
    Attributes, ConditionOperator as Op, Handle, PolicyDocument, Principal, Pseudo, Statement,
    Template, TemplateError, Value,
};

use super::inputs::{Conditions, Parameters, NAMES};
use super::storage::{bucket_and_objects, key_arn, this_account, via_s3, KEY_USE};

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
pub(super) struct PublishingRoles {
    pub(super) file: Handle<iam::Role>,
    pub(super) image: Handle<iam::Role>,
}

impl PublishingRoles {
    /// The publishing roles, then the lookup role.
    pub(super) fn declare(
        t: &mut Template,
        p: &Parameters,
        c: &Conditions,
    ) -> Result<Self, TemplateError> {
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

/// The default policies of the publishing roles: the bucket and its key, the repository.
pub(super) fn publishing_policies(
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
pub(super) fn execution_role(
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
pub(super) fn deployment_role(
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
pub(super) fn permissions_boundary(t: &mut Template, c: &Conditions) -> Result<(), TemplateError> {
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
