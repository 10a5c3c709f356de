//! cfn-lint and checkov on the template.

use std::process::Command;

use serde_json::Value;

use crate::program::*;

#[test]
fn cfn_lint_finds_nothing_in_the_template() {
    let app = synthesized(orders_stack());
    let dir = std::env::temp_dir().join(format!("pipewright-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("Dev-Orders.template.json");
    std::fs::write(&path, app.stack("Dev-Orders").unwrap().template.as_bytes()).unwrap();
    let output = Command::new("cfn-lint").arg(&path).output().unwrap_or_else(|e| {
        panic!("cannot run cfn-lint ({e}): install it with `python3 -m pip install cfn-lint` (.ci/setup does)")
    });
    assert!(
        output.status.success() && output.stdout.is_empty(),
        "cfn-lint findings in {}:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// checkov (the virtualenv `.ci/setup` creates, `checkov` on the path, or `$CHECKOV`).
fn checkov() -> std::path::PathBuf {
    if let Some(path) = std::env::var_os("CHECKOV") {
        return path.into();
    }
    let venv = std::path::PathBuf::from("/opt/checkov/bin/checkov");
    if venv.exists() {
        return venv;
    }
    "checkov".into()
}

#[test]
fn checkov_finds_nothing_unjustified_in_the_template() {
    let app = synthesized(orders_stack());
    let dir = std::env::temp_dir().join(format!("pipewright-state-checkov-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("Dev-Orders.template.json");
    std::fs::write(&path, app.stack("Dev-Orders").unwrap().template.as_bytes()).unwrap();
    let output = Command::new(checkov())
        .args([
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--skip-download",
            "--compact",
            "-f",
        ])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run checkov ({e}): `.ci/setup` installs it"));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON report ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let results = &report["results"];
    let failed: Vec<&Value> = results["failed_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    assert!(failed.is_empty(), "checkov failed checks: {failed:#?}");
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/pipeline.md"))
        .unwrap();
    let skipped: Vec<&Value> = results["skipped_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    assert!(!skipped.is_empty());
    for s in skipped {
        let id = s["check_id"].as_str().unwrap();
        assert!(
            docs.contains(id),
            "{id} is skipped but docs/pipeline.md does not say why"
        );
    }
    assert!(
        report["summary"]["passed"].as_u64().unwrap() > 100,
        "checkov scanned the template"
    );
}
