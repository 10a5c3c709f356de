//! A lambda's function: its execution role, the policy of its grants (when it links a
//! block or consumes one through an event), its log group, and the function running the
//! lambda's bundle with the stage's environment and its link variables.

use crate::app::Asset;
use crate::bootstrap_stack::Environment;
use crate::cfn::resources::{iam, lambda};
use crate::cfn::{Attributes, Handle, Metadata, PolicyDocument, Template, TemplateError, Value};
use crate::spec::{Lambda, Stage};

use super::grants::Wiring;
use super::log_group::retained_log_group;
use super::managed_policy::managed_policy;
use super::snapshot::short_hash;

/// The lambda's environment: its own variables, overridden by the stage's.
pub fn merged_environment(lambda: &Lambda, stage: &Stage) -> Vec<(String, String)> {
    let mut vars = lambda.environment.clone();
    for (k, v) in &stage.environment {
        match vars.iter_mut().find(|(name, _)| name == k) {
            Some(existing) => existing.1 = v.clone(),
            None => vars.push((k.clone(), v.clone())),
        }
    }
    vars
}

/// The function, its execution role, policy and log group; and the hash of the
/// function's configuration, which names the version published from it
/// ([`super::canary`]). `wiring` holds the grants and link variables of its links and
/// events.
pub(super) fn function(
    t: &mut Template,
    stage: &Stage,
    env: &Environment<'_>,
    l: &Lambda,
    asset: &Asset,
    wiring: &Wiring,
) -> Result<(Handle<lambda::Function>, String), TemplateError> {
    let n = &l.name;
    let role = t.add(
        format!("{n}Role"),
        iam::Role {
            description: Some(format!("Execution role of the {n} function").into()),
            managed_policy_arns: Some(
                vec![managed_policy("service-role/AWSLambdaBasicExecutionRole")].into(),
            ),
            ..iam::Role::new(PolicyDocument::assumed_by_service("lambda.amazonaws.com"))
        },
    )?;
    let policy = grants_policy(t, n, &role, wiring)?;
    let log_group = retained_log_group(t, format!("{n}LogGroup"))?;

    // The macro refuses an `environment` variable named like a link variable.
    let variables: Vec<(String, Value<String>)> = merged_environment(l, stage)
        .into_iter()
        .map(|(k, v)| (k, v.into()))
        .chain(wiring.variables.iter().cloned())
        .collect();
    let function_props = lambda::Function {
        description: l.description.clone().map(Into::into),
        runtime: Some("provided.al2023".into()),
        handler: Some(crate::app::LAMBDA_EXECUTABLE.into()),
        architectures: Some(vec![l.architecture.aws_value().into()]),
        memory_size: Some(i64::from(l.memory).into()),
        timeout: Some((l.timeout.as_secs() as i64).into()),
        environment: (!variables.is_empty()).then(|| lambda::function::Environment {
            variables: Some(
                variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
        }),
        logging_config: Some(lambda::function::LoggingConfig {
            log_group: Some(log_group.reference()),
            ..lambda::function::LoggingConfig::default()
        }),
        ..lambda::Function::new(
            lambda::function::Code {
                s3_bucket: Some(env.assets_bucket().into()),
                s3_key: Some(asset.object_key().into()),
                ..lambda::function::Code::default()
            },
            role.get_att(iam::RoleAttribute::Arn),
        )
    };
    // A new version is published when anything of the function changes, code included.
    let configuration = short_hash(&function_props);
    let mut attributes = Attributes::new();
    if let Some(policy) = &policy {
        // As CDK: the grants are in place before the function runs, and before an event
        // source mapping (which Lambda checks against the role) is created.
        attributes = attributes.depends_on(policy);
    }
    let function = t.add_with(
        format!("{n}Function"),
        function_props,
        attributes.metadata(Metadata::checkov_skips(&[
            dead_letter_skip(l),
            ("CKV_AWS_117", "The function calls no private network resource; inside a VPC it would need NAT to reach AWS APIs and cold-start slower"),
            ("CKV_AWS_115", "Reserved concurrency takes capacity from the account's pool and throttles at a fixed number; the language has no field for it, the account limit applies"),
            ("CKV_AWS_173", "The variables are the program's stage settings, written in pipeline.rs, not secrets; Lambda encrypts them at rest with its service key"),
        ])),
    )?;
    Ok((function, configuration))
}

/// `<Lambda>Policy`, the statements of the lambda's grants on its role; none without
/// grants.
fn grants_policy(
    t: &mut Template,
    n: &str,
    role: &Handle<iam::Role>,
    wiring: &Wiring,
) -> Result<Option<Handle<iam::Policy>>, TemplateError> {
    if wiring.statements.is_empty() {
        return Ok(None);
    }
    let id = format!("{n}Policy");
    let policy = iam::Policy {
        roles: Some(vec![role.reference()]),
        ..iam::Policy::new(PolicyDocument::new(wiring.statements.clone()), id.clone())
    };
    t.add(id, policy).map(Some)
}

/// Why the function has no dead-letter queue (checkov CKV_AWS_116): true for what invokes
/// it.
fn dead_letter_skip(l: &Lambda) -> (&'static str, &'static str) {
    let reason = if l.events.iter().any(|e| e.is_asynchronous()) {
        "Schedules and topics invoke it asynchronously: Lambda retries a failed event twice, then drops it, as CDK's default; the error alarm counts the failures and rolls a new version back"
    } else {
        "Invoked synchronously by API Gateway (or directly): a dead-letter queue only receives failed asynchronous invocations"
    };
    ("CKV_AWS_116", reason)
}
