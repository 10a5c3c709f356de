//! The programs the tests synthesize: the reference program (`pipeline.rs`) and the pass
//! cases of the language suite (`tests/ui/pass/*.rs`), synthesized in-process through
//! the same path as the macro (`pipewright_macros_core::synthesize`).

#![allow(dead_code)] // each test crate uses part of it

use std::path::{Path, PathBuf};

use pipewright::app::App;
use pipewright_macros_core::{synthesize, Context};
use proc_macro2::{TokenStream, TokenTree};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `pipeline! { ... }` body of a Rust source file.
pub fn program_body(file: &Path) -> TokenStream {
    let source =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let start = source.find("pipeline! {").expect("a pipeline! invocation") + "pipeline! ".len();
    let end = source[start..]
        .find("\n    };")
        .expect("the end of the invocation")
        + start
        + "\n    }".len();
    let group: TokenStream = source[start..end].parse().expect("balanced tokens");
    match group.into_iter().next() {
        Some(TokenTree::Group(g)) => g.stream(),
        other => panic!("expected the macro's braces, found {other:?}"),
    }
}

/// The package and its directory of an example program that is a binary of a package of its
/// own rather than an example of the root package: the orders example (see
/// `examples/orders.rs`).
pub fn example_package(name: &str) -> Option<(&'static str, &'static str)> {
    (name == "orders").then_some(("orders-pipeline", "examples/orders/pipeline"))
}

/// An example program synthesized as the macro does when it compiles it: as an example of
/// the root package, or as a binary of its own package ([`example_package`]).
pub fn example(name: &str) -> App {
    let file = repo_root().join("examples").join(format!("{name}.rs"));
    let (manifest_dir, package) = match example_package(name) {
        Some((package, dir)) => (repo_root().join(dir), package),
        None => (repo_root(), "backend-pipeline"),
    };
    let context = Context {
        manifest_dir: Some(manifest_dir),
        bin_name: Some(name.to_owned()),
        package_name: Some(package.to_owned()),
    };
    synthesize(program_body(&file), &context)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .0
}

/// Synthesizes a program from its body, as the macro does.
pub fn synthesize_body(body: TokenStream) -> App {
    let context = Context {
        manifest_dir: Some(repo_root()),
        bin_name: Some("deploy".into()),
        package_name: Some("backend-pipeline".into()),
    };
    synthesize(body, &context)
        .unwrap_or_else(|e| panic!("synthesis failed: {e}"))
        .0
}

/// The programs by name: `reference`, and each `tests/ui/pass/<name>.rs`.
pub fn program(name: &str) -> App {
    let file = if name == "reference" {
        repo_root().join("pipeline.rs")
    } else {
        repo_root().join("tests/ui/pass").join(format!("{name}.rs"))
    };
    synthesize_body(program_body(&file))
}

/// Every program the suite synthesizes.
pub fn all_programs() -> Vec<(String, App)> {
    let mut names = vec!["reference".to_owned()];
    let mut pass: Vec<String> = std::fs::read_dir(repo_root().join("tests/ui/pass"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .filter(|n| n != "reference")
        .collect();
    pass.sort();
    names.extend(pass);
    names
        .into_iter()
        .map(|n| (n.clone(), program(&n)))
        .collect()
}

/// Every example program (`examples/*.rs`), by name, synthesized.
pub fn examples() -> Vec<(String, App)> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("examples"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| (n.clone(), example(&n)))
        .collect()
}

/// A template as JSON.
pub fn template(app: &App, stack: &str) -> serde_json::Value {
    let stack = app
        .stack(stack)
        .unwrap_or_else(|| panic!("no stack {stack}"));
    serde_json::from_str(&stack.template).expect("templates are JSON")
}

/// A fresh empty directory under the target directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
