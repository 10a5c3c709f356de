//! A `resource` block: a [`GenericResource`] of its registry type, as CDK's `CfnResource`
//! renders it (the properties as written, `Ref` and `Fn::GetAtt` for the blocks they
//! name), with the removal policy of its block and its `DependsOn`.

use crate::cfn::{
    Attributes, GenericHandle, GenericResource, Intrinsic, Property, Template, TemplateError,
};
use crate::spec::{MemberKind, PropertyValue, Resource, Stack};

use super::safeguards::removal_policy;

/// `<Resource>`: the block's name is its logical id, as a CDK user names an L1 construct.
pub(super) fn resource(
    t: &mut Template,
    stack: &Stack,
    spec: &Resource,
) -> Result<GenericHandle, TemplateError> {
    let properties = spec
        .properties
        .iter()
        .map(|(key, value)| Ok((key.clone(), property(stack, value)?)))
        .collect::<Result<_, TemplateError>>()?;
    let mut attributes = Attributes::new().removal_policy(removal_policy(spec.removal));
    for block in &spec.depends_on {
        attributes = attributes.depends_on_id(logical_id(stack, block)?);
    }
    t.add_generic(
        spec.name.clone(),
        GenericResource {
            type_name: spec.type_name.clone(),
            properties,
        },
        attributes,
    )
}

/// A property value of the model as a template value.
fn property(stack: &Stack, value: &PropertyValue) -> Result<Property, TemplateError> {
    Ok(match value {
        PropertyValue::Bool(b) => Property::Bool(*b),
        PropertyValue::Integer(n) => Property::Integer(*n),
        PropertyValue::Number(n) => Property::Number(*n),
        PropertyValue::String(s) => Property::String(s.clone()),
        PropertyValue::List(items) => Property::List(
            items
                .iter()
                .map(|i| property(stack, i))
                .collect::<Result<_, _>>()?,
        ),
        PropertyValue::Object(entries) => Property::Object(
            entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), property(stack, v)?)))
                .collect::<Result<_, TemplateError>>()?,
        ),
        PropertyValue::Ref(block) => {
            Property::Intrinsic(Box::new(Intrinsic::Ref(logical_id(stack, block)?)))
        }
        PropertyValue::GetAtt(block, attribute) => {
            Property::Intrinsic(Box::new(Intrinsic::GetAtt {
                resource: logical_id(stack, block)?,
                attribute: attribute.clone(),
            }))
        }
    })
}

/// The logical id of the main resource of a block: what `ref`, `get_att` and `depends_on`
/// name (the template's reference check verifies it is declared).
pub(super) fn logical_id(stack: &Stack, block: &str) -> Result<String, TemplateError> {
    let suffix = match stack.kind_of(block) {
        Some(MemberKind::Resource | MemberKind::Api) => "",
        Some(MemberKind::Table) => "Table",
        Some(MemberKind::Queue) => "Queue",
        Some(MemberKind::Bucket) => "Bucket",
        Some(MemberKind::Topic) => "Topic",
        Some(MemberKind::Lambda) => "Function",
        None => {
            return Err(TemplateError::Unresolved {
                location: format!("Resources.{block}"),
                target: block.to_owned(),
            })
        }
    };
    Ok(format!("{block}{suffix}"))
}
