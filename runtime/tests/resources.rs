//! The generated resource types (`pipewright::cfn::resources`) serialize to the
//! CloudFormation JSON of their registry schemas, and their attributes drive `Fn::GetAtt`
//! and the reference check.

use std::collections::BTreeMap;

use pipewright::cfn::resources::{attribute_names, iam, lambda, s3, ssm, TYPE_NAMES};
use pipewright::cfn::{
    check_references, Attribute, PolicyDocument, ResourceType, Statement, Template, TemplateError,
    Value,
};
use serde_json::json;

fn function(role: Value<String>) -> lambda::Function {
    lambda::Function {
        memory_size: Some(2048.into()),
        handler: Some("bootstrap".into()),
        runtime: Some("provided.al2023".into()),
        environment: Some(lambda::function::Environment {
            variables: Some(BTreeMap::from([
                ("RUST_LOG".to_owned(), "info".into()),
                ("TABLE".to_owned(), Value::sub("${AWS::StackName}-table")),
            ])),
        }),
        ..lambda::Function::new(
            lambda::function::Code {
                s3_bucket: Some("artifacts".into()),
                s3_key: Some("service.zip".into()),
                ..lambda::function::Code::new()
            },
            role,
        )
    }
}

#[test]
fn a_function_serializes_to_cloudformation_json() {
    let mut template = Template::new();
    let role = template
        .add(
            "Role",
            iam::Role::new(PolicyDocument::assumed_by_service("lambda.amazonaws.com")),
        )
        .unwrap();
    let handle = template
        .add("Fn", function(role.get_att(iam::RoleAttribute::Arn)))
        .unwrap();
    assert_eq!(handle.logical_id(), "Fn");
    let resource = template.resource("Fn").unwrap();
    assert_eq!(resource.type_name(), "AWS::Lambda::Function");
    assert_eq!(
        *resource.properties(),
        json!({
            "Code": {"S3Bucket": "artifacts", "S3Key": "service.zip"},
            "Environment": {"Variables": {
                "RUST_LOG": "info",
                "TABLE": {"Fn::Sub": "${AWS::StackName}-table"}
            }},
            "Handler": "bootstrap",
            "MemorySize": 2048,
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Runtime": "provided.al2023"
        })
    );
    let whole: serde_json::Value = serde_json::from_str(&template.to_json_pretty()).unwrap();
    assert_eq!(whole["Resources"]["Fn"]["Type"], "AWS::Lambda::Function");
    assert_eq!(
        whole["Resources"]["Fn"]["Properties"],
        *resource.properties()
    );
    template.check_references().unwrap();
}

#[test]
fn get_att_names_the_resource_and_the_attribute() {
    let mut template = Template::new();
    let f = template
        .add("Id", function("arn:aws:iam::123456789012:role/r".into()))
        .unwrap();
    let arn: Value<String> = f.get_att(lambda::FunctionAttribute::Arn);
    assert_eq!(
        serde_json::to_value(&arn).unwrap(),
        json!({"Fn::GetAtt": ["Id", "Arn"]})
    );
    let apply_on: Value<String> = f.get_att(lambda::FunctionAttribute::SnapStartResponseApplyOn);
    assert_eq!(
        serde_json::to_value(&apply_on).unwrap(),
        json!({"Fn::GetAtt": ["Id", "SnapStartResponse.ApplyOn"]})
    );
    assert_eq!(f.sub_att(lambda::FunctionAttribute::Arn), "${Id.Arn}");
}

#[test]
fn attribute_enums_agree_with_attribute_names() {
    assert_eq!(lambda::Function::TYPE_NAME, "AWS::Lambda::Function");
    let role = attribute_names("AWS::IAM::Role").unwrap();
    assert!(role.contains(&"Arn"), "{role:?}");
    assert_eq!(
        role,
        [
            iam::RoleAttribute::Arn.name(),
            iam::RoleAttribute::RoleId.name()
        ]
    );
    let function = attribute_names(lambda::Function::TYPE_NAME).unwrap();
    assert_eq!(
        function,
        [
            "SnapStartResponse",
            "SnapStartResponse.ApplyOn",
            "SnapStartResponse.OptimizationStatus",
            "Arn"
        ]
    );
    assert_eq!(attribute_names("AWS::Lambda::Permission").unwrap(), ["Id"]);
    assert_eq!(
        attribute_names("AWS::S3::BucketPolicy").unwrap(),
        [] as [&str; 0]
    );
    assert_eq!(attribute_names("AWS::EC2::Instance"), None);
    assert_eq!(TYPE_NAMES.len(), 34);
    for type_name in TYPE_NAMES {
        assert!(attribute_names(type_name).is_some(), "{type_name}");
    }
}

#[test]
fn check_references_uses_the_generated_attributes() {
    let template = json!({
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Description": {"Fn::Sub": "${Role.RoleId} ${Role.Nope}"},
                "Handler": {"Fn::GetAtt": "Role.AlsoNope"}
            }},
            "Other": {"Type": "AWS::Unknown::Thing", "Properties": {
                "X": {"Fn::GetAtt": ["Other", "Anything"]}
            }}
        }
    });
    let errors = check_references(&template).unwrap_err();
    let targets: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            TemplateError::Unresolved { target, .. } => target.as_str(),
            other => panic!("unexpected {other}"),
        })
        .collect();
    assert_eq!(targets, ["Role.Nope", "Role.AlsoNope"]);
}

#[test]
fn policy_documents_are_typed() {
    let trust = PolicyDocument::assumed_by_service("lambda.amazonaws.com");
    let inline = PolicyDocument::new([Statement::allow(["logs:CreateLogStream"])]);
    let role = iam::Role {
        policies: Some(vec![iam::role::Policy::new(inline.clone(), "logs")]),
        role_name: Some("service".into()),
        ..iam::Role::new(trust.clone())
    };
    assert_eq!(
        serde_json::to_value(&role).unwrap(),
        json!({
            "AssumeRolePolicyDocument": serde_json::to_value(&trust).unwrap(),
            "Policies": [{"PolicyDocument": serde_json::to_value(&inline).unwrap(), "PolicyName": "logs"}],
            "RoleName": "service"
        })
    );
    let policy = s3::BucketPolicy::new(Value::from("bucket"), inline.clone());
    assert_eq!(
        serde_json::to_value(&policy).unwrap(),
        json!({"Bucket": "bucket", "PolicyDocument": serde_json::to_value(&inline).unwrap()})
    );
}

#[test]
fn optional_only_types_default_and_keywords_are_raw_identifiers() {
    let mut template = Template::new();
    template.add("Bucket", s3::Bucket::default()).unwrap();
    let whole: serde_json::Value = serde_json::from_str(&template.to_json_pretty()).unwrap();
    assert_eq!(
        whole["Resources"]["Bucket"],
        json!({"Type": "AWS::S3::Bucket"})
    );

    let parameter = ssm::Parameter::new("String", "v1");
    assert_eq!(parameter.r#type, Value::from("String"));
    assert_eq!(
        serde_json::to_value(&parameter).unwrap(),
        json!({"Type": "String", "Value": "v1"})
    );
}
