//! The typed CloudFormation model: templates, values and intrinsic functions, IAM policy
//! documents, and one struct per resource type the project emits (generated from the
//! CloudFormation registry schemas by `runtime/codegen`).

mod policy;
mod references;
pub mod resources;
mod template;
mod value;

pub use policy::{Effect, PolicyDocument, Principal, Statement};
pub use references::{check as check_references, targets as reference_targets};
pub use template::{
    Assertion, Attribute, Attributes, Export, Handle, Mapping, Output, Parameter, ParameterName,
    RemovalPolicy, Resource, ResourceType, Rule, Template, TemplateError, UpdatePolicy,
};
pub(crate) use value::to_json as value_json;
pub use value::{Condition, ConditionName, Intrinsic, Json, Pseudo, Value};
