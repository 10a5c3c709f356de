//! The program and its engine. The commands that talk to AWS run in a second binary of the
//! program's package, [`ENGINE_BINARY`], built with pipewright's `aws` feature: the program
//! hands it its [`App`] and its command line. So the program never links the AWS SDK, and the
//! link after each edit of the program is small (it was 2 s and 960 MB with the SDK, most of
//! the edit loop), while the engine, which does not change with the program, is built once
//! (the AWS CDK splits its app and its CLI the same way).
//!
//! The program finds the engine through `PIPEWRIGHT_ENGINE` (a path) or, by default, by asking
//! Cargo to build it (`cargo build --package PACKAGE --bin pipewright-engine --features
//! pipewright/aws`: a no-op when it is up to date), then replaces itself with it (on Unix:
//! signals, the terminal and the exit status are the engine's).

use std::ffi::OsString;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::app::{App, ENGINE_BINARY};
use crate::deploy::Error;

/// The variable naming an engine binary to use instead of building the package's.
pub const ENGINE_VARIABLE: &str = "PIPEWRIGHT_ENGINE";

/// The engine's first argument: the file holding the [`Handover`].
const APP_ARGUMENT: &str = "--app";

/// What the program hands its engine, through a file only the user can read. Both sides
/// check the version: an engine of another pipewright may read an `App` differently.
#[derive(Serialize, Deserialize)]
struct Handover {
    /// The pipewright version of the program.
    pipewright: String,
    /// The program's application.
    app: App,
}

/// The pipewright version of this build.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs the command line `args` (without the program's own name) in the program's engine.
/// Returns only when the engine could not be started (on Unix), or with its exit status.
pub(super) fn delegate(app: &App, args: &[OsString]) -> Result<ExitCode, Error> {
    let engine = locate(app)?;
    let handover = write_handover(app)?;
    let mut command = Command::new(&engine);
    command.arg(APP_ARGUMENT).arg(&handover).args(args);
    let result = start(command);
    // The engine removes the file once read; it is still here if the engine did not start.
    let _ = std::fs::remove_file(&handover);
    result.map_err(|e| Error::msg(format!("cannot start the engine {}: {e}", engine.display())))
}

/// Replaces this process with the engine.
#[cfg(unix)]
fn start(mut command: Command) -> std::io::Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    Err(command.exec())
}

/// Runs the engine and returns its exit status.
#[cfg(not(unix))]
fn start(mut command: Command) -> std::io::Result<ExitCode> {
    let status = command.status()?;
    Ok(ExitCode::from(
        status.code().unwrap_or(1).clamp(0, 255) as u8
    ))
}

/// The engine binary: `PIPEWRIGHT_ENGINE`, or the package's, built by Cargo.
fn locate(app: &App) -> Result<PathBuf, Error> {
    match std::env::var_os(ENGINE_VARIABLE) {
        Some(path) if !path.is_empty() => {
            let path = PathBuf::from(path);
            if path.is_file() {
                Ok(path)
            } else {
                Err(Error::msg(format!(
                    "{ENGINE_VARIABLE} is {}, which is not a file: point it at a `{ENGINE_BINARY}` binary, or unset it to let Cargo build this package's",
                    path.display()
                )))
            }
        }
        _ => build(app),
    }
}

/// Builds the package's engine with Cargo (its progress and messages on stderr) and returns
/// the path Cargo reports.
fn build(app: &App) -> Result<PathBuf, Error> {
    if app.package.is_empty() {
        return Err(Error::msg(format!(
            "the program does not know its Cargo package, so it cannot build its `{ENGINE_BINARY}`: set {ENGINE_VARIABLE}"
        )));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_run) {
            command.env_remove(name);
        }
    }
    let output = command
        .args(build_arguments(&app.package, cfg!(debug_assertions)))
        .current_dir(&*app.workspace_root)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| {
            Error::msg(format!(
                "cannot run {} to build the engine `{ENGINE_BINARY}`: {e}",
                Path::new(&cargo).display()
            ))
        })?;
    let built = engine_artifact(&String::from_utf8_lossy(&output.stdout));
    match built {
        Some(path) if output.status.success() => Ok(path),
        _ => Err(Error::msg(format!(
            "cargo could not build `{ENGINE_BINARY}` of package `{}` (its messages are above), the binary that runs the commands that talk to AWS. A package without it needs the file src/bin/{ENGINE_BINARY}.rs: `fn main() -> std::process::ExitCode {{ pipewright::cli::run_engine() }}`; or set {ENGINE_VARIABLE} to one built from pipewright {VERSION}",
            app.package
        ))),
    }
}

/// Whether Cargo sets this variable for the program it runs (`cargo run`, `cargo test`). The
/// engine's build goes without them: build scripts that watch one of them (ring watches
/// `CARGO_PKG_NAME`) would otherwise run again, and rebuild what depends on them, each time
/// the program is started another way.
fn set_by_cargo_run(name: &str) -> bool {
    const EXACT: [&str; 8] = [
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    name.starts_with("CARGO_PKG_") || EXACT.contains(&name)
}

/// `cargo build` of the engine: machine-readable artifacts on stdout, messages rendered for
/// people on stderr. A release program gets a release engine.
fn build_arguments(package: &str, debug: bool) -> Vec<String> {
    let mut args: Vec<String> = [
        "build",
        "--package",
        package,
        "--bin",
        ENGINE_BINARY,
        "--features",
        "pipewright/aws",
        "--message-format=json-render-diagnostics",
    ]
    .map(str::to_owned)
    .to_vec();
    if !debug {
        args.push("--release".to_owned());
    }
    args
}

/// The engine's executable among Cargo's JSON messages.
fn engine_artifact(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == ENGINE_BINARY)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

/// Writes the handover to a new file in the temporary directory, readable by the user only.
fn write_handover(app: &App) -> Result<PathBuf, Error> {
    let handover = Handover {
        pipewright: VERSION.to_owned(),
        app: app.clone(),
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let path = std::env::temp_dir().join(format!(
        "pipewright-app-{}-{nanos}.json",
        std::process::id()
    ));
    let written = new_private_file(&path).and_then(|mut file| {
        serde_json::to_writer(&mut file, &handover)?;
        file.flush()
    });
    written.map(|()| path.clone()).map_err(|e| {
        let _ = std::fs::remove_file(&path);
        Error::msg(format!(
            "cannot write the application for the engine to {}: {e}",
            path.display()
        ))
    })
}

fn new_private_file(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// The engine's side: the application and the command line (the program's name first) from
/// the engine's arguments, `--app FILE ARGS...`; the file is removed once read.
pub(super) fn receive(args: Vec<OsString>) -> Result<(App, Vec<OsString>), Error> {
    let mut args = args.into_iter();
    let engine = args.next().unwrap_or_else(|| ENGINE_BINARY.into());
    let (Some(flag), Some(file)) = (args.next(), args.next()) else {
        return Err(not_started_by_a_program(&engine));
    };
    if flag != APP_ARGUMENT {
        return Err(not_started_by_a_program(&engine));
    }
    let text = std::fs::read(&file).map_err(|e| {
        Error::msg(format!(
            "cannot read the program's application {}: {e}",
            Path::new(&file).display()
        ))
    });
    let _ = std::fs::remove_file(&file);
    let handover: Handover = serde_json::from_slice(&text?).map_err(|e| {
        Error::msg(format!(
            "the program's application is not one pipewright {VERSION} reads ({e}): rebuild the engine with the program's pipewright"
        ))
    })?;
    if handover.pipewright != VERSION {
        return Err(Error::msg(format!(
            "the engine is pipewright {VERSION} but the program was built with pipewright {}: build both from one Cargo.lock (unset {ENGINE_VARIABLE} to let Cargo build the package's engine)",
            handover.pipewright
        )));
    }
    let mut command_line = vec![OsString::from("deploy")];
    command_line.extend(args);
    Ok((handover.app, command_line))
}

fn not_started_by_a_program(engine: &OsString) -> Error {
    Error::msg(format!(
        "{} runs the AWS commands of a pipewright program, which starts it: run the program instead (`cargo run --bin deploy -- --help`)",
        Path::new(engine).display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> App {
        crate::app::empty_app()
    }

    fn args(items: &[&str]) -> Vec<OsString> {
        items.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_engine_receives_the_application_and_the_command_line_and_removes_the_file() {
        let file = write_handover(&app()).unwrap();
        let file_arg = file.to_str().unwrap();
        let (received, command_line) =
            receive(args(&["engine", "--app", file_arg, "diff", "--fail"])).unwrap();
        assert_eq!(received, app());
        assert_eq!(command_line, args(&["deploy", "diff", "--fail"]));
        assert!(!file.exists());
    }

    #[cfg(unix)]
    #[test]
    fn only_the_user_reads_the_handover() {
        use std::os::unix::fs::PermissionsExt;
        let file = write_handover(&app()).unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        std::fs::remove_file(&file).unwrap();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn an_engine_of_another_version_refuses_the_application() {
        let file = write_handover(&app()).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, text.replace(VERSION, "0.0.1")).unwrap();
        let error = receive(args(&["engine", "--app", file.to_str().unwrap(), "diff"]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("built with pipewright 0.0.1"), "{error}");
        assert!(!file.exists());
    }

    #[test]
    fn an_engine_started_by_hand_says_what_it_is() {
        let error = receive(args(&["pipewright-engine", "deploy"]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("run the program instead"), "{error}");
    }

    #[test]
    fn cargo_builds_the_packages_engine_with_the_aws_feature() {
        let debug = build_arguments("pipeline", true).join(" ");
        assert_eq!(
            debug,
            "build --package pipeline --bin pipewright-engine --features pipewright/aws --message-format=json-render-diagnostics"
        );
        assert!(build_arguments("pipeline", false).ends_with(&["--release".to_owned()]));
    }

    #[test]
    fn the_build_leaves_out_what_cargo_run_set_but_keeps_the_configuration() {
        for set in [
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION_MAJOR",
            "CARGO_MANIFEST_DIR",
            "OUT_DIR",
        ] {
            assert!(set_by_cargo_run(set), "{set}");
        }
        for kept in [
            "CARGO_TARGET_DIR",
            "CARGO_HOME",
            "CARGO_PROFILE_DEV_DEBUG",
            "CARGO_NET_OFFLINE",
            "RUSTFLAGS",
        ] {
            assert!(!set_by_cargo_run(kept), "{kept}");
        }
    }

    #[test]
    fn the_engine_is_the_artifact_cargo_reports() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"pipewright"},"executable":null}
warning: not json
{"reason":"compiler-artifact","target":{"name":"pipewright-engine"},"executable":"/t/debug/pipewright-engine"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            engine_artifact(messages),
            Some(PathBuf::from("/t/debug/pipewright-engine"))
        );
        assert_eq!(engine_artifact(r#"{"reason":"build-finished"}"#), None);
    }
}
