//! The committed `runtime/src/cfn/resources/` must be exactly what the generator produces
//! from the vendored schemas: edit the generator or the schemas, then run
//! `cargo run -p pipewright-codegen` and commit the result.

use std::collections::BTreeSet;

const FIX: &str = "run `cargo run -p pipewright-codegen` and commit runtime/src/cfn/resources/";

#[test]
fn committed_resources_match_the_generator() {
    let generated = pipewright_codegen::generate_from_dir(&pipewright_codegen::schemas_dir())
        .unwrap_or_else(|e| panic!("the generator fails: {e}"));
    let out = pipewright_codegen::output_dir();
    let mut stale = Vec::new();
    for (name, content) in &generated.files {
        match std::fs::read_to_string(out.join(name)) {
            Err(e) => stale.push(format!("{name}: cannot be read ({e})")),
            Ok(on_disk) if on_disk != *content => {
                let line = on_disk
                    .lines()
                    .zip(content.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| on_disk.lines().count().min(content.lines().count()));
                stale.push(format!("{name}: differs from line {}", line + 1));
            }
            Ok(_) => {}
        }
    }
    let expected: BTreeSet<&str> = generated.files.iter().map(|(n, _)| n.as_str()).collect();
    for entry in std::fs::read_dir(&out).expect("the resources directory exists") {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let generated_file =
            std::fs::read_to_string(&path).is_ok_and(|c| pipewright_codegen::is_generated(&c));
        if generated_file && !expected.contains(name.as_str()) {
            stale.push(format!(
                "{name}: generated earlier, but the generator no longer writes it"
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "runtime/src/cfn/resources/ is out of date with the generator:\n  {}\n{FIX}",
        stale.join("\n  ")
    );
}

#[test]
fn every_vendored_type_is_generated_with_its_attributes() {
    let generated =
        pipewright_codegen::generate_from_dir(&pipewright_codegen::schemas_dir()).unwrap();
    let types: Vec<&str> = generated
        .model
        .resources
        .iter()
        .map(|r| r.type_name.as_str())
        .collect();
    assert_eq!(types.len(), 34, "{types:?}");
    let function = generated
        .model
        .resources
        .iter()
        .find(|r| r.type_name == "AWS::Lambda::Function")
        .unwrap();
    let attributes: Vec<&str> = function
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        attributes,
        [
            "SnapStartResponse",
            "SnapStartResponse.ApplyOn",
            "SnapStartResponse.OptimizationStatus",
            "Arn"
        ]
    );
    let policy_documents = generated
        .model
        .overrides
        .iter()
        .filter(|(_, _, o)| *o == pipewright_codegen::Override::PolicyDocument)
        .count();
    assert_eq!(policy_documents, 10);
}
