//! The bootstrap check every synthesized stack carries: the pipeline stack, the support
//! stacks and the service stacks alike.

use crate::bootstrap_stack;
use crate::cfn::{Assertion, Condition, Parameter, Rule, Template, TemplateError, Value};

/// The `BootstrapVersion` parameter and the rule that fails the deployment early, with
/// a clear message, when the environment's bootstrap stack is missing or too old. The
/// same check as the AWS CDK's stacks.
pub(super) fn require_bootstrap(
    template: &mut Template,
    qualifier: &str,
) -> Result<(), TemplateError> {
    let version = template.add_parameter(
        "BootstrapVersion",
        Parameter::new(
            "AWS::SSM::Parameter::Value<String>",
            bootstrap_stack::version_parameter(qualifier),
        )
        .description(
            "Version of the bootstrap resources in this environment, read from SSM Parameter Store.",
        ),
    )?;
    let too_old: Vec<Value<String>> = (1..bootstrap_stack::REQUIRED_VERSION)
        .map(|v| v.to_string().into())
        .collect();
    template.add_rule(
        "CheckBootstrapVersion",
        Rule {
            assertions: vec![Assertion {
                assert: Condition::Not(Box::new(Condition::Contains(too_old, version.value()))),
                assert_description: format!(
                    "Bootstrap stack version {} required. Run `cargo run --bin deploy -- bootstrap` (or `cdk bootstrap`).",
                    bootstrap_stack::REQUIRED_VERSION
                ),
            }],
        },
    )
}
