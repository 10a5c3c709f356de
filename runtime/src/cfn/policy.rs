//! IAM policy documents, typed: the registry schemas leave them as free-form JSON.

use serde::{Serialize, Serializer};

use super::value::{Json, Value};

/// An IAM policy document (`Version` 2012-10-17).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    version: &'static str,
    /// The statements.
    pub statement: Vec<Statement>,
}

impl PolicyDocument {
    /// A document of these statements.
    pub fn new(statements: impl IntoIterator<Item = Statement>) -> Self {
        PolicyDocument {
            version: "2012-10-17",
            statement: statements.into_iter().collect(),
        }
    }

    /// The trust policy that lets an AWS service assume a role.
    pub fn assumed_by_service(service: impl Into<Value<String>>) -> Self {
        Self::new([Statement::allow(["sts:AssumeRole"])
            .principal(Principal::Service(vec![service.into()]))])
    }
}

/// Allow or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Denies, whatever else grants.
    Deny,
}

/// Who a statement of a resource or trust policy applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    /// AWS service principals, e.g. `lambda.amazonaws.com`.
    Service(Vec<Value<String>>),
    /// Accounts, roles or users, by ARN or account id.
    Aws(Vec<Value<String>>),
    /// Everyone (`"*"`).
    Anyone,
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Principal::Anyone => s.serialize_str("*"),
            Principal::Service(v) | Principal::Aws(v) => {
                let key = if matches!(self, Principal::Service(_)) {
                    "Service"
                } else {
                    "AWS"
                };
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(key, &OneOrMany(v))?;
                map.end()
            }
        }
    }
}

/// One statement of a policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// An optional id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Allow or deny.
    pub effect: Effect,
    /// The principal, in resource and trust policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    /// `service:Action` names; wildcards allowed.
    #[serde(serialize_with = "one_or_many")]
    pub action: Vec<String>,
    /// The resources; absent in trust policies.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "one_or_many")]
    pub resource: Vec<Value<String>>,
    /// Conditions, as IAM writes them (`{"StringEquals": {...}}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Json>,
}

impl Statement {
    /// Allows the actions.
    pub fn allow<A: Into<String>>(actions: impl IntoIterator<Item = A>) -> Self {
        Statement {
            sid: None,
            effect: Effect::Allow,
            principal: None,
            action: actions.into_iter().map(Into::into).collect(),
            resource: Vec::new(),
            condition: None,
        }
    }

    /// Denies the actions.
    pub fn deny<A: Into<String>>(actions: impl IntoIterator<Item = A>) -> Self {
        Statement {
            effect: Effect::Deny,
            ..Statement::allow(actions)
        }
    }

    /// On these resources.
    pub fn on<R: Into<Value<String>>>(mut self, resources: impl IntoIterator<Item = R>) -> Self {
        self.resource.extend(resources.into_iter().map(Into::into));
        self
    }

    /// For this principal.
    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// Only when the condition holds.
    pub fn when(mut self, condition: Json) -> Self {
        self.condition = Some(condition);
        self
    }

    /// With a statement id.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }
}

struct OneOrMany<'a, T>(&'a [T]);

impl<T: Serialize> Serialize for OneOrMany<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }
}

fn one_or_many<T: Serialize, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
    OneOrMany(v).serialize(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::value::to_json;
    use serde_json::json;

    #[test]
    fn single_action_and_resource_are_written_as_strings() {
        let doc = PolicyDocument::new([
            Statement::allow(["s3:GetObject"]).on(["arn:aws:s3:::b/*"]),
            Statement::deny(["s3:*"])
                .on(["a", "b"])
                .principal(Principal::Anyone),
        ]);
        assert_eq!(
            to_json(&doc),
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["a", "b"]}
            ]})
        );
    }

    #[test]
    fn trust_policy_names_the_service() {
        assert_eq!(
            to_json(&PolicyDocument::assumed_by_service("lambda.amazonaws.com")),
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ]})
        );
    }
}
