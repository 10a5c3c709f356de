//! The bootstrap stack's template (`pipewright::bootstrap_stack::template`) against the contract of
//! `cdk bootstrap`: the CDK CLI's own version 18 template is vendored in
//! `tests/support/cdk-bootstrap-v18.template.yaml` (Apache-2.0, from aws-cdk 2.89.0).
//!
//! Needs `python3` with PyYAML (a dependency of cfn-lint) to read the YAML, and `cfn-lint`
//! (`python3 -m pip install cfn-lint`, done by `.ci/setup`).

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

const INSTALL_CFN_LINT: &str = "python3 -m pip install cfn-lint";

fn cdk_template() -> Json {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/cdk-bootstrap-v18.template.yaml");
    let output = Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run python3 ({e}): install python3 and `{INSTALL_CFN_LINT}`")
        });
    assert!(
        output.status.success(),
        "cannot read {} with PyYAML: {}; install it with `{INSTALL_CFN_LINT}`",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn ours() -> Json {
    serde_json::from_str(&pipewright::bootstrap_stack::template()).unwrap()
}

/// Writes policies the same way on both sides: a one-element `Action`/`Resource` list as
/// its element, and no `Version`/`Id` in policy documents (IAM's default version is the one
/// both use).
fn normalize(value: &mut Json) {
    match value {
        Json::Object(map) => {
            if map.contains_key("Statement") {
                map.remove("Version");
                map.remove("Id");
            }
            for (key, v) in map.iter_mut() {
                if key == "Action" || key == "Resource" {
                    if let Json::Array(items) = v {
                        if items.len() == 1 {
                            *v = items.remove(0);
                        }
                    }
                }
                normalize(v);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

#[test]
fn resources_conditions_and_parameters_are_the_cdks() {
    let mut cdk = cdk_template();
    let mut ours = ours();
    // The one documented difference in resources: no legacy ACL (cfn-lint W3045).
    cdk["Resources"]["StagingBucket"]["Properties"]
        .as_object_mut()
        .unwrap()
        .remove("AccessControl");
    normalize(&mut cdk);
    normalize(&mut ours);

    let names = |t: &Json, section: &str| -> Vec<String> {
        let mut v: Vec<String> = t[section].as_object().unwrap().keys().cloned().collect();
        v.sort();
        v
    };
    assert_eq!(names(&ours, "Resources"), names(&cdk, "Resources"));
    for (id, resource) in cdk["Resources"].as_object().unwrap() {
        assert_eq!(
            &ours["Resources"][id], resource,
            "resource {id} differs from the CDK's"
        );
    }
    assert_eq!(ours["Conditions"], cdk["Conditions"]);
    assert_eq!(ours["Parameters"], cdk["Parameters"]);
    for (name, output) in cdk["Outputs"].as_object().unwrap() {
        assert_eq!(&ours["Outputs"][name], output, "output {name}");
    }
    assert_eq!(ours["Description"], cdk["Description"]);
}

// The template satisfies the stacks' own requirement.
const _: () = assert!(
    pipewright::bootstrap_stack::TEMPLATE_VERSION >= pipewright::bootstrap_stack::REQUIRED_VERSION
);

#[test]
fn the_version_is_the_one_announced() {
    let ours = ours();
    assert_eq!(
        ours["Resources"]["CdkBootstrapVersion"]["Properties"]["Value"],
        Json::from(pipewright::bootstrap_stack::TEMPLATE_VERSION.to_string())
    );
    assert_eq!(
        ours["Parameters"]["BootstrapVariant"]["Default"],
        Json::from(pipewright::bootstrap_stack::DEFAULT_VARIANT)
    );
}

#[test]
fn cfn_lint_finds_nothing() {
    let dir = support::scratch_dir("bootstrap-template");
    let path = dir.join("bootstrap.template.json");
    std::fs::write(&path, pipewright::bootstrap_stack::template()).unwrap();
    let output = Command::new("cfn-lint")
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run cfn-lint ({e}): install it with `{INSTALL_CFN_LINT}`")
        });
    assert!(
        output.status.success(),
        "cfn-lint reports findings on the bootstrap template:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
