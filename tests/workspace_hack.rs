//! The workspace-hack (workspace-hack/Cargo.toml) is complete: the build of the reference
//! program's engine, which the program has Cargo make (tests/engine.rs), resolves every
//! dependency with the features the workspace's test build gives it, so that it compiles
//! none of them (the AWS SDK above all) a second time.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Per package (`name vX.Y.Z`), the features `cargo tree` shows it with, in every place.
fn features(args: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let output = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree", "--locked", "--prefix", "none", "--format", "{p} {f}",
        ])
        .args(args)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut packages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let mut words = line.split_whitespace();
        let (Some(name), Some(version)) = (words.next(), words.next()) else {
            continue;
        };
        if !version.starts_with('v') {
            continue; // a feature node of `--edges features`
        }
        let listed = words.next().filter(|w| !w.starts_with('('));
        packages
            .entry(format!("{name} {version}"))
            .or_default()
            .extend(
                listed
                    .into_iter()
                    .flat_map(|f| f.split(','))
                    .map(String::from),
            );
    }
    packages
}

#[test]
fn the_engine_build_has_the_features_of_the_test_build() {
    let test_build = features(&["--workspace", "--edges", "features"]);
    let engine_build = features(&[
        "--package",
        "backend-pipeline",
        "--features",
        "pipewright/aws",
        "--edges",
        "features,normal,build",
    ]);
    assert!(engine_build.keys().any(|p| p.starts_with("aws-sdk-s3 ")));
    let missing: Vec<String> = engine_build
        .iter()
        .filter_map(|(package, features)| {
            let wanted = test_build.get(package)?;
            let lacking: Vec<&str> = wanted.difference(features).map(String::as_str).collect();
            (!lacking.is_empty()).then(|| format!("{package}: {}", lacking.join(", ")))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "the engine's build would compile these again, for the features it lacks; turn them on in workspace-hack/Cargo.toml:\n{}",
        missing.join("\n")
    );
}
