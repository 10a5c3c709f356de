//! The attributes `Fn::GetAtt` accepts, derived the way cfn-lint 1.51.0 derives them
//! (`cfnlint/schema/_getatts.py`): the `readOnlyProperties` of the schema, as dotted names
//! (`SnapStartResponse.ApplyOn`), except for a list of types where every property (and
//! every scalar nested in an object property) is an attribute.

use serde_json::Value as Json;

use crate::schema::Schema;

/// Types whose every property is an attribute (cfn-lint's `_all_property_types`).
const ALL_PROPERTY_TYPES: &[&str] = &[
    "AWS::Amplify::Branch",
    "AWS::Amplify::Domain",
    "AWS::AppSync::DomainName",
    "AWS::AppSync::FunctionConfiguration",
    "AWS::AppSync::Resolver",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::Backup::BackupSelection",
    "AWS::Backup::BackupVault",
    "AWS::Backup::LogicallyAirGappedBackupVault",
    "AWS::CodeArtifact::Domain",
    "AWS::CodeArtifact::Repository",
    "AWS::EC2::CapacityReservation",
    "AWS::EC2::Instance",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::Subnet",
    "AWS::EC2::VPC",
    "AWS::EFS::MountTarget",
    "AWS::EKS::Nodegroup",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::Events::EventBus",
    "AWS::EventSchemas::Discoverer",
    "AWS::EventSchemas::Registry",
    "AWS::EventSchemas::Schema",
    "AWS::GameLift::GameSessionQueue",
    "AWS::GameLift::MatchmakingConfiguration",
    "AWS::GameLift::MatchmakingRuleSet",
    "AWS::Grafana::Workspace",
    "AWS::Greengrass::ConnectorDefinition",
    "AWS::Greengrass::CoreDefinition",
    "AWS::Greengrass::DeviceDefinition",
    "AWS::Greengrass::FunctionDefinition",
    "AWS::Greengrass::Group",
    "AWS::Greengrass::LoggerDefinition",
    "AWS::Greengrass::ResourceDefinition",
    "AWS::Greengrass::SubscriptionDefinition",
    "AWS::ImageBuilder::Component",
    "AWS::ImageBuilder::ContainerRecipe",
    "AWS::ImageBuilder::DistributionConfiguration",
    "AWS::ImageBuilder::ImagePipeline",
    "AWS::ImageBuilder::ImageRecipe",
    "AWS::ImageBuilder::InfrastructureConfiguration",
    "AWS::ManagedBlockchain::Node",
    "AWS::Neptune::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBParameterGroup",
    "AWS::RedshiftServerless::Workgroup",
    "AWS::RoboMaker::RobotApplication",
    "AWS::RoboMaker::SimulationApplication",
    "AWS::Route53Resolver::ResolverRule",
    "AWS::Route53Resolver::ResolverRuleAssociation",
    "AWS::S3::AccessPoint",
    "AWS::SageMaker::DataQualityJobDefinition",
    "AWS::SageMaker::ModelBiasJobDefinition",
    "AWS::SageMaker::ModelExplainabilityJobDefinition",
    "AWS::SageMaker::ModelQualityJobDefinition",
    "AWS::SageMaker::MonitoringSchedule",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::SSM::Parameter",
    "AWS::StepFunctions::Activity",
];

/// Attributes of non-registry types beyond their `readOnlyProperties` (cfn-lint's
/// `_exceptions`).
const EXCEPTIONS: &[(&str, &[&str])] = &[
    (
        "AWS::AppMesh::GatewayRoute",
        &[
            "GatewayRouteName",
            "MeshName",
            "MeshOwner",
            "VirtualGatewayName",
        ],
    ),
    ("AWS::AppMesh::Mesh", &["MeshName"]),
    (
        "AWS::AppMesh::Route",
        &["MeshName", "MeshOwner", "RouteName", "VirtualRouterName"],
    ),
    (
        "AWS::AppMesh::VirtualGateway",
        &["MeshName", "MeshOwner", "VirtualGatewayName"],
    ),
    (
        "AWS::AppMesh::VirtualNode",
        &["MeshName", "MeshOwner", "VirtualNodeName"],
    ),
    (
        "AWS::AppMesh::VirtualRouter",
        &["MeshName", "MeshOwner", "VirtualRouterName"],
    ),
    (
        "AWS::AppMesh::VirtualService",
        &["MeshName", "MeshOwner", "VirtualServiceName"],
    ),
    ("AWS::AppSync::DataSource", &["Name"]),
    ("AWS::Cloud9::EnvironmentEC2", &["Name"]),
    ("AWS::CloudWatch::InsightRule", &["RuleName"]),
    ("AWS::DocDB::DBCluster", &["Port"]),
    ("AWS::Greengrass::ConnectorDefinition", &["Name"]),
    ("AWS::Greengrass::CoreDefinition", &["Name"]),
    ("AWS::Greengrass::DeviceDefinition", &["Name"]),
    ("AWS::Greengrass::FunctionDefinition", &["Name"]),
    ("AWS::Greengrass::Group", &["Name", "RoleArn"]),
    ("AWS::Greengrass::LoggerDefinition", &["Name"]),
    ("AWS::Greengrass::ResourceDefinition", &["Name"]),
    ("AWS::Greengrass::SubscriptionDefinition", &["Name"]),
    ("AWS::IoT1Click::Device", &["Enabled"]),
    (
        "AWS::IoT1Click::Placement",
        &["PlacementName", "ProjectName"],
    ),
    ("AWS::IoT1Click::Project", &["ProjectName"]),
    (
        "AWS::Kinesis::StreamConsumer",
        &["ConsumerName", "StreamARN"],
    ),
    ("AWS::ManagedBlockchain::Member", &["NetworkId"]),
    ("AWS::MediaConvert::JobTemplate", &["Name"]),
    ("AWS::MediaConvert::Preset", &["Name"]),
    ("AWS::MediaConvert::Queue", &["Name"]),
    ("AWS::MediaLive::Input", &["Destinations", "Sources"]),
    ("AWS::OpsWorks::Instance", &["AvailabilityZone"]),
    ("AWS::OpsWorks::UserProfile", &["SshUsername"]),
    (
        "AWS::Route53Resolver::ResolverEndpoint",
        &["Direction", "Name"],
    ),
    ("AWS::SageMaker::CodeRepository", &["CodeRepositoryName"]),
    ("AWS::SageMaker::Endpoint", &["EndpointName"]),
    ("AWS::SageMaker::EndpointConfig", &["EndpointConfigName"]),
    ("AWS::SageMaker::Model", &["ModelName"]),
    (
        "AWS::SageMaker::NotebookInstance",
        &["NotebookInstanceName"],
    ),
    (
        "AWS::SageMaker::NotebookInstanceLifecycleConfig",
        &["NotebookInstanceLifecycleConfigName"],
    ),
    ("AWS::SageMaker::Workteam", &["WorkteamName"]),
    ("AWS::ServiceDiscovery::Service", &["Name"]),
    ("AWS::Transfer::User", &["ServerId", "UserName"]),
];

/// Types whose attributes cfn-lint matches with a pattern (`Outputs\..*`, `.*`): they have
/// no fixed list, so no enum can hold them.
const PATTERN_TYPES: &[&str] = &[
    "AWS::CloudFormation::Stack",
    "AWS::ServiceCatalog::CloudFormationProvisionedProduct",
    "AWS::CloudFormation::CustomResource",
];

/// The attribute names of a type, in cfn-lint's order, without duplicates.
pub fn attributes(schema: &Schema) -> Result<Vec<String>, String> {
    let type_name = schema.type_name.as_str();
    if PATTERN_TYPES.contains(&type_name)
        || ["Custom::", "AWS::Serverless::", "Module"]
            .iter()
            .any(|p| type_name.starts_with(p))
    {
        return Err(format!(
            "{type_name}: cfn-lint accepts any attribute matching a pattern"
        ));
    }
    let mut attrs = Attrs::default();
    if ALL_PROPERTY_TYPES.contains(&type_name) {
        if let Some(properties) = schema.json.get("properties").and_then(Json::as_object) {
            for (name, value) in properties {
                process(schema, value, &format!("/properties/{name}"), &mut attrs, 0)?;
            }
        }
    } else {
        if let Some((_, names)) = EXCEPTIONS.iter().find(|(t, _)| *t == type_name) {
            for name in *names {
                attrs.insert(&format!("/properties/{name}"));
            }
        }
        for pointer in schema.pointers("readOnlyProperties") {
            attrs.insert(pointer);
        }
    }
    for name in &attrs.0 {
        if name.is_empty() || !name.split('.').all(crate::naming::is_identifier) {
            return Err(format!(
                "{type_name}: attribute `{name}` is a pattern, not a name"
            ));
        }
    }
    Ok(attrs.0)
}

#[derive(Default)]
struct Attrs(Vec<String>);

impl Attrs {
    /// Adds the attribute of a pointer: `/properties/A/B` is `A.B`.
    fn insert(&mut self, pointer: &str) {
        let name = pointer.split('/').skip(2).collect::<Vec<_>>().join(".");
        if !self.0.contains(&name) {
            self.0.push(name);
        }
    }
}

/// cfn-lint's `GetAtts._process_schema`.
fn process(
    schema: &Schema,
    node: &Json,
    path: &str,
    attrs: &mut Attrs,
    depth: usize,
) -> Result<(), String> {
    if depth > 64 {
        return Err(format!("{}: recursive schema at {path}", schema.type_name));
    }
    let types: Vec<&str> = match node.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"object") {
        if let Some(properties) = node.get("properties").and_then(Json::as_object) {
            for (name, value) in properties {
                process(schema, value, &format!("{path}/{name}"), attrs, depth + 1)?;
            }
        }
    } else if types.contains(&"array") {
        // Fn::GetAtt does not reach into arrays of objects or of arrays.
        let item_type = node
            .get("items")
            .and_then(|i| i.get("type"))
            .and_then(Json::as_str);
        if !matches!(item_type, Some("object" | "array")) {
            attrs.insert(path);
        }
    } else if let Some(reference) = node.get("$ref").and_then(Json::as_str) {
        let (_, definition) = schema.resolve(reference)?;
        process(schema, definition, path, attrs, depth + 1)?;
    } else {
        attrs.insert(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn read_only_properties_become_dotted_names() {
        let schema = Schema::from_json(json!({
            "typeName": "AWS::Test::Thing",
            "properties": {"Arn": {"type": "string"}, "Out": {"$ref": "#/definitions/Out"}},
            "definitions": {"Out": {"type": "object", "properties": {"ApplyOn": {"type": "string"}}}},
            "readOnlyProperties": ["/properties/Arn", "/properties/Out", "/properties/Out/ApplyOn", "/properties/Arn"]
        }))
        .unwrap();
        assert_eq!(attributes(&schema).unwrap(), ["Arn", "Out", "Out.ApplyOn"]);
    }

    #[test]
    fn all_property_types_expose_scalars_and_scalar_lists() {
        let schema = Schema::from_json(json!({
            "typeName": "AWS::SQS::Queue",
            "properties": {
                "Arn": {"type": "string"},
                "Redrive": {"type": ["object", "string"], "properties": {"target": {"type": "string"}}},
                "Tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}},
                "Objects": {"type": "array", "items": {"type": "object"}},
                "Nested": {"$ref": "#/definitions/Tag"}
            },
            "definitions": {"Tag": {"type": "object", "properties": {"Key": {"type": "string"}}}}
        }))
        .unwrap();
        assert_eq!(
            attributes(&schema).unwrap(),
            ["Arn", "Redrive.target", "Tags", "Nested.Key"]
        );
    }
}
