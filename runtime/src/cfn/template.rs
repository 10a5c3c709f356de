//! A CloudFormation template: its sections and the elements it declares.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::error::TemplateError;
use super::generic::{GenericHandle, GenericResource};
use super::resource::{Attributes, Handle, Resource, ResourceType};
use super::value::{to_json, Condition, ConditionName, Intrinsic, Json, Pseudo, Value};

/// A template parameter.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    /// The parameter type, e.g. `String` or `AWS::SSM::Parameter::Value<String>`.
    #[serde(rename = "Type")]
    pub type_name: String,
    /// Default value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Shown in the console.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The values it may take.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<String>,
    /// A regular expression its value has to match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    /// What the console says when the value breaks a constraint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint_description: Option<String>,
}

impl Parameter {
    /// A parameter of this type with a default value, the other fields empty.
    pub fn new(type_name: impl Into<String>, default: impl Into<String>) -> Self {
        Parameter {
            type_name: type_name.into(),
            default: Some(default.into()),
            description: None,
            allowed_values: Vec::new(),
            allowed_pattern: None,
            constraint_description: None,
        }
    }

    /// With a description, shown in the console.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// A typed reference to a declared parameter.
#[derive(Clone, Debug)]
pub struct ParameterName(String);

impl ParameterName {
    /// `Ref` to the parameter.
    pub fn value<T>(&self) -> Value<T> {
        Value::intrinsic(Intrinsic::Ref(self.0.clone()))
    }

    /// The `${Name}` placeholder, for [`Value::sub`].
    pub fn sub_ref(&self) -> String {
        format!("${{{}}}", self.0)
    }
}

/// A stack output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    /// What the output holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The value.
    pub value: Value<String>,
    /// Exported under this name, for `Fn::ImportValue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
}

/// The export of an output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Export {
    /// The export name, unique in the account and region.
    pub name: Value<String>,
}

/// A rule assertion, checked by CloudFormation before it creates or updates anything.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Assertion {
    /// The condition that must hold.
    pub assert: Condition,
    /// The message when it does not.
    pub assert_description: String,
}

/// A template rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rule {
    /// The assertions.
    pub assertions: Vec<Assertion>,
}
/// A mapping of the `Mappings` section: top-level key → second-level key → value.
pub type Mapping = BTreeMap<String, BTreeMap<String, Json>>;

/// A CloudFormation template.
///
/// Elements keep the order they were declared in, so the JSON is stable and readable.
/// [`Template::add`] is the only way to get a resource's [`Handle`], and a handle's
/// [`get_att`](Handle::get_att) only takes that resource type's attributes: a `Ref` or an
/// `Fn::GetAtt` to something that does not exist does not compile.
///
/// ```
/// use pipewright::cfn::resources::s3;
/// use pipewright::cfn::{Output, Template};
///
/// let mut template = Template::new();
/// template.set_description("Uploads");
/// let bucket = template.add("Uploads", s3::Bucket::new()).unwrap();
/// template
///     .add_output(
///         "UploadsArn",
///         Output {
///             description: None,
///             value: bucket.get_att(s3::BucketAttribute::Arn),
///             export: None,
///         },
///     )
///     .unwrap();
/// // A logical id is declared once.
/// assert!(template.add("Uploads", s3::Bucket::new()).is_err());
/// assert_eq!(template.check_references(), Ok(()));
///
/// let json: serde_json::Value = serde_json::from_str(&template.to_json_pretty()).unwrap();
/// assert_eq!(json["Resources"]["Uploads"]["Type"], "AWS::S3::Bucket");
/// assert_eq!(
///     json["Outputs"]["UploadsArn"]["Value"],
///     serde_json::json!({"Fn::GetAtt": ["Uploads", "Arn"]})
/// );
/// ```
#[derive(Clone, Debug, Default)]
pub struct Template {
    description: Option<String>,
    parameters: Vec<(String, Parameter)>,
    mappings: Vec<(String, Mapping)>,
    conditions: Vec<(String, Condition)>,
    rules: Vec<(String, Rule)>,
    resources: Vec<(String, Resource)>,
    outputs: Vec<(String, Output)>,
}

impl Template {
    /// An empty template.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the template's description.
    pub fn set_description(&mut self, description: impl Into<String>) {
        self.description = Some(description.into());
    }

    /// Declares a resource.
    pub fn add<R: ResourceType>(
        &mut self,
        logical_id: impl Into<String>,
        resource: R,
    ) -> Result<Handle<R>, TemplateError> {
        self.add_with(logical_id, resource, Attributes::new())
    }

    /// Declares a resource with attributes (`DependsOn`, `DeletionPolicy`, ...).
    pub fn add_with<R: ResourceType>(
        &mut self,
        logical_id: impl Into<String>,
        resource: R,
        attributes: Attributes,
    ) -> Result<Handle<R>, TemplateError> {
        let logical_id = self.claim(logical_id.into())?;
        self.resources.push((
            logical_id.clone(),
            Resource {
                type_name: Cow::Borrowed(R::TYPE_NAME),
                properties: to_json(&resource),
                attributes,
            },
        ));
        Ok(Handle {
            logical_id,
            _type: PhantomData,
        })
    }

    /// Declares a resource of any registry type, with attributes.
    pub fn add_generic(
        &mut self,
        logical_id: impl Into<String>,
        resource: GenericResource,
        attributes: Attributes,
    ) -> Result<GenericHandle, TemplateError> {
        let logical_id = self.claim(logical_id.into())?;
        let properties = to_json(&resource);
        self.resources.push((
            logical_id.clone(),
            Resource {
                type_name: Cow::Owned(resource.type_name.clone()),
                properties,
                attributes,
            },
        ));
        Ok(GenericHandle {
            logical_id,
            type_name: resource.type_name,
        })
    }

    /// Declares a parameter.
    pub fn add_parameter(
        &mut self,
        name: impl Into<String>,
        parameter: Parameter,
    ) -> Result<ParameterName, TemplateError> {
        let name = self.claim(name.into())?;
        self.parameters.push((name.clone(), parameter));
        Ok(ParameterName(name))
    }

    /// Declares a mapping (`Fn::FindInMap` reads it).
    pub fn add_mapping(
        &mut self,
        name: impl Into<String>,
        mapping: Mapping,
    ) -> Result<String, TemplateError> {
        let name = self.claim(name.into())?;
        self.mappings.push((name.clone(), mapping));
        Ok(name)
    }

    /// Declares a condition.
    pub fn add_condition(
        &mut self,
        name: impl Into<String>,
        condition: Condition,
    ) -> Result<ConditionName, TemplateError> {
        let name = self.claim(name.into())?;
        self.conditions.push((name.clone(), condition));
        Ok(ConditionName(name))
    }

    /// Declares a rule.
    pub fn add_rule(&mut self, name: impl Into<String>, rule: Rule) -> Result<(), TemplateError> {
        let name = self.claim(name.into())?;
        self.rules.push((name, rule));
        Ok(())
    }

    /// Declares an output.
    pub fn add_output(
        &mut self,
        name: impl Into<String>,
        output: Output,
    ) -> Result<(), TemplateError> {
        let name = self.claim(name.into())?;
        self.outputs.push((name, output));
        Ok(())
    }

    /// The declared resources, in declaration order.
    pub fn resources(&self) -> impl Iterator<Item = (&str, &Resource)> {
        self.resources.iter().map(|(id, r)| (id.as_str(), r))
    }

    /// The declared outputs, in declaration order.
    pub fn outputs(&self) -> impl Iterator<Item = (&str, &Output)> {
        self.outputs.iter().map(|(id, o)| (id.as_str(), o))
    }

    /// The resource with this logical id.
    pub fn resource(&self, logical_id: &str) -> Option<&Resource> {
        self.resources
            .iter()
            .find(|(id, _)| id == logical_id)
            .map(|(_, r)| r)
    }

    /// The template as pretty-printed JSON, the form `synth` writes.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("templates serialize to JSON")
    }

    /// Every `Ref`, `Fn::GetAtt`, `${...}` placeholder, `DependsOn` and condition name
    /// that names nothing declared in the template.
    pub fn check_references(&self) -> Result<(), Vec<TemplateError>> {
        super::references::check(&to_json(self))
    }

    // Logical ids, parameter, mapping, condition, rule and output names share one
    // namespace in a template: CloudFormation rejects a duplicate across sections.
    fn claim(&self, name: String) -> Result<String, TemplateError> {
        let valid = !name.is_empty()
            && name.len() <= 255
            && name.bytes().all(|b| b.is_ascii_alphanumeric());
        if !valid {
            return Err(TemplateError::InvalidLogicalId(name));
        }
        let taken = self
            .parameters
            .iter()
            .map(|(n, _)| n)
            .chain(self.mappings.iter().map(|(n, _)| n))
            .chain(self.conditions.iter().map(|(n, _)| n))
            .chain(self.rules.iter().map(|(n, _)| n))
            .chain(self.resources.iter().map(|(n, _)| n))
            .chain(self.outputs.iter().map(|(n, _)| n))
            .any(|n| *n == name);
        if taken || Pseudo::from_name(&name).is_some() {
            return Err(TemplateError::DuplicateLogicalId(name));
        }
        Ok(name)
    }
}

struct Section<'a, T>(&'a [(String, T)]);

impl<T: Serialize> Serialize for Section<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("AWSTemplateFormatVersion", "2010-09-09")?;
        if let Some(d) = &self.description {
            map.serialize_entry("Description", d)?;
        }
        if !self.parameters.is_empty() {
            map.serialize_entry("Parameters", &Section(&self.parameters))?;
        }
        if !self.mappings.is_empty() {
            map.serialize_entry("Mappings", &Section(&self.mappings))?;
        }
        if !self.conditions.is_empty() {
            map.serialize_entry("Conditions", &Section(&self.conditions))?;
        }
        if !self.rules.is_empty() {
            map.serialize_entry("Rules", &Section(&self.rules))?;
        }
        map.serialize_entry("Resources", &Section(&self.resources))?;
        if !self.outputs.is_empty() {
            map.serialize_entry("Outputs", &Section(&self.outputs))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::generic::Property;
    use crate::cfn::{Attributes, RemovalPolicy};
    use serde_json::json;

    #[test]
    fn a_generic_resource_renders_its_type_properties_and_references() {
        let mut t = Template::new();
        let pool = t
            .add_generic(
                "Users",
                GenericResource {
                    type_name: "AWS::Cognito::UserPool".into(),
                    properties: vec![("UserPoolName".into(), Property::String("users".into()))],
                },
                Attributes::new().removal_policy(RemovalPolicy::Retain),
            )
            .unwrap();
        t.add_generic(
            "Client",
            GenericResource {
                type_name: "AWS::Cognito::UserPoolClient".into(),
                properties: vec![
                    ("UserPoolId".into(), pool.reference::<String>().into()),
                    (
                        "Scopes".into(),
                        Property::List(vec![Property::Integer(1), Property::Bool(true)]),
                    ),
                    (
                        "Arn".into(),
                        Property::Object(vec![("A".into(), pool.get_att::<String>("Arn").into())]),
                    ),
                ],
            },
            Attributes::new(),
        )
        .unwrap();
        assert_eq!(t.check_references(), Ok(()));
        let json: serde_json::Value = serde_json::from_str(&t.to_json_pretty()).unwrap();
        assert_eq!(
            json["Resources"]["Users"],
            json!({"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": "users"},
                   "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
        );
        assert_eq!(
            json["Resources"]["Client"]["Properties"],
            json!({"UserPoolId": {"Ref": "Users"}, "Scopes": [1, true],
                   "Arn": {"A": {"Fn::GetAtt": ["Users", "Arn"]}}})
        );
        assert_eq!(pool.type_name(), "AWS::Cognito::UserPool");
    }
}
