//! The fixes pipewright runs `moto_server` with (`runtime/moto/sitecustomize.py`, shipped
//! with `deploy rehearse`): each shown on a server of its own, through boto3, doing what
//! AWS does. (Fixes 1-3 are exercised by `tests/deploy_moto.rs`.)

mod support;

use support::Moto;

/// A pipeline stack in miniature: a role, a project, a bucket and a two-stage pipeline.
const PIPELINE_STACK: &str = r#"
role = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}}
project = {"Type": "AWS::CodeBuild::Project", "Properties": {"Name": {"Fn::Sub": "${AWS::StackName}-Synth"},
    "ServiceRole": {"Fn::GetAtt": ["Role", "Arn"]}, "Artifacts": {"Type": "CODEPIPELINE"}, "TimeoutInMinutes": 30,
    "Source": {"Type": "CODEPIPELINE", "BuildSpec": "{\"version\": \"0.2\"}"},
    "Environment": {"Type": "LINUX_CONTAINER", "ComputeType": "BUILD_GENERAL1_SMALL", "Image": "aws/codebuild/standard:7.0",
        "EnvironmentVariables": [{"Name": "STAGE", "Value": "test", "Type": "PLAINTEXT"}]}}}
def action(name, category, provider, configuration, **more):
    return dict({"Name": name, "ActionTypeId": {"Category": category, "Owner": "AWS", "Provider": provider, "Version": "1"},
                 "Configuration": configuration}, **more)
pipeline = {"Type": "AWS::CodePipeline::Pipeline", "Properties": {"Name": "Tiny", "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
    "RestartExecutionOnUpdate": True, "PipelineType": "V2",
    "ArtifactStores": [{"Region": "us-west-2", "ArtifactStore": {"Type": "S3", "Location": {"Ref": "Bucket"}}},
                       {"Region": "eu-west-1", "ArtifactStore": {"Type": "S3", "Location": "bucket-in-eu-west-1"}}],
    "Stages": [
        {"Name": "Source", "Actions": [action("Checkout", "Source", "CodeStarSourceConnection",
            {"ConnectionArn": "arn:aws:codeconnections:us-west-2:111111111111:connection/x", "DetectChanges": False},
            OutputArtifacts=[{"Name": "Source_Output"}], RunOrder=1)]},
        {"Name": "Build", "Actions": [action("Synth", "Build", "CodeBuild", {"ProjectName": {"Ref": "Project"}},
            InputArtifacts=[{"Name": "Source_Output"}], Namespace="Build", RunOrder=2)]}]}}
template = {"Resources": {"Role": role, "Project": project, "Bucket": {"Type": "AWS::S3::Bucket"}, "Pipeline": pipeline},
    "Outputs": {"ProjectArn": {"Value": {"Fn::GetAtt": ["Project", "Arn"]}}, "Version": {"Value": {"Fn::GetAtt": ["Pipeline", "Version"]}}}}
"#;

#[test]
fn codebuild_projects_and_pipelines_are_created_from_templates() {
    let moto = Moto::start("moto-fixes-pipeline");
    let result = moto.python(&format!(
        "{PIPELINE_STACK}\n\
         cfn = client('cloudformation')\n\
         cfn.create_stack(StackName='Tiny', TemplateBody=json.dumps(template), Capabilities=['CAPABILITY_IAM'])\n\
         stack = cfn.describe_stacks(StackName='Tiny')['Stacks'][0]\n\
         declared = client('codepipeline').get_pipeline(name='Tiny')['pipeline']\n\
         projects = client('codebuild').batch_get_projects(names=['Tiny-Synth'])['projects']\n\
         print(json.dumps({{'status': stack['StackStatus'], 'outputs': {{o['OutputKey']: o['OutputValue'] for o in stack['Outputs']}},\n\
             'pipeline': declared, 'project': projects[0]}}, default=str))"
    ));
    assert_eq!(result["status"], "CREATE_COMPLETE", "{result}");
    assert_eq!(
        result["outputs"]["ProjectArn"],
        "arn:aws:codebuild:us-west-2:111111111111:project/Tiny-Synth"
    );
    assert_eq!(result["outputs"]["Version"], "1");
    let pipeline = &result["pipeline"];
    assert_eq!(pipeline["pipelineType"], "V2");
    assert_eq!(
        pipeline["artifactStores"]["eu-west-1"]["location"], "bucket-in-eu-west-1",
        "artifact stores by region, as the API has them"
    );
    let build = &pipeline["stages"][1]["actions"][0];
    assert_eq!(
        build["configuration"]["ProjectName"], "Tiny-Synth",
        "references resolved"
    );
    assert_eq!(build["namespace"], "Build");
    assert_eq!(build["runOrder"], 2);
    assert_eq!(build["inputArtifacts"][0]["name"], "Source_Output");
    let source = &pipeline["stages"][0]["actions"][0];
    assert_eq!(
        source["configuration"]["DetectChanges"], "false",
        "configuration values are strings"
    );
    let project = &result["project"];
    assert_eq!(project["source"]["buildspec"], "{\"version\": \"0.2\"}");
    assert_eq!(
        project["environment"]["environmentVariables"][0]["name"],
        "STAGE"
    );
    assert!(project["serviceRole"].as_str().unwrap().contains(":role/"));
}

#[test]
fn an_updated_pipeline_gets_a_new_version_and_a_deleted_one_is_gone() {
    let moto = Moto::start("moto-fixes-update");
    let result = moto.python(&format!(
        "{PIPELINE_STACK}\n\
         cfn = client('cloudformation')\n\
         cfn.create_stack(StackName='Tiny', TemplateBody=json.dumps(template), Capabilities=['CAPABILITY_IAM'])\n\
         pipeline['Properties']['Stages'][1]['Actions'][0]['Name'] = 'Build'\n\
         cfn.create_change_set(StackName='Tiny', ChangeSetName='c', ChangeSetType='UPDATE', TemplateBody=json.dumps(template), Capabilities=['CAPABILITY_IAM'])\n\
         cfn.execute_change_set(StackName='Tiny', ChangeSetName='c')\n\
         declared = client('codepipeline').get_pipeline(name='Tiny')['pipeline']\n\
         cfn.delete_stack(StackName='Tiny')\n\
         left = client('codepipeline').list_pipelines()['pipelines']\n\
         projects = client('codebuild').list_projects()['projects']\n\
         print(json.dumps({{'version': declared['version'], 'action': declared['stages'][1]['actions'][0]['name'], 'left': left, 'projects': projects}}, default=str))"
    ));
    assert_eq!(result["version"], 2, "{result}");
    assert_eq!(result["action"], "Build");
    assert_eq!(result["left"], serde_json::json!([]));
    assert_eq!(result["projects"], serde_json::json!([]));
}

#[test]
fn a_resource_that_fails_rolls_the_stack_back_with_the_reason() {
    let moto = Moto::start("moto-fixes-rollback");
    let result = moto.python(
        "cfn = client('cloudformation')\n\
         function = {'Type': 'AWS::Lambda::Function', 'Properties': {'Runtime': 'provided.al2023', 'Handler': 'bootstrap',\n\
             'Role': 'arn:aws:iam::111111111111:role/x', 'Code': {'S3Bucket': 'no-such-bucket', 'S3Key': 'x.zip'}}}\n\
         cfn.create_change_set(StackName='Broken', ChangeSetName='c', ChangeSetType='CREATE',\n\
             TemplateBody=json.dumps({'Resources': {'Function': function}}))\n\
         cfn.execute_change_set(StackName='Broken', ChangeSetName='c')\n\
         stack = cfn.describe_stacks(StackName='Broken')['Stacks'][0]\n\
         events = cfn.describe_stack_events(StackName='Broken')['StackEvents']\n\
         failed = [e for e in events if e['ResourceStatus'].endswith('_FAILED')]\n\
         print(json.dumps({'status': stack['StackStatus'], 'failed': failed}, default=str))",
    );
    assert_eq!(result["status"], "ROLLBACK_COMPLETE", "{result}");
    let failed = &result["failed"][0];
    assert_eq!(failed["LogicalResourceId"], "Function");
    assert_eq!(failed["ResourceType"], "AWS::Lambda::Function");
    let reason = failed["ResourceStatusReason"].as_str().unwrap();
    assert!(reason.contains("NoSuchBucket"), "{reason}");
}

#[test]
fn a_stack_made_by_a_change_set_has_its_outputs() {
    let moto = Moto::start("moto-fixes-outputs");
    let result = moto.python(
        "cfn = client('cloudformation')\n\
         template = {'Resources': {'Topic': {'Type': 'AWS::SNS::Topic'}}, 'Outputs': {'TopicArn': {'Value': {'Ref': 'Topic'}}}}\n\
         cfn.create_change_set(StackName='Outputs', ChangeSetName='c', ChangeSetType='CREATE', TemplateBody=json.dumps(template))\n\
         cfn.execute_change_set(StackName='Outputs', ChangeSetName='c')\n\
         print(json.dumps(cfn.describe_stacks(StackName='Outputs')['Stacks'][0].get('Outputs', [])))",
    );
    assert_eq!(result[0]["OutputKey"], "TopicArn", "{result}");
    assert!(result[0]["OutputValue"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:sns:us-west-2:111111111111:"));
}

#[test]
fn a_lambda_alias_is_created_and_its_arn_is_the_output() {
    let moto = Moto::start("moto-fixes-alias");
    let result = moto.python(
        "import io, zipfile\n\
         s3 = client('s3')\n\
         s3.create_bucket(Bucket='code', CreateBucketConfiguration={'LocationConstraint': 'us-west-2'})\n\
         buffer = io.BytesIO()\n\
         with zipfile.ZipFile(buffer, 'w') as z: z.writestr('bootstrap', 'binary')\n\
         s3.put_object(Bucket='code', Key='f.zip', Body=buffer.getvalue())\n\
         role = client('iam').create_role(RoleName='f', AssumeRolePolicyDocument='{}')['Role']['Arn']\n\
         function = {'Type': 'AWS::Lambda::Function', 'Properties': {'FunctionName': 'f', 'Runtime': 'provided.al2023',\n\
             'Handler': 'bootstrap', 'Role': role, 'Code': {'S3Bucket': 'code', 'S3Key': 'f.zip'}}}\n\
         version = {'Type': 'AWS::Lambda::Version', 'Properties': {'FunctionName': {'Ref': 'Function'}}}\n\
         alias = {'Type': 'AWS::Lambda::Alias', 'Properties': {'Name': 'Current', 'FunctionName': {'Ref': 'Function'},\n\
             'FunctionVersion': {'Fn::GetAtt': ['Version', 'Version']}}}\n\
         permission = {'Type': 'AWS::Lambda::Permission', 'Properties': {'Action': 'lambda:InvokeFunction',\n\
             'FunctionName': {'Ref': 'Alias'}, 'Principal': 'apigateway.amazonaws.com'}}\n\
         template = {'Resources': {'Function': function, 'Version': version, 'Alias': alias, 'Permission': permission},\n\
             'Outputs': {'AliasArn': {'Value': {'Ref': 'Alias'}}}}\n\
         cfn = client('cloudformation')\n\
         cfn.create_stack(StackName='Aliased', TemplateBody=json.dumps(template))\n\
         stack = cfn.describe_stacks(StackName='Aliased')['Stacks'][0]\n\
         alias = client('lambda').get_alias(FunctionName='f', Name='Current')\n\
         print(json.dumps({'status': stack['StackStatus'], 'outputs': stack.get('Outputs', []), 'alias': alias['AliasArn'], 'version': alias['FunctionVersion']}))",
    );
    assert_eq!(result["status"], "CREATE_COMPLETE", "{result}");
    assert_eq!(
        result["alias"],
        "arn:aws:lambda:us-west-2:111111111111:function:f:Current"
    );
    assert_eq!(result["version"], "1");
    assert_eq!(result["outputs"][0]["OutputValue"], result["alias"]);
}

#[test]
fn a_change_set_without_changes_is_created_failed_as_on_aws() {
    let moto = Moto::start("moto-fixes-empty-change-set");
    let result = moto.python(
        "cfn = client('cloudformation')\n\
         template = json.dumps({'Parameters': {'Name': {'Type': 'String'}}, 'Resources': {'Topic': {'Type': 'AWS::SNS::Topic'}}})\n\
         parameters = [{'ParameterKey': 'Name', 'ParameterValue': 'x'}]\n\
         cfn.create_stack(StackName='Same', TemplateBody=template, Parameters=parameters)\n\
         cfn.create_change_set(StackName='Same', ChangeSetName='again', ChangeSetType='UPDATE', TemplateBody=template, Parameters=parameters)\n\
         change_set = cfn.describe_change_set(StackName='Same', ChangeSetName='again')\n\
         print(json.dumps({'status': change_set['Status'], 'reason': change_set.get('StatusReason', '')}))",
    );
    assert_eq!(result["status"], "FAILED", "{result}");
    assert!(result["reason"]
        .as_str()
        .unwrap()
        .contains("didn't contain changes"));
}

#[test]
fn a_previous_ssm_parameter_value_is_its_name() {
    let moto = Moto::start("moto-fixes-ssm-previous");
    let result = moto.python(
        "client('ssm').put_parameter(Name='/cdk-bootstrap/q/version', Value='18', Type='String')\n\
         cfn = client('cloudformation')\n\
         def template(topic):\n\
         \x20   return json.dumps({'Parameters': {'BootstrapVersion': {'Type': 'AWS::SSM::Parameter::Value<String>',\n\
         \x20       'Default': '/cdk-bootstrap/q/version'}}, 'Resources': {topic: {'Type': 'AWS::SNS::Topic'}}})\n\
         cfn.create_stack(StackName='Support', TemplateBody=template('A'))\n\
         previous = [{'ParameterKey': 'BootstrapVersion', 'UsePreviousValue': True}]\n\
         cfn.create_change_set(StackName='Support', ChangeSetName='c', ChangeSetType='UPDATE', TemplateBody=template('B'), Parameters=previous)\n\
         cfn.execute_change_set(StackName='Support', ChangeSetName='c')\n\
         stack = cfn.describe_stacks(StackName='Support')['Stacks'][0]\n\
         print(json.dumps({'status': stack['StackStatus'], 'parameters': stack['Parameters']}))",
    );
    assert_eq!(result["status"], "UPDATE_COMPLETE", "{result}");
    assert_eq!(result["parameters"][0]["ParameterValue"], "18", "{result}");
}

#[test]
fn an_api_stage_is_created_and_its_name_is_in_the_url() {
    let moto = Moto::start("moto-fixes-api-stage");
    let result = moto.python(
        "api = {'Type': 'AWS::ApiGateway::RestApi', 'Properties': {'Name': 'Api'}}\n\
         method = {'Type': 'AWS::ApiGateway::Method', 'Properties': {'RestApiId': {'Ref': 'Api'},\n\
             'ResourceId': {'Fn::GetAtt': ['Api', 'RootResourceId']}, 'HttpMethod': 'GET', 'AuthorizationType': 'NONE',\n\
             'Integration': {'Type': 'MOCK'}}}\n\
         deployment = {'Type': 'AWS::ApiGateway::Deployment', 'DependsOn': ['Method'], 'Properties': {'RestApiId': {'Ref': 'Api'}}}\n\
         stage = {'Type': 'AWS::ApiGateway::Stage', 'Properties': {'RestApiId': {'Ref': 'Api'}, 'StageName': 'prod',\n\
             'DeploymentId': {'Ref': 'Deployment'}}}\n\
         url = {'Fn::Sub': 'https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/'}\n\
         template = {'Resources': {'Api': api, 'Method': method, 'Deployment': deployment, 'Stage': stage},\n\
             'Outputs': {'Url': {'Value': url}}}\n\
         cfn = client('cloudformation')\n\
         cfn.create_stack(StackName='Api', TemplateBody=json.dumps(template))\n\
         stack = cfn.describe_stacks(StackName='Api')['Stacks'][0]\n\
         api_id = [a for a in client('apigateway').get_rest_apis()['items'] if a['name'] == 'Api'][0]['id']\n\
         stages = [s['stageName'] for s in client('apigateway').get_stages(restApiId=api_id)['item']]\n\
         print(json.dumps({'status': stack['StackStatus'], 'url': stack['Outputs'][0]['OutputValue'], 'api': api_id, 'stages': stages}))",
    );
    assert_eq!(result["status"], "CREATE_COMPLETE", "{result}");
    let api = result["api"].as_str().unwrap();
    assert_eq!(
        result["url"],
        format!("https://{api}.execute-api.us-west-2.amazonaws.com/prod/")
    );
    assert!(result["stages"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("prod")));
}

#[test]
fn deleted_resources_are_detected_taken_out_and_created_again() {
    let moto = Moto::start("moto-fixes-repair");
    let result = moto.python(
        "cfn = client('cloudformation')\n\
         bucket = {'Type': 'AWS::S3::Bucket', 'DeletionPolicy': 'Retain', 'Properties': {'BucketName': 'kept'}}\n\
         parameter = {'Type': 'AWS::SSM::Parameter', 'Properties': {'Name': '/gone', 'Type': 'String', 'Value': '1'}}\n\
         role = {'Type': 'AWS::IAM::Role', 'Properties': {'RoleName': 'stays', 'AssumeRolePolicyDocument': {'Version': '2012-10-17',\n\
             'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'lambda.amazonaws.com'}, 'Action': 'sts:AssumeRole'}]}}}\n\
         full = {'Resources': {'Bucket': bucket, 'Parameter': parameter, 'Role': role}}\n\
         def update(template, name):\n\
         \x20   cfn.create_change_set(StackName='S', ChangeSetName=name, ChangeSetType='UPDATE', TemplateBody=json.dumps(template), Capabilities=['CAPABILITY_NAMED_IAM'])\n\
         \x20   cfn.execute_change_set(StackName='S', ChangeSetName=name)\n\
         \x20   return cfn.describe_stacks(StackName='S')['Stacks'][0]['StackStatus']\n\
         cfn.create_stack(StackName='S', TemplateBody=json.dumps(full), Capabilities=['CAPABILITY_NAMED_IAM'])\n\
         client('ssm').delete_parameter(Name='/gone')\n\
         drift = {r: cfn.detect_stack_resource_drift(StackName='S', LogicalResourceId=r)['StackResourceDrift']['StackResourceDriftStatus']\n\
             for r in ['Bucket', 'Parameter', 'Role']}\n\
         without = update({'Resources': {'Role': role}}, 'out')\n\
         kept = 'kept' in [b['Name'] for b in client('s3').list_buckets()['Buckets']]\n\
         client('s3').delete_bucket(Bucket='kept')\n\
         back = update(full, 'back')\n\
         print(json.dumps({'drift': drift, 'without': without, 'kept': kept, 'back': back,\n\
             'parameter': client('ssm').get_parameter(Name='/gone')['Parameter']['Value'],\n\
             'bucket': 'kept' in [b['Name'] for b in client('s3').list_buckets()['Buckets']]}))",
    );
    // Fix 13: what is gone is DELETED, the rest IN_SYNC.
    assert_eq!(
        result["drift"],
        serde_json::json!({"Bucket": "IN_SYNC", "Parameter": "DELETED", "Role": "IN_SYNC"}),
        "{result}"
    );
    // Fix 12: taking out a gone parameter and a retained bucket succeeds and keeps the
    // bucket; adding both back creates them.
    assert_eq!(result["without"], "UPDATE_COMPLETE", "{result}");
    assert_eq!(result["kept"], true, "{result}");
    assert_eq!(result["back"], "UPDATE_COMPLETE", "{result}");
    assert_eq!(result["parameter"], "1", "{result}");
    assert_eq!(result["bucket"], true, "{result}");
}

#[test]
fn termination_protection_is_kept_and_stops_a_deletion() {
    let moto = Moto::start("moto-fixes-protection");
    let result = moto.python(
        "cfn = client('cloudformation')\n\
         template = {'Resources': {'Marker': {'Type': 'AWS::SSM::Parameter', 'Properties': {'Type': 'String', 'Value': 'x'}}}}\n\
         cfn.create_stack(StackName='Kept', TemplateBody=json.dumps(template))\n\
         before = cfn.describe_stacks(StackName='Kept')['Stacks'][0]['EnableTerminationProtection']\n\
         cfn.update_termination_protection(StackName='Kept', EnableTerminationProtection=True)\n\
         after = cfn.describe_stacks(StackName='Kept')['Stacks'][0]['EnableTerminationProtection']\n\
         try:\n\
         \x20   cfn.delete_stack(StackName='Kept')\n\
         \x20   refused = None\n\
         except Exception as e:\n\
         \x20   refused = str(e)\n\
         status = cfn.describe_stacks(StackName='Kept')['Stacks'][0]['StackStatus']\n\
         parameter = client('ssm').describe_parameters()['Parameters'][0]['Name']\n\
         print(json.dumps({'before': before, 'after': after, 'refused': refused, 'status': status, 'parameter': parameter}))",
    );
    assert_eq!(result["before"], false);
    assert_eq!(result["after"], true);
    assert!(
        result["refused"]
            .as_str()
            .unwrap_or_default()
            .contains("Stack [Kept] cannot be deleted while TerminationProtection is enabled"),
        "{result}"
    );
    assert_eq!(result["status"], "CREATE_COMPLETE");
    // Fix 15: a parameter without a name gets one, as on AWS.
    assert!(
        result["parameter"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Kept-Marker-"),
        "{result}"
    );
}

#[test]
fn a_change_set_is_found_in_the_stack_named() {
    let moto = Moto::start("moto-fixes-change-set-of-a-stack");
    let result = moto.python(
        "cfn = client('cloudformation')\n\
         def template(name):\n    return json.dumps({'Resources': {name: {'Type': 'AWS::SSM::Parameter', 'Properties': {'Name': name, 'Type': 'String', 'Value': 'x'}}}})\n\
         for stack in ['A', 'B']:\n    cfn.create_change_set(StackName=stack, ChangeSetName='PipelineChange', ChangeSetType='CREATE', TemplateBody=template(stack + 'Parameter'))\n\
         def described(stack):\n    found = cfn.describe_change_set(StackName=stack, ChangeSetName='PipelineChange')\n    return [found['StackName']] + [c['ResourceChange']['LogicalResourceId'] for c in found['Changes']]\n\
         before = {'A': described('A'), 'B': described('B')}\n\
         cfn.delete_change_set(StackName='B', ChangeSetName='PipelineChange')\n\
         try:\n    described('B')\n    gone = False\nexcept cfn.exceptions.ClientError:\n    gone = True\n\
         print(json.dumps({'before': before, 'b_gone': gone, 'a_after': described('A')}))",
    );
    assert_eq!(
        result["before"]["A"],
        serde_json::json!(["A", "AParameter"]),
        "{result}"
    );
    assert_eq!(
        result["before"]["B"],
        serde_json::json!(["B", "BParameter"]),
        "{result}"
    );
    assert_eq!(result["b_gone"], true, "{result}");
    assert_eq!(
        result["a_after"],
        serde_json::json!(["A", "AParameter"]),
        "{result}"
    );
}

#[test]
fn a_change_set_of_a_stack_under_review_creates_that_stack() {
    let moto = Moto::start("moto-fixes-stack-under-review");
    let result = moto.python(
        "cfn = client('cloudformation')\n\
         template = json.dumps({'Resources': {'P': {'Type': 'AWS::SSM::Parameter', 'Properties': {'Name': 'under-review', 'Type': 'String', 'Value': 'x'}}}})\n\
         first = cfn.create_change_set(StackName='S', ChangeSetName='PipelineChange', ChangeSetType='CREATE', TemplateBody=template)\n\
         cfn.delete_change_set(StackName='S', ChangeSetName='PipelineChange')\n\
         second = cfn.create_change_set(StackName='S', ChangeSetName='PipelineChange', ChangeSetType='CREATE', TemplateBody=template)\n\
         cfn.execute_change_set(ChangeSetName=second['Id'])\n\
         stacks = [s for s in cfn.describe_stacks()['Stacks'] if s['StackName'] == 'S']\n\
         print(json.dumps({'same_stack': first['StackId'] == second['StackId'], 'statuses': [s['StackStatus'] for s in stacks]}))",
    );
    assert_eq!(result["same_stack"], true, "{result}");
    assert_eq!(
        result["statuses"],
        serde_json::json!(["CREATE_COMPLETE"]),
        "{result}"
    );
}

/// Fix 18: a `Ref` or `Fn::GetAtt` of a resource of a type moto does not implement (a
/// `resource` block of an ElastiCache serverless cache) is a placeholder naming it, not a
/// failed template or a `None` that crashes the resource using it.
#[test]
fn a_reference_to_a_type_moto_does_not_implement_is_a_placeholder() {
    let moto = Moto::start("moto-fixes-unimplemented-type");
    let result = moto.python(
        "cfn = client('cloudformation')\n\
         def parameter(name, value):\n\
         \x20   return {'Type': 'AWS::SSM::Parameter', 'Properties': {'Name': name, 'Type': 'String', 'Value': value}}\n\
         resources = {'Cache': {'Type': 'AWS::ElastiCache::ServerlessCache', 'Properties': {'Engine': 'valkey', 'ServerlessCacheName': 'c'}},\n\
         \x20   'ByArn': parameter('by-arn', {'Fn::GetAtt': ['Cache', 'ARN']}),\n\
         \x20   'ByRef': parameter('by-ref', {'Fn::Join': ['/', [{'Ref': 'Cache'}, 'x']]})}\n\
         cfn.create_stack(StackName='Cached', TemplateBody=json.dumps({'Resources': resources}))\n\
         stack = cfn.describe_stacks(StackName='Cached')['Stacks'][0]\n\
         ssm = client('ssm')\n\
         values = {n: ssm.get_parameter(Name=n)['Parameter']['Value'] for n in ['by-arn', 'by-ref']}\n\
         print(json.dumps({'status': stack['StackStatus'], 'values': values}))",
    );
    assert_eq!(result["status"], "CREATE_COMPLETE", "{result}");
    assert_eq!(
        result["values"]["by-arn"],
        format!(
            "arn:aws:elasticache:{}:{}:serverlesscache/Cached-Cache-PLACEHOLDER",
            support::REGION,
            support::ACCOUNT
        ),
        "{result}"
    );
    assert_eq!(result["values"]["by-ref"], "Cached-Cache-PLACEHOLDER/x");
}

/// The rehearsal names the types of `resource` blocks the emulator does not implement (a
/// Cognito user pool), and not those it does, the fixes' included (CodeBuild projects).
#[test]
fn the_rehearsal_asks_the_emulator_which_types_it_does_not_implement() {
    let dir = support::scratch_dir("unimplemented-types");
    let emulator = pipewright::rehearse::emulator::Emulator::start(&dir).unwrap();
    let types = [
        "AWS::Cognito::UserPool",
        "AWS::SSM::Parameter",
        "AWS::CodeBuild::Project",
    ]
    .map(String::from);
    assert_eq!(
        emulator.unimplemented_types(&types),
        Some(vec!["AWS::Cognito::UserPool".to_owned()])
    );
    let elsewhere = pipewright::rehearse::emulator::Emulator::external(&emulator.endpoint);
    assert_eq!(
        elsewhere.unimplemented_types(&types),
        None,
        "an emulator given with --endpoint is not asked"
    );
}
