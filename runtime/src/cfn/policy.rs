//! IAM policy documents, typed: the registry schemas leave them as free-form JSON.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::value::{ConditionName, Value};

/// An IAM policy document (`Version` 2012-10-17).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    version: &'static str,
    /// The statements.
    #[serde(serialize_with = "statements")]
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
    /// Accounts, roles or users given as one list value, e.g. a `CommaDelimitedList`
    /// parameter: `{"AWS": {"Ref": "TrustedAccounts"}}`.
    AwsList(Value<Vec<String>>),
    /// Everyone (`"*"`).
    Anyone,
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Anyone => s.serialize_str("*"),
            Principal::AwsList(list) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("AWS", list)?;
                map.end()
            }
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
    /// The conditions under which it applies (`{"StringEquals": {...}}`).
    #[serde(skip_serializing_if = "StatementConditions::is_empty")]
    pub condition: StatementConditions,
    /// The template condition without which the statement is left out of its document
    /// (`Fn::If` with `AWS::NoValue`); `None`: always there.
    #[serde(skip)]
    pub only_if: Option<ConditionName>,
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
            condition: StatementConditions::default(),
            only_if: None,
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

    /// Only when the condition key compares with the value(s) as the operator says; the
    /// conditions of one statement all have to hold.
    ///
    /// ```
    /// use pipewright::cfn::{ConditionOperator, Statement};
    /// use serde_json::json;
    ///
    /// let tls_only = Statement::deny(["s3:*"])
    ///     .on(["*"])
    ///     .when(ConditionOperator::Bool, "aws:SecureTransport", "false");
    /// assert_eq!(
    ///     serde_json::to_value(&tls_only).unwrap()["Condition"],
    ///     json!({"Bool": {"aws:SecureTransport": "false"}})
    /// );
    /// ```
    pub fn when(
        mut self,
        operator: ConditionOperator,
        key: impl Into<String>,
        values: impl Into<ConditionValues>,
    ) -> Self {
        self.condition.push(operator, key.into(), values.into());
        self
    }

    /// In its document only when the template condition holds (`Fn::If` with
    /// `AWS::NoValue`), e.g. a trust that exists only when a parameter names accounts.
    pub fn only_if(mut self, condition: &ConditionName) -> Self {
        self.only_if = Some(condition.clone());
        self
    }

    /// With a statement id.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }
}

/// A condition operator of IAM's `Condition` block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionOperator {
    /// `StringEquals`.
    StringEquals,
    /// `StringNotEquals`.
    StringNotEquals,
    /// `StringLike`.
    StringLike,
    /// `StringNotLike`.
    StringNotLike,
    /// `ArnEquals`.
    ArnEquals,
    /// `ArnLike`.
    ArnLike,
    /// `ArnNotEquals`.
    ArnNotEquals,
    /// `Bool`.
    Bool,
    /// `Null`.
    Null,
    /// `ForAnyValue:StringEquals`: one of the request's values is one of these.
    ForAnyValueStringEquals,
    /// `ForAllValues:StringEquals`: every one of the request's values is one of these.
    ForAllValuesStringEquals,
}

impl ConditionOperator {
    /// The operator as IAM writes it.
    pub fn name(self) -> &'static str {
        match self {
            ConditionOperator::StringEquals => "StringEquals",
            ConditionOperator::StringNotEquals => "StringNotEquals",
            ConditionOperator::StringLike => "StringLike",
            ConditionOperator::StringNotLike => "StringNotLike",
            ConditionOperator::ArnEquals => "ArnEquals",
            ConditionOperator::ArnLike => "ArnLike",
            ConditionOperator::ArnNotEquals => "ArnNotEquals",
            ConditionOperator::Bool => "Bool",
            ConditionOperator::Null => "Null",
            ConditionOperator::ForAnyValueStringEquals => "ForAnyValue:StringEquals",
            ConditionOperator::ForAllValuesStringEquals => "ForAllValues:StringEquals",
        }
    }
}

/// What a condition key is compared with: one value, or a list (any of which matches).
#[derive(Clone, Debug, PartialEq)]
pub enum ConditionValues {
    /// One value, written as is.
    One(Value<String>),
    /// A list, written as a list even with one element.
    Many(Vec<Value<String>>),
}

impl From<Value<String>> for ConditionValues {
    fn from(value: Value<String>) -> Self {
        ConditionValues::One(value)
    }
}

impl From<&str> for ConditionValues {
    fn from(value: &str) -> Self {
        ConditionValues::One(value.into())
    }
}

impl From<String> for ConditionValues {
    fn from(value: String) -> Self {
        ConditionValues::One(value.into())
    }
}

impl<V: Into<Value<String>>> From<Vec<V>> for ConditionValues {
    fn from(values: Vec<V>) -> Self {
        ConditionValues::Many(values.into_iter().map(Into::into).collect())
    }
}

impl Serialize for ConditionValues {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ConditionValues::One(v) => v.serialize(s),
            ConditionValues::Many(vs) => vs.serialize(s),
        }
    }
}

/// The `Condition` block of a statement: operators, each with condition keys and the
/// values they are compared with, in the order they were added.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatementConditions(Vec<(ConditionOperator, Vec<(String, ConditionValues)>)>);

impl StatementConditions {
    /// Whether there is no condition.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds a condition, under its operator's entry.
    pub fn push(&mut self, operator: ConditionOperator, key: String, values: ConditionValues) {
        match self.0.iter_mut().find(|(o, _)| *o == operator) {
            Some((_, keys)) => keys.push((key, values)),
            None => self.0.push((operator, vec![(key, values)])),
        }
    }
}

impl Serialize for StatementConditions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Keys<'a>(&'a [(String, ConditionValues)]);
        impl Serialize for Keys<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for (key, values) in self.0 {
                    map.serialize_entry(key, values)?;
                }
                map.end()
            }
        }
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (operator, keys) in &self.0 {
            map.serialize_entry(operator.name(), &Keys(keys))?;
        }
        map.end()
    }
}

/// A document's statements; one with [`Statement::only_if`] as `Fn::If` of the condition,
/// the statement, and `AWS::NoValue`.
fn statements<S: Serializer>(statements: &[Statement], s: S) -> Result<S::Ok, S::Error> {
    struct Conditional<'a>(&'a Statement);
    impl Serialize for Conditional<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match &self.0.only_if {
                None => self.0.serialize(s),
                Some(condition) => {
                    let no_value: Value<String> = Value::no_value();
                    let mut map = s.serialize_map(Some(1))?;
                    map.serialize_entry("Fn::If", &(condition.name(), self.0, no_value))?;
                    map.end()
                }
            }
        }
    }
    let mut seq = s.serialize_seq(Some(statements.len()))?;
    for statement in statements {
        seq.serialize_element(&Conditional(statement))?;
    }
    seq.end()
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
    fn conditions_and_conditional_statements() {
        let trusted = ConditionName("HasTrusted".into());
        let doc = PolicyDocument::new([
            Statement::allow(["kms:Decrypt"])
                .on(["*"])
                .when(ConditionOperator::StringEquals, "kms:CallerAccount", "1")
                .when(
                    ConditionOperator::StringEquals,
                    "kms:ViaService",
                    vec!["s3"],
                )
                .when(ConditionOperator::Bool, "aws:SecureTransport", "true"),
            Statement::allow(["sts:AssumeRole"])
                .principal(Principal::AwsList(Value::intrinsic(
                    crate::cfn::Intrinsic::Ref("Accounts".into()),
                )))
                .only_if(&trusted),
        ]);
        assert_eq!(
            to_json(&doc)["Statement"],
            json!([
                {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {
                    "StringEquals": {"kms:CallerAccount": "1", "kms:ViaService": ["s3"]},
                    "Bool": {"aws:SecureTransport": "true"},
                }},
                {"Fn::If": ["HasTrusted", {
                    "Effect": "Allow", "Principal": {"AWS": {"Ref": "Accounts"}}, "Action": "sts:AssumeRole",
                }, {"Ref": "AWS::NoValue"}]},
            ])
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
