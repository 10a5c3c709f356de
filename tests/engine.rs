//! The program and its engine (runtime/src/cli/engine.rs): the `deploy` binary links no AWS
//! SDK and hands the commands that talk to AWS to `pipewright-engine`, a second binary of its
//! package. The other tests give it the engine built with them (`PIPEWRIGHT_ENGINE`); here it
//! finds its own, as a user's `cargo run --bin deploy -- diff` does: Cargo builds it (or finds
//! it up to date) and the program replaces itself with it.
//!
//! Needs `moto_server` (`.ci/setup` installs it).

mod support;

use std::process::Command;

use support::{deploy, Moto};

const STACK: &str = "PreProdBackend-BackendStack";

#[test]
fn the_program_has_cargo_build_its_engine_and_hands_it_the_command() {
    let moto = Moto::start("engine-built-by-cargo");
    let mut env = moto.aws_env();
    // Empty is unset: the program asks Cargo for its package's engine.
    env.push(("PIPEWRIGHT_ENGINE".into(), String::new()));
    for run in 1..=2 {
        let diff = deploy(&env, &["diff", "--fail", STACK], "");
        // `--fail`: exit 1 with differences (nothing is deployed): the engine's status.
        assert_eq!(diff.code, Some(1), "run {run}: {}", diff.all());
        assert!(
            diff.stdout
                .contains(&format!("Stack {STACK} (not deployed)"))
                && !diff.stderr.contains("error:"),
            "run {run}: the engine diffed the stack: {}",
            diff.all()
        );
        assert!(
            diff.stderr.contains("Finished"),
            "run {run}: Cargo checked the engine: {}",
            diff.stderr
        );
        if run == 2 {
            assert!(
                !diff.stderr.contains("Compiling"),
                "an engine that is up to date is not built again: {}",
                diff.stderr
            );
        }
    }
}

#[test]
fn an_engine_that_is_not_there_is_one_line_and_exit_1() {
    let env = [(
        "PIPEWRIGHT_ENGINE".to_owned(),
        "/nonexistent/pipewright-engine".to_owned(),
    )];
    let run = deploy(&env, &["diff"], "");
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert_eq!(
        run.stderr.trim_end(),
        "error: PIPEWRIGHT_ENGINE is /nonexistent/pipewright-engine, which is not a file: point it at a `pipewright-engine` binary, or unset it to let Cargo build this package's"
    );
}

#[test]
fn the_offline_commands_need_no_engine() {
    let env = [(
        "PIPEWRIGHT_ENGINE".to_owned(),
        "/nonexistent/pipewright-engine".to_owned(),
    )];
    let run = deploy(&env, &["list"], "").success();
    assert!(run.stdout.contains(STACK), "{}", run.stdout);
}

#[test]
fn the_engine_started_by_hand_says_to_run_the_program() {
    let output = Command::new(support::ENGINE.1)
        .arg("diff")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("run the program instead"), "{stderr}");
}
