//! A resource of any registry type, for the `resource` block: its type is a string and its
//! properties a tree of [`Property`] values, whose references are the same [`Intrinsic`]s
//! as the generated types'. The macro checks the properties against the type's registry
//! schema before it builds one; here they are only rendered.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::value::{Intrinsic, Value};

/// A property value of a [`GenericResource`].
#[derive(Clone, Debug, PartialEq)]
pub enum Property {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Integer(i64),
    /// A number with a fraction.
    Number(f64),
    /// A string.
    String(String),
    /// A list.
    List(Vec<Property>),
    /// An object, its keys in the order written.
    Object(Vec<(String, Property)>),
    /// `Ref`, `Fn::GetAtt`, ...: built from a [`GenericHandle`] or another handle.
    Intrinsic(Box<Intrinsic>),
}

impl From<Value<String>> for Property {
    fn from(value: Value<String>) -> Self {
        match value {
            Value::Literal(text) => Property::String(text),
            Value::Intrinsic(f) => Property::Intrinsic(f),
        }
    }
}

impl Serialize for Property {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Property::Bool(b) => s.serialize_bool(*b),
            Property::Integer(i) => s.serialize_i64(*i),
            Property::Number(n) => s.serialize_f64(*n),
            Property::String(text) => s.serialize_str(text),
            Property::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Property::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            Property::Intrinsic(f) => f.serialize(s),
        }
    }
}

/// A resource of any registry type, e.g. `AWS::Cognito::UserPool`: what CDK calls a
/// `CfnResource`. Declared with [`Template::add_generic`](super::Template::add_generic).
#[derive(Clone, Debug, PartialEq)]
pub struct GenericResource {
    /// The registry type name.
    pub type_name: String,
    /// Its properties, in the order written.
    pub properties: Vec<(String, Property)>,
}

impl Serialize for GenericResource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.properties.len()))?;
        for (key, value) in &self.properties {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The handle of a [`GenericResource`]: its attributes are not known to the type system
/// (the macro checks them against the schema), so [`GenericHandle::get_att`] takes a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenericHandle {
    pub(super) logical_id: String,
    pub(super) type_name: String,
}

impl GenericHandle {
    /// The resource's logical id.
    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// Its registry type name.
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// `Ref` to the resource.
    pub fn reference<T>(&self) -> Value<T> {
        Value::intrinsic(Intrinsic::Ref(self.logical_id.clone()))
    }

    /// `Fn::GetAtt` of one of its attributes, by name.
    pub fn get_att<T>(&self, attribute: &str) -> Value<T> {
        Value::intrinsic(Intrinsic::GetAtt {
            resource: self.logical_id.clone(),
            attribute: attribute.to_owned(),
        })
    }
}
