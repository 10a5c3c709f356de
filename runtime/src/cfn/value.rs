//! Values in a template: literals and CloudFormation's intrinsic functions.
//!
//! A property of type `T` is a [`Value<T>`]: either a literal `T` or an intrinsic
//! function that CloudFormation evaluates to a `T` when it deploys the stack. References
//! to resources are built from [`Handle`](super::Handle)s, which only
//! [`Template::add`](super::Template::add) hands out, so a `Ref` or `Fn::GetAtt` cannot
//! name a resource or an attribute that does not exist.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// Untyped JSON, for the few properties whose schema is free-form.
pub type Json = serde_json::Value;

/// A value of type `T`: a literal, or an intrinsic function evaluating to a `T`.
///
/// Literals convert with `into()`; the intrinsics that yield a string are constructors of
/// `Value<String>`. Both serialize to the template's JSON:
///
/// ```
/// use pipewright::cfn::Value;
/// use serde_json::json;
///
/// let memory: Value<u32> = 512.into();
/// assert_eq!(serde_json::to_value(&memory).unwrap(), json!(512));
///
/// let table = Value::sub("${AWS::StackName}-orders");
/// assert_eq!(
///     serde_json::to_value(&table).unwrap(),
///     json!({"Fn::Sub": "${AWS::StackName}-orders"})
/// );
///
/// let url = Value::join("", ["https://".into(), Value::sub("${Api}.example.com")]);
/// assert_eq!(
///     serde_json::to_value(&url).unwrap(),
///     json!({"Fn::Join": ["", ["https://", {"Fn::Sub": "${Api}.example.com"}]]})
/// );
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Value<T> {
    /// A literal value, written as is.
    Literal(T),
    /// An intrinsic function (`Ref`, `Fn::GetAtt`, `Fn::Sub`, ...).
    Intrinsic(Box<Intrinsic>),
}

impl<T> Value<T> {
    /// Wraps an intrinsic function.
    pub fn intrinsic(f: Intrinsic) -> Self {
        Value::Intrinsic(Box::new(f))
    }

    /// `Fn::If`: `then` when the condition holds, `otherwise` when it does not.
    pub fn if_(condition: &ConditionName, then: Value<T>, otherwise: Value<T>) -> Self
    where
        T: Serialize,
    {
        Value::intrinsic(Intrinsic::If {
            condition: condition.0.clone(),
            then: to_json(&then),
            otherwise: to_json(&otherwise),
        })
    }

    /// `Ref` to `AWS::NoValue`: as a branch of [`Value::if_`], removes the property (or
    /// the list element) it stands for.
    pub fn no_value() -> Self {
        Pseudo::NoValue.value()
    }

    /// `Fn::If` with `AWS::NoValue` as the other branch: `value` when the condition holds,
    /// no property at all (or no list element) when it does not.
    pub fn only_if(condition: &ConditionName, value: Value<T>) -> Self
    where
        T: Serialize,
    {
        Value::if_(condition, value, Value::no_value())
    }

    /// `Fn::FindInMap`.
    pub fn find_in_map(
        map: impl Into<String>,
        top_key: impl Into<Value<String>>,
        second_key: impl Into<Value<String>>,
    ) -> Self {
        Value::intrinsic(Intrinsic::FindInMap {
            map: map.into(),
            top_key: top_key.into(),
            second_key: second_key.into(),
        })
    }

    /// `Fn::ImportValue`: an output exported by another stack.
    pub fn import_value(export_name: impl Into<Value<String>>) -> Self {
        Value::intrinsic(Intrinsic::ImportValue(export_name.into()))
    }
}

impl Value<String> {
    /// `Fn::Sub` with no variable map: `${Name}`, `${Resource.Attribute}` and pseudo
    /// parameters (`${AWS::Region}`) are substituted by CloudFormation.
    pub fn sub(template: impl Into<String>) -> Self {
        Value::intrinsic(Intrinsic::Sub {
            template: template.into(),
            variables: Vec::new(),
        })
    }

    /// `Fn::Sub` with a variable map.
    pub fn sub_with(
        template: impl Into<String>,
        variables: impl IntoIterator<Item = (String, Value<String>)>,
    ) -> Self {
        Value::intrinsic(Intrinsic::Sub {
            template: template.into(),
            variables: variables.into_iter().collect(),
        })
    }

    /// `Fn::Join`.
    pub fn join(
        delimiter: impl Into<String>,
        parts: impl IntoIterator<Item = Value<String>>,
    ) -> Self {
        Value::intrinsic(Intrinsic::Join {
            delimiter: delimiter.into(),
            parts: Value::Literal(parts.into_iter().collect()),
        })
    }

    /// `Fn::Join` of a whole list value, e.g. a `CommaDelimitedList` parameter:
    /// `{"Fn::Join": ["", {"Ref": "Accounts"}]}`.
    pub fn join_list(delimiter: impl Into<String>, list: Value<Vec<String>>) -> Self {
        let parts = match list {
            Value::Literal(items) => {
                Value::Literal(items.into_iter().map(Value::Literal).collect())
            }
            Value::Intrinsic(f) => Value::Intrinsic(f),
        };
        Value::intrinsic(Intrinsic::Join {
            delimiter: delimiter.into(),
            parts,
        })
    }

    /// `Fn::Select` of a list of strings.
    pub fn select(index: u32, list: Value<Vec<String>>) -> Self {
        Value::intrinsic(Intrinsic::Select {
            index,
            list: to_json(&list),
        })
    }

    /// `Fn::Base64`.
    pub fn base64(text: Value<String>) -> Self {
        Value::intrinsic(Intrinsic::Base64(text))
    }
}

impl Value<Vec<String>> {
    /// `Fn::Split`.
    pub fn split(delimiter: impl Into<String>, text: Value<String>) -> Self {
        Value::intrinsic(Intrinsic::Split {
            delimiter: delimiter.into(),
            text,
        })
    }

    /// `Fn::GetAZs` of a region (empty string: the stack's region).
    pub fn azs(region: Value<String>) -> Self {
        Value::intrinsic(Intrinsic::GetAZs(region))
    }
}

impl<T> From<T> for Value<T> {
    fn from(value: T) -> Self {
        Value::Literal(value)
    }
}

impl From<&str> for Value<String> {
    fn from(value: &str) -> Self {
        Value::Literal(value.to_owned())
    }
}

impl From<Intrinsic> for Value<String> {
    fn from(f: Intrinsic) -> Self {
        Value::intrinsic(f)
    }
}

impl<T: Serialize> Serialize for Value<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Literal(v) => v.serialize(s),
            Value::Intrinsic(f) => f.serialize(s),
        }
    }
}

/// The name of a condition declared in the template's `Conditions` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionName(pub(crate) String);

impl ConditionName {
    /// The condition's name.
    pub fn name(&self) -> &str {
        &self.0
    }
}

/// CloudFormation's pseudo parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pseudo {
    /// `AWS::AccountId`
    AccountId,
    /// `AWS::NotificationARNs`
    NotificationArns,
    /// `AWS::NoValue`: removes the property when used in `Fn::If`.
    NoValue,
    /// `AWS::Partition`
    Partition,
    /// `AWS::Region`
    Region,
    /// `AWS::StackId`
    StackId,
    /// `AWS::StackName`
    StackName,
    /// `AWS::URLSuffix`
    UrlSuffix,
}

impl Pseudo {
    /// Every pseudo parameter.
    pub const ALL: [Pseudo; 8] = [
        Pseudo::AccountId,
        Pseudo::NotificationArns,
        Pseudo::NoValue,
        Pseudo::Partition,
        Pseudo::Region,
        Pseudo::StackId,
        Pseudo::StackName,
        Pseudo::UrlSuffix,
    ];

    /// The name used in `Ref` and `${...}`.
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::NotificationArns => "AWS::NotificationARNs",
            Pseudo::NoValue => "AWS::NoValue",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::Region => "AWS::Region",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
        }
    }

    /// `Ref` to this pseudo parameter.
    pub fn value<T>(self) -> Value<T> {
        Value::intrinsic(Intrinsic::Ref(self.name().to_owned()))
    }

    /// Looks a pseudo parameter up by its name.
    pub fn from_name(name: &str) -> Option<Pseudo> {
        Pseudo::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// An intrinsic function. Build them through [`Value`]'s constructors and
/// [`Handle`](super::Handle)s rather than by hand, so that references stay valid.
#[derive(Clone, Debug, PartialEq)]
pub enum Intrinsic {
    /// `Ref` to a resource, a parameter or a pseudo parameter.
    Ref(String),
    /// `Fn::GetAtt` of a resource's attribute.
    GetAtt {
        /// Logical id of the resource.
        resource: String,
        /// Attribute name, e.g. `Arn`.
        attribute: String,
    },
    /// `Fn::Sub`.
    Sub {
        /// The string with `${...}` placeholders.
        template: String,
        /// Extra variables.
        variables: Vec<(String, Value<String>)>,
    },
    /// `Fn::Join`.
    Join {
        /// Put between the parts.
        delimiter: String,
        /// The parts: a list, or an intrinsic evaluating to one.
        parts: Value<Vec<Value<String>>>,
    },
    /// `Fn::Select`.
    Select {
        /// Zero-based index.
        index: u32,
        /// The list.
        list: Json,
    },
    /// `Fn::Split`.
    Split {
        /// Where to split.
        delimiter: String,
        /// The string to split.
        text: Value<String>,
    },
    /// `Fn::ImportValue`.
    ImportValue(Value<String>),
    /// `Fn::If`.
    If {
        /// Name of a declared condition.
        condition: String,
        /// Value when true.
        then: Json,
        /// Value when false.
        otherwise: Json,
    },
    /// `Fn::FindInMap`.
    FindInMap {
        /// Name of the mapping.
        map: String,
        /// First-level key.
        top_key: Value<String>,
        /// Second-level key.
        second_key: Value<String>,
    },
    /// `Fn::GetAZs`.
    GetAZs(Value<String>),
    /// `Fn::Base64`.
    Base64(Value<String>),
}

impl Serialize for Intrinsic {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        match self {
            Intrinsic::Ref(target) => map.serialize_entry("Ref", target)?,
            Intrinsic::GetAtt {
                resource,
                attribute,
            } => map.serialize_entry("Fn::GetAtt", &[resource, attribute])?,
            Intrinsic::Sub {
                template,
                variables,
            } if variables.is_empty() => map.serialize_entry("Fn::Sub", template)?,
            Intrinsic::Sub {
                template,
                variables,
            } => map.serialize_entry("Fn::Sub", &SubWithVariables(template, variables))?,
            Intrinsic::Join { delimiter, parts } => {
                map.serialize_entry("Fn::Join", &(delimiter, parts))?
            }
            Intrinsic::Select { index, list } => {
                map.serialize_entry("Fn::Select", &(index.to_string(), list))?
            }
            Intrinsic::Split { delimiter, text } => {
                map.serialize_entry("Fn::Split", &(delimiter, text))?
            }
            Intrinsic::ImportValue(name) => map.serialize_entry("Fn::ImportValue", name)?,
            Intrinsic::If {
                condition,
                then,
                otherwise,
            } => map.serialize_entry("Fn::If", &(condition, then, otherwise))?,
            Intrinsic::FindInMap {
                map: name,
                top_key,
                second_key,
            } => map.serialize_entry("Fn::FindInMap", &(name, top_key, second_key))?,
            Intrinsic::GetAZs(region) => map.serialize_entry("Fn::GetAZs", region)?,
            Intrinsic::Base64(text) => map.serialize_entry("Fn::Base64", text)?,
        }
        map.end()
    }
}

struct SubWithVariables<'a>(&'a String, &'a Vec<(String, Value<String>)>);

impl Serialize for SubWithVariables<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(self.0)?;
        seq.serialize_element(&Variables(self.1))?;
        seq.end()
    }
}

struct Variables<'a>(&'a Vec<(String, Value<String>)>);

impl Serialize for Variables<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Serializes a typed value into untyped JSON. Serializing the model's own types cannot
/// fail: they hold no maps with non-string keys and no non-finite floats.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Json {
    serde_json::to_value(value).expect("template values serialize to JSON")
}

/// A condition expression, for the template's `Conditions` section.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `Fn::Equals`.
    Equals(Value<String>, Value<String>),
    /// `Fn::Not`.
    Not(Box<Condition>),
    /// `Fn::And`.
    And(Vec<Condition>),
    /// `Fn::Or`.
    Or(Vec<Condition>),
    /// Another declared condition.
    Named(ConditionName),
    /// `Fn::Contains`: whether the list holds the value. Only in a rule's assertions.
    Contains(Vec<Value<String>>, Value<String>),
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        match self {
            Condition::Equals(a, b) => map.serialize_entry("Fn::Equals", &(a, b))?,
            Condition::Not(c) => map.serialize_entry("Fn::Not", &[c])?,
            Condition::And(cs) => map.serialize_entry("Fn::And", cs)?,
            Condition::Or(cs) => map.serialize_entry("Fn::Or", cs)?,
            Condition::Named(name) => map.serialize_entry("Condition", &name.0)?,
            Condition::Contains(list, value) => {
                map.serialize_entry("Fn::Contains", &(list, value))?
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intrinsics_serialize_in_cloudformation_syntax() {
        let v: Value<String> = Value::join(
            "",
            [
                Value::from("arn:"),
                Pseudo::Partition.value(),
                Value::sub("${AWS::Region}"),
            ],
        );
        assert_eq!(
            to_json(&v),
            json!({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, {"Fn::Sub": "${AWS::Region}"}]]})
        );
        let s = Value::sub_with("${A}-x", [("A".to_owned(), Value::from("b"))]);
        assert_eq!(to_json(&s), json!({"Fn::Sub": ["${A}-x", {"A": "b"}]}));
        let sel = Value::select(1, Value::split(",", Value::from("a,b")));
        assert_eq!(
            to_json(&sel),
            json!({"Fn::Select": ["1", {"Fn::Split": [",", "a,b"]}]})
        );
    }

    #[test]
    fn conditions_serialize() {
        let c = Condition::Not(Box::new(Condition::Equals(
            Pseudo::Region.value(),
            "cn-north-1".into(),
        )));
        assert_eq!(
            to_json(&c),
            json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "AWS::Region"}, "cn-north-1"]}]})
        );
        let cond = ConditionName("IsProd".into());
        let v: Value<i64> = Value::if_(&cond, 1.into(), 2.into());
        assert_eq!(to_json(&v), json!({"Fn::If": ["IsProd", 1, 2]}));
        let v: Value<Vec<String>> = Value::only_if(&cond, vec!["a".to_owned()].into());
        assert_eq!(
            to_json(&v),
            json!({"Fn::If": ["IsProd", ["a"], {"Ref": "AWS::NoValue"}]})
        );
        let accounts = ConditionName("Accounts".into());
        let c = Condition::Equals(
            "".into(),
            Value::join_list("", Value::intrinsic(Intrinsic::Ref(accounts.0))),
        );
        assert_eq!(
            to_json(&c),
            json!({"Fn::Equals": ["", {"Fn::Join": ["", {"Ref": "Accounts"}]}]})
        );
        let c = Condition::Not(Box::new(Condition::Contains(
            vec!["1".into(), "2".into()],
            Pseudo::Region.value(),
        )));
        assert_eq!(
            to_json(&c),
            json!({"Fn::Not": [{"Fn::Contains": [["1", "2"], {"Ref": "AWS::Region"}]}]})
        );
    }
}
