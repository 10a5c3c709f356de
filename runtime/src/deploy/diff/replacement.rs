//! Which changes replace a resource: the create-only properties of the registry schemas,
//! and the replacements that spread to what refers to a replaced resource.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use super::model::{PropertyChange, Replacement, ResourceDiff, StackDiff};

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
        "AWS::DynamoDB::Table" => &["TableName", "ImportSourceSpecification"],
        "AWS::ECR::Repository" => &["RepositoryName", "EncryptionConfiguration"],
        "AWS::Events::Rule" => &["Name"],
        "AWS::IAM::ManagedPolicy" => &["ManagedPolicyName", "Description", "Path"],
        "AWS::IAM::Policy" => &[],
        "AWS::IAM::Role" => &["Path", "RoleName"],
        "AWS::KMS::Alias" => &["AliasName"],
        "AWS::KMS::Key" => &[],
        "AWS::Lambda::Alias" => &["Name", "FunctionName"],
        "AWS::Lambda::EventSourceMapping" => &[
            "EventSourceArn",
            "StartingPosition",
            "StartingPositionTimestamp",
            "SelfManagedEventSource",
        ],
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
        "AWS::SQS::QueuePolicy" => &[],
        "AWS::SSM::Parameter" => &["Name"],
        _ => return None,
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
