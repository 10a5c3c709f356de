//! Byte-identity of what synthesis writes: every file of every program's cloud assembly
//! (templates, template configurations, asset manifests, `manifest.json`) against the
//! sha256 digests committed in `tests/snapshots/templates.sha256`.
//!
//! The programs: the reference (`pipeline.rs`), the examples (`examples/*.rs`) and the
//! language suite's pass cases (`tests/ui/pass/*.rs`, which `tests/programs` also serves
//! to the other tests and the synth benchmark). A refactoring of synthesis keeps every
//! digest; a change of output is deliberate and shows here, one line per file changed.
//!
//! The packages' source hashes are fixed before synthesis: they name the Lambda bundles
//! in the stage templates, and an edit of the service's code is not a change of
//! synthesis.
//!
//! Regenerate with `PIPEWRIGHT_BLESS=1 cargo test --test templates` and read the diff.

mod programs;

use std::path::{Path, PathBuf};

use pipewright::fingerprint::sha256_hex;
use pipewright::spec::Program;

const DIGESTS: &str = "tests/snapshots/templates.sha256";

/// Every program, with the binary its macro expansion would name (the examples are
/// built as examples of that name, or as that binary of their own package).
fn every_program() -> Vec<(String, PathBuf, String)> {
    let root = programs::repo_root();
    let mut found = vec![(
        "reference".to_owned(),
        root.join("pipeline.rs"),
        "deploy".to_owned(),
    )];
    for (dir, prefix) in [("examples", "examples"), ("tests/ui/pass", "pass")] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        files.sort();
        for file in files {
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            let bin = if prefix == "examples" {
                stem.clone()
            } else {
                "deploy".to_owned()
            };
            found.push((format!("{prefix}/{stem}"), file, bin));
        }
    }
    found
}

/// A program lowered as the macro lowers it, its source hashes fixed.
fn lowered(file: &Path, bin: &str) -> Program {
    let body = programs::program_body(file);
    let syntax: pipewright_macros_core::syntax::Program =
        syn::parse2(body).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let workspace = pipewright_macros_core::workspace::Workspace::load(&programs::repo_root())
        .unwrap_or_else(|e| panic!("workspace: {e}"));
    let mut program = pipewright_macros_core::lower::lower(&syntax, Ok(&workspace))
        .unwrap_or_else(|e| panic!("{} does not lower: {e}", file.display()))
        .program;
    program.binary = bin.to_owned();
    let package_dir = match programs::example_package(bin) {
        Some((package, dir)) => {
            // A binary of its own package, which the Synth action's commands name.
            program.package = package.to_owned();
            program.select_package = true;
            programs::repo_root().join(dir)
        }
        None => programs::repo_root(),
    };
    program.binary_kind = pipewright_macros_core::expand::binary_kind(&package_dir, bin);
    for package in &mut program.packages {
        package.source_hash = sha256_hex(format!("fixed source of {}", package.name).as_bytes());
    }
    program
}

/// One line per assembly file: `<program>/<path> <sha256>`.
fn digests() -> String {
    let mut lines = String::new();
    for (name, file, bin) in every_program() {
        let program = lowered(&file, &bin);
        let app = pipewright::synth::synthesize(&program, "/workspace")
            .unwrap_or_else(|e| panic!("{name} does not synthesize: {e:?}"));
        for f in pipewright::assembly::files(&app) {
            lines.push_str(&format!(
                "{name}/{} {}\n",
                f.path,
                sha256_hex(f.contents.as_bytes())
            ));
        }
    }
    lines
}

#[test]
fn every_program_synthesizes_the_committed_bytes() {
    let actual = digests();
    let path = programs::repo_root().join(DIGESTS);
    if std::env::var_os("PIPEWRIGHT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{DIGESTS}: {e} (create it with PIPEWRIGHT_BLESS=1)"));
    let changed: Vec<String> = diff(&expected, &actual);
    assert!(
        changed.is_empty(),
        "synthesis no longer writes the committed bytes ({DIGESTS}):\n{}",
        changed.join("\n")
    );
}

/// The lines that differ, as `- expected` / `+ actual`.
fn diff(expected: &str, actual: &str) -> Vec<String> {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    let mut changed: Vec<String> = expected
        .iter()
        .filter(|l| !actual.contains(l))
        .map(|l| format!("- {l}"))
        .collect();
    changed.extend(
        actual
            .iter()
            .filter(|l| !expected.contains(l))
            .map(|l| format!("+ {l}")),
    );
    changed
}
