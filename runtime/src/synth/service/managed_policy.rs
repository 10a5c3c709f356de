//! The AWS managed policies the roles of a service stack attach.

use crate::cfn::Value;

/// The ARN of an AWS managed policy, by its name (`service-role/...`).
pub(super) fn managed_policy(name: &str) -> Value<String> {
    Value::sub(format!("arn:${{AWS::Partition}}:iam::aws:policy/{name}"))
}
