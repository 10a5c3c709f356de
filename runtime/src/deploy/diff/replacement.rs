//! The replacements that spread to what refers to a replaced resource (which changes
//! replace one: [`create_only_properties`]).

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use super::model::{PropertyChange, Replacement, ResourceDiff, StackDiff};
use crate::cfn::create_only_properties;

/// A resource whose create-only property refers to a replaced resource may be replaced too
/// (the name or id it refers to changes).
pub(super) fn spread_replacements(diff: &mut StackDiff, resources: &Map<String, Json>) {
    loop {
        let replaced: BTreeSet<String> = diff
            .resources
            .iter()
            .filter_map(|r| match r {
                ResourceDiff::Modified {
                    logical_id,
                    replacement: Replacement::Yes | Replacement::Maybe,
                    ..
                } => Some(logical_id.clone()),
                _ => None,
            })
            .collect();
        let mut changed = false;
        for (id, resource) in resources {
            let resource_type = resource["Type"].as_str().unwrap_or_default();
            let Some(create_only) = create_only_properties(resource_type) else {
                continue;
            };
            let refers: Vec<String> = create_only
                .iter()
                .filter(|p| {
                    resource["Properties"]
                        .get(**p)
                        .is_some_and(|v| replaced.iter().any(|r| refers_to(v, r)))
                })
                .map(|p| (*p).to_owned())
                .collect();
            if refers.is_empty() || replaced.contains(id) {
                continue;
            }
            changed = true;
            let existing = diff.resources.iter_mut().find(
                |r| matches!(r, ResourceDiff::Modified { logical_id, .. } if logical_id == id),
            );
            let note = |p: &String| PropertyChange {
                path: p.clone(),
                old: None,
                new: None,
                replacement: Replacement::Maybe,
            };
            match existing {
                Some(ResourceDiff::Modified {
                    replacement,
                    properties,
                    ..
                }) => {
                    *replacement = (*replacement).max(Replacement::Maybe);
                    properties.extend(refers.iter().map(note));
                }
                _ => diff.resources.push(ResourceDiff::Modified {
                    logical_id: id.clone(),
                    resource_type: resource_type.to_owned(),
                    properties: refers.iter().map(note).collect(),
                    attributes: Vec::new(),
                    replacement: Replacement::Maybe,
                }),
            }
        }
        if !changed {
            return;
        }
    }
}

/// Whether a value refers to a resource (`Ref`, `Fn::GetAtt`, `${Id}` / `${Id.Attr}`).
fn refers_to(value: &Json, logical_id: &str) -> bool {
    match value {
        Json::Object(map) => {
            if map.get("Ref").and_then(Json::as_str) == Some(logical_id) {
                return true;
            }
            if let Some(att) = map.get("Fn::GetAtt") {
                let target = match att {
                    Json::Array(a) => a.first().and_then(Json::as_str),
                    Json::String(s) => s.split('.').next(),
                    _ => None,
                };
                if target == Some(logical_id) {
                    return true;
                }
            }
            if let Some(sub) = map.get("Fn::Sub") {
                let text = match sub {
                    Json::String(s) => Some(s.as_str()),
                    Json::Array(a) => a.first().and_then(Json::as_str),
                    _ => None,
                };
                if text.is_some_and(|t| {
                    t.contains(&format!("${{{logical_id}}}"))
                        || t.contains(&format!("${{{logical_id}."))
                }) {
                    return true;
                }
            }
            map.values().any(|v| refers_to(v, logical_id))
        }
        Json::Array(items) => items.iter().any(|v| refers_to(v, logical_id)),
        _ => false,
    }
}
