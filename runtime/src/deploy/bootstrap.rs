//! `bootstrap`: creates or updates the bootstrap stack (`CDKToolkit`) of environments, as
//! `cdk bootstrap` does and with the same contract (see [`crate::bootstrap_stack`]).
//!
//! Like the CDK CLI: parameters not given keep their current values; `--trust` accounts are
//! added to the trusted ones (`--untrust` removes); a new stack encrypts its bucket with the
//! AWS-managed key unless `--bootstrap-customer-key`; a stack of another variant, or of a
//! newer version than this tool's template, is left alone unless `--force`. Idempotent: a
//! second run with the same options changes nothing.

use aws_sdk_cloudformation::types::Stack;

use super::clients::Environment;
use super::console::Console;
use super::error::{Error, Result};
use super::repair::{self, Removal};
use super::session::Session;
use super::stack::{self, deploy_stack, DeployOptions, Outcome, ParameterValue, StackSpec, State};
use crate::bootstrap_stack::{
    parameters as p, template, AWS_MANAGED_KEY, DEFAULT_VARIANT, TEMPLATE_VERSION,
    TOOLKIT_STACK_NAME, VERSION_OUTPUT,
};

/// The options of `bootstrap` (the CDK CLI's names).
#[derive(Clone, Debug, Default)]
pub struct BootstrapOptions {
    /// The qualifier (`hnb659fds` unless the program says otherwise).
    pub qualifier: String,
    /// The bootstrap stack's name (`CDKToolkit`).
    pub toolkit_stack_name: Option<String>,
    /// Accounts to trust to publish and deploy (the pipeline's account).
    pub trust: Vec<String>,
    /// Accounts to trust for lookups.
    pub trust_for_lookup: Vec<String>,
    /// Accounts to trust no more.
    pub untrust: Vec<String>,
    /// Managed policy ARNs for the CloudFormation execution role.
    pub execution_policies: Vec<String>,
    /// A KMS key for the bucket.
    pub kms_key_id: Option<String>,
    /// Create a customer-managed KMS key for the bucket.
    pub customer_key: bool,
    /// Block public access to the bucket (default: yes).
    pub public_access_block: Option<bool>,
    /// Update a stack of another variant, or a newer version.
    pub force: bool,
}

/// What bootstrapping an environment did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bootstrapped {
    /// Created or updated; the version now deployed.
    Deployed(u32),
    /// Already as asked.
    Unchanged(u32),
    /// A newer bootstrap stack, left alone.
    Newer(u32),
}

/// Bootstraps each environment `(account, region)` in turn.
pub async fn run(
    session: &Session,
    environments: &[(String, String)],
    options: &BootstrapOptions,
    deploy: &DeployOptions,
) -> Result<Vec<Bootstrapped>> {
    let mut done = Vec::new();
    for (account, region) in environments {
        done.push(one(session, account, region, options, deploy).await?);
    }
    Ok(done)
}

fn parameter<'a>(stack: &'a Stack, key: &str) -> Option<&'a str> {
    stack
        .parameters()
        .iter()
        .find(|p| p.parameter_key() == Some(key))
        .and_then(|p| p.parameter_value())
}

fn list(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The version a bootstrap stack announces (its `BootstrapVersion` output).
pub fn deployed_version(stack: &Stack) -> Option<u32> {
    stack
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some(VERSION_OUTPUT))
        .and_then(|o| o.output_value())
        .and_then(|v| v.trim().parse().ok())
}

/// The parameters to pass to the bootstrap template, given the current stack.
pub fn parameters(
    current: Option<&Stack>,
    options: &BootstrapOptions,
    partition: &str,
    warn: &dyn Fn(String),
) -> Vec<(String, ParameterValue)> {
    let has = |key: &str| current.is_some_and(|s| parameter(s, key).is_some());
    let previous_or = |key: &str, new: Option<String>| -> Option<ParameterValue> {
        match new {
            Some(v) => Some(ParameterValue::Value(v)),
            None if has(key) => Some(ParameterValue::Previous),
            None => None,
        }
    };
    let accounts = |key: &str, add: &[String]| -> Vec<String> {
        let mut accounts = list(current.and_then(|s| parameter(s, key)));
        for a in add {
            if !accounts.contains(a) {
                accounts.push(a.clone());
            }
        }
        accounts.retain(|a| !options.untrust.contains(a));
        accounts
    };
    let trusted = accounts(p::TRUSTED_ACCOUNTS, &options.trust);
    let trusted_for_lookup = accounts(p::TRUSTED_ACCOUNTS_FOR_LOOKUP, &options.trust_for_lookup);

    let mut out: Vec<(String, ParameterValue)> = vec![
        (
            p::TRUSTED_ACCOUNTS.into(),
            ParameterValue::Value(trusted.join(",")),
        ),
        (
            p::TRUSTED_ACCOUNTS_FOR_LOOKUP.into(),
            ParameterValue::Value(trusted_for_lookup.join(",")),
        ),
        (
            p::QUALIFIER.into(),
            ParameterValue::Value(options.qualifier.clone()),
        ),
    ];
    let current_policies =
        list(current.and_then(|s| parameter(s, p::CLOUDFORMATION_EXECUTION_POLICIES)));
    // List parameters are always passed as values (the current ones when not given):
    // the same as `UsePreviousValue` on CloudFormation, and what a list round-trips as.
    let policies = if !options.execution_policies.is_empty() {
        Some(options.execution_policies.join(","))
    } else if !current_policies.is_empty() {
        Some(current_policies.join(","))
    } else if !trusted.is_empty() {
        // The template gives the execution role no policy at all when accounts are trusted
        // without policies; the CDK CLI then asks for AdministratorAccess explicitly.
        warn("--trust without --cloudformation-execution-policies: CloudFormation deploys with AdministratorAccess (pass --cloudformation-execution-policies to narrow it)".into());
        Some(format!(
            "arn:{partition}:iam::aws:policy/AdministratorAccess"
        ))
    } else {
        None
    };
    out.extend(
        previous_or(p::CLOUDFORMATION_EXECUTION_POLICIES, policies)
            .map(|v| (p::CLOUDFORMATION_EXECUTION_POLICIES.into(), v)),
    );
    let key = match (&options.kms_key_id, options.customer_key) {
        (Some(id), _) => Some(id.clone()),
        (None, true) => Some(String::new()),
        (None, false) if current.is_none() => Some(AWS_MANAGED_KEY.into()),
        (None, false) => None,
    };
    out.extend(
        previous_or(p::FILE_ASSETS_BUCKET_KMS_KEY_ID, key)
            .map(|v| (p::FILE_ASSETS_BUCKET_KMS_KEY_ID.into(), v)),
    );
    out.extend(
        previous_or(
            p::PUBLIC_ACCESS_BLOCK_CONFIGURATION,
            options.public_access_block.map(|b| b.to_string()),
        )
        .map(|v| (p::PUBLIC_ACCESS_BLOCK_CONFIGURATION.into(), v)),
    );
    for key in [
        p::FILE_ASSETS_BUCKET_NAME,
        p::CONTAINER_ASSETS_REPOSITORY_NAME,
        p::INPUT_PERMISSIONS_BOUNDARY,
        p::USE_EXAMPLE_PERMISSIONS_BOUNDARY,
    ] {
        if has(key) {
            out.push((key.into(), ParameterValue::Previous));
        }
    }
    out
}

async fn one(
    session: &Session,
    account: &str,
    region: &str,
    options: &BootstrapOptions,
    deploy: &DeployOptions,
) -> Result<Bootstrapped> {
    let console = &session.console;
    let env = session
        .caller_environment(account, region, &options.qualifier)
        .await?;
    let name = options
        .toolkit_stack_name
        .clone()
        .unwrap_or_else(|| TOOLKIT_STACK_NAME.to_owned());
    let current = stack::describe(&env, &name).await?;
    if let Some(stack) = &current {
        let variant = parameter(stack, p::BOOTSTRAP_VARIANT).unwrap_or(DEFAULT_VARIANT);
        if variant != DEFAULT_VARIANT && !options.force {
            return Err(Error::msg(format!(
                "{}: the bootstrap stack {name} is of variant `{variant}`, not `{DEFAULT_VARIANT}`: not overwriting it (pass --force to replace the customization)",
                env.url()
            )));
        }
        // The stack's `BootstrapVersion` output, else the version parameter (outputs
        // are missing while an update is pending, and on some implementations).
        let version = match deployed_version(stack) {
            Some(v) => Some(v),
            None => env.bootstrap_version().await?,
        };
        if let Some(version) = version {
            if version > TEMPLATE_VERSION && !options.force {
                console.note(&format!(
                    "{}: bootstrap stack {name} has version {version}, newer than this tool's {TEMPLATE_VERSION}: leaving it as it is",
                    env.url()
                ));
                return Ok(Bootstrapped::Newer(version));
            }
        }
    }
    let warn = |w: String| console.note(&format!("{}: {w}", env.url()));
    let spec = StackSpec {
        name: name.clone(),
        template: template(),
        parameters: parameters(current.as_ref(), options, env.names().partition(), &warn),
        tags: current
            .as_ref()
            .map(|s| {
                s.tags()
                    .iter()
                    .map(|t| {
                        (
                            t.key().unwrap_or_default().to_owned(),
                            t.value().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        // `cdk bootstrap --termination-protection` may have set it: left as it is.
        protected: false,
        stateful_types: Vec::new(),
    };
    let repaired = match &current {
        Some(stack) if stack::state_of(stack::status(stack)) == State::Stable => {
            repair_missing(&env, &spec, deploy, console).await?
        }
        _ => Vec::new(),
    };
    console.note(&format!(
        "{}: bootstrapping ({name}, qualifier {})",
        env.url(),
        options.qualifier
    ));
    let outcome = deploy_stack(&env, &spec, deploy, console).await?;
    if !repaired.is_empty() {
        console.out(&format!(
            "{}: repaired {name}: created again {}",
            env.url(),
            repaired.join(", ")
        ));
    }
    // The version CloudFormation's parameter holds now: what stacks check.
    let version = env.check_bootstrap().await?;
    let bucket = env.names().assets_bucket();
    match outcome {
        Outcome::NoChanges { .. } => {
            console.out(&format!(
                "{}: already bootstrapped (version {version}, bucket {bucket})",
                env.url()
            ));
            Ok(Bootstrapped::Unchanged(version))
        }
        Outcome::Deployed { .. } => {
            console.out(&format!(
                "{}: bootstrapped (version {version}, bucket {bucket})",
                env.url()
            ));
            Ok(Bootstrapped::Deployed(version))
        }
    }
}

/// Takes the resources of the bootstrap stack that were deleted behind CloudFormation's
/// back out of it, with what refers to them (see [`super::repair`]), so that deploying
/// `spec` creates them again; returns what it took out (empty: nothing was missing).
async fn repair_missing(
    env: &Environment,
    spec: &StackSpec,
    deploy: &DeployOptions,
    console: &Console,
) -> Result<Vec<String>> {
    let name = &spec.name;
    let notes = |n: String| console.note(&format!("{}: {n}", env.url()));
    let missing = repair::missing_resources(env, name, &notes).await?;
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let listed: Vec<String> = missing.iter().map(ToString::to_string).collect();
    let ids: Vec<String> = missing.iter().map(|m| m.logical_id.clone()).collect();
    let template: serde_json::Value = serde_json::from_str(&spec.template)
        .map_err(|e| Error::msg(format!("{name}: the bootstrap template is not JSON: {e}")))?;
    let removal = Removal::of(&template, &ids);
    let survivors = removal.retained_survivors(&template, &ids);
    if !survivors.is_empty() {
        return Err(Error::msg(format!(
            "{}: {name}: deleted outside CloudFormation: {}; repairing it means taking {} out of the stack too, which CloudFormation retains and could not create again: not repaired automatically (create the missing resources again by hand with the same names, or ask for help with the stack's events)",
            env.url(),
            listed.join(", "),
            survivors.join(", ")
        )));
    }
    console.note(&format!(
        "{}: {name}: deleted outside CloudFormation: {}; repairing: taking {} out of the stack, then creating them again",
        env.url(),
        listed.join(", "),
        removal.resources.iter().cloned().collect::<Vec<_>>().join(", ")
    ));
    let without = StackSpec {
        template: removal.apply(&template).to_string(),
        ..spec.clone()
    };
    deploy_stack(env, &without, deploy, console).await?;
    Ok(removal.resources.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudformation::types::{Parameter, StackStatus};

    fn existing(parameters: &[(&str, &str)]) -> Stack {
        let mut builder = Stack::builder()
            .stack_name(TOOLKIT_STACK_NAME)
            .stack_status(StackStatus::UpdateComplete)
            .creation_time(aws_smithy_types::DateTime::from_secs(0));
        for (k, v) in parameters {
            builder = builder.parameters(
                Parameter::builder()
                    .parameter_key(*k)
                    .parameter_value(*v)
                    .build(),
            );
        }
        builder.build()
    }

    fn options() -> BootstrapOptions {
        BootstrapOptions {
            qualifier: "hnb659fds".into(),
            ..BootstrapOptions::default()
        }
    }

    fn value(params: &[(String, ParameterValue)], key: &str) -> Option<ParameterValue> {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn v(text: &str) -> Option<ParameterValue> {
        Some(ParameterValue::Value(text.into()))
    }

    #[test]
    fn a_new_stack_gets_the_cdk_clis_defaults() {
        let params = parameters(None, &options(), "aws", &|_| {});
        assert_eq!(value(&params, p::TRUSTED_ACCOUNTS), v(""));
        assert_eq!(value(&params, p::QUALIFIER), v("hnb659fds"));
        assert_eq!(
            value(&params, p::FILE_ASSETS_BUCKET_KMS_KEY_ID),
            v(AWS_MANAGED_KEY)
        );
        assert_eq!(value(&params, p::CLOUDFORMATION_EXECUTION_POLICIES), None);
        assert_eq!(value(&params, p::PUBLIC_ACCESS_BLOCK_CONFIGURATION), None);
    }

    #[test]
    fn trust_adds_to_the_trusted_accounts_and_keeps_the_rest() {
        let current = existing(&[
            (p::TRUSTED_ACCOUNTS, "222222222222"),
            (
                p::CLOUDFORMATION_EXECUTION_POLICIES,
                "arn:aws:iam::aws:policy/PowerUserAccess",
            ),
            (p::FILE_ASSETS_BUCKET_KMS_KEY_ID, ""),
            (p::PUBLIC_ACCESS_BLOCK_CONFIGURATION, "true"),
            (p::INPUT_PERMISSIONS_BOUNDARY, ""),
        ]);
        let options = BootstrapOptions {
            trust: vec!["333333333333".into(), "222222222222".into()],
            ..options()
        };
        let warnings = std::cell::RefCell::new(Vec::new());
        let params = parameters(Some(&current), &options, "aws", &|w| {
            warnings.borrow_mut().push(w)
        });
        assert_eq!(
            value(&params, p::TRUSTED_ACCOUNTS),
            v("222222222222,333333333333")
        );
        assert_eq!(
            value(&params, p::CLOUDFORMATION_EXECUTION_POLICIES),
            v("arn:aws:iam::aws:policy/PowerUserAccess")
        );
        assert_eq!(
            value(&params, p::FILE_ASSETS_BUCKET_KMS_KEY_ID),
            Some(ParameterValue::Previous)
        );
        assert_eq!(
            value(&params, p::INPUT_PERMISSIONS_BOUNDARY),
            Some(ParameterValue::Previous)
        );
        assert_eq!(value(&params, p::FILE_ASSETS_BUCKET_NAME), None);
        assert!(warnings.borrow().is_empty());

        let untrust = BootstrapOptions {
            untrust: vec!["222222222222".into()],
            ..options
        };
        let params = parameters(Some(&current), &untrust, "aws", &|_| {});
        assert_eq!(value(&params, p::TRUSTED_ACCOUNTS), v("333333333333"));
    }

    #[test]
    fn trust_without_policies_deploys_as_administrator_with_a_warning() {
        let options = BootstrapOptions {
            trust: vec!["222222222222".into()],
            ..options()
        };
        let warnings = std::cell::RefCell::new(Vec::new());
        let params = parameters(None, &options, "aws-cn", &|w| warnings.borrow_mut().push(w));
        assert_eq!(
            value(&params, p::CLOUDFORMATION_EXECUTION_POLICIES),
            v("arn:aws-cn:iam::aws:policy/AdministratorAccess")
        );
        assert_eq!(warnings.borrow().len(), 1);
    }

    #[test]
    fn customer_key_and_key_id() {
        let current = existing(&[(p::FILE_ASSETS_BUCKET_KMS_KEY_ID, AWS_MANAGED_KEY)]);
        let customer = BootstrapOptions {
            customer_key: true,
            ..options()
        };
        assert_eq!(
            value(
                &parameters(Some(&current), &customer, "aws", &|_| {}),
                p::FILE_ASSETS_BUCKET_KMS_KEY_ID
            ),
            v("")
        );
        let key = BootstrapOptions {
            kms_key_id: Some("alias/mine".into()),
            ..options()
        };
        assert_eq!(
            value(
                &parameters(None, &key, "aws", &|_| {}),
                p::FILE_ASSETS_BUCKET_KMS_KEY_ID
            ),
            v("alias/mine")
        );
    }
}
