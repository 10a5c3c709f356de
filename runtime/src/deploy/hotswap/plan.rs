//! Whether a stack's differences from its deployed template can be hot-swapped, and the
//! state each function is to be brought to. Pure: the deployed and the new template in, a
//! [`SwapPlan`] or the first change that needs CloudFormation ([`Blocker`]) out.
//!
//! What a hot swap can apply: a function's `Code` and `Environment`. A code or environment
//! change also renames the function's `AWS::Lambda::Version` (synthesis names it after the
//! hash of the function's properties, so that CloudFormation publishes a new version) and so
//! changes the `FunctionVersion` of the aliases of that function: those follow the function
//! and are what the hot swap does by hand (publish a version, move the alias). Anything
//! else (a table, a role, another property of a function, an output) needs CloudFormation.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value as Json;

use crate::deploy::diff::{diff_templates, ResourceDiff};

const FUNCTION: &str = "AWS::Lambda::Function";
const VERSION: &str = "AWS::Lambda::Version";
const ALIAS: &str = "AWS::Lambda::Alias";

/// The function properties a hot swap applies.
const SWAPPABLE: [&str; 2] = ["Code", "Environment"];

/// The first difference that a hot swap cannot apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocker {
    /// The resource (or the template section) that differs.
    pub logical_id: String,
    /// What about it differs.
    pub change: String,
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.logical_id, self.change)
    }
}

/// A variable of a function's environment as the hot swap sets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Variable {
    /// A value written in the template.
    Literal(String),
    /// A value CloudFormation resolved (a reference to another resource) and that did not
    /// change: the deployed function's value is kept.
    Deployed,
}

/// The state the template gives one function, and whether it changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionState {
    /// Its logical id.
    pub logical_id: String,
    /// Whether its `Code` or `Environment` differs from the deployed template.
    pub changed: bool,
    /// The bucket and key of its zip.
    pub code: (String, String),
    /// Its environment, by name.
    pub variables: Vec<(String, Variable)>,
    /// Its description in the template.
    pub description: Option<String>,
    /// The names of its aliases (`Current`).
    pub aliases: Vec<String>,
}

/// What a hot swap of one stack does: every function of the template, each with the state
/// to bring it to (the changed ones, and the ones an earlier hot swap left different).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwapPlan {
    /// The functions, in template order.
    pub functions: Vec<FunctionState>,
}

/// The hot swap of a stack from its deployed template (`None`: not deployed) to `new`, or
/// the first difference that prevents it.
pub fn plan(deployed: Option<&Json>, new: &Json) -> Result<SwapPlan, Blocker> {
    let Some(deployed) = deployed else {
        return Err(Blocker {
            logical_id: "the stack".into(),
            change: "is not deployed yet".into(),
        });
    };
    let diff = diff_templates(Some(deployed), new);
    if let Some(section) = diff.sections.first() {
        return Err(Blocker {
            logical_id: format!("{} {}", section.section, section.name)
                .trim()
                .to_owned(),
            change: "changes".into(),
        });
    }
    let changed = changed_functions(&diff.resources)?;
    for resource in &diff.resources {
        follows_a_function(resource, deployed, new, &changed)?;
    }
    let mut functions = Vec::new();
    for (id, resource) in resources(new) {
        if resource["Type"] == FUNCTION {
            functions.push(function_state(
                id,
                resource,
                deployed,
                new,
                changed.contains(id),
            )?);
        }
    }
    Ok(SwapPlan { functions })
}

/// The functions whose only changes are swappable properties; the first other change of a
/// function is a blocker.
fn changed_functions(resources: &[ResourceDiff]) -> Result<BTreeSet<String>, Blocker> {
    let mut changed = BTreeSet::new();
    for resource in resources {
        let ResourceDiff::Modified {
            logical_id,
            resource_type,
            properties,
            attributes,
            ..
        } = resource
        else {
            continue;
        };
        if resource_type != FUNCTION {
            continue;
        }
        if let Some(attribute) = attributes.first() {
            return Err(blocker(logical_id, resource_type, attribute));
        }
        if let Some(other) = properties
            .iter()
            .find(|p| !SWAPPABLE.contains(&top_property(&p.path)))
        {
            return Err(blocker(logical_id, resource_type, &other.path));
        }
        changed.insert(logical_id.clone());
    }
    Ok(changed)
}

/// Checks that a difference is a function's swappable change or one that follows it (its
/// version renamed, its alias moved to that version).
fn follows_a_function(
    resource: &ResourceDiff,
    deployed: &Json,
    new: &Json,
    changed: &BTreeSet<String>,
) -> Result<(), Blocker> {
    let of_changed = |template: &Json, id: &str| {
        target_function(&template["Resources"][id]).is_some_and(|f| changed.contains(f))
    };
    match resource {
        ResourceDiff::Modified { resource_type, .. } if resource_type == FUNCTION => Ok(()),
        ResourceDiff::Added {
            logical_id,
            resource_type,
        } if resource_type == VERSION && of_changed(new, logical_id) => Ok(()),
        ResourceDiff::Removed {
            logical_id,
            resource_type,
            ..
        } if resource_type == VERSION && of_changed(deployed, logical_id) => Ok(()),
        ResourceDiff::Modified {
            logical_id,
            resource_type,
            properties,
            attributes,
            ..
        } if resource_type == ALIAS
            && attributes.is_empty()
            && properties.iter().all(|p| p.path == "FunctionVersion")
            && of_changed(new, logical_id) =>
        {
            Ok(())
        }
        ResourceDiff::Added {
            logical_id,
            resource_type,
        } => Err(Blocker {
            logical_id: logical_id.clone(),
            change: format!("({resource_type}) is added"),
        }),
        ResourceDiff::Removed {
            logical_id,
            resource_type,
            ..
        } => Err(Blocker {
            logical_id: logical_id.clone(),
            change: format!("({resource_type}) is removed"),
        }),
        ResourceDiff::Modified {
            logical_id,
            resource_type,
            properties,
            attributes,
            ..
        } => {
            let what = attributes
                .first()
                .cloned()
                .or_else(|| properties.first().map(|p| p.path.clone()))
                .unwrap_or_default();
            Err(blocker(logical_id, resource_type, &what))
        }
    }
}

fn blocker(logical_id: &str, resource_type: &str, what: &str) -> Blocker {
    Blocker {
        logical_id: logical_id.to_owned(),
        change: format!("({resource_type}) changes its {what}"),
    }
}

/// `Code` of `Code.S3Key`, `Environment` of `Environment.Variables.STAGE`.
fn top_property(path: &str) -> &str {
    path.split(['.', '[']).next().unwrap_or_default()
}

/// The function a version or alias belongs to: `FunctionName: {"Ref": ID}`.
fn target_function(resource: &Json) -> Option<&str> {
    resource["Properties"]["FunctionName"]["Ref"].as_str()
}

fn resources(template: &Json) -> impl Iterator<Item = (&String, &Json)> {
    template["Resources"]
        .as_object()
        .into_iter()
        .flat_map(|map| map.iter())
}

/// The state the new template gives a function. A changed function whose code is not a
/// named S3 object, or whose changed variable refers to another resource (CloudFormation
/// alone resolves it), is a blocker.
fn function_state(
    id: &str,
    resource: &Json,
    deployed: &Json,
    new: &Json,
    changed: bool,
) -> Result<FunctionState, Blocker> {
    let properties = &resource["Properties"];
    let code = match (
        properties["Code"]["S3Bucket"].as_str(),
        properties["Code"]["S3Key"].as_str(),
    ) {
        (Some(bucket), Some(key)) => (bucket.to_owned(), key.to_owned()),
        _ => {
            return Err(Blocker {
                logical_id: id.to_owned(),
                change: "has no S3 bucket and key written in its Code".into(),
            })
        }
    };
    let deployed_variables = &deployed["Resources"][id]["Properties"]["Environment"]["Variables"];
    let mut variables = Vec::new();
    if let Some(map) = properties["Environment"]["Variables"].as_object() {
        for (name, value) in map {
            let variable = match value {
                Json::String(text) => Variable::Literal(text.clone()),
                _ if deployed_variables.get(name) == Some(value) => Variable::Deployed,
                _ => {
                    return Err(Blocker {
                        logical_id: id.to_owned(),
                        change: format!(
                            "({FUNCTION}) changes its Environment.Variables.{name} to a reference that only CloudFormation resolves"
                        ),
                    })
                }
            };
            variables.push((name.clone(), variable));
        }
    }
    let aliases = resources(new)
        .filter(|(_, r)| r["Type"] == ALIAS && target_function(r) == Some(id))
        .filter_map(|(_, r)| r["Properties"]["Name"].as_str().map(str::to_owned))
        .collect();
    Ok(FunctionState {
        logical_id: id.to_owned(),
        changed,
        code,
        variables,
        description: properties["Description"].as_str().map(str::to_owned),
        aliases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A stack as synthesis makes it: a function with its version (named after a hash),
    /// its `Current` alias, and a table the function links.
    fn template(key: &str, stage: &str, version: &str, billing: &str) -> Json {
        json!({
            "Resources": {
                "OrdersTable": {
                    "Type": "AWS::DynamoDB::Table",
                    "Properties": {"BillingMode": billing},
                },
                "ApiFunction": {
                    "Type": FUNCTION,
                    "Properties": {
                        "Code": {"S3Bucket": "cdk-assets", "S3Key": key},
                        "Description": "The order API",
                        "MemorySize": 256,
                        "Environment": {"Variables": {
                            "STAGE": stage,
                            "ORDERS_TABLE": {"Ref": "OrdersTable"},
                        }},
                    },
                },
                version: {
                    "Type": VERSION,
                    "Properties": {"FunctionName": {"Ref": "ApiFunction"}},
                },
                "ApiAlias": {
                    "Type": ALIAS,
                    "Properties": {
                        "FunctionName": {"Ref": "ApiFunction"},
                        "FunctionVersion": {"Fn::GetAtt": [version, "Version"]},
                        "Name": "Current",
                    },
                },
            },
            "Outputs": {"Table": {"Value": {"Ref": "OrdersTable"}}},
        })
    }

    fn deployed() -> Json {
        template("a.zip", "dev", "ApiVersion1111", "PAY_PER_REQUEST")
    }

    #[test]
    fn new_code_and_variables_swap_with_the_version_and_alias_that_follow() {
        let new = template("b.zip", "dev2", "ApiVersion2222", "PAY_PER_REQUEST");
        let plan = plan(Some(&deployed()), &new).unwrap();
        assert_eq!(
            plan.functions,
            [FunctionState {
                logical_id: "ApiFunction".into(),
                changed: true,
                code: ("cdk-assets".into(), "b.zip".into()),
                variables: vec![
                    ("STAGE".into(), Variable::Literal("dev2".into())),
                    ("ORDERS_TABLE".into(), Variable::Deployed),
                ],
                description: Some("The order API".into()),
                aliases: vec!["Current".into()],
            }]
        );
    }

    #[test]
    fn the_same_template_plans_every_function_unchanged() {
        let plan = plan(Some(&deployed()), &deployed()).unwrap();
        assert_eq!(plan.functions.len(), 1);
        assert!(!plan.functions[0].changed);
    }

    #[test]
    fn any_other_change_is_the_blocker_named() {
        let table = template("b.zip", "dev", "ApiVersion2222", "PROVISIONED");
        assert_eq!(
            plan(Some(&deployed()), &table).unwrap_err().to_string(),
            "OrdersTable (AWS::DynamoDB::Table) changes its BillingMode"
        );
        let mut memory = template("a.zip", "dev", "ApiVersion2222", "PAY_PER_REQUEST");
        memory["Resources"]["ApiFunction"]["Properties"]["MemorySize"] = json!(512);
        assert_eq!(
            plan(Some(&deployed()), &memory).unwrap_err().to_string(),
            "ApiFunction (AWS::Lambda::Function) changes its MemorySize"
        );
        let mut output = deployed();
        output["Outputs"]["More"] = json!({"Value": "x"});
        assert_eq!(
            plan(Some(&deployed()), &output).unwrap_err().to_string(),
            "Outputs More changes"
        );
        assert_eq!(
            plan(None, &deployed()).unwrap_err().to_string(),
            "the stack is not deployed yet"
        );
    }

    #[test]
    fn a_version_renamed_without_a_function_change_is_a_blocker() {
        let new = template("a.zip", "dev", "ApiVersion2222", "PAY_PER_REQUEST");
        let error = plan(Some(&deployed()), &new).unwrap_err().to_string();
        assert_eq!(error, "ApiVersion2222 (AWS::Lambda::Version) is added");
    }

    #[test]
    fn a_changed_reference_in_the_environment_needs_cloudformation() {
        let mut new = template("a.zip", "dev", "ApiVersion2222", "PAY_PER_REQUEST");
        new["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]["ORDERS_TABLE"] =
            json!({"Fn::GetAtt": ["OrdersTable", "Arn"]});
        let error = plan(Some(&deployed()), &new).unwrap_err().to_string();
        assert!(
            error.starts_with("ApiFunction (AWS::Lambda::Function) changes its Environment.Variables.ORDERS_TABLE"),
            "{error}"
        );
    }
}
