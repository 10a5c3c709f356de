//! The orders example (`examples/orders.rs`, a binary of the package `orders-pipeline`) for
//! the tests that deploy it (tests/deploy_moto.rs) and rehearse it (tests/rehearse.rs): its
//! program, and its two Lambda zips, built once per run for both.
//!
//! The zips are built by the program's own `assets` command (cargo-lambda), with the
//! rehearsals' cheap profile (no optimizations: what the tests check is the deployment, not
//! the optimizer), into a target directory of their own: a developer's later `deploy` from
//! the workspace's target directory must not find zips built without optimizations. Both
//! test binaries run at once under `scripts/test`: a lock file makes the second one wait, and
//! then find the zips built. The rehearsal's Synth action finds them too: [`plant_zips`] puts
//! them in the rehearsal's build cache, under the ids its program derives from the same
//! sources, as CodeBuild's cache would hold them from an earlier run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::{run_program, Run, CHEAP_PROFILE};

/// The program's binary name.
pub const PROGRAM: &str = "orders";

/// The stage stack the deploy test deploys.
pub const DEV_STACK: &str = "Dev-Shop";

/// The workspace's target directory (`CARGO_TARGET_DIR` or `target/`): where the tests'
/// binaries are.
fn workspace_target() -> PathBuf {
    let deploy = Path::new(env!("CARGO_BIN_EXE_deploy"));
    deploy.parent().unwrap().parent().unwrap().to_owned()
}

/// The target directory of the program's runs: its Lambda builds and their zips.
pub fn target_dir() -> PathBuf {
    workspace_target().join("pipewright/orders-tests")
}

/// The environment of a run of the program: its target directory, the cheap profile.
pub fn build_env() -> Vec<(String, String)> {
    let mut env = vec![(
        "CARGO_TARGET_DIR".to_owned(),
        target_dir().display().to_string(),
    )];
    env.extend(
        CHEAP_PROFILE
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    env
}

/// The program, built here if needed (the suite's build has built it when it covered the
/// whole workspace, and Cargo finds it up to date).
pub fn program() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--package",
            "orders-pipeline",
            "--bin",
            PROGRAM,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "cargo build --package orders-pipeline failed"
    );
    workspace_target().join("debug").join(PROGRAM)
}

/// Runs the program with `args` in `env` (plus [`build_env`]), as a user would.
pub fn run(env: &[(String, String)], args: &[&str]) -> Run {
    let mut env = env.to_vec();
    env.extend(build_env());
    run_program(&program(), &env, args, "")
}

/// The example's Lambda zips (`asset.<id>.zip`, one per function), built once per run.
pub fn lambda_zips() -> &'static [PathBuf] {
    static ZIPS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    ZIPS.get_or_init(|| {
        std::fs::create_dir_all(target_dir()).unwrap();
        let lock = std::fs::File::create(target_dir().join("lock")).unwrap();
        lock.lock().unwrap();
        let out = super::scratch_dir("orders-assets");
        let run = run(&[], &["assets", "--out", &out.display().to_string()]);
        assert_eq!(
            run.code,
            Some(0),
            "`orders assets` failed (it needs cargo-lambda and zig: `{}`):\n{}\n{}",
            super::INSTALL_CARGO_LAMBDA,
            run.stdout,
            run.stderr
        );
        let mut zips: Vec<PathBuf> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "zip"))
            .collect();
        zips.sort();
        assert_eq!(zips.len(), 2, "one zip per function: {zips:?}");
        zips
    })
}

/// Puts the zips in the asset cache of the rehearsal's builds (`rehearse_dir`:
/// `target/pipewright/rehearse`), where its Synth action's `assets` command looks first.
pub fn plant_zips(rehearse_dir: &Path) {
    let cache = rehearse_dir.join("cache/target/pipewright/assets");
    std::fs::create_dir_all(&cache).unwrap();
    for zip in lambda_zips() {
        std::fs::copy(zip, cache.join(zip.file_name().unwrap())).unwrap();
    }
}
