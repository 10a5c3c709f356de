//! Synthesis, end to end: the `deploy` binary's `list` and `synth`, the structure of the
//! service stacks against what the AWS CDK generates for the original app (and where it
//! is wrong), references, logical-id stability, and cfn-lint on every template.

mod programs;

use std::collections::BTreeSet;
use std::process::Command;

use programs::{
    all_programs, program, program_body, repo_root, scratch_dir, synthesize_body, template,
};
use serde_json::{json, Value};

fn deploy(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_deploy"))
        .args(args)
        .output()
        .expect("the deploy binary runs")
}

#[test]
fn list_prints_every_stack_in_deployment_order() {
    let out = deploy(&["list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "BackendPipeline\nPreProdBackend-BackendStack\nProdBackend-BackendStack\n"
    );
}

#[test]
fn synth_writes_every_template_and_the_manifest() {
    let dir = scratch_dir("synth-reference");
    let out = deploy(&["synth", "--out", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = program("reference");
    for stack in &app.stacks {
        let written = std::fs::read_to_string(dir.join(stack.template_file())).unwrap();
        assert_eq!(
            written, stack.template,
            "{} is written as synthesized",
            stack.name
        );
    }
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let stacks: Vec<&str> = manifest["artifacts"]
        .as_object()
        .unwrap()
        .values()
        .filter(|a| a["type"] == "aws:cloudformation:stack")
        .map(|a| a["properties"]["stackName"].as_str().unwrap())
        .collect();
    assert_eq!(
        stacks,
        [
            "BackendPipeline",
            "PreProdBackend-BackendStack",
            "ProdBackend-BackendStack"
        ]
    );
    let help = deploy(&["synth", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("--out"));
}

#[test]
fn synth_replaces_the_assembly_as_a_whole() {
    let parent = scratch_dir("synth-swap");
    let out = parent.join("cdk.out");
    let out_arg = out.to_str().unwrap();
    let synth = |args: &[&str]| {
        let run = deploy(args);
        (
            run.status.code(),
            String::from_utf8_lossy(&run.stderr).into_owned(),
        )
    };
    assert_eq!(synth(&["synth", "--out", out_arg]).0, Some(0));
    // A template of a stack the program no longer has, and a zip `assets` wrote.
    std::fs::write(out.join("Removed.template.json"), "{}").unwrap();
    std::fs::write(out.join("asset.0000.zip"), "zip").unwrap();
    assert_eq!(synth(&["synth", "--out", out_arg]).0, Some(0));
    assert!(
        !out.join("Removed.template.json").exists(),
        "the previous assembly is replaced"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("asset.0000.zip")).unwrap(),
        "zip"
    );
    assert!(out.join("manifest.json").is_file());
    let beside: Vec<String> = std::fs::read_dir(&parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(beside, ["cdk.out"], "no temporary directory left");

    // A directory of other files is not an assembly: refused, untouched.
    let mine = parent.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "mine").unwrap();
    let (code, stderr) = synth(&["synth", "--out", mine.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("is not a cloud assembly"), "{stderr}");
    let kept: Vec<_> = std::fs::read_dir(&mine).unwrap().collect();
    assert_eq!(kept.len(), 1, "untouched");
}

fn resources_of_type<'a>(t: &'a Value, type_name: &str) -> Vec<(&'a String, &'a Value)> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == type_name)
        .collect()
}

fn only<'a>(t: &'a Value, type_name: &str) -> (&'a String, &'a Value) {
    let found = resources_of_type(t, type_name);
    assert_eq!(found.len(), 1, "one {type_name}: {found:?}");
    found[0]
}

#[test]
fn service_stack_has_the_approved_lambda_and_the_rest_api() {
    let app = program("reference");
    for (stage, stage_env) in [("PreProdBackend", "preprod"), ("ProdBackend", "prod")] {
        let t = template(&app, &format!("{stage}-BackendStack"));
        let r = &t["Resources"];

        let function = &r["BackendServerFunction"]["Properties"];
        assert_eq!(function["Runtime"], "provided.al2023");
        assert_eq!(function["Handler"], "bootstrap");
        assert_eq!(function["MemorySize"], 2048);
        assert_eq!(function["Timeout"], 60);
        assert_eq!(function["Description"], "backend server lambda function");
        assert_eq!(function["Architectures"], json!(["x86_64"]));
        assert_eq!(
            function["Code"]["S3Bucket"],
            "cdk-hnb659fds-assets-111111111111-us-west-2"
        );
        assert_eq!(
            function["Code"]["S3Key"],
            format!("{}.zip", app.assets[0].id)
        );
        assert_eq!(
            function["Environment"]["Variables"],
            json!({"STAGE": stage_env}),
            "the stage's variables reach the function"
        );
        assert_eq!(
            function["Role"],
            json!({"Fn::GetAtt": ["BackendServerRole", "Arn"]})
        );

        let (version_id, version) = only(&t, "AWS::Lambda::Version");
        assert!(version_id.starts_with("BackendServerVersion"));
        assert_eq!(
            version["Properties"]["FunctionName"],
            json!({"Ref": "BackendServerFunction"})
        );

        let alias = &r["BackendServerAlias"];
        assert_eq!(alias["Properties"]["Name"], "Current");
        assert_eq!(
            alias["Properties"]["FunctionVersion"],
            json!({"Fn::GetAtt": [version_id, "Version"]})
        );
        assert_eq!(
            alias["UpdatePolicy"],
            json!({"CodeDeployLambdaAliasUpdate": {
                "ApplicationName": {"Ref": "BackendServerApplication"},
                "DeploymentGroupName": {"Ref": "BackendServerDeploymentGroup"},
            }})
        );

        let alarm = &r["BackendServerErrorsAlarm"]["Properties"];
        assert_eq!(alarm["MetricName"], "Errors");
        assert_eq!(alarm["Namespace"], "AWS/Lambda");
        assert_eq!(alarm["Statistic"], "Sum");
        assert_eq!(alarm["Period"], 60);
        assert_eq!(alarm["Threshold"], 1.0);
        assert_eq!(alarm["EvaluationPeriods"], 1);
        assert_eq!(alarm["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
        assert_eq!(
            alarm["Dimensions"],
            json!([{"Name": "FunctionName", "Value": {"Ref": "BackendServerFunction"}}])
        );

        let group = &r["BackendServerDeploymentGroup"]["Properties"];
        assert_eq!(
            group["DeploymentConfigName"],
            "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
        );
        assert_eq!(
            group["AlarmConfiguration"],
            json!({"Alarms": [{"Name": {"Ref": "BackendServerErrorsAlarm"}}], "Enabled": true})
        );
        assert_eq!(
            group["AutoRollbackConfiguration"],
            json!({"Enabled": true, "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]})
        );
        assert_eq!(
            group["DeploymentStyle"],
            json!({"DeploymentOption": "WITH_TRAFFIC_CONTROL", "DeploymentType": "BLUE_GREEN"})
        );
        assert_eq!(
            r["BackendServerApplication"]["Properties"]["ComputePlatform"],
            "Lambda"
        );

        let api = &r["BackendApi"]["Properties"];
        assert_eq!(api["BinaryMediaTypes"], json!(["*/*"]));
        assert_eq!(api["Description"], "Api gateway for backend api");

        // Root and proxy both reach the alias (the CDK gives the root a MOCK integration
        // and proxies to the unversioned function).
        for method in ["BackendApiRootMethod", "BackendApiProxyMethod"] {
            let m = &r[method]["Properties"];
            assert_eq!(m["HttpMethod"], "ANY");
            assert_eq!(m["Integration"]["Type"], "AWS_PROXY");
            assert_eq!(m["Integration"]["IntegrationHttpMethod"], "POST");
            let uri = m["Integration"]["Uri"]["Fn::Sub"].as_str().unwrap();
            assert!(
                uri.ends_with("/functions/${BackendServerAlias}/invocations"),
                "{uri}"
            );
        }
        assert_eq!(
            r["BackendApiRootMethod"]["Properties"]["ResourceId"],
            json!({"Fn::GetAtt": ["BackendApi", "RootResourceId"]})
        );
        assert_eq!(
            r["BackendApiProxyResource"]["Properties"]["PathPart"],
            "{proxy+}"
        );

        // CORS preflight on both resources (the CDK silently drops it).
        for method in ["BackendApiRootPreflight", "BackendApiProxyPreflight"] {
            let m = &r[method]["Properties"];
            assert_eq!(m["HttpMethod"], "OPTIONS");
            assert_eq!(m["Integration"]["Type"], "MOCK");
            let headers = &m["Integration"]["IntegrationResponses"][0]["ResponseParameters"];
            assert_eq!(
                headers["method.response.header.Access-Control-Allow-Origin"],
                "'*'"
            );
            assert_eq!(
                headers["method.response.header.Access-Control-Allow-Methods"],
                "'OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD'"
            );
        }

        let (_, deployment) = only(&t, "AWS::ApiGateway::Deployment");
        let depends: BTreeSet<&str> = deployment["DependsOn"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        for method in [
            "BackendApiRootMethod",
            "BackendApiProxyMethod",
            "BackendApiRootPreflight",
            "BackendApiProxyPreflight",
        ] {
            assert!(
                depends.contains(method),
                "the deployment waits for {method}"
            );
        }
        assert_eq!(
            r["BackendApiStage"]["DependsOn"],
            json!(["ApiGatewayAccount"])
        );
        assert_eq!(r["BackendApiStage"]["Properties"]["StageName"], "prod");

        for (_, permission) in resources_of_type(&t, "AWS::Lambda::Permission") {
            assert_eq!(
                permission["Properties"]["FunctionName"],
                json!({"Ref": "BackendServerAlias"})
            );
            assert_eq!(
                permission["Properties"]["Principal"],
                "apigateway.amazonaws.com"
            );
        }
        let outputs: Vec<&String> = t["Outputs"].as_object().unwrap().keys().collect();
        assert_eq!(
            outputs,
            [
                "BackendServerFunctionName",
                "BackendServerAliasArn",
                "BackendApiUrl"
            ]
        );
        assert!(t["Outputs"]["BackendApiUrl"]["Value"]["Fn::Sub"]
            .as_str()
            .unwrap()
            .ends_with("/${BackendApiStage}/"));
    }
}

/// Every resource type the CDK creates for the original app is there (the metadata
/// resource aside).
#[test]
fn service_stack_covers_what_the_cdk_generates() {
    let reference_dir = repo_root().join("tests/reference/cdk-synth/preprod");
    let Some(cdk_template) = std::fs::read_dir(&reference_dir).ok().and_then(|d| {
        d.filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().ends_with(".template.json"))
    }) else {
        panic!(
            "the CDK reference output is expected at {}",
            reference_dir.display()
        )
    };
    let cdk: Value =
        serde_json::from_str(&std::fs::read_to_string(cdk_template.path()).unwrap()).unwrap();
    let ours = template(&program("reference"), "PreProdBackend-BackendStack");
    let types = |t: &Value| -> BTreeSet<String> {
        t["Resources"]
            .as_object()
            .unwrap()
            .values()
            .map(|r| r["Type"].as_str().unwrap().to_owned())
            .collect()
    };
    let missing: Vec<String> = types(&cdk)
        .difference(&types(&ours))
        .filter(|t| *t != "AWS::CDK::Metadata")
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "resource types the CDK has and we lack: {missing:?}"
    );
}

/// No `DependsOn` repeats a dependency that a `Ref`, `Fn::GetAtt` or `Fn::Sub` already
/// implies (cfn-lint W3005; the CDK's templates have them).
#[test]
fn no_redundant_depends_on() {
    for (name, app) in all_programs() {
        for stack in &app.stacks {
            let t: Value = serde_json::from_str(&stack.template).unwrap();
            for (id, resource) in t["Resources"].as_object().unwrap() {
                let Some(deps) = resource["DependsOn"].as_array() else {
                    continue;
                };
                let properties = resource["Properties"].to_string();
                for dep in deps {
                    let dep = dep.as_str().unwrap();
                    let implied = properties.contains(&format!("\"Ref\":\"{dep}\""))
                        || properties.contains(&format!("[\"{dep}\","))
                        || properties.contains(&format!("${{{dep}}}"))
                        || properties.contains(&format!("${{{dep}."));
                    assert!(
                        !implied,
                        "{name}/{}: {id} DependsOn {dep}, which its properties already reference",
                        stack.name
                    );
                }
            }
        }
    }
}

#[test]
fn every_reference_resolves() {
    for (name, app) in all_programs() {
        for stack in &app.stacks {
            let t: Value = serde_json::from_str(&stack.template).unwrap();
            if let Err(errors) = pipewright::cfn::check_references(&t) {
                panic!("{name}/{}: {errors:?}", stack.name);
            }
        }
    }
    // And the check can fail.
    let mut broken = template(&program("minimal"), "Prod-Shop");
    broken["Resources"]["OrdersAlias"]["Properties"]["FunctionName"] =
        json!({"Ref": "NoSuchFunction"});
    assert!(pipewright::cfn::check_references(&broken).is_err());
}

fn logical_ids(app: &pipewright::App, stack: &str) -> BTreeSet<String> {
    template(app, stack)["Resources"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// Adding a lambda (and its api) renames nothing that was there.
#[test]
fn logical_ids_are_stable_when_a_lambda_is_added() {
    let file = repo_root().join("tests/ui/pass/minimal.rs");
    let body = program_body(&file).to_string();
    let before = synthesize_body(body.parse().unwrap());
    let extended = body.replacen(
        "lambda Orders",
        "lambda Payments { package : \"service\" , memory : 512 } api PaymentsApi { handler : Payments } lambda Orders",
        1,
    );
    assert_ne!(extended, body);
    let after = synthesize_body(extended.parse().unwrap());
    let (old, new) = (
        logical_ids(&before, "Prod-Shop"),
        logical_ids(&after, "Prod-Shop"),
    );
    let renamed: Vec<&String> = old.difference(&new).collect();
    assert!(renamed.is_empty(), "renamed or removed: {renamed:?}");
    assert!(new.len() > old.len());
}

/// cfn-lint reports nothing (no error, warning or informational finding) on any
/// template of any program.
#[test]
fn cfn_lint_accepts_every_template() {
    for (name, app) in all_programs() {
        let dir = scratch_dir(&format!("cfn-lint-{name}"));
        let mut files = Vec::new();
        for file in pipewright::assembly::files(&app) {
            let path = dir.join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &file.contents).unwrap();
            if file.path.ends_with(".template.json") {
                files.push(path);
            }
        }
        assert_eq!(files.len(), app.stacks.len());
        let out = Command::new("cfn-lint")
            .args(["--format", "parseable", "--include-checks", "I", "--"])
            .args(&files)
            .output()
            .unwrap_or_else(|e| panic!("cfn-lint cannot run ({e}): install it with `pip install cfn-lint` or run .ci/setup"));
        let findings = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && findings.trim().is_empty(),
            "cfn-lint findings on {name}:\n{findings}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
