//! A declared resource: its type, its attributes, and the typed handle to it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::value::{ConditionName, Intrinsic, Json, Value};

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

/// A typed reference to a resource declared in a [`Template`](super::Template). Only
/// [`Template::add`](super::Template::add) creates them, so every `Ref` and `Fn::GetAtt`
/// built from a handle names a resource that exists, with an attribute its type has.
pub struct Handle<R> {
    pub(super) logical_id: String,
    pub(super) _type: PhantomData<fn() -> R>,
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

    /// Creates the resource after another one, named by its logical id: for a `resource`
    /// block's `depends_on`, whose blocks may be of any kind. [`check`](super::check_references)
    /// reports an id the template does not declare.
    pub fn depends_on_id(mut self, logical_id: impl Into<String>) -> Self {
        self.depends_on.push(logical_id.into());
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
    pub(super) type_name: Cow<'static, str>,
    pub(super) properties: Json,
    pub(super) attributes: Attributes,
}

impl Resource {
    /// The registry type name.
    pub fn type_name(&self) -> &str {
        &self.type_name
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
        map.serialize_entry("Type", &self.type_name)?;
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
