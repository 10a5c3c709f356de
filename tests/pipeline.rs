//! The pipeline stack, structurally: stage order, actions and their run orders, the
//! roles each action runs as, artifacts, the self-mutation stage, the asset actions,
//! the cross-account KMS wiring and the cross-region artifact stores, for the reference
//! program, the example programs (`examples/`) and the language suite's pass programs.
//! The cross-account example is compared with the AWS CDK's own output for the same
//! app (`shared/reference/cdk-synth/variants/cdk-2.89.0-cross-account/`).

mod programs;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use pipewright::app::{App, StackRole};
use pipewright::bootstrap_stack::Environment;
use pipewright::spec::Program;
use pipewright::{plan, synth};
use serde_json::Value;

/// A program's source file: `reference` (pipeline.rs), an example, or a pass case.
fn source_file(name: &str) -> (PathBuf, String) {
    let root = programs::repo_root();
    match name {
        "reference" => (root.join("pipeline.rs"), "deploy".into()),
        "cross_account" | "multi_region" | "single_account_no_mutation" | "waves" => (
            root.join("examples").join(format!("{name}.rs")),
            name.to_owned(),
        ),
        other => (
            root.join("tests/ui/pass").join(format!("{other}.rs")),
            "deploy".into(),
        ),
    }
}

/// Every program these tests check.
const PROGRAMS: &[&str] = &[
    "reference",
    "cross_account",
    "multi_region",
    "single_account_no_mutation",
    "large",
    "minimal",
];

/// A program, lowered as the macro lowers it, and synthesized.
fn lowered(name: &str) -> (Program, App) {
    let (file, bin) = source_file(name);
    lowered_body(name, programs::program_body(&file), bin)
}

/// A program's body (what `pipeline!` reads), lowered and synthesized as [`lowered`]'s.
fn lowered_body(name: &str, body: proc_macro2::TokenStream, bin: String) -> (Program, App) {
    let syntax: pipewright_macros_core::syntax::Program =
        syn::parse2(body).unwrap_or_else(|e| panic!("{name}: {e}"));
    let root = programs::repo_root();
    let workspace = pipewright_macros_core::workspace::Workspace::load(&root)
        .unwrap_or_else(|e| panic!("workspace: {e}"));
    let mut program = pipewright_macros_core::lower::lower(&syntax, Ok(&workspace))
        .unwrap_or_else(|e| panic!("{name} does not lower: {e}"))
        .program;
    program.binary_kind = pipewright_macros_core::expand::binary_kind(&root, &bin);
    program.binary = bin;
    let app = synth::synthesize(&program, &root.to_string_lossy())
        .unwrap_or_else(|e| panic!("{name} does not synthesize: {e:?}"));
    (program, app)
}

/// The regions other than the pipeline's where a stage deploys, as the plan has them.
fn other_regions(program: &Program) -> Vec<String> {
    plan::plan(program)
        .expect("the program plans")
        .support_regions
        .into_iter()
        .map(|r| r.region)
        .collect()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("templates are JSON")
}

fn pipeline_template(app: &App) -> Value {
    json(&app.stack(&app.pipeline).expect("a pipeline stack").template)
}

fn stages(t: &Value) -> &Vec<Value> {
    t["Resources"]["Pipeline"]["Properties"]["Stages"]
        .as_array()
        .expect("stages")
}

fn stage<'a>(t: &'a Value, name: &str) -> &'a Value {
    stages(t)
        .iter()
        .find(|s| s["Name"] == name)
        .unwrap_or_else(|| panic!("no stage {name}"))
}

fn actions(stage: &Value) -> &Vec<Value> {
    stage["Actions"].as_array().expect("actions")
}

fn action<'a>(stage: &'a Value, name: &str) -> &'a Value {
    actions(stage)
        .iter()
        .find(|a| a["Name"] == name)
        .unwrap_or_else(|| panic!("no action {name} in stage {}", stage["Name"]))
}

fn names(values: &[Value], key: &str) -> Vec<String> {
    values
        .iter()
        .map(|v| v[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn run_order(action: &Value) -> i64 {
    action["RunOrder"].as_i64().expect("a run order")
}

fn artifacts(action: &Value, key: &str) -> Vec<String> {
    action[key]
        .as_array()
        .map(|a| names(a, "Name"))
        .unwrap_or_default()
}

fn env<'a>(program: &'a Program, account: &'a str, region: &'a str) -> Environment<'a> {
    Environment {
        qualifier: &program.pipeline.qualifier,
        account,
        region,
    }
}

/// Every statement of every inline policy of the template's IAM roles, with the role.
fn role_statements(t: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (id, r) in t["Resources"].as_object().unwrap() {
        if r["Type"] != "AWS::IAM::Role" {
            continue;
        }
        for policy in r["Properties"]["Policies"].as_array().into_iter().flatten() {
            for s in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
                out.push((id.clone(), s.clone()));
            }
        }
    }
    out
}

fn one_or_many(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

fn role_allows(t: &Value, role: &str, action: &str, resource: &Value) -> bool {
    role_statements(t).iter().any(|(r, s)| {
        r == role
            && s["Effect"] == "Allow"
            && one_or_many(&s["Action"]).iter().any(|a| a == action)
            && one_or_many(&s["Resource"]).iter().any(|r| r == resource)
    })
}

#[test]
fn reference_pipeline_has_the_stages_and_actions_of_cdk_pipelines() {
    let (program, app) = lowered("reference");
    let t = pipeline_template(&app);
    let home = env(&program, "111111111111", "us-west-2");
    assert_eq!(
        names(stages(&t), "Name"),
        [
            "Source",
            "Build",
            "UpdatePipeline",
            "Assets",
            "PreProdBackend",
            "ProdBackend"
        ]
    );
    let summary = |stage_name: &str| -> Vec<(String, String, i64)> {
        actions(stage(&t, stage_name))
            .iter()
            .map(|a| {
                (
                    a["Name"].as_str().unwrap().to_owned(),
                    a["ActionTypeId"]["Provider"].as_str().unwrap().to_owned(),
                    run_order(a),
                )
            })
            .collect()
    };
    let s = |n: &str, p: &str, o: i64| (n.to_owned(), p.to_owned(), o);
    assert_eq!(
        summary("Source"),
        [s(
            "ColeMurray_serverless-express-lambda-cdk",
            "CodeStarSourceConnection",
            1
        )]
    );
    assert_eq!(summary("Build"), [s("Synth", "CodeBuild", 1)]);
    assert_eq!(
        summary("UpdatePipeline"),
        [
            s("SupportStacks", "CodeBuild", 1),
            s("SelfMutate.Prepare", "CloudFormation", 2),
            s("SelfMutate.Deploy", "CloudFormation", 3),
        ]
    );
    assert_eq!(
        summary("Assets"),
        [s("service-service-x86_64", "CodeBuild", 1)]
    );
    assert_eq!(
        summary("PreProdBackend"),
        [
            s("BackendStack.Prepare", "CloudFormation", 1),
            s("BackendStack.Deploy", "CloudFormation", 2),
        ]
    );
    // The change set exists before the approval: the approver reads it.
    assert_eq!(
        summary("ProdBackend"),
        [
            s("BackendStack.Prepare", "CloudFormation", 1),
            s("Promote_to_Prod", "Manual", 2),
            s("BackendStack.Deploy", "CloudFormation", 3),
        ]
    );

    // Roles: the source action's own role, the deploy role of the environment for
    // CloudFormation, and the pipeline's role for CodeBuild and the approval.
    let source = action(
        stage(&t, "Source"),
        "ColeMurray_serverless-express-lambda-cdk",
    );
    assert_eq!(
        source["RoleArn"],
        serde_json::json!({"Fn::GetAtt": ["SourceRole", "Arn"]})
    );
    assert_eq!(
        source["Configuration"]["ConnectionArn"],
        program.pipeline.source.connection
    );
    assert_eq!(
        source["Configuration"]["FullRepositoryId"],
        "ColeMurray/serverless-express-lambda-cdk"
    );
    assert_eq!(source["Configuration"]["BranchName"], "main");
    for name in ["BackendStack.Prepare", "BackendStack.Deploy"] {
        assert_eq!(
            action(stage(&t, "ProdBackend"), name)["RoleArn"],
            "arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-us-west-2"
        );
    }
    assert_eq!(
        action(stage(&t, "ProdBackend"), "BackendStack.Prepare")["Configuration"]["RoleArn"],
        "arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-west-2"
    );
    for (stage_name, name) in [
        ("Build", "Synth"),
        ("Assets", "service-service-x86_64"),
        ("ProdBackend", "Promote_to_Prod"),
    ] {
        assert!(action(stage(&t, stage_name), name).get("RoleArn").is_none());
    }
    // The source role may use this one connection, and nothing else of CodeStar.
    let connection_statements: Vec<Value> = role_statements(&t)
        .into_iter()
        .filter(|(_, s)| {
            one_or_many(&s["Action"])
                .iter()
                .any(|a| a.as_str().unwrap().contains("UseConnection"))
        })
        .map(|(role, s)| {
            assert_eq!(role, "SourceRole");
            s
        })
        .collect();
    // CodeStar Connections is now CodeConnections: each service's action on the
    // connection's ARN under that service.
    let id = program
        .pipeline
        .source
        .connection
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    let granted: BTreeSet<(String, String)> = connection_statements
        .iter()
        .flat_map(|s| {
            let resources = one_or_many(&s["Resource"]);
            one_or_many(&s["Action"]).into_iter().map(move |a| {
                assert_eq!(resources.len(), 1);
                (
                    a.as_str().unwrap().to_owned(),
                    resources[0].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect();
    assert_eq!(
        granted,
        [
            (
                "codeconnections:UseConnection".to_owned(),
                format!("arn:aws:codeconnections:us-west-2:111111111111:{id}")
            ),
            (
                "codestar-connections:UseConnection".to_owned(),
                format!("arn:aws:codestar-connections:us-west-2:111111111111:{id}")
            ),
        ]
        .into_iter()
        .collect()
    );

    // The artifact bucket: encrypted, private, TLS only, kept; readable by the deploy
    // role that prepares the self-mutation and the stages' change sets.
    let bucket = &t["Resources"]["ArtifactsBucket"];
    assert_eq!(bucket["DeletionPolicy"], "Retain");
    assert_eq!(bucket["UpdateReplacePolicy"], "Retain");
    assert_eq!(
        bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
            ["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "aws:kms"
    );
    for setting in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(
            bucket["Properties"]["PublicAccessBlockConfiguration"][setting],
            true
        );
    }
    let policy = &t["Resources"]["ArtifactsBucketPolicy"]["Properties"]["PolicyDocument"];
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements[0]["Effect"], "Deny");
    assert_eq!(
        statements[0]["Condition"]["Bool"]["aws:SecureTransport"],
        "false"
    );
    assert_eq!(
        statements[1]["Principal"]["AWS"],
        Value::from(home.deploy_role_arn())
    );
    assert!(t["Resources"].get("ArtifactsKey").is_none());
    assert_eq!(
        t["Resources"]["Pipeline"]["Properties"]["RestartExecutionOnUpdate"],
        true
    );
}

/// The invariants every generated pipeline keeps, whatever the program.
fn check_pipeline(name: &str, program: &Program, app: &App) {
    let t = pipeline_template(app);
    let p = &program.pipeline;
    let home = env(program, &p.account, &p.region);
    let all_stages = stages(&t);

    // Stage order: the pipeline's own stages, then the program's, as written.
    let mut expected: Vec<String> = vec!["Source".into(), "Build".into()];
    if p.self_mutation {
        expected.push("UpdatePipeline".into());
    }
    if !app.assets.is_empty() {
        expected.push("Assets".into());
    }
    expected.extend(program.stages.iter().map(|s| s.name.clone()));
    assert_eq!(names(all_stages, "Name"), expected, "{name}: stage order");
    assert!(all_stages.len() <= plan::MAX_STAGES);

    // Names within CodePipeline's limits; namespaces unique in the pipeline.
    let mut namespaces = BTreeSet::new();
    for s in all_stages {
        plan::check_codepipeline_name(s["Name"].as_str().unwrap()).unwrap();
        assert!(actions(s).len() <= plan::MAX_ACTIONS_PER_STAGE);
        let mut seen = BTreeSet::new();
        for a in actions(s) {
            let action_name = a["Name"].as_str().unwrap();
            plan::check_codepipeline_name(action_name).unwrap();
            assert!(
                seen.insert(action_name),
                "{name}: duplicate action {action_name}"
            );
            if let Some(ns) = a["Namespace"].as_str() {
                plan::check_codepipeline_name(ns).unwrap();
                assert!(!ns.contains('.'));
                assert!(
                    namespaces.insert(ns.to_owned()),
                    "{name}: namespace {ns} twice"
                );
            }
            for v in a["Configuration"].as_object().into_iter().flatten() {
                if let Some(text) = v.1.as_str() {
                    assert!(text.len() <= plan::MAX_CONFIGURATION_VALUE_LENGTH);
                }
            }
        }
    }

    // Source and synth.
    let source = &actions(stage(&t, "Source"))[0];
    assert_eq!(artifacts(source, "OutputArtifacts"), ["Source_Output"]);
    let synth_action = action(stage(&t, "Build"), "Synth");
    assert_eq!(artifacts(synth_action, "InputArtifacts"), ["Source_Output"]);
    assert_eq!(artifacts(synth_action, "OutputArtifacts"), ["Synth_Output"]);
    assert_eq!(
        synth_action["Configuration"]["ProjectName"],
        serde_json::json!({"Ref": "SynthProject"})
    );

    // Self-mutation: support stacks, then the pipeline stack's own change set.
    assert_eq!(
        t["Resources"]["Pipeline"]["Properties"]["RestartExecutionOnUpdate"],
        p.self_mutation
    );
    if p.self_mutation {
        let update = stage(&t, "UpdatePipeline");
        assert_eq!(
            names(actions(update), "Name"),
            ["SupportStacks", "SelfMutate.Prepare", "SelfMutate.Deploy"]
        );
        let support = action(update, "SupportStacks");
        assert_eq!(run_order(support), 1);
        assert_eq!(artifacts(support, "InputArtifacts"), ["Synth_Output"]);
        let prepare = action(update, "SelfMutate.Prepare");
        let deploy = action(update, "SelfMutate.Deploy");
        assert_eq!((run_order(prepare), run_order(deploy)), (2, 3));
        assert_eq!(prepare["Configuration"]["StackName"], p.name);
        assert_eq!(
            prepare["Configuration"]["TemplatePath"],
            format!("Synth_Output::{}.template.json", p.name)
        );
        assert_eq!(prepare["Configuration"]["ActionMode"], "CHANGE_SET_REPLACE");
        assert_eq!(
            prepare["Configuration"]["TemplateConfiguration"],
            format!("Synth_Output::{}.template-configuration.json", p.name)
        );
        assert_eq!(deploy["Configuration"]["ActionMode"], "CHANGE_SET_EXECUTE");
        assert_eq!(prepare["RoleArn"], Value::from(home.deploy_role_arn()));
        assert_eq!(deploy["RoleArn"], Value::from(home.deploy_role_arn()));
        assert_eq!(
            prepare["Configuration"]["RoleArn"],
            Value::from(home.cfn_exec_role_arn())
        );
        assert!(prepare.get("Region").is_none());
    } else {
        assert!(all_stages.iter().all(|s| s["Name"] != "UpdatePipeline"));
    }

    // Assets: one action per bundle, whatever the number of destinations.
    let assembly: BTreeMap<String, String> = pipewright::assembly::files(app)
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    if !app.assets.is_empty() {
        let stage_assets = stage(&t, "Assets");
        assert_eq!(actions(stage_assets).len(), app.assets.len());
        for asset in &app.assets {
            let a = action(stage_assets, &plan::asset_action_name(asset));
            assert_eq!(run_order(a), 1);
            assert_eq!(artifacts(a, "InputArtifacts"), ["Synth_Output"]);
            let variables = json(a["Configuration"]["EnvironmentVariables"].as_str().unwrap());
            let manifest_path = plan::asset_manifest_file(asset);
            assert_eq!(variables[0]["name"], "ASSET_MANIFEST");
            assert_eq!(variables[0]["value"], manifest_path.as_str());
            let manifest = json(&assembly[&manifest_path]);
            let destinations = manifest["files"][asset.id.as_ref()]["destinations"]
                .as_object()
                .unwrap();
            let expected: BTreeSet<String> = app
                .stacks
                .iter()
                .filter(|s| s.assets.contains(&asset.id))
                .map(|s| format!("{}-{}", s.account, s.region))
                .collect();
            assert_eq!(
                destinations.keys().cloned().collect::<BTreeSet<_>>(),
                expected,
                "{name}: destinations of {}",
                asset.id
            );
            for (id, d) in destinations {
                let (account, region) = id.split_once('-').unwrap();
                assert_eq!(
                    d["bucketName"],
                    format!("cdk-{}-assets-{account}-{region}", p.qualifier)
                );
                assert!(d["assumeRoleArn"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("file-publishing-role-{account}-{region}")));
            }
        }
        // The pipeline template names no asset: a code change does not mutate it.
        let text = &app.stack(&app.pipeline).unwrap().template;
        for asset in &app.assets {
            assert!(!text.contains(asset.id.as_ref()));
            assert!(!text.contains(asset.source_hash.as_ref()));
        }
    }

    // Deployment stages.
    for s in &program.stages {
        let st = stage(&t, &s.name);
        let target = env(program, &s.account, &s.region);
        let approval = s
            .approval
            .as_ref()
            .map(|a| plan::approval_action_name(&a.name));
        let (approve_order, deploy_order) = if approval.is_some() && !s.stacks.is_empty() {
            (2, 3)
        } else {
            (1, 2)
        };
        // Every stack's change set, the approval, the executions, the verify step.
        let mut expected_actions: Vec<String> =
            s.stacks.iter().map(|b| format!("{b}.Prepare")).collect();
        expected_actions.extend(approval.clone());
        expected_actions.extend(s.stacks.iter().map(|b| format!("{b}.Deploy")));
        if !s.verify.is_empty() {
            expected_actions.push("Verify".to_owned());
        }
        assert_eq!(
            names(actions(st), "Name"),
            expected_actions,
            "{name}: actions of {}",
            s.name
        );
        let mut variables_expected = Vec::new();
        for stack in &s.stacks {
            let stack_name = s.stack_name(stack);
            let artifact = app.stack(&stack_name).expect("the stage's stack");
            let prepare = action(st, &plan::prepare_action_name(stack));
            let deploy = action(st, &plan::deploy_action_name(stack));
            assert_eq!(run_order(prepare), 1);
            assert_eq!(run_order(deploy), deploy_order);
            let c = &prepare["Configuration"];
            assert_eq!(c["ActionMode"], "CHANGE_SET_REPLACE");
            assert_eq!(c["StackName"], stack_name.as_str());
            assert_eq!(c["ChangeSetName"], "PipelineChange");
            assert_eq!(
                c["Capabilities"],
                "CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND"
            );
            assert_eq!(
                c["TemplatePath"],
                format!("Synth_Output::{}", artifact.template_file())
            );
            assert!(assembly.contains_key(&artifact.template_file()));
            // The change set tags the stack with the pipeline's name, as `deploy` does:
            // `diff` finds the stacks a program no longer has by that tag.
            let configuration = synth::template_configuration_file(&stack_name);
            assert_eq!(
                c["TemplateConfiguration"],
                format!("Synth_Output::{configuration}")
            );
            assert_eq!(
                json(&assembly[&configuration]),
                serde_json::json!({"Tags": {"pipewright:pipeline": p.name}})
            );
            assert_eq!(c["RoleArn"], Value::from(target.cfn_exec_role_arn()));
            assert_eq!(artifacts(prepare, "InputArtifacts"), ["Synth_Output"]);
            let d = &deploy["Configuration"];
            assert_eq!(d["ActionMode"], "CHANGE_SET_EXECUTE");
            assert_eq!(d["StackName"], stack_name.as_str());
            assert_eq!(d["ChangeSetName"], "PipelineChange");
            for a in [prepare, deploy] {
                assert_eq!(a["RoleArn"], Value::from(target.deploy_role_arn()));
                if s.region == p.region {
                    assert!(a.get("Region").is_none());
                } else {
                    assert_eq!(a["Region"], s.region.as_str());
                }
            }
            assert_eq!(deploy["Namespace"], stack_name.as_str());
            for output in &artifact.outputs {
                variables_expected.push(serde_json::json!({
                    "name": output.as_ref(),
                    "value": format!("#{{{stack_name}.{output}}}"),
                    "type": "PLAINTEXT",
                }));
            }
        }
        if let Some(approval) = &approval {
            let a = action(st, approval);
            assert_eq!(a["ActionTypeId"]["Category"], "Approval");
            assert_eq!(run_order(a), approve_order);
            assert!(a["Configuration"]["CustomData"]
                .as_str()
                .unwrap()
                .contains("PipelineChange"));
        }
        if s.verify.is_empty() {
            assert!(actions(st).iter().all(|a| a["Name"] != "Verify"));
        } else {
            let verify = action(st, "Verify");
            assert_eq!(run_order(verify), deploy_order + 1);
            assert_eq!(verify["ActionTypeId"]["Provider"], "CodeBuild");
            let variables = json(
                verify["Configuration"]["EnvironmentVariables"]
                    .as_str()
                    .unwrap(),
            );
            assert_eq!(
                variables,
                Value::Array(variables_expected),
                "{name}: verify variables of {}",
                s.name
            );
            let project = verify["Configuration"]["ProjectName"]["Ref"]
                .as_str()
                .unwrap();
            let spec = json(
                t["Resources"][project]["Properties"]["Source"]["BuildSpec"]
                    .as_str()
                    .unwrap(),
            );
            assert_eq!(
                spec["phases"]["build"]["commands"],
                serde_json::json!(s.verify)
            );
        }
    }

    // The pipeline's role starts every project and assumes every role its actions use.
    let role = "PipelineRole";
    for s in all_stages {
        for a in actions(s) {
            if let Some(project) = a["Configuration"]["ProjectName"]["Ref"].as_str() {
                assert!(role_allows(
                    &t,
                    role,
                    "codebuild:StartBuild",
                    &serde_json::json!({"Fn::GetAtt": [project, "Arn"]})
                ));
            }
            if let Some(r) = a.get("RoleArn") {
                assert!(
                    role_allows(&t, role, "sts:AssumeRole", r),
                    "{name}: the pipeline cannot assume {r}"
                );
            }
        }
    }

    // CodeBuild environments: compute type and container type where they belong.
    for (id, r) in t["Resources"].as_object().unwrap() {
        if r["Type"] == "AWS::CodeBuild::Project" {
            let e = &r["Properties"]["Environment"];
            assert!(
                e["ComputeType"]
                    .as_str()
                    .unwrap()
                    .starts_with("BUILD_GENERAL1_"),
                "{name}: {id}"
            );
            assert!(["LINUX_CONTAINER", "ARM_CONTAINER"].contains(&e["Type"].as_str().unwrap()));
        }
    }

    // Artifact stores: one per region with actions; the other regions' buckets and keys
    // are those of the support stacks.
    let regions = other_regions(program);
    let props = &t["Resources"]["Pipeline"]["Properties"];
    let support_stacks: Vec<_> = app
        .stacks
        .iter()
        .filter(|s| s.role == StackRole::Support)
        .collect();
    assert_eq!(support_stacks.len(), regions.len());
    let pipeline_artifact = app.stack(&app.pipeline).unwrap();
    if regions.is_empty() {
        assert!(props.get("ArtifactStores").is_none());
        assert_eq!(
            props["ArtifactStore"]["Location"],
            serde_json::json!({"Ref": "ArtifactsBucket"})
        );
    } else {
        assert!(props.get("ArtifactStore").is_none());
        let stores = props["ArtifactStores"].as_array().unwrap();
        assert_eq!(stores.len(), regions.len() + 1);
        assert_eq!(stores[0]["Region"], p.region.as_str());
        for region in &regions {
            let store = stores
                .iter()
                .find(|s| s["Region"] == *region)
                .unwrap_or_else(|| panic!("{name}: no artifact store in {region}"));
            let support_name = plan::support_stack_name(p, region);
            let support = app.stack(&support_name).expect("a support stack");
            assert_eq!(support.region, *region);
            assert_eq!(support.account, p.account);
            assert!(pipeline_artifact.depends_on.contains(&support.name));
            let st = json(&support.template);
            assert_eq!(
                store["ArtifactStore"]["Location"],
                st["Resources"]["ArtifactsBucket"]["Properties"]["BucketName"]
            );
            if p.cross_account_keys {
                let alias = st["Resources"]["ArtifactsKeyAlias"]["Properties"]["AliasName"]
                    .as_str()
                    .unwrap();
                assert_eq!(
                    store["ArtifactStore"]["EncryptionKey"]["Id"],
                    format!("arn:aws:kms:{region}:{}:{alias}", p.account)
                );
                assert!(
                    store["ArtifactStore"]["EncryptionKey"]["Id"]
                        .as_str()
                        .unwrap()
                        .len()
                        <= 100
                );
            }
            // The deploy roles of the stages in that region read the support bucket.
            let readers = bucket_readers(&st);
            for s in program.stages.iter().filter(|s| s.region == *region) {
                let role = env(program, &s.account, &s.region).deploy_role_arn();
                assert!(
                    readers.contains(&role),
                    "{name}: {role} cannot read {support_name}"
                );
            }
        }
    }

    // The home bucket is readable by every deploy role whose action reads it.
    let readers = bucket_readers(&t);
    for s in program.stages.iter().filter(|s| s.region == p.region) {
        let role = env(program, &s.account, &s.region).deploy_role_arn();
        assert!(
            readers.contains(&role),
            "{name}: {role} cannot read the artifacts"
        );
    }
    if p.self_mutation {
        assert!(readers.contains(&home.deploy_role_arn()));
    }

    // Least privilege: no `*` action; `*` resources only where the program asked for
    // them (its `codebuild.policy`).
    let asked: BTreeSet<&str> = p
        .codebuild
        .policy
        .iter()
        .filter(|g| g.resources.iter().any(|r| r == "*"))
        .flat_map(|g| g.actions.iter().map(String::as_str))
        .collect();
    for stack in &app.stacks {
        for (role, s) in role_statements(&json(&stack.template)) {
            for a in one_or_many(&s["Action"]) {
                let a = a.as_str().unwrap();
                assert!(a != "*" && !a.ends_with(":*"), "{name}: {role} allows {a}");
            }
            if one_or_many(&s["Resource"]).iter().any(|r| r == "*") {
                for a in one_or_many(&s["Action"]) {
                    assert!(
                        asked.contains(a.as_str().unwrap()),
                        "{name}: {role} allows {a} on every resource"
                    );
                }
            }
        }
    }

    // CloudFormation refuses a template without resources (an empty `stack` block gets a
    // marker parameter).
    for stack in &app.stacks {
        let resources = json(&stack.template)["Resources"]
            .as_object()
            .map_or(0, |r| r.len());
        assert!(resources > 0, "{name}: {} has no resource", stack.name);
    }

    // Sizes: CloudFormation takes templates up to 1 MB from S3, and CodePipeline's
    // CloudFormation action has taken up to 512 KB; stay under the older 460,800 bytes.
    for stack in &app.stacks {
        assert!(
            stack.template.len() <= synth::MAX_TEMPLATE_SIZE,
            "{name}: {} is {} bytes",
            stack.name,
            stack.template.len()
        );
    }
}

/// The principals a bucket policy lets read: role ARNs, and roles named in an
/// `aws:PrincipalArn` condition.
fn bucket_readers(t: &Value) -> BTreeSet<String> {
    let mut readers = BTreeSet::new();
    let statements = t["Resources"]["ArtifactsBucketPolicy"]["Properties"]["PolicyDocument"]
        ["Statement"]
        .as_array()
        .unwrap();
    for s in statements.iter().filter(|s| s["Effect"] == "Allow") {
        assert!(one_or_many(&s["Action"]).contains(&Value::from("s3:GetObject*")));
        match s["Condition"]["ArnEquals"]["aws:PrincipalArn"].clone() {
            Value::Null => {
                for p in one_or_many(&s["Principal"]["AWS"]) {
                    readers.insert(p.as_str().unwrap().to_owned());
                }
            }
            roles => {
                for r in one_or_many(&roles) {
                    readers.insert(r.as_str().unwrap().to_owned());
                }
            }
        }
    }
    readers
}

#[test]
fn every_program_gets_a_well_formed_pipeline() {
    for name in PROGRAMS {
        let (program, app) = lowered(name);
        check_pipeline(name, &program, &app);
    }
}

#[test]
fn lowering_in_the_tests_gives_what_the_macro_gives() {
    // The tests lower programs themselves (to change their sources); that must be the
    // macro's own path.
    let (_, app) = lowered("reference");
    let from_macro = programs::program("reference");
    assert_eq!(app.stacks, from_macro.stacks);
    assert_eq!(app.assets, from_macro.assets);
}

#[test]
fn a_lambda_code_change_does_not_mutate_the_pipeline() {
    for name in ["reference", "multi_region"] {
        let (mut program, app) = lowered(name);
        for package in &mut program.packages {
            package.source_hash = format!("{:0>64}", "c0de");
        }
        let changed = synth::synthesize(&program, &app.workspace_root).unwrap();
        for (before, after) in app.stacks.iter().zip(&changed.stacks) {
            assert_eq!(before.name, after.name);
            match before.role {
                // The pipeline and its support stacks do not change: no restart, no loop.
                StackRole::Pipeline | StackRole::Support => {
                    assert_eq!(before.template, after.template, "{name}: {}", before.name)
                }
                // The stages deploy the new code.
                StackRole::Stage { .. } => {
                    if !before.assets.is_empty() {
                        assert_ne!(before.template, after.template);
                    }
                }
            }
        }
        assert_ne!(app.assets[0].id, changed.assets[0].id);
        // The asset actions keep their names, and read the new manifests.
        let names_before: Vec<String> = app.assets.iter().map(plan::asset_action_name).collect();
        let names_after: Vec<String> = changed.assets.iter().map(plan::asset_action_name).collect();
        assert_eq!(names_before, names_after);
    }
}

/// Resolves the CDK's `Fn::Join` of pseudo parameters into plain strings.
fn resolve_cdk(v: &Value, account: &str, region: &str) -> Value {
    match v {
        Value::Object(o) if o.get("Fn::Join").is_some_and(|j| j[1].is_array()) => {
            let parts = o["Fn::Join"][1].as_array().unwrap();
            let resolved: Option<String> = parts
                .iter()
                .map(|p| match p {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(r) => match r.get("Ref").and_then(Value::as_str) {
                        Some("AWS::Partition") => Some("aws".into()),
                        Some("AWS::AccountId") => Some(account.into()),
                        Some("AWS::Region") => Some(region.into()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            match resolved {
                Some(text) => Value::String(text),
                // A join of resource attributes stays as it is.
                None => v.clone(),
            }
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), resolve_cdk(v, account, region)))
                .collect(),
        ),
        Value::Array(a) => {
            Value::Array(a.iter().map(|v| resolve_cdk(v, account, region)).collect())
        }
        other => other.clone(),
    }
}

fn reference_dir() -> PathBuf {
    programs::repo_root().join("tests/reference/cdk-synth")
}

fn cdk_template(dir: &Path) -> Value {
    let file = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".template.json"))
        .expect("a template");
    json(&std::fs::read_to_string(file).unwrap())
}

fn cdk_resource_of_type<'a>(t: &'a Value, type_name: &str) -> Vec<&'a Value> {
    t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == type_name)
        .collect()
}

#[test]
fn cross_account_variant_matches_the_cdk() {
    let cdk = resolve_cdk(
        &cdk_template(&reference_dir().join("variants/cdk-2.89.0-cross-account/pipeline")),
        "111111111111",
        "us-west-2",
    );
    let (program, app) = lowered("cross_account");
    let ours = pipeline_template(&app);
    let cdk_pipeline = &cdk_resource_of_type(&cdk, "AWS::CodePipeline::Pipeline")[0]["Properties"];
    let our_pipeline = &ours["Resources"]["Pipeline"]["Properties"];

    // The same stages, in the same order.
    assert_eq!(
        names(cdk_pipeline["Stages"].as_array().unwrap(), "Name"),
        names(stages(&ours), "Name")
    );
    // Each deployment stage's CloudFormation actions: the same stacks, modes, change
    // set, capabilities and bootstrap roles (in the CDK's prod stage, literally those
    // of account 222222222222).
    let cfn_actions = |p: &Value, stage_name: &str| -> BTreeSet<String> {
        p["Stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Name"] == stage_name)
            .map(|s| {
                actions(s)
                    .iter()
                    .filter(|a| a["ActionTypeId"]["Provider"] == "CloudFormation")
                    .map(|a| {
                        let c = &a["Configuration"];
                        format!(
                            "{} {} {} {} {} {} {}",
                            c["ActionMode"],
                            c["StackName"],
                            c["ChangeSetName"],
                            c["Capabilities"],
                            c["RoleArn"],
                            a["RoleArn"],
                            a["InputArtifacts"][0]["Name"]
                        )
                    })
                    .collect()
            })
            .unwrap()
    };
    for stage_name in ["PreProdBackend", "ProdBackend"] {
        assert_eq!(
            cfn_actions(cdk_pipeline, stage_name),
            cfn_actions(our_pipeline, stage_name),
            "{stage_name}"
        );
    }
    let prod = cfn_actions(our_pipeline, "ProdBackend");
    assert!(prod.iter().all(|a| a.contains(
        "arn:aws:iam::222222222222:role/cdk-hnb659fds-deploy-role-222222222222-us-west-2"
    )));
    // The same approval, but after the change set: the approver can read it.
    let approval_order = |p: &Value| -> Vec<String> {
        let prod = p["Stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Name"] == "ProdBackend")
            .unwrap();
        let mut a: Vec<(i64, String)> = actions(prod)
            .iter()
            .map(|a| (run_order(a), a["Name"].as_str().unwrap().to_owned()))
            .collect();
        a.sort();
        a.into_iter().map(|(_, n)| n).collect()
    };
    assert_eq!(
        approval_order(cdk_pipeline),
        [
            "Promote_to_Prod",
            "BackendStack.Prepare",
            "BackendStack.Deploy"
        ]
    );
    assert_eq!(
        approval_order(our_pipeline),
        [
            "BackendStack.Prepare",
            "Promote_to_Prod",
            "BackendStack.Deploy"
        ]
    );

    // KMS: a customer-managed key encrypts the bucket and the artifact store, and lets
    // the other account's deploy role decrypt (the CDK names the role as principal; we
    // name its account, conditioned on the role).
    let cdk_key = cdk_resource_of_type(&cdk, "AWS::KMS::Key")[0];
    let cross_account_decrypters = |key_policy: &Value| -> BTreeSet<String> {
        let mut roles = BTreeSet::new();
        for s in key_policy["Statement"].as_array().unwrap() {
            if !one_or_many(&s["Action"]).contains(&Value::from("kms:Decrypt")) {
                continue;
            }
            let named = match s["Condition"]["ArnEquals"]["aws:PrincipalArn"].clone() {
                Value::Null => one_or_many(&s["Principal"]["AWS"]),
                roles => one_or_many(&roles),
            };
            roles.extend(
                named
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned())
                    .filter(|r| !r.contains("::111111111111:")),
            );
        }
        roles
    };
    let our_key = &ours["Resources"]["ArtifactsKey"];
    assert_eq!(
        cross_account_decrypters(&cdk_key["Properties"]["KeyPolicy"]),
        cross_account_decrypters(&our_key["Properties"]["KeyPolicy"])
    );
    assert_eq!(our_key["Properties"]["EnableKeyRotation"], true);
    let key_arn = serde_json::json!({"Fn::GetAtt": ["ArtifactsKey", "Arn"]});
    assert_eq!(
        our_pipeline["ArtifactStore"]["EncryptionKey"]["Id"],
        key_arn
    );
    assert!(cdk_pipeline["ArtifactStore"]["EncryptionKey"]["Id"]["Fn::GetAtt"].is_array());
    assert_eq!(
        ours["Resources"]["ArtifactsBucket"]["Properties"]["BucketEncryption"]
            ["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
            ["KMSMasterKeyID"],
        key_arn
    );
    assert_eq!(
        ours["Resources"]["ArtifactsKeyAlias"]["Properties"]["TargetKeyId"],
        key_arn
    );
    for (id, r) in ours["Resources"].as_object().unwrap() {
        if r["Type"] == "AWS::CodeBuild::Project" {
            assert_eq!(r["Properties"]["EncryptionKey"], key_arn, "{id}");
        }
    }
    // The roles that touch the artifacts may use the key.
    for role in ["SourceRole", "SynthRole", "AssetsRole", "PipelineRole"] {
        assert!(
            role_allows(&ours, role, "kms:Decrypt", &key_arn),
            "{role} cannot decrypt"
        );
    }
    // The bucket lets the same roles read as the CDK's.
    let cdk_bucket_readers: BTreeSet<String> = bucket_readers(&{
        let mut t = cdk.clone();
        let policy = cdk_resource_of_type(&cdk, "AWS::S3::BucketPolicy")[0].clone();
        t["Resources"]["ArtifactsBucketPolicy"] = policy;
        t
    })
    .into_iter()
    .filter(|r| r.contains(":role/"))
    .collect();
    assert_eq!(cdk_bucket_readers, bucket_readers(&ours));
    check_pipeline("cross_account", &program, &app);
}

#[test]
fn reference_matches_the_cdk_pipeline_where_it_should() {
    let cdk = resolve_cdk(
        &cdk_template(&reference_dir().join("pipeline")),
        "111111111111",
        "us-west-2",
    );
    let (_, app) = lowered("reference");
    let ours = pipeline_template(&app);
    let cdk_pipeline = &cdk_resource_of_type(&cdk, "AWS::CodePipeline::Pipeline")[0]["Properties"];
    assert_eq!(
        names(cdk_pipeline["Stages"].as_array().unwrap(), "Name"),
        names(stages(&ours), "Name")
    );
    let cdk_synth = cdk_resource_of_type(&cdk, "AWS::CodeBuild::Project")
        .into_iter()
        .find(|p| {
            p["Properties"]["Source"]["BuildSpec"]
                .as_str()
                .unwrap()
                .contains("synth")
        })
        .unwrap();
    let our_synth = &ours["Resources"]["SynthProject"]["Properties"];
    for key in ["ComputeType", "PrivilegedMode", "Type"] {
        assert_eq!(
            cdk_synth["Properties"]["Environment"][key], our_synth["Environment"][key],
            "{key}"
        );
    }
    assert_eq!(
        cdk_synth["Properties"]["EncryptionKey"],
        our_synth["EncryptionKey"]
    );
    assert_eq!(
        cdk_pipeline["RestartExecutionOnUpdate"],
        ours["Resources"]["Pipeline"]["Properties"]["RestartExecutionOnUpdate"]
    );
}

#[test]
fn cross_region_stores_and_support_stacks() {
    let (program, app) = lowered("multi_region");
    let p = &program.pipeline;
    assert_eq!(other_regions(&program), ["eu-west-1", "ap-southeast-2"]);
    let listed: Vec<&str> = app.stacks.iter().map(|s| s.name.as_ref()).collect();
    assert_eq!(
        &listed[..3],
        [
            "ShopDelivery",
            "ShopDelivery-support-eu-west-1",
            "ShopDelivery-support-ap-southeast-2"
        ]
    );
    let support = json(
        &app.stack("ShopDelivery-support-eu-west-1")
            .unwrap()
            .template,
    );
    let key = &support["Resources"]["ArtifactsKey"];
    assert_eq!(key["Properties"]["EnableKeyRotation"], true);
    assert_eq!(key["DeletionPolicy"], "Retain");
    assert_eq!(
        support["Resources"]["ArtifactsBucket"]["Properties"]["BucketName"],
        plan::support_bucket_name(p, "eu-west-1")
    );
    assert_eq!(
        bucket_readers(&support),
        [
            "arn:aws:iam::222222222222:role/cdk-hnb659fds-deploy-role-222222222222-eu-west-1",
            "arn:aws:iam::333333333333:role/cdk-hnb659fds-deploy-role-333333333333-eu-west-1",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
    // Other accounts read through their root and the deploy role's ARN as condition.
    let key_statements = key["Properties"]["KeyPolicy"]["Statement"]
        .as_array()
        .unwrap();
    let grant = key_statements
        .iter()
        .find(|s| s["Sid"] == "TargetAccountsReadArtifacts")
        .unwrap();
    assert_eq!(
        grant["Principal"]["AWS"],
        serde_json::json!([
            {"Fn::Sub": "arn:${AWS::Partition}:iam::222222222222:root"},
            {"Fn::Sub": "arn:${AWS::Partition}:iam::333333333333:root"},
        ])
    );

    // The pipeline may write the support buckets and use their keys, by alias.
    let t = pipeline_template(&app);
    let bucket_arn = Value::from(format!(
        "arn:aws:s3:::{}/*",
        plan::support_bucket_name(p, "ap-southeast-2")
    ));
    assert!(role_allows(&t, "PipelineRole", "s3:PutObject", &bucket_arn));
    let kms = role_statements(&t)
        .into_iter()
        .find(|(r, s)| r == "PipelineRole" && !s["Condition"]["ForAnyValue:StringEquals"].is_null())
        .unwrap()
        .1;
    assert_eq!(
        kms["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"],
        serde_json::json!([
            plan::artifact_key_alias(p, "eu-west-1"),
            plan::artifact_key_alias(p, "ap-southeast-2")
        ])
    );

    // The support stacks are deployed by the running pipeline, before it updates
    // itself, through the pipeline account's deploy role of their region.
    let project = &t["Resources"]["SupportStacksProject"]["Properties"];
    let spec = json(project["Source"]["BuildSpec"].as_str().unwrap());
    let script = spec["phases"]["build"]["commands"][0].as_str().unwrap();
    assert!(script.contains("for template in ShopDelivery-support-*.template.json"));
    assert!(script.contains("aws cloudformation deploy"));
    assert!(script.contains("cfn-exec-role-$ACCOUNT-$region"));
    assert!(script.contains("--no-fail-on-empty-changeset"));
    assert!(script.contains("--tags \"pipewright:pipeline=ShopDelivery\""));
    assert!(role_allows(
        &t,
        "SupportStacksRole",
        "sts:AssumeRole",
        &Value::from("arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-*")
    ));
    let variables: BTreeMap<String, String> = project["Environment"]["EnvironmentVariables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["Name"].as_str().unwrap().to_owned(),
                v["Value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(variables["ACCOUNT"], "111111111111");
    assert_eq!(variables["PARTITION"], "aws");
    assert_eq!(variables["QUALIFIER"], "hnb659fds");
    // Which support stacks exist is read from the assembly, so a region added by this
    // very commit is deployed before the new pipeline needs it.
    assert!(!script.contains("eu-west-1"));
}

#[test]
fn synth_action_builds_a_rust_workspace() {
    let (program, app) = lowered("multi_region");
    let t = pipeline_template(&app);
    let project = &t["Resources"]["SynthProject"]["Properties"];
    assert_eq!(project["Environment"]["Image"], synth::DEFAULT_IMAGE);
    assert_eq!(
        project["Environment"]["ComputeType"],
        "BUILD_GENERAL1_LARGE"
    );
    assert_eq!(project["Environment"]["Type"], "LINUX_CONTAINER");
    assert_eq!(project["Environment"]["PrivilegedMode"], false);
    let spec = json(project["Source"]["BuildSpec"].as_str().unwrap());
    let mut install: Vec<String> = synth::DEFAULT_INSTALL
        .iter()
        .map(|s| s.to_string())
        .collect();
    install.push("rustup target add aarch64-unknown-linux-gnu".into());
    assert_eq!(
        spec["phases"]["install"]["commands"],
        serde_json::json!(install)
    );
    let mut build = program.pipeline.synth.commands.clone();
    // An example builds itself with `--example` (a `--bin` would name no binary).
    build.push(
        "cargo run --locked --no-default-features --example multi_region -- assets --out cdk.out"
            .into(),
    );
    assert_eq!(
        spec["phases"]["build"]["commands"],
        serde_json::json!(build)
    );
    assert_eq!(spec["artifacts"]["base-directory"], "cdk.out");
    assert_eq!(spec["artifacts"]["files"], serde_json::json!(["**/*"]));
    // The S3 cache brings back the build, the registry, and the default install's toolchain
    // and wheels; cargo's `bin` is on the PATH before the install looks for cargo, so a
    // toolchain that came back is used as it is.
    assert_eq!(
        spec["cache"]["paths"],
        serde_json::json!([
            "/root/.cargo/registry/**/*",
            "/root/.cargo/git/**/*",
            "target/**/*",
            "/root/.rustup/**/*",
            "/root/.cargo/bin/**/*",
            "/root/.cache/pip/**/*"
        ])
    );
    let path = install
        .iter()
        .position(|c| c.contains("$HOME/.cargo/bin:$PATH"));
    let rustup = install
        .iter()
        .position(|c| c.starts_with("command -v cargo"));
    assert!(path.is_some() && path < rustup, "{install:?}");
    // The program's extra statements reach the synth role.
    assert!(role_allows(
        &t,
        "SynthRole",
        "ssm:GetParameter",
        &Value::from("arn:aws:ssm:us-east-1:111111111111:parameter/shop/*")
    ));

    // With its own install commands and an ARM image, the program gets exactly those.
    let (program, app) = lowered("single_account_no_mutation");
    let t = pipeline_template(&app);
    let project = &t["Resources"]["SynthProject"]["Properties"];
    assert_eq!(project["Environment"]["Type"], "ARM_CONTAINER");
    assert_eq!(
        project["Environment"]["ComputeType"],
        "BUILD_GENERAL1_SMALL"
    );
    let spec = json(project["Source"]["BuildSpec"].as_str().unwrap());
    assert_eq!(
        spec["phases"]["install"]["commands"],
        serde_json::json!(program.pipeline.synth.install)
    );
    // Its own install's tools are its business: the cache keeps the build and the registry.
    assert_eq!(
        spec["cache"]["paths"],
        serde_json::json!([
            "/root/.cargo/registry/**/*",
            "/root/.cargo/git/**/*",
            "target/**/*"
        ])
    );
    assert_eq!(spec["artifacts"]["base-directory"], "out/assembly");
    // The pipeline's own projects keep the default image, whatever the program's.
    assert_eq!(
        t["Resources"]["AssetsProject"]["Properties"]["Environment"]["Image"],
        synth::DEFAULT_IMAGE
    );
    let assets_spec = json(
        t["Resources"]["AssetsProject"]["Properties"]["Source"]["BuildSpec"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        assets_spec["phases"]["install"]["commands"],
        serde_json::json!(["npm install --global cdk-assets@4.7.3"])
    );
}

#[test]
fn outputs_are_what_the_service_templates_declare() {
    for name in PROGRAMS {
        let (program, app) = lowered(name);
        for stack in app.stacks.iter().filter(|s| s.stage().is_some()) {
            let StackRole::Stage { stack: block, .. } = &stack.role else {
                unreachable!()
            };
            let declared: Vec<String> = json(&stack.template)["Outputs"]
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let expected = program.stack(block).unwrap().output_names();
            assert_eq!(declared, expected, "{name}: {}", stack.name);
            let listed: Vec<String> = stack.outputs.iter().map(|o| o.to_string()).collect();
            assert_eq!(listed, expected);
        }
    }
}

#[test]
fn physical_names_fit_aws_limits() {
    let (mut program, _) = lowered("multi_region");
    program.pipeline.name = "AVeryLongPipelineNameThatGoesOnAndOnForeverAndEverAndEver".into();
    for (region, _) in pipewright::spec::REGIONS {
        let bucket = plan::support_bucket_name(&program.pipeline, region);
        assert!(bucket.len() <= 63, "{bucket}");
        assert!(bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        let partition = pipewright::spec::partition_of(region).unwrap();
        let alias_arn = format!(
            "arn:{partition}:kms:{region}:111111111111:{}",
            plan::artifact_key_alias(&program.pipeline, region)
        );
        assert!(alias_arn.len() <= 100, "{alias_arn}");
    }
    assert!(plan::check_codepipeline_name(&"a".repeat(100)).is_ok());
    assert!(plan::check_codepipeline_name(&"a".repeat(101)).is_err());
    assert!(plan::check_codepipeline_name("Promote to prod").is_err());
    assert!(plan::check_codepipeline_name("Orders.Prepare").is_ok());
    assert!(plan::check_codepipeline_name("").is_err());
}

/// Writes every template of the programs to one directory per program.
fn write_templates(name: &str, app: &App) -> Vec<PathBuf> {
    let dir = programs::scratch_dir(&format!("pipeline-lint-{name}"));
    app.stacks
        .iter()
        .map(|s| {
            let path = dir.join(s.template_file());
            std::fs::write(&path, s.template.as_bytes()).unwrap();
            path
        })
        .collect()
}

#[test]
fn cfn_lint_accepts_every_template_of_the_examples() {
    let mut files = Vec::new();
    for (name, app) in programs::examples() {
        files.extend(write_templates(&name, &app));
    }
    let output = Command::new("cfn-lint").args(&files).output().unwrap_or_else(|e| {
        panic!("cannot run cfn-lint ({e}): install it with `python3 -m pip install cfn-lint` (.ci/setup does)")
    });
    assert!(
        output.status.success() && output.stdout.is_empty(),
        "cfn-lint findings:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs Python with boto3 against a moto server, as the pipeline account in a region:
/// `client(name, region)` gives a client; the snippet prints its result as JSON.
fn boto3(moto: &support::Moto, account: &str, snippet: &str) -> Value {
    let program = format!(
        "import boto3, json\n\
         def client(name, region):\n\
         \x20   c = boto3.client('sts', endpoint_url='{endpoint}', region_name=region, aws_access_key_id='testing', aws_secret_access_key='testing').assume_role(RoleArn='arn:aws:iam::{account}:role/Admin', RoleSessionName='tests')['Credentials']\n\
         \x20   return boto3.client(name, endpoint_url='{endpoint}', region_name=region, aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'], aws_session_token=c['SessionToken'])\n\
         {snippet}\n",
        endpoint = moto.endpoint
    );
    let output = Command::new("python3")
        .arg("-c")
        .arg(&program)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "boto3 failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    json(&String::from_utf8_lossy(&output.stdout))
}

#[test]
fn support_stacks_action_deploys_every_support_stack() {
    // The UpdatePipeline stage's first action, run for real: its buildspec and project
    // variables, in the synthesized assembly, against a moto server standing for the
    // pipeline account's regions (with the AWS CLI, as on CodeBuild's image).
    let (program, app) = lowered("multi_region");
    let p = &program.pipeline;
    let dir = programs::scratch_dir("support-stacks-action");
    for file in pipewright::assembly::files(&app) {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.contents).unwrap();
    }
    let t = pipeline_template(&app);
    let project = &t["Resources"]["SupportStacksProject"]["Properties"];
    let spec = json(project["Source"]["BuildSpec"].as_str().unwrap());
    let commands = spec["phases"]["build"]["commands"].as_array().unwrap();
    assert_eq!(commands.len(), 1);
    let variables: Vec<(String, String)> = project["Environment"]["EnvironmentVariables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["Name"].as_str().unwrap().to_owned(),
                v["Value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();

    let moto = support::Moto::start("support-stacks-action");
    let regions = other_regions(&program);
    // What the bootstrap leaves in each region: the version parameter the templates read.
    boto3(
        &moto,
        &p.account,
        &format!(
            "for r in {regions:?}:\n    client('ssm', r).put_parameter(Name='/cdk-bootstrap/hnb659fds/version', Value='18', Type='String')\nprint('[]')"
        ),
    );
    let run = Command::new("bash")
        .arg("-c")
        .arg(commands[0].as_str().unwrap())
        .current_dir(&dir)
        .envs(variables)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", &p.region)
        .env("AWS_DEFAULT_REGION", &p.region)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_CONFIG_FILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash: {e}"));
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        run.status.success(),
        "the SupportStacks action failed (it needs the AWS CLI: `python3 -m pip install awscli`):\n{log}"
    );

    // Every support stack of the assembly exists in its region, created through the
    // pipeline account's bootstrap roles there, tagged with the pipeline, with its bucket.
    for region in &regions {
        let stack = plan::support_stack_name(p, region);
        assert!(
            log.contains(&format!("Successfully created/updated stack - {stack}")),
            "{log}"
        );
        let found = boto3(
            &moto,
            &p.account,
            &format!(
                "s = client('cloudformation', '{region}').describe_stacks(StackName='{stack}')['Stacks'][0]\n\
                 buckets = [b['Name'] for b in client('s3', '{region}').list_buckets()['Buckets']]\n\
                 print(json.dumps([s['StackStatus'], s.get('RoleARN'), s.get('Tags'), buckets]))"
            ),
        );
        assert_eq!(found[0], "CREATE_COMPLETE");
        assert_eq!(
            found[1],
            format!(
                "arn:aws:iam::{}:role/cdk-hnb659fds-cfn-exec-role-{}-{region}",
                p.account, p.account
            )
        );
        assert_eq!(
            found[2],
            serde_json::json!([{"Key": "pipewright:pipeline", "Value": p.name}])
        );
        assert!(found[3]
            .as_array()
            .unwrap()
            .contains(&Value::from(plan::support_bucket_name(p, region))));
    }
}

/// The toolchain the synth action installs is the one this workspace builds with.
#[test]
fn the_synth_toolchain_is_the_workspace_rust_version() {
    let manifest: toml::Table =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
    let rust_version = manifest["workspace"]["package"]["rust-version"]
        .as_str()
        .unwrap();
    assert_eq!(synth::RUST_TOOLCHAIN, rust_version);
    assert!(synth::DEFAULT_INSTALL
        .iter()
        .any(|c| c.contains(&format!("rustup default {rust_version};"))));
}

/// Every install step of every program's pipeline is pinned and checked by a package
/// manager: nothing piped from a download into a shell, pip only with `--require-hashes`
/// and exact versions, npm only with exact versions.
#[test]
fn every_install_step_is_pinned_and_checked() {
    for name in PROGRAMS {
        let (_, app) = lowered(name);
        let t = pipeline_template(&app);
        for (logical_id, resource) in t["Resources"].as_object().unwrap() {
            if resource["Type"] != "AWS::CodeBuild::Project" {
                continue;
            }
            let spec = json(
                resource["Properties"]["Source"]["BuildSpec"]
                    .as_str()
                    .unwrap(),
            );
            let commands = spec["phases"]["install"]["commands"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for command in commands.iter().filter_map(Value::as_str) {
                let at = format!("{name} {logical_id}: {command}");
                assert!(
                    !command.contains("curl") && !command.contains("| sh"),
                    "{at}"
                );
                if command.contains("pip install") {
                    assert!(command.contains("--require-hashes"), "{at}");
                }
                if command.contains("--require-hashes -r /tmp/pipewright-") {
                    continue;
                }
                if let Some(packages) = command.strip_prefix("npm install --global ") {
                    for package in packages.split_whitespace() {
                        let version = package.rsplit_once('@').map(|(_, v)| v).unwrap_or("");
                        assert!(
                            version.split('.').count() == 3
                                && version.split('.').all(|n| n.parse::<u32>().is_ok()),
                            "{at}"
                        );
                    }
                }
            }
            // The requirement files name exact versions and hashes.
            for command in commands.iter().filter_map(Value::as_str) {
                for requirement in command.split('\'').filter(|r| r.contains("==")) {
                    assert!(
                        requirement.contains("--hash=sha256:"),
                        "{name}: {requirement}"
                    );
                }
            }
        }
    }
}

/// The statements of a role's inline policies that allow `action`.
fn statements_allowing(t: &Value, role: &str, action: &str) -> Vec<Value> {
    role_statements(t)
        .into_iter()
        .filter(|(r, s)| r == role && one_or_many(&s["Action"]).contains(&Value::from(action)))
        .map(|(_, s)| s)
        .collect()
}

#[test]
fn the_waves_example_renders_every_new_construct() {
    let (program, app) = lowered("waves");
    let t = pipeline_template(&app);
    let resources = &t["Resources"];

    // Two waves, each one pipeline stage after `Beta`.
    let stage_names = names(stages(&t), "Name");
    assert_eq!(
        &stage_names[stage_names.len() - 3..],
        ["Beta", "Staging", "Production"]
    );
    let production = stage(&t, "Production");
    let orders: Vec<(String, i64)> = actions(production)
        .iter()
        .map(|a| (a["Name"].as_str().unwrap().to_owned(), run_order(a)))
        .collect();
    let at = |order: i64| -> Vec<&str> {
        orders
            .iter()
            .filter(|(_, o)| *o == order)
            .map(|(n, _)| n.as_str())
            .collect()
    };
    assert_eq!(
        at(1),
        [
            "ProdUs.Shop.Prepare",
            "ProdEu.Shop.Prepare",
            "Pre",
            "ProdEu.Pre"
        ]
    );
    assert_eq!(at(2), ["CheckBroadening", "Promote_to_Prod"]);
    assert_eq!(at(3), ["ProdUs.Shop.Deploy", "ProdEu.Shop.Deploy"]);
    assert_eq!(at(4), ["ProdUs.Verify", "ProdUs.Protect", "ProdEu.Protect"]);

    // The wave's approval: the program's comment, a topic of this stack with the
    // release team subscribed, encrypted with a key of this stack.
    let approval = action(production, "Promote_to_Prod");
    assert_eq!(
        approval["Configuration"]["CustomData"],
        "Check the staging dashboards and the change sets of every production stack, then approve."
    );
    assert_eq!(
        approval["Configuration"]["NotificationArn"],
        serde_json::json!({"Ref": "ProductionApprovalTopic"})
    );
    let topic = &resources["ProductionApprovalTopic"];
    assert_eq!(topic["Type"], "AWS::SNS::Topic");
    assert_eq!(
        topic["Properties"]["Subscription"],
        serde_json::json!([{"Endpoint": "release-team@example.com", "Protocol": "email"}])
    );
    assert_eq!(
        topic["Properties"]["KmsMasterKeyId"],
        serde_json::json!({"Fn::GetAtt": ["NotificationsKey", "Arn"]})
    );
    // Beta's approval notifies the topic the program names.
    let beta_approval = action(stage(&t, "Beta"), "Release_to_beta");
    let existing = "arn:aws:sns:us-east-1:111111111111:shop-releases";
    assert_eq!(beta_approval["Configuration"]["NotificationArn"], existing);
    // The pipeline's role publishes to exactly these two topics, and uses the key.
    let publish = statements_allowing(&t, "PipelineRole", "sns:Publish");
    assert_eq!(publish.len(), 1, "{publish:?}");
    assert_eq!(
        one_or_many(&publish[0]["Resource"]),
        [
            serde_json::json!(existing),
            serde_json::json!({"Ref": "ProductionApprovalTopic"})
        ]
    );

    // Pre steps: the wave's and ProdEu's commands, each in its own project on the source.
    for (name, project, command) in [
        (
            "Pre",
            "ProductionPreProject",
            "./scripts/check-change-freeze.sh prod",
        ),
        (
            "ProdEu.Pre",
            "ProdEuPreProject",
            "./scripts/check-gdpr-review.sh",
        ),
    ] {
        let pre = action(production, name);
        assert_eq!(artifacts(pre, "InputArtifacts"), ["Source_Output"]);
        assert_eq!(pre["Configuration"]["ProjectName"]["Ref"], project);
        let spec = json(
            resources[project]["Properties"]["Source"]["BuildSpec"]
                .as_str()
                .unwrap(),
        );
        assert_eq!(
            spec["phases"]["build"]["commands"],
            serde_json::json!([command])
        );
    }

    // Protection: one project whose role may assume the production deploy roles only.
    let protect = action(production, "ProdEu.Protect");
    let variables = json(
        protect["Configuration"]["EnvironmentVariables"]
            .as_str()
            .unwrap(),
    );
    let prod_eu = env(&program, "333333333333", "eu-west-1");
    let prod_us = env(&program, "333333333333", "us-east-1");
    assert_eq!(
        variables,
        serde_json::json!([
            {"name": "STACKS", "value": "ProdEu-Shop", "type": "PLAINTEXT"},
            {"name": "STACKS_REGION", "value": "eu-west-1", "type": "PLAINTEXT"},
            {"name": "DEPLOY_ROLE", "value": prod_eu.deploy_role_arn(), "type": "PLAINTEXT"},
        ])
    );
    let assume = statements_allowing(&t, "ProtectRole", "sts:AssumeRole");
    assert_eq!(assume.len(), 1);
    assert_eq!(
        one_or_many(&assume[0]["Resource"]),
        [
            Value::from(prod_us.deploy_role_arn()),
            Value::from(prod_eu.deploy_role_arn())
        ]
    );
    let script = json(
        resources["ProtectProject"]["Properties"]["Source"]["BuildSpec"]
            .as_str()
            .unwrap(),
    );
    assert!(script["phases"]["build"]["commands"][0]
        .as_str()
        .unwrap()
        .contains("update-termination-protection --region \"$STACKS_REGION\" --stack-name \"$stack\" --enable-termination-protection"));
    // The CDK CLI protects the same stacks (the manifest), and so does `deploy`.
    for stack in &app.stacks {
        let protected = stack.name.starts_with("Prod");
        assert_eq!(stack.protected, protected, "{}", stack.name);
    }
    let manifest = pipewright::assembly::files(&app)
        .into_iter()
        .find(|f| f.path == "manifest.json")
        .unwrap();
    let manifest = json(&manifest.contents);
    assert_eq!(
        manifest["artifacts"]["ProdEu-Shop"]["properties"]["terminationProtection"],
        true
    );
    assert!(manifest["artifacts"]["Beta-Shop"]["properties"]
        .get("terminationProtection")
        .is_none());

    // Notifications: a rule on the pipeline for the events asked, to a topic that the
    // notification service may publish to (and encrypt for).
    let rule = &resources["PipelineEventsRule"]["Properties"];
    assert_eq!(
        rule["EventTypeIds"],
        serde_json::json!([
            "codepipeline-pipeline-pipeline-execution-failed",
            "codepipeline-pipeline-manual-approval-needed"
        ])
    );
    assert_eq!(
        rule["Targets"][0]["TargetAddress"],
        serde_json::json!({"Ref": "PipelineEventsTopic"})
    );
    let policy =
        &resources["PipelineEventsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(
        policy["Principal"]["Service"],
        "codestar-notifications.amazonaws.com"
    );
    assert_eq!(policy["Action"], "sns:Publish");
    let key_statements = resources["NotificationsKey"]["Properties"]["KeyPolicy"]["Statement"]
        .as_array()
        .unwrap();
    assert!(key_statements
        .iter()
        .any(|s| s["Principal"]["Service"] == "codestar-notifications.amazonaws.com"));

    // Triggers: the branch with its paths, and release tags.
    let triggers = &t["Resources"]["Pipeline"]["Properties"]["Triggers"];
    assert_eq!(
        triggers[0]["GitConfiguration"]["Push"],
        serde_json::json!([
            {
                "Branches": {"Includes": ["main"]},
                "FilePaths": {"Includes": ["service/**", "pipeline.rs", "Cargo.lock"], "Excludes": ["**/*.md"]}
            },
            {"Tags": {"Includes": ["release-*"]}}
        ])
    );
    assert_eq!(
        triggers[0]["GitConfiguration"]["SourceActionName"],
        "example-org_shop"
    );
}

#[test]
fn the_broadening_check_reads_the_change_sets_and_approves_only_its_approval() {
    let (program, app) = lowered("waves");
    let t = pipeline_template(&app);
    let resources = &t["Resources"];
    let prod_us = env(&program, "333333333333", "us-east-1");
    let prod_eu = env(&program, "333333333333", "eu-west-1");

    // Beside the wave's approval: the stage's name, the approval's, and each change set
    // with where it is and the deploy role it was prepared with.
    let production = stage(&t, "Production");
    let check = action(production, "CheckBroadening");
    assert_eq!(
        run_order(check),
        run_order(action(production, "Promote_to_Prod"))
    );
    assert_eq!(check["ActionTypeId"]["Provider"], "CodeBuild");
    assert_eq!(artifacts(check, "InputArtifacts"), ["Synth_Output"]);
    assert_eq!(
        check["Configuration"]["ProjectName"],
        serde_json::json!({"Ref": "BroadeningCheckProject"})
    );
    let variables = json(
        check["Configuration"]["EnvironmentVariables"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        variables,
        serde_json::json!([
            {"name": "STAGE", "value": "Production", "type": "PLAINTEXT"},
            {"name": "APPROVAL", "value": "Promote_to_Prod", "type": "PLAINTEXT"},
            {"name": "CHANGE_SETS", "value": format!(
                "us-east-1,ProdUs-Shop,{} eu-west-1,ProdEu-Shop,{}",
                prod_us.deploy_role_arn(),
                prod_eu.deploy_role_arn()
            ), "type": "PLAINTEXT"},
        ])
    );
    // Beta's approval is always needed: no check beside it.
    assert!(actions(stage(&t, "Beta"))
        .iter()
        .all(|a| a["Name"] != "CheckBroadening"));

    // The project: the pipeline's name and the change set's, and the script.
    let project = &resources["BroadeningCheckProject"]["Properties"];
    assert_eq!(
        project["Environment"]["EnvironmentVariables"],
        serde_json::json!([
            {"Name": "PIPELINE", "Type": "PLAINTEXT", "Value": "WavesDelivery"},
            {"Name": "CHANGE_SET", "Type": "PLAINTEXT", "Value": "PipelineChange"},
        ])
    );
    let spec = json(project["Source"]["BuildSpec"].as_str().unwrap());
    let script = spec["phases"]["build"]["commands"][0].as_str().unwrap();
    assert!(script.contains(&pipewright::broadening::bash_function("broadening")));
    assert!(
        script.contains("aws codepipeline put-approval-result"),
        "{script}"
    );

    // Its role: what every project has (logs, reports, reading the artifacts), and
    // exactly these three grants more.
    let statements: Vec<Value> = role_statements(&t)
        .into_iter()
        .filter(|(role, _)| role == "BroadeningCheckRole")
        .map(|(_, s)| s)
        .collect();
    let shared: Vec<Value> = role_statements(&t)
        .into_iter()
        .filter(|(role, _)| role == "ProtectRole")
        .map(|(_, s)| s)
        .take(4)
        .map(|s| json(&s.to_string().replace("-Protect", "-BroadeningCheck")))
        .collect();
    assert_eq!(statements[..4], shared[..]);
    let pipeline_arn =
        "arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:WavesDelivery";
    assert_eq!(
        statements[4..],
        [
            serde_json::json!({
                "Effect": "Allow",
                "Action": "codepipeline:GetPipelineState",
                "Resource": {"Fn::Sub": pipeline_arn},
            }),
            serde_json::json!({
                "Effect": "Allow",
                "Action": "codepipeline:PutApprovalResult",
                "Resource": {"Fn::Sub": format!("{pipeline_arn}/Production/Promote_to_Prod")},
            }),
            serde_json::json!({
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": [prod_us.deploy_role_arn(), prod_eu.deploy_role_arn()],
            }),
        ]
    );
    // The pipeline starts it.
    let starts = statements_allowing(&t, "PipelineRole", "codebuild:StartBuild");
    assert!(one_or_many(&starts[0]["Resource"])
        .contains(&serde_json::json!({"Fn::GetAtt": ["BroadeningCheckProject", "Arn"]})));
}

/// A stage whose stacks hold data gets the data-loss check after its change sets and
/// before its approval, which shows what the check found and whose broadening check reads
/// it; a stage without an approval executes only after the check; a stage whose stacks
/// hold no data gets no check, and its actions keep their run orders.
#[test]
fn a_stage_whose_stacks_hold_data_is_checked_for_data_loss_before_it_executes() {
    let body: proc_macro2::TokenStream = r#"
        pipeline Shop {
            account: "111111111111",
            region: "us-east-1",
            source: {
                repo: "acme/shop",
                branch: "main",
                connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/0f1e2d3c",
            },
            synth: { commands: ["cargo run --bin deploy -- synth"] },
        }
        stack Store { table Orders { partition_key: { name: "id", type: String } } }
        stack Quiet {}
        stage Dev { account: "111111111111", region: "us-east-1" }
        stage Prod {
            account: "111111111111",
            region: "us-east-1",
            approval: { name: "Promote", when: Broadening },
        }
        stage Docs { account: "111111111111", region: "us-east-1", stacks: [Quiet] }
    "#
    .parse()
    .unwrap();
    let (program, app) = lowered_body("data_loss", body, "deploy".into());
    let t = pipeline_template(&app);
    let deployer = env(&program, "111111111111", "us-east-1").deploy_role_arn();

    // Without an approval: prepare, check, execute.
    let dev = stage(&t, "Dev");
    let check = action(dev, "CheckDataLoss");
    assert_eq!(run_order(action(dev, "Store.Prepare")), 1);
    assert_eq!(run_order(check), 2);
    assert_eq!(run_order(action(dev, "Store.Deploy")), 3);
    assert_eq!(check["Namespace"], "Dev_DataLoss");
    assert_eq!(artifacts(check, "InputArtifacts"), ["Synth_Output"]);
    assert_eq!(
        check["Configuration"]["ProjectName"],
        serde_json::json!({"Ref": "DataLossCheckProject"})
    );
    let variables = json(
        check["Configuration"]["EnvironmentVariables"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        variables,
        serde_json::json!([
            {"name": "STAGE", "value": "Dev", "type": "PLAINTEXT"},
            {"name": "CHANGE_SETS", "value": format!(
                "us-east-1,Dev-Store,{deployer},Dev-Store.template.json us-east-1,Dev-Quiet,{deployer},Dev-Quiet.template.json"
            ), "type": "PLAINTEXT"},
        ]),
        "no approval to wait: the check fails on a loss"
    );

    // With an approval: the check before it; the approval shows what it found, and the
    // broadening check beside it reads it.
    let prod = stage(&t, "Prod");
    assert_eq!(run_order(action(prod, "CheckDataLoss")), 2);
    assert_eq!(run_order(action(prod, "Promote")), 3);
    assert_eq!(run_order(action(prod, "CheckBroadening")), 3);
    assert_eq!(run_order(action(prod, "Store.Deploy")), 4);
    let prod_check = json(
        action(prod, "CheckDataLoss")["Configuration"]["EnvironmentVariables"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        prod_check[1],
        serde_json::json!({"name": "APPROVAL", "value": "Promote", "type": "PLAINTEXT"})
    );
    let comment = action(prod, "Promote")["Configuration"]["CustomData"]
        .as_str()
        .unwrap();
    assert!(
        comment.ends_with(" Data: #{Prod_DataLoss.DATA_LOSS}"),
        "{comment}"
    );
    assert!(comment.len() <= 500, "{comment}");
    let broadening = json(
        action(prod, "CheckBroadening")["Configuration"]["EnvironmentVariables"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        broadening.as_array().unwrap().last().unwrap(),
        &serde_json::json!({"name": "DATA_LOSS", "value": "#{Prod_DataLoss.DATA_LOSS}", "type": "PLAINTEXT"})
    );

    // No data: no check, the run orders of a program without state.
    let docs = stage(&t, "Docs");
    assert!(actions(docs).iter().all(|a| a["Name"] != "CheckDataLoss"));
    assert_eq!(run_order(action(docs, "Quiet.Deploy")), 2);

    // The project runs the rule, exports what it found, and may only assume the deploy
    // role.
    let project = &t["Resources"]["DataLossCheckProject"]["Properties"];
    let spec = json(project["Source"]["BuildSpec"].as_str().unwrap());
    assert_eq!(
        spec["env"]["exported-variables"],
        serde_json::json!(["DATA_LOSS"])
    );
    let script = spec["phases"]["build"]["commands"][0].as_str().unwrap();
    assert!(
        script.contains(&pipewright::broadening::data_loss::bash_functions(
            Default::default()
        ))
    );
    let statements: Vec<Value> = role_statements(&t)
        .into_iter()
        .filter(|(role, _)| role == "DataLossCheckRole")
        .map(|(_, s)| s)
        .collect();
    let assume = statements.last().unwrap();
    assert_eq!(assume["Action"], "sts:AssumeRole");
    assert_eq!(
        one_or_many(&assume["Resource"]),
        [serde_json::json!(deployer)]
    );
    let starts = statements_allowing(&t, "PipelineRole", "codebuild:StartBuild");
    assert!(one_or_many(&starts[0]["Resource"])
        .contains(&serde_json::json!({"Fn::GetAtt": ["DataLossCheckProject", "Arn"]})));
}
