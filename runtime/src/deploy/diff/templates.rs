//! The differences between a deployed template and a new one, resource by resource, down
//! to the changed properties, section by section.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use super::model::{PropertyChange, Replacement, ResourceDiff, SectionChange, StackDiff};
use super::replacement::spread_replacements;
use crate::cfn::replacing_properties;

const ATTRIBUTES: [&str; 6] = [
    "DependsOn",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "Metadata",
];

/// The differences between a deployed template (`None`: not deployed) and a new one.
pub fn diff_templates(old: Option<&Json>, new: &Json) -> StackDiff {
    let empty = Json::Object(Map::new());
    let new_stack = old.is_none();
    let old = old.unwrap_or(&empty);
    let mut diff = StackDiff {
        new_stack,
        ..StackDiff::default()
    };
    let old_resources = section(old, "Resources");
    let new_resources = section(new, "Resources");

    for (id, resource) in &new_resources {
        let new_type = resource["Type"].as_str().unwrap_or_default().to_owned();
        let Some(before) = old_resources.get(id) else {
            diff.resources.push(ResourceDiff::Added {
                logical_id: id.clone(),
                resource_type: new_type,
            });
            continue;
        };
        let old_type = before["Type"].as_str().unwrap_or_default();
        let mut properties = Vec::new();
        let (a, b) = (
            section(before, "Properties"),
            section(resource, "Properties"),
        );
        let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for key in keys {
            compare(key, a.get(key), b.get(key), &mut properties);
        }
        let create_only = replacing_properties(&new_type);
        for change in &mut properties {
            let top = change.path.split(['.', '[']).next().unwrap_or_default();
            change.replacement = match &create_only {
                None => Replacement::Maybe,
                Some(list) if list.contains(&top) => {
                    if has_intrinsic(change.old.as_ref()) || has_intrinsic(change.new.as_ref()) {
                        Replacement::Maybe
                    } else {
                        Replacement::Yes
                    }
                }
                Some(_) => Replacement::No,
            };
        }
        let attributes: Vec<String> = ATTRIBUTES
            .iter()
            .filter(|a| before.get(**a) != resource.get(**a))
            .map(|a| (*a).to_owned())
            .collect();
        let type_changed = old_type != new_type;
        if properties.is_empty() && attributes.is_empty() && !type_changed {
            continue;
        }
        let replacement = if type_changed {
            Replacement::Yes
        } else {
            properties
                .iter()
                .map(|p| p.replacement)
                .max()
                .unwrap_or(Replacement::No)
        };
        diff.resources.push(ResourceDiff::Modified {
            logical_id: id.clone(),
            resource_type: new_type,
            properties,
            attributes: if type_changed {
                let mut a = attributes;
                a.insert(
                    0,
                    format!(
                        "Type: {old_type} -> {}",
                        resource["Type"].as_str().unwrap_or_default()
                    ),
                );
                a
            } else {
                attributes
            },
            replacement,
        });
    }
    for (id, resource) in &old_resources {
        if !new_resources.contains_key(id) {
            diff.resources.push(ResourceDiff::Removed {
                logical_id: id.clone(),
                resource_type: resource["Type"].as_str().unwrap_or_default().to_owned(),
                retained: resource["DeletionPolicy"].as_str() == Some("Retain"),
            });
        }
    }
    spread_replacements(&mut diff, &new_resources);

    for name in ["Parameters", "Conditions", "Mappings", "Rules", "Outputs"] {
        let (before, after) = (section(old, name), section(new, name));
        for (key, value) in &after {
            match before.get(key) {
                None => diff.sections.push(SectionChange {
                    section: name.into(),
                    name: key.clone(),
                    kind: '+',
                }),
                Some(v) if v != value => diff.sections.push(SectionChange {
                    section: name.into(),
                    name: key.clone(),
                    kind: '~',
                }),
                _ => {}
            }
        }
        for key in before.keys().filter(|k| !after.contains_key(*k)) {
            diff.sections.push(SectionChange {
                section: name.into(),
                name: key.clone(),
                kind: '-',
            });
        }
    }
    if old.get("Description") != new.get("Description") && !new_stack {
        diff.sections.push(SectionChange {
            section: "Description".into(),
            name: String::new(),
            kind: '~',
        });
    }
    diff
}

fn section(template: &Json, name: &str) -> Map<String, Json> {
    template
        .get(name)
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default()
}

fn has_intrinsic(value: Option<&Json>) -> bool {
    match value {
        Some(Json::Object(map)) => {
            map.keys().any(|k| k == "Ref" || k.starts_with("Fn::"))
                || map.values().any(|v| has_intrinsic(Some(v)))
        }
        Some(Json::Array(items)) => items.iter().any(|v| has_intrinsic(Some(v))),
        _ => false,
    }
}

/// Collects the differences between two property values, by path.
fn compare(path: &str, old: Option<&Json>, new: Option<&Json>, out: &mut Vec<PropertyChange>) {
    if old == new {
        return;
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match (old, new) {
        (Some(Json::Object(a)), Some(Json::Object(b)))
            if !is_intrinsic_object(a) && !is_intrinsic_object(b) =>
        {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                compare(&join(key), a.get(key), b.get(key), out);
            }
        }
        (Some(Json::Array(a)), Some(Json::Array(b))) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                compare(&format!("{path}[{i}]"), Some(x), Some(y), out);
            }
        }
        _ => out.push(PropertyChange {
            path: path.to_owned(),
            old: old.cloned(),
            new: new.cloned(),
            replacement: Replacement::No,
        }),
    }
}

fn is_intrinsic_object(map: &Map<String, Json>) -> bool {
    map.len() == 1
        && map
            .keys()
            .next()
            .is_some_and(|k| k == "Ref" || k.starts_with("Fn::"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::diff::render;
    use serde_json::json;

    fn template() -> Json {
        json!({
            "Resources": {
                "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
                    "MemorySize": 2048,
                    "Environment": {"Variables": {"STAGE": "preprod"}},
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                }},
                "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "a"}},
                "Logs": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain"},
                "Alias": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"}, "Name": "Current"}},
            },
            "Outputs": {"Url": {"Value": "x"}},
        })
    }

    #[test]
    fn the_same_template_has_no_differences() {
        let t = template();
        let diff = diff_templates(Some(&t), &t);
        assert!(diff.is_empty());
        assert_eq!(render("S", &diff), "Stack S: no differences");
    }

    #[test]
    fn property_changes_down_to_the_path_and_in_place() {
        let old = template();
        let mut new = template();
        new["Resources"]["Fn"]["Properties"]["MemorySize"] = json!(1024);
        new["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]["STAGE"] = json!("prod");
        let diff = diff_templates(Some(&old), &new);
        assert_eq!(diff.resources.len(), 1);
        let ResourceDiff::Modified {
            properties,
            replacement,
            ..
        } = &diff.resources[0]
        else {
            panic!("{diff:?}")
        };
        assert_eq!(*replacement, Replacement::No);
        let paths: Vec<&str> = properties.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["Environment.Variables.STAGE", "MemorySize"]);
        assert_eq!(
            render("S", &diff),
            "Stack S\nResources\n[~] AWS::Lambda::Function Fn\n    [~] Environment.Variables.STAGE: \"preprod\" -> \"prod\"\n    [~] MemorySize: 2048 -> 1024"
        );
    }

    #[test]
    fn create_only_changes_replace_and_spread_to_what_refers_to_them() {
        let old = template();
        let mut new = template();
        new["Resources"]["Fn"]["Properties"]["FunctionName"] = json!("renamed");
        let diff = diff_templates(Some(&old), &new);
        let find = |id: &str| {
            diff.resources
                .iter()
                .find_map(|r| match r {
                    ResourceDiff::Modified {
                        logical_id,
                        replacement,
                        ..
                    } if logical_id == id => Some(*replacement),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("{id} in {diff:?}"))
        };
        assert_eq!(find("Fn"), Replacement::Yes);
        // The alias's create-only FunctionName is `Ref Fn`: the name changes with it.
        assert_eq!(find("Alias"), Replacement::Maybe);
        let text = render("S", &diff);
        assert!(
            text.contains("[~] AWS::Lambda::Function Fn (replace)"),
            "{text}"
        );
        assert!(
            text.contains("[~] AWS::Lambda::Alias Alias (may replace)"),
            "{text}"
        );
    }

    #[test]
    fn added_removed_retained_and_other_sections() {
        let old = template();
        let mut new = template();
        new["Resources"].as_object_mut().unwrap().remove("Logs");
        new["Resources"]["Queue"] = json!({"Type": "AWS::SQS::Queue"});
        new["Outputs"]["Url"]["Value"] = json!("y");
        let diff = diff_templates(Some(&old), &new);
        let text = render("S", &diff);
        assert!(text.contains("[+] AWS::SQS::Queue Queue"), "{text}");
        assert!(
            text.contains("[-] AWS::Logs::LogGroup Logs (retained: DeletionPolicy Retain)"),
            "{text}"
        );
        assert!(text.contains("Outputs\n[~] Url"), "{text}");
        let fresh = diff_templates(None, &new);
        assert!(fresh.new_stack);
        assert_eq!(fresh.resources.len(), 4);
    }
}
