//! Checks that every reference in a template names something the template declares.
//!
//! Handles make dangling references impossible inside one [`Template`](super::Template);
//! this check also covers `${...}` placeholders in `Fn::Sub` strings, condition names and
//! templates read back from JSON (what `synth` wrote, or what a stack has deployed).

use std::collections::{BTreeSet, HashMap, HashSet};

use super::error::TemplateError;
use super::resources::attribute_names;
use super::value::{Json, Pseudo};

/// Checks a template in its JSON form.
pub fn check(template: &Json) -> Result<(), Vec<TemplateError>> {
    let names = |section: &str| -> HashSet<&str> {
        template
            .get(section)
            .and_then(Json::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    };
    let types: HashMap<&str, &str> = template
        .get("Resources")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .map(|(id, r)| {
                    (
                        id.as_str(),
                        r.get("Type").and_then(Json::as_str).unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let scope = Scope {
        resources: types,
        parameters: names("Parameters"),
        conditions: names("Conditions"),
        mappings: names("Mappings"),
    };
    let mut errors = Vec::new();
    for section in ["Conditions", "Rules", "Resources", "Outputs"] {
        let Some(entries) = template.get(section).and_then(Json::as_object) else {
            continue;
        };
        for (name, body) in entries {
            let location = format!("{section}.{name}");
            if section == "Resources" {
                if let Some(deps) = body.get("DependsOn") {
                    let deps = deps
                        .as_array()
                        .map(|a| a.iter().collect())
                        .unwrap_or_else(|| vec![deps]);
                    for dep in deps.into_iter().filter_map(Json::as_str) {
                        if !scope.resources.contains_key(dep) {
                            errors.push(unresolved(&location, dep));
                        }
                    }
                }
                if let Some(c) = body.get("Condition").and_then(Json::as_str) {
                    if !scope.conditions.contains(c) {
                        errors.push(unresolved(&location, c));
                    }
                }
            }
            scope.walk(body, &location, &mut errors);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn unresolved(location: &str, target: &str) -> TemplateError {
    TemplateError::Unresolved {
        location: location.to_owned(),
        target: target.to_owned(),
    }
}

struct Scope<'a> {
    resources: HashMap<&'a str, &'a str>,
    parameters: HashSet<&'a str>,
    conditions: HashSet<&'a str>,
    mappings: HashSet<&'a str>,
}

impl Scope<'_> {
    fn check_ref(&self, target: &str, location: &str, errors: &mut Vec<TemplateError>) {
        let known = self.resources.contains_key(target)
            || self.parameters.contains(target)
            || Pseudo::from_name(target).is_some();
        if !known {
            errors.push(unresolved(location, target));
        }
    }

    fn check_get_att(
        &self,
        resource: &str,
        attribute: &str,
        location: &str,
        errors: &mut Vec<TemplateError>,
    ) {
        match self.resources.get(resource) {
            None => errors.push(unresolved(location, resource)),
            Some(type_name) => {
                // Types outside the vendored schemas are not checked attribute by attribute.
                if let Some(known) = attribute_names(type_name) {
                    if !known.contains(&attribute) {
                        errors.push(unresolved(location, &format!("{resource}.{attribute}")));
                    }
                }
            }
        }
    }

    fn walk(&self, value: &Json, location: &str, errors: &mut Vec<TemplateError>) {
        match value {
            Json::Array(items) => items.iter().for_each(|v| self.walk(v, location, errors)),
            Json::Object(map) if map.len() == 1 => {
                let (key, arg) = map.iter().next().expect("one entry");
                match key.as_str() {
                    "Ref" => match arg.as_str() {
                        Some(target) => self.check_ref(target, location, errors),
                        None => self.walk(arg, location, errors),
                    },
                    "Fn::GetAtt" => match getatt_parts(arg) {
                        Some((resource, attribute)) => {
                            self.check_get_att(resource, &attribute, location, errors)
                        }
                        None => self.walk(arg, location, errors),
                    },
                    "Fn::Sub" => self.check_sub(arg, location, errors),
                    "Fn::If" => {
                        if let Some(cond) = arg.get(0).and_then(Json::as_str) {
                            if !self.conditions.contains(cond) {
                                errors.push(unresolved(location, cond));
                            }
                        }
                        if let Some(branches) = arg.as_array() {
                            branches
                                .iter()
                                .skip(1)
                                .for_each(|v| self.walk(v, location, errors));
                        }
                    }
                    "Condition" if arg.is_string() => {
                        let cond = arg.as_str().unwrap_or_default();
                        if !self.conditions.contains(cond) {
                            errors.push(unresolved(location, cond));
                        }
                    }
                    "Fn::FindInMap" => {
                        if let Some(map_name) = arg.get(0).and_then(Json::as_str) {
                            if !self.mappings.contains(map_name) {
                                errors.push(unresolved(location, map_name));
                            }
                        }
                        self.walk(arg, location, errors)
                    }
                    _ => self.walk(arg, location, errors),
                }
            }
            Json::Object(map) => map.values().for_each(|v| self.walk(v, location, errors)),
            _ => {}
        }
    }

    fn check_sub(&self, arg: &Json, location: &str, errors: &mut Vec<TemplateError>) {
        let Some((text, variables)) = sub_parts(arg) else {
            return;
        };
        if let Some(vars) = variables {
            vars.values().for_each(|v| self.walk(v, location, errors));
        }
        for placeholder in placeholders(text) {
            if variables.is_some_and(|v| v.contains_key(placeholder)) {
                continue;
            }
            match placeholder.split_once('.') {
                Some((resource, attribute)) if !placeholder.starts_with("AWS::") => {
                    self.check_get_att(resource, attribute, location, errors)
                }
                _ => self.check_ref(placeholder, location, errors),
            }
        }
    }
}

/// The names a template fragment (a resource, an output) refers to: `Ref` targets, the
/// resources of `Fn::GetAtt`, the `Fn::Sub` placeholders that are not its own variables
/// (the name before any `.`), and a resource's `DependsOn`. Pseudo parameters are included:
/// they name no resource.
pub fn targets(fragment: &Json) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    match fragment.get("DependsOn") {
        Some(Json::String(id)) => {
            found.insert(id.clone());
        }
        Some(Json::Array(ids)) => {
            found.extend(ids.iter().filter_map(Json::as_str).map(str::to_owned));
        }
        _ => {}
    }
    collect_targets(fragment, &mut found);
    found
}

fn collect_targets(value: &Json, found: &mut BTreeSet<String>) {
    match value {
        Json::Array(items) => items.iter().for_each(|v| collect_targets(v, found)),
        Json::Object(map) if map.len() == 1 => {
            let (key, arg) = map.iter().next().expect("one entry");
            match (key.as_str(), arg) {
                ("Ref", Json::String(target)) => {
                    found.insert(target.clone());
                }
                ("Fn::GetAtt", _) if getatt_parts(arg).is_some() => {
                    found.extend(getatt_parts(arg).map(|(resource, _)| resource.to_owned()));
                }
                ("Fn::Sub", _) => sub_targets(arg, found),
                _ => collect_targets(arg, found),
            }
        }
        Json::Object(map) => map.values().for_each(|v| collect_targets(v, found)),
        _ => {}
    }
}

fn sub_targets(arg: &Json, found: &mut BTreeSet<String>) {
    let Some((text, variables)) = sub_parts(arg) else {
        return;
    };
    if let Some(vars) = variables {
        vars.values().for_each(|v| collect_targets(v, found));
    }
    for placeholder in placeholders(text) {
        if !variables.is_some_and(|v| v.contains_key(placeholder)) {
            let name = placeholder.split('.').next().unwrap_or(placeholder);
            found.insert(name.to_owned());
        }
    }
}

/// An `Fn::Sub` argument's string and its own variables, if it has any.
fn sub_parts(arg: &Json) -> Option<(&str, Option<&serde_json::Map<String, Json>>)> {
    match arg {
        Json::String(text) => Some((text.as_str(), None)),
        Json::Array(parts) => {
            let text = parts.first().and_then(Json::as_str)?;
            Some((text, parts.get(1).and_then(Json::as_object)))
        }
        _ => None,
    }
}

fn getatt_parts(arg: &Json) -> Option<(&str, String)> {
    match arg {
        Json::Array(parts) => Some((parts.first()?.as_str()?, parts.get(1)?.as_str()?.to_owned())),
        Json::String(dotted) => {
            let (r, a) = dotted.split_once('.')?;
            Some((r, a.to_owned()))
        }
        _ => None,
    }
}

/// The names inside `${...}` of an `Fn::Sub` string; `${!Literal}` is an escape.
fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = after[..end].trim();
        if !name.starts_with('!') {
            found.push(name);
        }
        rest = &after[end + 1..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_dangling_references_everywhere() {
        let t = json!({
            "Resources": {
                "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "DependsOn": ["Missing1"],
                    "Properties": {
                        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                        "Description": {"Fn::Sub": "${Role.Nope} ${AWS::Region} ${!Literal} ${Missing2}"},
                        "Handler": {"Ref": "Missing3"}
                    }
                }
            },
            "Outputs": {"O": {"Value": {"Fn::If": ["NoSuchCondition", {"Ref": "Role"}, ""]}}}
        });
        let errors = check(&t).unwrap_err();
        let targets: Vec<String> = errors
            .iter()
            .map(|e| match e {
                TemplateError::Unresolved { target, .. } => target.clone(),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(
            targets,
            [
                "Missing1",
                "Role.Nope",
                "Missing2",
                "Missing3",
                "NoSuchCondition"
            ]
        );
    }

    #[test]
    fn accepts_resolved_references() {
        let t = json!({
            "Parameters": {"P": {"Type": "String"}},
            "Conditions": {"C": {"Fn::Equals": [{"Ref": "P"}, "x"]}},
            "Resources": {
                "Role": {"Type": "AWS::IAM::Role", "Condition": "C", "Properties": {}},
                "Other": {"Type": "AWS::IAM::Role", "DependsOn": "Role", "Properties": {
                    "Path": {"Fn::Sub": ["${Role.Arn}/${X}", {"X": {"Ref": "P"}}]}
                }}
            }
        });
        check(&t).unwrap();
    }

    #[test]
    fn targets_of_sub_skip_literals_and_variables_and_keep_names() {
        let found: Vec<String> = targets(&json!({"Fn::Sub": [
            "arn:${AWS::Partition}:s3:::${Bucket}/${!Literal}/${Role.Arn}/${Local}",
            {"Local": {"Ref": "Parameter"}}
        ]}))
        .into_iter()
        .collect();
        assert_eq!(found, vec!["AWS::Partition", "Bucket", "Parameter", "Role"]);
    }

    #[test]
    fn targets_include_refs_attributes_and_depends_on() {
        let resource = json!({"Type": "T", "DependsOn": ["A"], "Properties": {
            "X": {"Ref": "B"}, "Y": {"Fn::GetAtt": "C.Arn"}, "Z": [{"Fn::GetAtt": ["D", "Id"]}]
        }});
        let found: Vec<String> = targets(&resource).into_iter().collect();
        assert_eq!(found, vec!["A", "B", "C", "D"]);
    }
}
