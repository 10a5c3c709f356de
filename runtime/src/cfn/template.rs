//! A CloudFormation template and the typed handles to what it declares.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::value::{to_json, Condition, ConditionName, Intrinsic, Json, Pseudo, Value};

/// A resource type of the CloudFormation registry, e.g. `AWS::Lambda::Function`.
///
/// The structs in [`resources`](super::resources) implement it; they are generated from
/// the registry schemas, with one variant of [`ResourceType::Attribute`] per attribute
/// that `Fn::GetAtt` accepts.
pub trait ResourceType: Serialize {
    /// The registry name, e.g. `AWS::Lambda::Function`.
    const TYPE_NAME: &'static str;
    /// The attributes `Fn::GetAtt` can read from this type.
    type Attribute: Attribute;
}

/// An attribute of a resource type, for `Fn::GetAtt`.
pub trait Attribute: Copy {
    /// The attribute's name in `Fn::GetAtt`, e.g. `Arn` or `SnapStartResponse.ApplyOn`.
    fn name(self) -> &'static str;
}

/// A typed reference to a resource declared in a [`Template`]. Only
/// [`Template::add`] creates them, so every `Ref` and `Fn::GetAtt` built from a
/// handle names a resource that exists, with an attribute its type has.
pub struct Handle<R> {
    logical_id: String,
    _type: PhantomData<fn() -> R>,
}

impl<R> Clone for Handle<R> {
    fn clone(&self) -> Self {
        Handle {
            logical_id: self.logical_id.clone(),
            _type: PhantomData,
        }
    }
}

impl<R> fmt::Debug for Handle<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Handle({})", self.logical_id)
    }
}

impl<R: ResourceType> Handle<R> {
    /// The resource's logical id.
    pub fn logical_id(&self) -> &str {
        &self.logical_id
    }

    /// `Ref` to the resource: what it returns depends on the type (a name, an id, an ARN).
    pub fn reference<T>(&self) -> Value<T> {
        Value::intrinsic(Intrinsic::Ref(self.logical_id.clone()))
    }

    /// `Fn::GetAtt` of one of the type's attributes.
    pub fn get_att<T>(&self, attribute: R::Attribute) -> Value<T> {
        Value::intrinsic(Intrinsic::GetAtt {
            resource: self.logical_id.clone(),
            attribute: attribute.name().to_owned(),
        })
    }

    /// The `${LogicalId.Attribute}` placeholder of an attribute, for [`Value::sub`].
    pub fn sub_att(&self, attribute: R::Attribute) -> String {
        format!("${{{}.{}}}", self.logical_id, attribute.name())
    }

    /// The `${LogicalId}` placeholder (a `Ref`), for [`Value::sub`].
    pub fn sub_ref(&self) -> String {
        format!("${{{}}}", self.logical_id)
    }
}

/// What to do with a resource's physical resource when it is deleted or replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RemovalPolicy {
    /// Delete it (CloudFormation's default).
    Delete,
    /// Keep it, outside the stack.
    Retain,
    /// Keep it unless the whole stack is deleted.
    RetainExceptOnCreate,
    /// Snapshot it, then delete it (only for types that snapshot).
    Snapshot,
}

/// `UpdatePolicy` of a resource.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum UpdatePolicy {
    /// CodeDeploy shifts traffic to a `AWS::Lambda::Alias`'s new version.
    #[serde(rename = "CodeDeployLambdaAliasUpdate")]
    CodeDeployLambdaAliasUpdate {
        /// The CodeDeploy application.
        #[serde(rename = "ApplicationName")]
        application_name: Value<String>,
        /// The deployment group that runs the traffic shift.
        #[serde(rename = "DeploymentGroupName")]
        deployment_group_name: Value<String>,
        /// Lambda function run before traffic shifts.
        #[serde(
            rename = "BeforeAllowTrafficHook",
            skip_serializing_if = "Option::is_none"
        )]
        before_allow_traffic_hook: Option<Value<String>>,
        /// Lambda function run after traffic shifted.
        #[serde(
            rename = "AfterAllowTrafficHook",
            skip_serializing_if = "Option::is_none"
        )]
        after_allow_traffic_hook: Option<Value<String>>,
    },
}

/// The resource attributes that are not properties: `DependsOn`, `Condition`,
/// `DeletionPolicy`, `UpdateReplacePolicy`, `UpdatePolicy`, `Metadata`.
#[derive(Clone, Debug, Default)]
pub struct Attributes {
    depends_on: Vec<String>,
    condition: Option<String>,
    deletion_policy: Option<RemovalPolicy>,
    update_replace_policy: Option<RemovalPolicy>,
    update_policy: Option<UpdatePolicy>,
    metadata: Option<Metadata>,
}

impl Attributes {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates the resource after another one. Only for dependencies that no `Ref` or
    /// `Fn::GetAtt` already implies (cfn-lint W3005 flags redundant ones).
    pub fn depends_on<R: ResourceType>(mut self, other: &Handle<R>) -> Self {
        self.depends_on.push(other.logical_id.clone());
        self
    }

    /// Creates the resource only when the condition holds.
    pub fn condition(mut self, condition: &ConditionName) -> Self {
        self.condition = Some(condition.0.clone());
        self
    }

    /// Sets both `DeletionPolicy` and `UpdateReplacePolicy`.
    pub fn removal_policy(mut self, policy: RemovalPolicy) -> Self {
        self.deletion_policy = Some(policy);
        self.update_replace_policy = Some(policy);
        self
    }

    /// Sets the `UpdatePolicy`.
    pub fn update_policy(mut self, policy: UpdatePolicy) -> Self {
        self.update_policy = Some(policy);
        self
    }

    /// Sets the `Metadata`.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// A resource's `Metadata`: what tools reading the template make of the resource.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Metadata {
    /// What checkov reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkov: Option<CheckovMetadata>,
}

impl Metadata {
    /// Metadata that skips checkov checks, each `(id, comment)` with the reason it does not
    /// apply: the justification travels with the template.
    pub fn checkov_skips(skips: &[(&str, &str)]) -> Self {
        Metadata {
            checkov: Some(CheckovMetadata {
                skip: skips
                    .iter()
                    .map(|(id, comment)| CheckovSkip {
                        id: (*id).to_owned(),
                        comment: (*comment).to_owned(),
                    })
                    .collect(),
            }),
        }
    }
}

/// checkov's part of a resource's [`Metadata`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CheckovMetadata {
    /// The checks skipped on this resource.
    pub skip: Vec<CheckovSkip>,
}

/// A skipped checkov check and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckovSkip {
    /// The check, e.g. `CKV_AWS_18`.
    pub id: String,
    /// Why it does not apply.
    pub comment: String,
}

/// A declared resource: its type, its properties and its attributes.
#[derive(Clone, Debug)]
pub struct Resource {
    type_name: &'static str,
    properties: Json,
    attributes: Attributes,
}

impl Resource {
    /// The registry type name.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The properties, as they are written in the template.
    pub fn properties(&self) -> &Json {
        &self.properties
    }

    /// Logical ids this resource explicitly depends on.
    pub fn depends_on(&self) -> &[String] {
        &self.attributes.depends_on
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = &self.attributes;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("Type", self.type_name)?;
        if let Some(c) = &a.condition {
            map.serialize_entry("Condition", c)?;
        }
        if self.properties.as_object().is_some_and(|p| !p.is_empty()) {
            map.serialize_entry("Properties", &self.properties)?;
        }
        if !a.depends_on.is_empty() {
            map.serialize_entry("DependsOn", &a.depends_on)?;
        }
        if let Some(p) = &a.update_policy {
            map.serialize_entry("UpdatePolicy", p)?;
        }
        if let Some(p) = &a.update_replace_policy {
            map.serialize_entry("UpdateReplacePolicy", p)?;
        }
        if let Some(p) = &a.deletion_policy {
            map.serialize_entry("DeletionPolicy", p)?;
        }
        if let Some(m) = &a.metadata {
            map.serialize_entry("Metadata", m)?;
        }
        map.end()
    }
}

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

/// What went wrong while building a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateError {
    /// A logical id is used twice.
    DuplicateLogicalId(String),
    /// A logical id is not 1 to 255 ASCII letters and digits.
    InvalidLogicalId(String),
    /// A `Ref`, `Fn::GetAtt`, `${...}`, `DependsOn` or condition names nothing declared.
    Unresolved {
        /// The element holding the reference (`Resources.X`, `Outputs.Y`).
        location: String,
        /// What it refers to.
        target: String,
    },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::DuplicateLogicalId(id) => {
                write!(f, "two elements of the template have the logical id `{id}`")
            }
            TemplateError::InvalidLogicalId(id) => {
                write!(
                    f,
                    "logical id `{id}` is not 1 to 255 ASCII letters and digits"
                )
            }
            TemplateError::Unresolved { location, target } => {
                write!(
                    f,
                    "{location} refers to `{target}`, which the template does not declare"
                )
            }
        }
    }
}

impl std::error::Error for TemplateError {}

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
                type_name: R::TYPE_NAME,
                properties: to_json(&resource),
                attributes,
            },
        ));
        Ok(Handle {
            logical_id,
            _type: PhantomData,
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
