//! The references of a `resource` block's properties: `{ ref: NAME }` and
//! `{ get_att: [NAME, "Attribute"] }`, checked against the stack's blocks and the attributes
//! their types have.

use pipewright::spec::{MemberKind, PropertyValue};
use proc_macro2::Span;
use syn::spanned::Spanned as _;

use super::Check;
use crate::diagnostics::{did_you_mean_or, list};
use crate::registry;
use crate::syntax::Value;

/// The blocks of the stack a `resource` may refer to, with their kinds.
pub(in crate::lower) struct Referable<'a> {
    pub(in crate::lower) stack: &'a str,
    pub(in crate::lower) names: &'a [(String, MemberKind)],
    /// The type each `resource` block of the stack writes, for `get_att`s between them.
    pub(in crate::lower) types: &'a [(String, String)],
}

/// The kind of the block `target` names; reports a name that is no block of the stack.
pub(in crate::lower) fn resolve(
    diag: &mut crate::diagnostics::Diagnostics,
    refs: &Referable<'_>,
    target: &str,
    span: Span,
    from: &str,
) -> Option<MemberKind> {
    if let Some((_, kind)) = refs.names.iter().find(|(n, _)| n == target) {
        if target == from {
            diag.error(span, format!("resource `{from}` cannot refer to itself"));
            return None;
        }
        return Some(*kind);
    }
    let names: Vec<&str> = refs.names.iter().map(|(n, _)| n.as_str()).collect();
    let hint = did_you_mean_or(target, &names, || match &names[..] {
        [] => String::new(),
        _ => format!("; its blocks are {}", list(&names)),
    });
    diag.error(
        span,
        format!("no block `{target}` in stack `{}`{hint}", refs.stack),
    );
    None
}

impl Check<'_> {
    /// `{ ref: NAME }` or `{ get_att: [NAME, "Attribute"] }`: `Some` when the value is one
    /// (`Some(None)` after an error).
    pub(super) fn reference(&mut self, value: &Value) -> Option<Option<PropertyValue>> {
        let Value::Group(group) = value else {
            return None;
        };
        let [field] = &group.fields[..] else {
            return None;
        };
        match field.name.text().as_str() {
            "ref" => Some(self.ref_target(&field.value).map(PropertyValue::Ref)),
            "get_att" => Some(self.get_att(&field.value)),
            _ => None,
        }
    }

    fn ref_target(&mut self, value: &Value) -> Option<String> {
        let Value::Ident(target) = value else {
            self.error(
                value.span(),
                format!(
                    "`ref` names a block of the stack, found {}",
                    value.describe()
                ),
            );
            return None;
        };
        let name = target.to_string();
        resolve_into(self, &name, target.span())?;
        Some(name)
    }

    fn get_att(&mut self, value: &Value) -> Option<PropertyValue> {
        let usage = "`get_att` is `[NAME, \"Attribute\"]`";
        let Value::List(items) = value else {
            self.error(value.span(), format!("{usage}, found {}", value.describe()));
            return None;
        };
        let items: Vec<&Value> = items.items.iter().collect();
        let [Value::Ident(target), Value::Str(attribute)] = items[..] else {
            self.error(
                value.span(),
                format!("{usage}: a block name, then a string"),
            );
            return None;
        };
        let name = self.ref_target(&Value::Ident(target.clone()))?;
        let attribute_name = attribute.value();
        let kind = self
            .refs
            .names
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)?;
        let known = self.attributes_of(&name, kind);
        let accepted = known.as_ref().is_none_or(|(_, names)| {
            names.iter().any(|a| match a.strip_suffix(".*") {
                Some(prefix) => attribute_name.starts_with(prefix),
                None => *a == attribute_name,
            })
        });
        if let (false, Some((type_name, names))) = (accepted, known) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let hint = did_you_mean_or(&attribute_name, &names, || match &names[..] {
                [] => "; it has none".to_owned(),
                _ => format!("; its attributes are {}", list(&names)),
            });
            self.error(
                attribute.span(),
                format!(
                    "`get_att` cannot read `{attribute_name}` of `{name}` (`{type_name}`){hint}"
                ),
            );
            return None;
        }
        Some(PropertyValue::GetAtt(name, attribute_name))
    }

    /// The type and attributes of the block `name`; `None` when not known here (a
    /// `resource` of an unknown type, reported already).
    fn attributes_of(&self, name: &str, kind: MemberKind) -> Option<(String, Vec<String>)> {
        let type_name = match kind {
            MemberKind::Resource => self.refs_type(name)?,
            other => first_class_type(other)?.to_owned(),
        };
        let names = match registry::schema(&type_name) {
            Some(schema) => schema.attributes().into_iter().map(str::to_owned).collect(),
            None => return None,
        };
        Some((type_name, names))
    }

    fn refs_type(&self, name: &str) -> Option<String> {
        self.refs
            .types
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
    }
}

fn resolve_into(check: &mut Check<'_>, name: &str, span: Span) -> Option<MemberKind> {
    let mut errors = crate::diagnostics::Diagnostics::new();
    let kind = resolve(&mut errors, check.refs, name, span, check.block);
    if let Err(e) = errors.finish() {
        check.errors.push(e);
    }
    kind
}

/// The registry type of a first-class block's main resource, for `get_att`.
fn first_class_type(kind: MemberKind) -> Option<&'static str> {
    Some(match kind {
        MemberKind::Table => "AWS::DynamoDB::Table",
        MemberKind::Queue => "AWS::SQS::Queue",
        MemberKind::Bucket => "AWS::S3::Bucket",
        MemberKind::Topic => "AWS::SNS::Topic",
        MemberKind::Lambda => "AWS::Lambda::Function",
        MemberKind::Api => "AWS::ApiGateway::RestApi",
        MemberKind::Resource => return None,
    })
}
