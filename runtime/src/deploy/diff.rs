//! What would change: a deployed template against the program's, resource by resource,
//! down to the changed properties, with the changes that replace a resource.
//!
//! Replacement is told from the registry schemas' create-only properties (a change of one
//! replaces the resource), and spreads to the create-only properties that reference a
//! replaced resource ("may replace": the value they resolve to changes). Pure: the command
//! reads the deployed templates and prints [`render`].

use std::collections::BTreeSet;
use std::fmt::Write;

use serde_json::{Map, Value as Json};

/// Whether a change replaces its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Replacement {
    /// Updated in place.
    No,
    /// Maybe: a create-only property changes through an intrinsic function, or the type
    /// is unknown here.
    Maybe,
    /// Replaced.
    Yes,
}

/// One changed property (`Environment.Variables.STAGE`), before and after (`None`: absent).
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyChange {
    /// The path of the property.
    pub path: String,
    /// The deployed value.
    pub old: Option<Json>,
    /// The new value.
    pub new: Option<Json>,
    /// Whether this change replaces the resource.
    pub replacement: Replacement,
}

/// A resource that differs.
#[derive(Clone, Debug, PartialEq)]
pub enum ResourceDiff {
    /// New.
    Added {
        /// Logical id.
        logical_id: String,
        /// Type.
        resource_type: String,
    },
    /// Gone from the template: deleted, or kept when its `DeletionPolicy` is `Retain`.
    Removed {
        /// Logical id.
        logical_id: String,
        /// Type.
        resource_type: String,
        /// `DeletionPolicy: Retain`.
        retained: bool,
    },
    /// Changed.
    Modified {
        /// Logical id.
        logical_id: String,
        /// Type (the new one).
        resource_type: String,
        /// Changed properties.
        properties: Vec<PropertyChange>,
        /// Changed resource attributes (`DependsOn`, `DeletionPolicy`, `Metadata`, ...).
        attributes: Vec<String>,
        /// Whether the resource is replaced.
        replacement: Replacement,
    },
}

/// A named element of another section (parameter, output, condition, ...) that differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionChange {
    /// The section: `Parameters`, `Outputs`, ...
    pub section: String,
    /// The element.
    pub name: String,
    /// `+`, `-` or `~`.
    pub kind: char,
}

/// The differences of one stack.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StackDiff {
    /// The stack is not deployed: everything is added.
    pub new_stack: bool,
    /// Resources that differ, in template order.
    pub resources: Vec<ResourceDiff>,
    /// Other elements that differ.
    pub sections: Vec<SectionChange>,
}

impl StackDiff {
    /// Whether anything differs.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.sections.is_empty()
    }
}

/// The create-only properties of a resource type (changing one replaces the resource), as
/// the CloudFormation registry schemas vendored in `runtime/codegen/schemas` declare them;
/// `None` for a type this table does not know.
pub fn create_only_properties(resource_type: &str) -> Option<&'static [&'static str]> {
    Some(match resource_type {
        "AWS::ApiGateway::Account" => &[],
        "AWS::ApiGateway::Deployment" => &["DeploymentCanarySettings", "RestApiId"],
        "AWS::ApiGateway::Method" => &["RestApiId", "ResourceId", "HttpMethod"],
        "AWS::ApiGateway::Resource" => &["PathPart", "ParentId", "RestApiId"],
        "AWS::ApiGateway::RestApi" => &[],
        "AWS::ApiGateway::Stage" => &["RestApiId", "StageName"],
        "AWS::CloudWatch::Alarm" => &["AlarmName"],
        "AWS::CodeBuild::Project" => &["Name"],
        "AWS::CodeDeploy::Application" => &["ApplicationName", "ComputePlatform"],
        "AWS::CodeDeploy::DeploymentGroup" => &["DeploymentGroupName", "ApplicationName"],
        "AWS::CodePipeline::Pipeline" => &["Name"],
        "AWS::ECR::Repository" => &["RepositoryName", "EncryptionConfiguration"],
        "AWS::IAM::ManagedPolicy" => &["ManagedPolicyName", "Description", "Path"],
        "AWS::IAM::Policy" => &[],
        "AWS::IAM::Role" => &["Path", "RoleName"],
        "AWS::KMS::Alias" => &["AliasName"],
        "AWS::KMS::Key" => &[],
        "AWS::Lambda::Alias" => &["Name", "FunctionName"],
        "AWS::Lambda::Function" => &["FunctionName", "PackageType", "TenancyConfig"],
        "AWS::Lambda::Permission" => &[
            "FunctionName",
            "FunctionUrlAuthType",
            "InvokedViaFunctionUrl",
            "SourceAccount",
            "SourceArn",
            "Principal",
            "PrincipalOrgID",
            "Action",
            "EventSourceToken",
        ],
        "AWS::Lambda::Version" => &[
            "FunctionName",
            "Description",
            "CodeSha256",
            "ProvisionedConcurrencyConfig",
            "RuntimePolicy",
        ],
        "AWS::Logs::LogGroup" => &["LogGroupName"],
        "AWS::S3::Bucket" => &["BucketName", "BucketNamePrefix", "BucketNamespace"],
        "AWS::S3::BucketPolicy" => &["Bucket"],
        "AWS::SNS::Subscription" => &["Endpoint", "Protocol", "TopicArn"],
        "AWS::SNS::Topic" => &["TopicName", "FifoTopic"],
        "AWS::SNS::TopicPolicy" => &[],
        "AWS::CodeStarNotifications::NotificationRule" => &["Resource"],
        "AWS::SQS::Queue" => &["FifoQueue", "QueueName"],
        "AWS::SSM::Parameter" => &["Name"],
        _ => return None,
    })
}

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
        let create_only = create_only_properties(&new_type);
        for change in &mut properties {
            let top = change.path.split(['.', '[']).next().unwrap_or_default();
            change.replacement = match create_only {
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

/// A resource whose create-only property refers to a replaced resource may be replaced too
/// (the name or id it refers to changes).
fn spread_replacements(diff: &mut StackDiff, resources: &Map<String, Json>) {
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

fn short(value: &Option<Json>) -> String {
    match value {
        None => "(none)".to_owned(),
        Some(v) => {
            let text = v.to_string();
            if text.chars().count() > 80 {
                format!("{}...", text.chars().take(77).collect::<String>())
            } else {
                text
            }
        }
    }
}

/// The diff of a stack as text (`[+]` added, `[-]` removed, `[~]` modified).
pub fn render(stack: &str, diff: &StackDiff) -> String {
    let mut out = String::new();
    let _ = write!(out, "Stack {stack}");
    if diff.new_stack {
        out.push_str(" (not deployed)");
    }
    if diff.is_empty() {
        out.push_str(": no differences");
        return out;
    }
    if !diff.resources.is_empty() {
        out.push_str("\nResources");
    }
    for resource in &diff.resources {
        match resource {
            ResourceDiff::Added {
                logical_id,
                resource_type,
            } => {
                let _ = write!(out, "\n[+] {resource_type} {logical_id}");
            }
            ResourceDiff::Removed {
                logical_id,
                resource_type,
                retained,
            } => {
                let _ = write!(
                    out,
                    "\n[-] {resource_type} {logical_id}{}",
                    if *retained {
                        " (retained: DeletionPolicy Retain)"
                    } else {
                        ""
                    }
                );
            }
            ResourceDiff::Modified {
                logical_id,
                resource_type,
                properties,
                attributes,
                replacement,
            } => {
                let marker = match replacement {
                    Replacement::Yes => " (replace)",
                    Replacement::Maybe => " (may replace)",
                    Replacement::No => "",
                };
                let _ = write!(out, "\n[~] {resource_type} {logical_id}{marker}");
                for p in properties {
                    let marker = match p.replacement {
                        Replacement::Yes => " (replaces)",
                        Replacement::Maybe => " (may replace)",
                        Replacement::No => "",
                    };
                    if p.old.is_none() && p.new.is_none() {
                        let _ = write!(
                            out,
                            "\n    [~] {}: refers to a replaced resource{marker}",
                            p.path
                        );
                    } else {
                        let _ = write!(
                            out,
                            "\n    [~] {}: {} -> {}{marker}",
                            p.path,
                            short(&p.old),
                            short(&p.new)
                        );
                    }
                }
                for a in attributes {
                    let _ = write!(out, "\n    [~] {a}");
                }
            }
        }
    }
    let mut current = "";
    for change in &diff.sections {
        if change.section != current {
            current = &change.section;
            let _ = write!(out, "\n{current}");
        }
        let _ = write!(out, "\n[{}] {}", change.kind, change.name);
    }
    out
}

/// The outcome of `diff`: how many stacks differ, and the deployed stacks the program no
/// longer has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiffSummary {
    /// Stacks with differences (not deployed ones included).
    pub stacks_with_differences: usize,
    /// Stacks deployed for this pipeline that the program does not have any more.
    pub orphans: Vec<String>,
}

impl DiffSummary {
    /// Whether anything differs.
    pub fn has_differences(&self) -> bool {
        self.stacks_with_differences > 0 || !self.orphans.is_empty()
    }
}

/// `diff [STACK...]`: every stack (or the ones named) against what is deployed; with no
/// name, also the stacks deployed for this pipeline (tagged by `deploy`) in the program's
/// environments that the program no longer has.
pub async fn run(
    session: &super::session::Session,
    app: &crate::App,
    names: &[String],
    all: bool,
) -> super::error::Result<DiffSummary> {
    use futures_util::future::join_all;

    let console = &session.console;
    let everything = names.is_empty() || all;
    let stacks = if everything {
        super::select::select(app, &[], true, false)?
    } else {
        super::select::select(app, names, false, false)?
    };
    let diffs = join_all(stacks.iter().map(|stack| async move {
        let env = session
            .environment(&stack.account, &stack.region, &app.qualifier)
            .await?;
        let deployed = super::stack::deployed_template(&env, &stack.name).await?;
        let ours: Json = serde_json::from_str(&stack.template).map_err(|e| {
            super::error::Error::new(&stack.name, format!("the template is not JSON: {e}"))
        })?;
        Ok::<_, super::error::Error>(diff_templates(deployed.as_ref(), &ours))
    }))
    .await;
    let mut summary = DiffSummary::default();
    for (stack, diff) in stacks.iter().zip(diffs) {
        let diff = diff?;
        if !diff.is_empty() {
            summary.stacks_with_differences += 1;
        }
        console.out(&render(&stack.name, &diff));
    }
    if everything {
        let mut environments: Vec<(&str, &str)> = Vec::new();
        for stack in &app.stacks {
            let key = (stack.account.as_ref(), stack.region.as_ref());
            if !environments.contains(&key) {
                environments.push(key);
            }
        }
        for (account, region) in environments {
            let env = session.environment(account, region, &app.qualifier).await?;
            for name in orphans(&env, app).await? {
                console.out(&orphan_message(&env, &name));
                summary.orphans.push(name);
            }
        }
    }
    Ok(summary)
}

/// The stacks of an environment deployed for this program's pipeline (tagged by `deploy`
/// and by the pipeline's change sets) that the program no longer has: what removing a
/// stage or a stack from the program leaves behind.
pub async fn orphans(
    env: &super::clients::Environment,
    app: &crate::App,
) -> super::error::Result<Vec<String>> {
    let deployed = deployed_for_pipeline(env, &app.pipeline).await?;
    Ok(deployed
        .into_iter()
        .filter(|name| app.stack(name).is_none())
        .collect())
}

/// How an orphaned stack is reported, with the command that deletes it.
pub fn orphan_message(env: &super::clients::Environment, name: &str) -> String {
    format!(
        "Stack {name} ({}): deployed, but no longer in the program (delete it with `aws cloudformation delete-stack --stack-name {name}`)",
        env.url()
    )
}

/// The stacks of an environment tagged as this pipeline's.
async fn deployed_for_pipeline(
    env: &super::clients::Environment,
    pipeline: &str,
) -> super::error::Result<Vec<String>> {
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = env
            .clients
            .cloudformation
            .describe_stacks()
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| {
                super::error::Error::aws(format!("{}: cannot list the stacks", env.url()), &e)
            })?;
        for stack in page.stacks() {
            let ours = stack.tags().iter().any(|t| {
                t.key() == Some(super::stack::PIPELINE_TAG) && t.value() == Some(pipeline)
            });
            let live = stack
                .stack_status()
                .is_some_and(|s| s.as_str() != "DELETE_COMPLETE");
            if ours && live {
                names.push(stack.stack_name().unwrap_or_default().to_owned());
            }
        }
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            return Ok(names);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn the_create_only_table_is_the_vendored_schemas() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("codegen/schemas");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let schema: Json = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let type_name = schema["typeName"].as_str().unwrap();
            let expected: BTreeSet<String> = schema["createOnlyProperties"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.as_str())
                        .filter_map(|p| p.strip_prefix("/properties/"))
                        .map(|p| p.split('/').next().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            let table: BTreeSet<String> = create_only_properties(type_name)
                .unwrap_or_else(|| panic!("{type_name} is missing from the create-only table"))
                .iter()
                .map(|p| (*p).to_owned())
                .collect();
            assert_eq!(table, expected, "{type_name}");
            checked += 1;
        }
        assert!(checked >= 20, "{checked} schemas");
    }
}
