//! Adoption: pipewright used from another repository, the way a user who just copied the
//! starter would use it. Two layouts, each copied to a directory outside this workspace with
//! its `pipewright` and `pipewright-macros` dependencies patched to this checkout:
//!
//! - the starter (`starter/`): a workspace with the service package and the pipeline package;
//! - one package: `src/main.rs` the function, `src/bin/deploy.rs` the pipeline, pipewright a
//!   dependency of the host builds only (`cfg(not(pipewright_lambda))`), with the manifest the
//!   README shows (read from it).
//!
//! For each: `deploy list`, `deploy synth --out cdk.out` (cfn-lint reports nothing on any
//! template), `deploy assets --out cdk.out` (the zip holds one executable `bootstrap`, which
//! serves HTTP when run here), and the engine: its file compiles, and the build the program
//! asks Cargo for (`--features pipewright/aws`) turns on pipewright's `aws` feature (read
//! with `cargo tree`: compiling the AWS SDK here would double the test's time; tests/engine.rs
//! runs that build). The one-package layout's Lambda build must not compile pipewright (nor,
//! through it, the AWS SDK).
//!
//! Cost: both layouts share one target directory (`<target>/adoption`) and are copied to the
//! same path one after the other, because the Lambda build's flags name the project's path
//! (`--remap-path-prefix`): a different path would rebuild every release dependency. The
//! copies resolve their dependencies from this repository's `Cargo.lock`, offline, so they
//! build the versions the rest of the suite builds. No command compiles the AWS SDK, as the
//! pipeline's Synth action does not.
//!
//! A zip is built once per source hash: `deploy assets` keeps it in the target directory and
//! reuses it, so a warm run (nothing changed since the last) checks the kept zip.
//!
//! Needs cargo-lambda and zig, cfn-lint, unzip (`.ci/setup` installs them).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use support::bundle::{http_get, run, serve, unpack_bootstrap};

const INSTALL_CARGO_LAMBDA: &str = "python3 -m pip install cargo-lambda ziglang";
const INSTALL_CFN_LINT: &str = "python3 -m pip install cfn-lint";

/// The layouts are built one at a time, in the same directory (see the module's docs).
static PROJECT_DIR: Mutex<()> = Mutex::new(());

/// This checkout.
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The target directory of the adoption builds: `adoption/` in the one that built this test
/// (`<target>/debug/deploy`), so that it honours `CARGO_TARGET_DIR`. Not that directory itself:
/// the `cargo test` running this test holds its lock.
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_deploy"))
        .parent()
        .and_then(Path::parent)
        .expect("<target>/debug/deploy")
        .join("adoption")
}

/// Where the layouts are copied: outside this workspace (a package without `[workspace]`
/// would otherwise be taken for a member of it), at a path that is the same on every run of
/// this checkout's tests (warm runs reuse the release builds, whose flags name the path), and
/// differs between checkouts.
fn project_dir() -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    target_dir().hash(&mut hasher);
    std::env::temp_dir()
        .join(format!("pipewright-adoption-{:016x}", hasher.finish()))
        .join("project")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Empties the project directory and gives it `files` (relative path, text).
fn fresh_project(files: &[(String, String)]) -> PathBuf {
    let dir = project_dir();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (path, text) in files {
        write(&dir.join(path), text);
    }
    dir
}

/// Points a copied project at this checkout: `[patch.crates-io]` for the two crates a user
/// depends on (their published versions otherwise), and this repository's `Cargo.lock`, which
/// `cargo update --workspace --offline` trims to the project's dependencies, keeping every
/// version it pins.
fn point_at_this_checkout(project: &Path) {
    let manifest = project.join("Cargo.toml");
    let root = repo_root();
    let patch = format!(
        "\n[patch.crates-io]\npipewright = {{ path = {:?} }}\npipewright-macros = {{ path = {:?} }}\n",
        root.join("runtime"),
        root.join("macros")
    );
    write(&manifest, &(read(&manifest) + &patch));
    std::fs::copy(root.join("Cargo.lock"), project.join("Cargo.lock")).unwrap();
    cargo(project, &["update", "--workspace", "--offline"]);
}

/// `cargo ARGS` in the project, with the shared target directory. The program's debug build
/// goes without debug info: nothing here reads it, and writing it is a good part of a cold
/// build (the suite's time on CI). The Lambda builds go without optimizations, as in the
/// rehearsal tests: what is checked here is that they build and serve, not their size or
/// speed (tests/deploy_assets.rs checks those of the reference service's bundle).
fn cargo_command(project: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .args(args)
        .current_dir(project)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_PROFILE_DEV_DEBUG", "false");
    command.envs(support::CHEAP_PROFILE);
    command
}

/// The stdout of `cargo ARGS` in the project, which must succeed.
fn cargo(project: &Path, args: &[&str]) -> String {
    run(&mut cargo_command(project, args), "cargo is on PATH")
}

/// The stderr of `cargo ARGS` in the project, which must fail.
fn cargo_failure(project: &Path, args: &[&str]) -> String {
    let output = cargo_command(project, args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "cargo {args:?} succeeded:\n{stderr}"
    );
    stderr
}

/// `cargo run --bin deploy -- ARGS`, as the user and the pipeline's Synth action run it;
/// prints how long it took.
fn deploy(project: &Path, args: &[&str]) -> String {
    let start = Instant::now();
    let mut all = vec![
        "run",
        "--quiet",
        "--locked",
        "--offline",
        "--bin",
        "deploy",
        "--",
    ];
    all.extend_from_slice(args);
    let stdout = cargo(project, &all);
    eprintln!(
        "adoption: deploy {} in {:.1} s",
        args.join(" "),
        start.elapsed().as_secs_f64()
    );
    stdout
}

/// cfn-lint reports nothing (not even informational findings) on any template of `assembly`.
fn assert_cfn_lint_finds_nothing(assembly: &Path) {
    let templates: Vec<PathBuf> = std::fs::read_dir(assembly)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".template.json"))
        .collect();
    assert_eq!(
        templates.len(),
        2,
        "the pipeline's and the stage's: {templates:?}"
    );
    let findings = run(
        Command::new("cfn-lint")
            .args(["--format", "parseable", "--include-checks", "I", "--"])
            .args(&templates),
        &format!("install it with `{INSTALL_CFN_LINT}`"),
    );
    assert!(findings.trim().is_empty(), "cfn-lint findings:\n{findings}");
}

/// `deploy assets`, then the bundle it wrote serves the starter's routes.
fn assert_assets_serve(project: &Path) {
    deploy(project, &["assets", "--out", "cdk.out"]);
    let bootstrap = unpack_bootstrap(
        &support::only_zip(&project.join("cdk.out")),
        &project.join("unpacked"),
    );
    let (_server, address) = serve(&bootstrap);
    let answer = http_get(&address, "/");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(
        answer.ends_with(r#"{"message":"hello from pipewright"}"#),
        "{answer}"
    );
}

/// The program's engine (`package`'s): its file compiles (here without the `aws` feature,
/// where it only says what it is), and the build the program asks Cargo for gives pipewright
/// its `aws` feature.
fn assert_engine(project: &Path, package: &str) {
    cargo(
        project,
        &[
            "build",
            "--quiet",
            "--locked",
            "--offline",
            "--bin",
            "pipewright-engine",
        ],
    );
    let engine = target_dir().join("debug/pipewright-engine");
    let output = Command::new(&engine).arg("diff").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("run the program instead"),
        "{}: {stderr}",
        engine.display()
    );
    let features = cargo(
        project,
        &[
            "tree",
            "--locked",
            "--offline",
            "--package",
            package,
            "--features",
            "pipewright/aws",
            "--edges",
            "features",
            "--invert",
            "pipewright",
        ],
    );
    assert!(
        features.contains("pipewright feature \"aws\""),
        "the engine's build has pipewright's aws feature:\n{features}"
    );
}

/// list, synth (linted), assets (serving): what a user runs first.
fn assert_list_synth_assets(project: &Path) {
    assert_eq!(
        deploy(project, &["list"]),
        "HelloPipeline\nProd-HelloStack\n"
    );
    deploy(project, &["synth", "--out", "cdk.out"]);
    assert_cfn_lint_finds_nothing(&project.join("cdk.out"));
    // cargo-lambda's installation is the usual missing piece: say so.
    Command::new("cargo-lambda")
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo-lambda ({e}): `{INSTALL_CARGO_LAMBDA}`"));
    assert_assets_serve(project);
}

/// Every file of the starter, relative path and text (`target/` and `cdk.out/` left out).
fn starter_files() -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "target" && name != "cdk.out" {
                    walk(root, &path, files);
                }
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((relative, read(&path)));
            }
        }
    }
    let mut files = Vec::new();
    let root = repo_root().join("starter");
    walk(&root, &root, &mut files);
    files
}

/// The one-package layout's manifest: the README's (the `toml` block after its
/// `one-package manifest` marker), so that the README shows what is tested.
fn one_package_manifest() -> String {
    let readme = read(&repo_root().join("README.md"));
    let after_marker = readme
        .split_once("<!-- one-package manifest -->")
        .expect("README.md has the one-package manifest")
        .1;
    let block = after_marker
        .split_once("```toml\n")
        .and_then(|(_, rest)| rest.split_once("```\n"))
        .expect("a ```toml block after the marker")
        .0;
    block.to_owned()
}

/// The starter's files rearranged into one package: the README's manifest, the service's
/// `main.rs`, the pipeline as `src/bin/deploy.rs` and its engine.
fn one_package_files() -> Vec<(String, String)> {
    let starter = repo_root().join("starter");
    let manifest = one_package_manifest();
    // The same Lambda profile as the starter's, or the layouts' release builds would not be
    // shared (the suite's time, not correctness).
    let workspace = read(&starter.join("Cargo.toml"));
    let profile = &workspace[workspace.find("[profile.release-lambda]").unwrap()..];
    assert!(
        manifest.ends_with(profile),
        "the README's one-package manifest ends with the starter's profile:\n{profile}"
    );
    vec![
        ("Cargo.toml".into(), manifest),
        (".gitignore".into(), read(&starter.join(".gitignore"))),
        (
            "src/main.rs".into(),
            read(&starter.join("hello/src/main.rs")),
        ),
        (
            "src/bin/deploy.rs".into(),
            read(&starter.join("pipeline/src/main.rs")),
        ),
        (
            "src/bin/pipewright-engine.rs".into(),
            read(&starter.join("pipeline/src/bin/pipewright-engine.rs")),
        ),
    ]
}

/// The crates the Lambda builds compiled, by file name: those for Lambda and those for this
/// machine (proc macros, build scripts), in `<target>/pipewright/build`, where `deploy assets`
/// has cargo-lambda build.
fn lambda_build_artifacts() -> Vec<String> {
    let build = target_dir().join("pipewright/build");
    let mut names = Vec::new();
    for dir in [
        "x86_64-unknown-linux-gnu/release-lambda/deps",
        "release-lambda/deps",
    ] {
        let dir = build.join(dir);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        names.extend(entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()));
    }
    names
}

/// Runs one layout (the program in `package`) and prints how long it took.
fn try_layout(name: &str, package: &str, files: &[(String, String)]) {
    let _one_at_a_time = PROJECT_DIR.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let project = fresh_project(files);
    point_at_this_checkout(&project);
    assert_list_synth_assets(&project);
    assert_engine(&project, package);
    eprintln!(
        "adoption: {name} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The one-package layout with pipewright and its macros in plain `[dependencies]`: the first
/// manifest a user writes. The function's build would compile them (119 s cold for a hello
/// world instead of 42 s).
fn one_package_with_pipewright_in_dependencies() -> Vec<(String, String)> {
    let mut files = one_package_files();
    let manifest = &mut files[0].1;
    let start = manifest.find("\n# Only the pipeline").unwrap();
    let header = "[target.'cfg(not(pipewright_lambda))'.dependencies]\n";
    let end = manifest.find(header).unwrap() + header.len();
    manifest.replace_range(start..end, "");
    files
}

/// The same with a default feature giving pipewright `aws`, as a user who thinks deploying
/// needs it (or an older pipewright's README) would write it: the function's build would
/// compile the AWS SDK.
fn one_package_with_the_sdk_in_the_lambda_build() -> Vec<(String, String)> {
    let mut files = one_package_with_pipewright_in_dependencies();
    let manifest = &mut files[0].1;
    *manifest = manifest.replacen(
        "[dependencies]\n",
        "[features]\ndefault = [\"aws\"]\naws = [\"pipewright/aws\"]\n\n[dependencies]\n",
        1,
    );
    files
}

/// The program of `files` does not compile: the error is `expected`, at the lambda's `package`.
fn assert_refused(files: &[(String, String)], expected: &str) {
    let _one_at_a_time = PROJECT_DIR.lock().unwrap_or_else(|e| e.into_inner());
    let project = fresh_project(files);
    point_at_this_checkout(&project);
    let stderr = cargo_failure(
        &project,
        &[
            "build",
            "--locked",
            "--offline",
            "--no-default-features",
            "--bin",
            "deploy",
        ],
    );
    assert!(stderr.contains(expected), "{stderr}");
    assert!(
        stderr.contains("src/bin/deploy.rs:") && stderr.contains("package: \"hello\""),
        "the error points at the lambda's `package`: {stderr}"
    );
}

#[test]
fn the_starter_lists_synthesizes_and_builds_a_bundle_that_serves() {
    try_layout("the starter", "pipeline", &starter_files());
}

#[test]
fn one_package_lists_synthesizes_and_builds_a_bundle_without_pipewright() {
    try_layout("one package", "hello", &one_package_files());
    let artifacts = lambda_build_artifacts();
    assert!(
        artifacts.iter().any(|f| f.starts_with("liblambda_http")),
        "the function's dependencies are where this test looks: {artifacts:?}"
    );
    let pipewright: Vec<String> = artifacts
        .into_iter()
        .filter(|f| f.starts_with("libpipewright") || f.starts_with("libaws_sdk"))
        .collect();
    assert!(
        pipewright.is_empty(),
        "the function's build compiled the pipeline's crates: {pipewright:?}"
    );
}

/// The same layout with pipewright a dependency of the function's build is refused while the
/// program compiles, with what to do (built with `--no-default-features` here, so that the
/// test does not compile the AWS SDK: the macro reads the package's default features from its
/// manifest all the same).
#[test]
fn one_package_with_the_sdk_in_the_function_build_is_refused() {
    assert_refused(
        &one_package_with_the_sdk_in_the_lambda_build(),
        "error: package `hello` is this program's own package, and its Lambda build would \
        compile the AWS SDK: a default build of `hello` has `pipewright` with its `aws` feature, \
        which a program does not need (its engine gets it when the program builds it): drop the \
        feature, or move `pipewright` and `pipewright-macros` to \
        `[target.'cfg(not(pipewright_lambda))'.dependencies]` (pipewright's Lambda builds set that \
        cfg), or put the pipeline in a package of its own",
    );
}

/// The naive layout, pipewright and its macros in `[dependencies]` without the SDK, is refused
/// the same way: the function would compile the pipeline's crates in release.
#[test]
fn one_package_with_pipewright_in_the_function_build_is_refused() {
    assert_refused(
        &one_package_with_pipewright_in_dependencies(),
        "error: package `hello` is this program's own package, and its Lambda build would \
        compile the pipeline: every build of `hello` has `pipewright`, which the function never \
        uses (its cold release build would take about three times as long): move `pipewright` \
        and `pipewright-macros` to `[target.'cfg(not(pipewright_lambda))'.dependencies]` \
        (pipewright's Lambda builds set that cfg), or make them optional behind a feature that is \
        not a default one, or put the pipeline in a package of its own",
    );
}
