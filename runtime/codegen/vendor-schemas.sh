#!/usr/bin/env bash
# Copies the CloudFormation registry schemas of the resource types pipewright emits from
# the installed cfn-lint's package data into runtime/codegen/schemas/, one file per type
# (AWS::Lambda::Function -> aws-lambda-function.json). Run `cargo run -p pipewright-codegen`
# afterwards to regenerate runtime/src/cfn/resources/.
#
# Usage: runtime/codegen/vendor-schemas.sh [REGION]   (default us-east-1)
# To vendor another type, add it to TYPES below.
set -euo pipefail
cd "$(dirname "$0")"

REGION="${1:-us-east-1}"
TYPES=(
  AWS::IAM::Role
  AWS::IAM::Policy
  AWS::IAM::ManagedPolicy
  AWS::Lambda::Function
  AWS::Lambda::Version
  AWS::Lambda::Alias
  AWS::Lambda::Permission
  AWS::Lambda::EventSourceMapping
  AWS::CloudWatch::Alarm
  AWS::CodeDeploy::Application
  AWS::CodeDeploy::DeploymentGroup
  AWS::ApiGateway::RestApi
  AWS::ApiGateway::Account
  AWS::ApiGateway::Deployment
  AWS::ApiGateway::Stage
  AWS::ApiGateway::Resource
  AWS::ApiGateway::Method
  AWS::S3::Bucket
  AWS::S3::BucketPolicy
  AWS::CodePipeline::Pipeline
  AWS::CodeBuild::Project
  AWS::KMS::Key
  AWS::KMS::Alias
  AWS::SSM::Parameter
  AWS::ECR::Repository
  AWS::Logs::LogGroup
  AWS::SQS::Queue
  AWS::SQS::QueuePolicy
  AWS::SNS::Topic
  AWS::SNS::TopicPolicy
  AWS::SNS::Subscription
  AWS::CodeStarNotifications::NotificationRule
  AWS::DynamoDB::Table
  AWS::Events::Rule
)

python3 - "$REGION" "${TYPES[@]}" <<'PY'
import importlib, json, os, shutil, sys

import cfnlint

region, types = sys.argv[1], sys.argv[2:]
root = os.path.dirname(cfnlint.__file__)
providers = importlib.import_module(
    "cfnlint.data.schemas.providers." + region.replace("-", "_")
).types
try:
    from importlib.metadata import version
    print(f"cfn-lint {version('cfn-lint')}, region {region}")
except Exception:
    pass
os.makedirs("schemas", exist_ok=True)
for type_name in types:
    source = os.path.join(root, "data", "schemas", "resources", providers[type_name] + ".json")
    target = os.path.join("schemas", type_name.lower().replace("::", "-") + ".json")
    with open(source) as f:
        json.load(f)  # must be valid JSON
    shutil.copyfile(source, target)
    print(f"{type_name} -> {target}")
PY
