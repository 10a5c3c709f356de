//! The create-only properties of the resource types the project emits: changing one
//! replaces the resource. Used by `diff`, and by the rule of what loses data
//! ([`crate::broadening::data_loss`]).

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

/// Properties CloudFormation replaces a resource for although the registry schema does not
/// list them as create-only (its documentation says "Update requires: Replacement"):
/// DynamoDB cannot change a table's key schema in place.
pub const REPLACING_BEYOND_THE_SCHEMA: &[(&str, &[&str])] =
    &[("AWS::DynamoDB::Table", &["KeySchema"])];

/// Every property whose change replaces a resource of this type: the create-only ones and
/// [`REPLACING_BEYOND_THE_SCHEMA`]; `None` for a type [`create_only_properties`] does not
/// know.
pub fn replacing_properties(resource_type: &str) -> Option<Vec<&'static str>> {
    let mut properties = create_only_properties(resource_type)?.to_vec();
    for (kind, more) in REPLACING_BEYOND_THE_SCHEMA {
        if *kind == resource_type {
            properties.extend(*more);
        }
    }
    Some(properties)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use serde_json::Value as Json;

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

    #[test]
    fn a_table_is_replaced_for_its_key_schema_too() {
        let table = replacing_properties("AWS::DynamoDB::Table").unwrap();
        assert_eq!(
            table,
            ["TableName", "ImportSourceSpecification", "KeySchema"]
        );
        assert_eq!(
            replacing_properties("AWS::SQS::Queue").unwrap(),
            ["FifoQueue", "QueueName"]
        );
        assert_eq!(replacing_properties("AWS::Nope::Nope"), None);
    }
}
