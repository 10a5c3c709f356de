//! checkov (the pip package) on every template `synth` writes, for the reference
//! program, the example programs and the language suite's pass programs: no failed
//! check, and every skipped one carries its reason in the template (checkov reads
//! `Metadata.checkov.skip[].comment`) and in docs/pipeline.md.
//!
//! checkov runs with `--skip-download`: it contacts nothing.

mod programs;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use pipewright::app::App;
use serde_json::Value;

/// The checkov executable: `$CHECKOV`, `checkov` on the path, or the virtualenv
/// `.ci/setup` creates (`/opt/checkov`).
fn checkov() -> PathBuf {
    if let Some(path) = std::env::var_os("CHECKOV") {
        return PathBuf::from(path);
    }
    let on_path = Command::new("checkov")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if on_path {
        return PathBuf::from("checkov");
    }
    let venv = PathBuf::from("/opt/checkov/bin/checkov");
    if venv.exists() {
        return venv;
    }
    panic!(
        "checkov is not installed: run `.ci/setup`, or `python3 -m venv /opt/checkov && \
         /opt/checkov/bin/pip install checkov` (a virtualenv: checkov pins boto3 versions that \
         break a global awscli), or set CHECKOV to its path"
    );
}

/// Every program's assembly, written as `synth` writes it.
fn assemblies() -> Vec<(String, PathBuf, App)> {
    let mut apps: Vec<(String, App)> = programs::all_programs();
    apps.extend(programs::examples());
    apps.into_iter()
        .map(|(name, app)| {
            let dir = programs::scratch_dir(&format!("checkov-{name}"));
            for file in pipewright::assembly::files(&app) {
                let path = dir.join(&file.path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, file.contents).unwrap();
            }
            (name, dir, app)
        })
        .collect()
}

/// checkov's report on these templates.
fn scan(templates: &[PathBuf]) -> Value {
    let mut command = Command::new(checkov());
    command.args([
        "--framework",
        "cloudformation",
        "--output",
        "json",
        "--skip-download",
        "--compact",
    ]);
    for t in templates {
        command.arg("-f").arg(t);
    }
    let output = command.output().expect("checkov runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Exit status 1 means failed checks: the report says which.
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov did not print a JSON report ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn reports(report: &Value) -> Vec<&Value> {
    match report {
        Value::Array(reports) => reports.iter().collect(),
        one => vec![one],
    }
}

fn templates_of(dir: &Path, app: &App) -> Vec<PathBuf> {
    app.stacks
        .iter()
        .map(|s| dir.join(s.template_file()))
        .collect()
}

#[test]
fn checkov_finds_nothing_unjustified() {
    let docs = std::fs::read_to_string(programs::repo_root().join("docs/pipeline.md"))
        .expect("docs/pipeline.md lists the skipped checks");
    let mut failures = Vec::new();
    let mut skipped_ids = BTreeSet::new();
    let mut scanned = 0;
    for (name, dir, app) in assemblies() {
        let templates = templates_of(&dir, &app);
        let report = scan(&templates);
        for r in reports(&report) {
            assert_eq!(r["check_type"], "cloudformation");
            assert_eq!(
                r["summary"]["parsing_errors"], 0,
                "{name}: checkov could not parse a template"
            );
            scanned += r["summary"]["resource_count"].as_u64().unwrap_or(0);
            for f in r["results"]["failed_checks"]
                .as_array()
                .into_iter()
                .flatten()
            {
                failures.push(format!(
                    "{name}: {} {} on {} in {}",
                    f["check_id"].as_str().unwrap_or("?"),
                    f["check_name"].as_str().unwrap_or("?"),
                    f["resource"].as_str().unwrap_or("?"),
                    f["file_path"].as_str().unwrap_or("?"),
                ));
            }
            for s in r["results"]["skipped_checks"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let id = s["check_id"].as_str().unwrap().to_owned();
                let reason = s["check_result"]["suppress_comment"].as_str().unwrap_or("");
                assert!(
                    reason.split_whitespace().count() >= 8,
                    "{name}: {id} on {} is skipped without a reason",
                    s["resource"]
                );
                assert!(
                    docs.contains(&id),
                    "{name}: {id} is skipped but docs/pipeline.md does not say why"
                );
                skipped_ids.insert(id);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "checkov failed checks (fix them, or skip them in the template with a reason):\n{}",
        failures.join("\n")
    );
    // The scan saw the resources, and the skips are the documented ones.
    assert!(scanned > 100, "checkov scanned only {scanned} resources");
    assert!(skipped_ids.contains("CKV_AWS_18"));
}

#[test]
fn checkov_reports_a_real_failure() {
    // The scan can fail: a bucket without encryption or a public access block is
    // reported.
    let dir = programs::scratch_dir("checkov-negative");
    let template = dir.join("Open.template.json");
    std::fs::write(
        &template,
        r#"{"Resources": {"Open": {"Type": "AWS::S3::Bucket", "Properties": {}}}}"#,
    )
    .unwrap();
    let report = scan(&[template]);
    let failed: BTreeSet<String> = reports(&report)
        .iter()
        .flat_map(|r| {
            r["results"]["failed_checks"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|f| f["check_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(failed.contains("CKV_AWS_18"), "{failed:?}");
}
