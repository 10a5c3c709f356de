//! The roles of the pipeline itself: the source action's, and the pipeline's service
//! role, which starts the projects and assumes the roles the actions run as.

use std::collections::BTreeSet;

use crate::cfn::resources::{iam, s3};
use crate::cfn::{
    ConditionOperator, Handle, PolicyDocument, Principal, Statement, Template, TemplateError, Value,
};
use crate::plan::PipelinePlan;
use crate::spec::Program;

use super::projects::Projects;
use super::storage::{
    bucket_statements, kms_statement, read_write, Store, BUCKET_READ, BUCKET_WRITE, KEY_READ,
    KEY_WRITE,
};

/// The source action's own role: it may use this one connection, and write the
/// checked-out source to the artifact bucket.
pub(super) fn source_role(
    t: &mut Template,
    program: &Program,
    store: &Store,
) -> Result<Handle<iam::Role>, TemplateError> {
    let connection = &program.pipeline.source.connection;
    // CodeStar Connections was renamed CodeConnections: the same connection answers to
    // both services, each checking the permission against an ARN of its own service.
    let connection_as = |service: &str| {
        let rest = connection.splitn(4, ':').nth(3).unwrap_or_default();
        let partition = connection.split(':').nth(1).unwrap_or("aws");
        format!("arn:{partition}:{service}:{rest}")
    };
    let mut statements = vec![
        Statement::allow(["codestar-connections:UseConnection"])
            .on([connection_as("codestar-connections")]),
        Statement::allow(["codeconnections:UseConnection"]).on([connection_as("codeconnections")]),
    ];
    statements.extend(bucket_statements(&store.bucket, true));
    statements.push(
        Statement::allow(["s3:PutObjectAcl", "s3:PutObjectVersionAcl"]).on([Value::sub(format!(
            "{}/*",
            store.bucket.sub_att(s3::BucketAttribute::Arn)
        ))]),
    );
    if let Some(k) = &store.key {
        statements.push(kms_statement(k, true));
    }
    // Trusts the account, as the CDK's action roles do: the pipeline's role (which names
    // this role in its policy) is what assumes it.
    t.add(
        "SourceRole",
        iam::Role {
            description: Some("Checks the repository out for the pipeline".into()),
            policies: Some(vec![iam::role::Policy::new(
                PolicyDocument::new(statements),
                "UseConnection",
            )]),
            ..iam::Role::new(PolicyDocument::new([Statement::allow(["sts:AssumeRole"])
                .principal(Principal::Aws(vec![Value::sub(
                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
                )]))]))
        },
    )
}

/// The pipeline's role: the artifacts in every region, the projects it starts, the
/// roles its actions run as.
pub(super) fn pipeline_role(
    t: &mut Template,
    program: &Program,
    plan: &PipelinePlan,
    store: &Store,
    source_role: &Handle<iam::Role>,
    projects: &Projects,
    publisher: Vec<Statement>,
) -> Result<Handle<iam::Role>, TemplateError> {
    let p = &program.pipeline;
    let partition = plan.home.environment(&p.qualifier).partition();
    let mut assumed: Vec<Value<String>> = vec![source_role.get_att(iam::RoleAttribute::Arn)];
    let mut deploy_roles: BTreeSet<String> = plan
        .targets
        .iter()
        .map(|e| e.environment(&p.qualifier).deploy_role_arn())
        .collect();
    if plan.mutates_itself() {
        deploy_roles.insert(plan.home.environment(&p.qualifier).deploy_role_arn());
    }
    assumed.extend(deploy_roles.into_iter().map(Value::from));
    let mut statements = bucket_statements(&store.bucket, true);
    if let Some(k) = &store.key {
        statements.push(kms_statement(k, true));
    }
    if !plan.support_regions.is_empty() {
        let mut buckets = Vec::new();
        for support in &plan.support_regions {
            let name = &support.bucket_name;
            buckets.push(format!("arn:{partition}:s3:::{name}"));
            buckets.push(format!("arn:{partition}:s3:::{name}/*"));
        }
        statements.push(Statement::allow(read_write(BUCKET_READ, BUCKET_WRITE, true)).on(buckets));
        if p.cross_account_keys {
            // The support stacks' keys are known by their aliases only (no cross-region
            // reference): grant on keys of the account, limited to those aliases.
            let aliases: Vec<&str> = plan
                .support_regions
                .iter()
                .filter_map(|r| r.key_alias.as_deref())
                .collect();
            let keys: Vec<String> = plan
                .support_regions
                .iter()
                .map(|r| format!("arn:{partition}:kms:{}:{}:key/*", r.region, p.account))
                .collect();
            statements.push(
                Statement::allow(read_write(KEY_READ, KEY_WRITE, true))
                    .on(keys)
                    .when(
                        ConditionOperator::ForAnyValueStringEquals,
                        "kms:ResourceAliases",
                        aliases,
                    ),
            );
        }
    }
    statements.push(
        Statement::allow([
            "codebuild:BatchGetBuilds",
            "codebuild:StartBuild",
            "codebuild:StopBuild",
        ])
        .on(projects.arns()),
    );
    statements.push(Statement::allow(["sts:AssumeRole"]).on(assumed));
    statements.extend(publisher);
    t.add(
        "PipelineRole",
        iam::Role {
            description: Some(format!("Service role of the {} pipeline", p.name).into()),
            policies: Some(vec![iam::role::Policy::new(
                PolicyDocument::new(statements),
                "Pipeline",
            )]),
            ..iam::Role::new(PolicyDocument::assumed_by_service(
                "codepipeline.amazonaws.com",
            ))
        },
    )
}
