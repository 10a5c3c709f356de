//! The check of a `resource` block's properties against its type's registry schema: JSON
//! types, enums, ranges, lengths, simple patterns, read-only properties, nested groups
//! through `$ref`, `allOf` and `oneOf`/`anyOf`, and the `ref`/`get_att` references.

use std::sync::Arc;

use pipewright::spec::PropertyValue;
use proc_macro2::Span;
use serde_json::Value as Json;
use syn::spanned::Spanned as _;

mod references;

pub(super) use references::{resolve, Referable};

use crate::diagnostics::{closest, did_you_mean_or, list};
use crate::registry::Schema;
use crate::syntax::{Field, GroupValue, Value};

/// How deep `$ref`s may chain before the checker stops following them (a recursive
/// definition would otherwise loop).
const MAX_REF_CHAIN: usize = 16;

/// The checker of one resource's properties against its schema. Errors are collected
/// here so that the alternatives of a `oneOf` can be tried quietly.
pub(super) struct Check<'a> {
    schema: &'a Arc<Schema>,
    refs: &'a Referable<'a>,
    block: &'a str,
    /// What the check found.
    pub(super) errors: Vec<syn::Error>,
}

impl<'a> Check<'a> {
    pub(super) fn new(schema: &'a Arc<Schema>, refs: &'a Referable<'a>, block: &'a str) -> Self {
        Check {
            schema,
            refs,
            block,
            errors: Vec::new(),
        }
    }

    fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// `properties: { ... }`, the top level of the schema.
    pub(super) fn properties(&mut self, field: &Field) -> Vec<(String, PropertyValue)> {
        let Value::Group(group) = &field.value else {
            self.error(
                field.value_span(),
                format!(
                    "`properties` expects a group `{{ Name: value, ... }}`, found {}",
                    field.value.describe()
                ),
            );
            return Vec::new();
        };
        let root = self.schema.json();
        self.object(&group.fields, root, &mut Vec::new(), field.name_span())
    }

    /// What a property is called in messages: `Endpoint.Port` of `AWS::X::Y`.
    fn named(&self, path: &[String]) -> String {
        let path: Vec<&str> = path
            .iter()
            .map(String::as_str)
            .filter(|p| *p != "*")
            .collect();
        format!("`{}` of `{}`", path.join("."), self.schema.type_name())
    }

    /// The schema, apart from the borrow of the checker.
    fn shared(&self) -> Arc<Schema> {
        Arc::clone(self.schema)
    }

    /// One value against one schema node, as the model has it; `None` after an error.
    fn value(
        &mut self,
        value: &Value,
        node: &Json,
        path: &mut Vec<String>,
    ) -> Option<PropertyValue> {
        if let Some(reference) = self.reference(value) {
            return reference;
        }
        let schema = self.shared();
        let node = resolved(&schema, node);
        for all in node
            .get("allOf")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            self.value(value, all, path)?;
        }
        let alternatives = node
            .get("oneOf")
            .or_else(|| node.get("anyOf"))
            .and_then(Json::as_array);
        if let Some(alternatives) = alternatives {
            return self.alternatives(value, node, alternatives, path);
        }
        let literal = self.literal(value, node, path)?;
        self.constraints(value, &literal, node, path);
        Some(literal)
    }

    /// A value against a `oneOf`/`anyOf`: the first alternative it satisfies, else the
    /// mistakes of the alternative it comes closest to.
    fn alternatives(
        &mut self,
        value: &Value,
        node: &Json,
        alternatives: &[Json],
        path: &mut Vec<String>,
    ) -> Option<PropertyValue> {
        let outer = std::mem::take(&mut self.errors);
        let mut best: Option<Vec<syn::Error>> = None;
        let mut found = None;
        for alternative in alternatives {
            // An alternative adds to what the node says (its `type`, `properties`).
            let schema = self.shared();
            let merged = merge(node, resolved(&schema, alternative));
            let result = self.value(value, &merged, path);
            let errors = std::mem::take(&mut self.errors);
            if errors.is_empty() {
                found = result;
                best = None;
                break;
            }
            if best.as_ref().is_none_or(|b| errors.len() < b.len()) {
                best = Some(errors);
            }
        }
        self.errors = outer;
        self.errors.extend(best.into_iter().flatten());
        found
    }

    /// The value as the model has it, its JSON type checked against the node's.
    fn literal(
        &mut self,
        value: &Value,
        node: &Json,
        path: &mut Vec<String>,
    ) -> Option<PropertyValue> {
        let expected = expected_types(node);
        let (found, literal) = match value {
            Value::Str(s) => ("string", PropertyValue::String(s.value())),
            Value::Bool(b) => ("boolean", PropertyValue::Bool(b.value)),
            Value::Int(i) if i.lit.suffix().is_empty() => {
                let digits = i.lit.base10_digits();
                let text = match i.minus {
                    Some(_) => format!("-{digits}"),
                    None => digits.to_owned(),
                };
                match text.parse::<i64>() {
                    Ok(n) => ("integer", PropertyValue::Integer(n)),
                    Err(_) => {
                        self.error(value.span(), "integer out of range");
                        return None;
                    }
                }
            }
            Value::Float(f) => match f.base10_parse::<f64>() {
                Ok(n) => ("number", PropertyValue::Number(n)),
                Err(e) => {
                    self.error(value.span(), e);
                    return None;
                }
            },
            Value::List(l) => {
                if !type_accepts(&expected, "array") {
                    return self.wrong_type(value, &expected, path);
                }
                let items = node.get("items").cloned().unwrap_or(Json::Bool(true));
                let mut out = Vec::new();
                path.push("*".to_owned());
                for item in &l.items {
                    out.extend(self.value(item, &items, path));
                }
                path.pop();
                return Some(PropertyValue::List(out));
            }
            Value::Group(g) => {
                if !type_accepts(&expected, "object") {
                    return self.wrong_type(value, &expected, path);
                }
                return Some(PropertyValue::Object(self.group(g, node, path)));
            }
            Value::Ident(i) => {
                self.error(
                    i.span(),
                    format!(
                        "{} expects {}, found a name: write a string in quotes, or `{{ ref: {i} }}` for a block of the stack",
                        self.named(path),
                        describe_types(&expected)
                    ),
                );
                return None;
            }
            Value::Int(_) => {
                self.error(
                    value.span(),
                    format!(
                        "{} expects {}, found a duration: CloudFormation properties take plain numbers (seconds, minutes... as the property says)",
                        self.named(path),
                        describe_types(&expected)
                    ),
                );
                return None;
            }
        };
        if !type_accepts(&expected, found) {
            return self.wrong_type(value, &expected, path);
        }
        Some(literal)
    }

    fn wrong_type(
        &mut self,
        value: &Value,
        expected: &[String],
        path: &[String],
    ) -> Option<PropertyValue> {
        self.error(
            value.span(),
            format!(
                "{} expects {}, found {}",
                self.named(path),
                describe_types(expected),
                value.describe()
            ),
        );
        None
    }

    /// `enum`, `minimum`/`maximum`, `minLength`/`maxLength`, `pattern`, `minItems`/`maxItems`.
    fn constraints(
        &mut self,
        value: &Value,
        literal: &PropertyValue,
        node: &Json,
        path: &[String],
    ) {
        let span = value.span();
        let named = self.named(path);
        if let Some(allowed) = node.get("enum").and_then(Json::as_array) {
            let json = to_json(literal);
            if !allowed.contains(&json) {
                let texts: Vec<String> = allowed.iter().map(bare).collect();
                let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
                // A misspelt word has a closest value; a number does not.
                let hint = match json.is_string() {
                    true => did_you_mean_or(&bare(&json), &texts, String::new),
                    false => String::new(),
                };
                self.error(
                    span,
                    format!(
                        "{named} must be one of {}, found `{}`{hint}",
                        list(&texts),
                        bare(&json)
                    ),
                );
            }
        }
        let number = match literal {
            PropertyValue::Integer(n) => Some(*n as f64),
            PropertyValue::Number(n) => Some(*n),
            _ => None,
        };
        if let Some(n) = number {
            if let Some(min) = node
                .get("minimum")
                .and_then(Json::as_f64)
                .filter(|m| n < *m)
            {
                self.error(span, format!("{named} must be at least {min}, found {n}"));
            }
            if let Some(max) = node
                .get("maximum")
                .and_then(Json::as_f64)
                .filter(|m| n > *m)
            {
                self.error(span, format!("{named} must be at most {max}, found {n}"));
            }
        }
        if let PropertyValue::String(text) = literal {
            let length = text.chars().count() as u64;
            if let Some(min) = node
                .get("minLength")
                .and_then(Json::as_u64)
                .filter(|m| length < *m)
            {
                self.error(
                    span,
                    format!(
                        "{named} must be at least {min} {} long, found {length}",
                        characters(min)
                    ),
                );
            }
            if let Some(max) = node
                .get("maxLength")
                .and_then(Json::as_u64)
                .filter(|m| length > *m)
            {
                self.error(
                    span,
                    format!(
                        "{named} must be at most {max} {} long, found {length}",
                        characters(max)
                    ),
                );
            }
            let pattern = node.get("pattern").and_then(Json::as_str);
            // A pattern regex-lite does not understand (Unicode classes, look-around) is
            // left to CloudFormation.
            if let Some((pattern, regex)) =
                // Python's end of text `\Z` is `\z` in Rust's syntax.
                pattern.and_then(|p| {
                    Some((p, regex_lite::Regex::new(&p.replace("\\Z", "\\z")).ok()?))
                })
            {
                if !regex.is_match(text) {
                    self.error(
                        span,
                        format!("{named} must match the pattern `{pattern}`, found \"{text}\""),
                    );
                }
            }
        }
        if let PropertyValue::List(items) = literal {
            let count = items.len() as u64;
            if let Some(min) = node
                .get("minItems")
                .and_then(Json::as_u64)
                .filter(|m| count < *m)
            {
                self.error(
                    span,
                    format!("{named} must have at least {min} items, found {count}"),
                );
            }
            if let Some(max) = node
                .get("maxItems")
                .and_then(Json::as_u64)
                .filter(|m| count > *m)
            {
                self.error(
                    span,
                    format!("{named} must have at most {max} items, found {count}"),
                );
            }
        }
    }

    /// A group `{ Name: value, ... }` against an object node.
    fn group(
        &mut self,
        group: &GroupValue,
        node: &Json,
        path: &mut Vec<String>,
    ) -> Vec<(String, PropertyValue)> {
        let span = group.span();
        self.object(&group.fields, node, path, span)
    }

    /// The entries of an object against its node: unknown, duplicate, read-only and
    /// missing required properties; `at`: where a missing one is reported.
    pub(super) fn object(
        &mut self,
        fields: &[Field],
        node: &Json,
        path: &mut Vec<String>,
        at: Span,
    ) -> Vec<(String, PropertyValue)> {
        let schema = self.shared();
        let node = resolved(&schema, node);
        let properties = node.get("properties").and_then(Json::as_object);
        let patterns = node.get("patternProperties").and_then(Json::as_object);
        let closed = node.get("additionalProperties") == Some(&Json::Bool(false));
        let read_only = schema.paths("readOnlyProperties");
        let mut out: Vec<(String, PropertyValue)> = Vec::new();
        for field in fields {
            let key = field.name.text();
            path.push(key.clone());
            if out.iter().any(|(k, _)| *k == key) {
                self.error(
                    field.name_span(),
                    format!("duplicate property {}", self.named(path)),
                );
                path.pop();
                continue;
            }
            let is_read_only = read_only.iter().any(|p| same_path(p, path));
            let declared = properties.and_then(|p| p.get(&key));
            let pattern = patterns.and_then(|p| {
                p.iter()
                    .find(|(pattern, _)| {
                        regex_lite::Regex::new(pattern).is_ok_and(|r| r.is_match(&key))
                    })
                    .map(|(_, node)| node)
            });
            let child = if is_read_only {
                let getter = format!("{{ get_att: [{}, \"{}\"] }}", self.block, path.join("."));
                self.error(
                    field.name_span(),
                    format!(
                        "{} is read-only: CloudFormation sets it; read it with `{getter}`",
                        self.named(path)
                    ),
                );
                None
            } else if let Some(declared) = declared.or(pattern) {
                Some(declared.clone())
            } else if closed || (patterns.is_some() && properties.is_none()) {
                let names: Vec<&str> = properties
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let parent = match &path[..path.len() - 1] {
                    [] => format!("`{}`", self.schema.type_name()),
                    _ => self.named(&path[..path.len() - 1]),
                };
                let hint = match closest(&key, names.iter().copied()) {
                    Some(c) => format!("; did you mean `{c}`?"),
                    None if names.is_empty() => String::new(),
                    None => format!("; expected one of: {}", list(&names)),
                };
                self.error(
                    field.name_span(),
                    format!("unknown property `{key}` of {parent}{hint}"),
                );
                None
            } else {
                Some(
                    node.get("additionalProperties")
                        .cloned()
                        .unwrap_or(Json::Bool(true)),
                )
            };
            if let Some(child) = child {
                if let Some(v) = self.value(&field.value, &child, path) {
                    out.push((key, v));
                }
            }
            path.pop();
        }
        let written: Vec<String> = fields.iter().map(|f| f.name.text()).collect();
        for required in node
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let Some(required) = required.as_str() else {
                continue;
            };
            if written.iter().any(|w| w == required) {
                continue;
            }
            // A misspelling of it was reported, with the required name as its suggestion.
            if written.iter().any(|w| closest(w, [required]).is_some()) {
                continue;
            }
            path.push(required.to_owned());
            let named = self.named(path);
            path.pop();
            self.error(
                at,
                format!("missing property {named}: its schema requires it"),
            );
        }
        out
    }
}

/// The JSON types a node accepts; empty: any.
fn expected_types(node: &Json) -> Vec<String> {
    match node.get("type") {
        Some(Json::String(t)) => vec![t.clone()],
        Some(Json::Array(ts)) => ts
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect(),
        _ if node.get("properties").is_some() => vec!["object".to_owned()],
        _ => Vec::new(),
    }
}

fn type_accepts(expected: &[String], found: &str) -> bool {
    expected.is_empty()
        || expected
            .iter()
            .any(|e| e == found || (e == "number" && found == "integer"))
}

fn describe_types(expected: &[String]) -> String {
    let words: Vec<&str> = expected
        .iter()
        .map(|t| match t.as_str() {
            "string" => "a string",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "a boolean",
            "array" => "a list",
            "object" => "a group `{ ... }`",
            _ => "a value",
        })
        .collect();
    words.join(" or ")
}

/// A node with an alternative of its `oneOf`/`anyOf` in place of the alternatives.
fn merge(node: &Json, alternative: &Json) -> Json {
    let mut merged = node.as_object().cloned().unwrap_or_default();
    merged.remove("oneOf");
    merged.remove("anyOf");
    if let Some(alternative) = alternative.as_object() {
        for (key, value) in alternative {
            match (merged.get_mut(key), value) {
                (Some(Json::Object(mine)), Json::Object(theirs)) => {
                    mine.extend(theirs.clone());
                }
                (Some(Json::Array(mine)), Json::Array(theirs)) if key == "required" => {
                    mine.extend(theirs.clone());
                }
                _ => {
                    merged.insert(key.clone(), value.clone());
                }
            }
        }
    }
    Json::Object(merged)
}

/// Whether a read-only pointer's path (`*` for a list's items) is this property's.
fn same_path(pointer: &[&str], path: &[String]) -> bool {
    pointer.len() == path.len() && pointer.iter().zip(path).all(|(p, q)| p == q)
}

fn to_json(value: &PropertyValue) -> Json {
    match value {
        PropertyValue::Bool(b) => Json::Bool(*b),
        PropertyValue::Integer(n) => Json::from(*n),
        PropertyValue::Number(n) => Json::from(*n),
        PropertyValue::String(s) => Json::String(s.clone()),
        _ => Json::Null,
    }
}

/// A JSON scalar as a program writes it, a string without its quotes.
fn bare(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The schema node itself, its `$ref`s followed.
fn resolved<'n>(schema: &'n Schema, mut node: &'n Json) -> &'n Json {
    for _ in 0..MAX_REF_CHAIN {
        match node.get("$ref").and_then(Json::as_str) {
            Some(r) => match schema.resolve(r) {
                Some(target) => node = target,
                None => return node,
            },
            None => return node,
        }
    }
    node
}

fn characters(count: u64) -> &'static str {
    match count {
        1 => "character",
        _ => "characters",
    }
}
