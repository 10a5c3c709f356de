//! The typed CloudFormation model: templates, values and intrinsic functions, IAM policy
//! documents, and one struct per resource type the project emits (generated from the
//! CloudFormation registry schemas by `runtime/codegen`).

pub mod actions;
mod policy;
mod references;
pub mod resources;
mod template;
mod value;

pub use actions::ActionConfiguration;
pub use policy::{
    ConditionOperator, ConditionValues, Effect, PolicyDocument, Principal, Statement,
    StatementConditions,
};
pub use references::{check as check_references, targets as reference_targets};
pub use template::{
    Assertion, Attribute, Attributes, CheckovMetadata, CheckovSkip, Export, Handle, Mapping,
    Metadata, Output, Parameter, ParameterName, RemovalPolicy, Resource, ResourceType, Rule,
    Template, TemplateError, UpdatePolicy,
};
pub use value::{Condition, ConditionName, Intrinsic, Json, Pseudo, Value};
