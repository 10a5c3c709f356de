//! The typed CloudFormation model: templates, values and intrinsic functions, IAM policy
//! documents, and one struct per resource type the project emits (generated from the
//! CloudFormation registry schemas by `runtime/codegen`).

pub mod actions;
mod create_only;
mod error;
mod generic;
mod policy;
mod references;
mod resource;
pub mod resources;
mod template;
mod value;

pub use actions::ActionConfiguration;
pub use create_only::{create_only_properties, replacing_properties, REPLACING_BEYOND_THE_SCHEMA};
pub use error::TemplateError;
pub use generic::{GenericHandle, GenericResource, Property};
pub use policy::{
    ConditionOperator, ConditionValues, Effect, PolicyDocument, Principal, Statement,
    StatementConditions,
};
pub use references::{check as check_references, targets as reference_targets};
pub use resource::{
    Attribute, Attributes, CheckovMetadata, CheckovSkip, Handle, Metadata, RemovalPolicy, Resource,
    ResourceType, UpdatePolicy,
};
pub use template::{Assertion, Export, Mapping, Output, Parameter, ParameterName, Rule, Template};
pub use value::{Condition, ConditionName, Intrinsic, Json, Pseudo, Value};
