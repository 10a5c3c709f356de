//! Helpers shared by the `deploy` tests (each test file uses a part of them): scratch
//! directories, a moto server per test, the AWS settings that point the real `deploy`
//! binary at it, the Lambda tools, and boto3 queries of what moto holds.
#![allow(dead_code)]

pub mod bundle;
pub mod orders;

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use pipewright::rehearse::emulator::Emulator;

/// How to install moto's server.
pub const INSTALL_MOTO: &str = "python3 -m pip install 'moto[server]'";
/// How to install cargo-lambda and zig.
pub const INSTALL_CARGO_LAMBDA: &str = "python3 -m pip install cargo-lambda ziglang";

/// The profile of the tests' Lambda builds: the release profiles without optimizations
/// (what the tests check is the pipeline and the deployment, not the optimizer), as
/// `--build-env` gives them to a rehearsal's builds and the environment to `deploy`'s.
pub const CHEAP_PROFILE: [(&str, &str); 6] = [
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
    ("CARGO_PROFILE_RELEASE_LTO", "off"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    ("CARGO_PROFILE_RELEASE_LAMBDA_OPT_LEVEL", "0"),
    ("CARGO_PROFILE_RELEASE_LAMBDA_LTO", "off"),
    ("CARGO_PROFILE_RELEASE_LAMBDA_CODEGEN_UNITS", "16"),
];

/// The account and region of the reference program's stacks.
pub const ACCOUNT: &str = "111111111111";
/// The region of the reference program's stacks.
pub const REGION: &str = "us-west-2";

/// A fresh, empty directory under the system's temporary directory, unique to this process.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipewright-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `moto_server` of its own (a test's isolation: nothing else sees its accounts,
/// buckets or stacks), on 127.0.0.1, with the fixes of `runtime/moto`, started as
/// `deploy rehearse` starts it; stopped when dropped.
pub struct Moto {
    _emulator: Emulator,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The directory of this test's files (the server's log, AWS config files).
    pub dir: PathBuf,
}

impl Moto {
    /// Starts a server and waits until it answers.
    pub fn start(name: &str) -> Moto {
        let dir = scratch_dir(name);
        let emulator = Emulator::start(&dir).unwrap_or_else(|e| panic!("{e}"));
        Moto {
            endpoint: emulator.endpoint.clone(),
            _emulator: emulator,
            dir,
        }
    }

    /// The environment of a `deploy` run against this server: the standard AWS
    /// configuration files with a profile that assumes a role of the program's account
    /// (the way an administrator reaches a workload account), and `AWS_ENDPOINT_URL`.
    pub fn aws_env(&self) -> Vec<(String, String)> {
        let config = self.dir.join("aws-config");
        let credentials = self.dir.join("aws-credentials");
        std::fs::write(
            &config,
            format!(
                "[profile base]\nregion = {REGION}\n\n[profile pipewright-test]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole\nsource_profile = base\nregion = {REGION}\n"
            ),
        )
        .unwrap();
        std::fs::write(
            &credentials,
            "[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        )
        .unwrap();
        vec![
            ("AWS_CONFIG_FILE".into(), config.display().to_string()),
            (
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                credentials.display().to_string(),
            ),
            ("AWS_PROFILE".into(), "pipewright-test".into()),
            ("AWS_ENDPOINT_URL".into(), self.endpoint.clone()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ]
    }

    /// Runs a Python snippet with boto3 clients of the program's account on this server:
    /// `client(name)` gives one; the snippet prints its result as JSON.
    pub fn python(&self, snippet: &str) -> serde_json::Value {
        self.python_as(ACCOUNT, REGION, snippet)
    }

    /// [`Moto::python`] with clients of another account and region.
    pub fn python_as(&self, account: &str, region: &str, snippet: &str) -> serde_json::Value {
        let program = format!(
            "import boto3, json, sys\n\
             _sts = boto3.client('sts', endpoint_url='{endpoint}', region_name='{region}', aws_access_key_id='testing', aws_secret_access_key='testing')\n\
             _c = _sts.assume_role(RoleArn='arn:aws:iam::{account}:role/OrganizationAccountAccessRole', RoleSessionName='tests')['Credentials']\n\
             def client(name):\n    return boto3.client(name, endpoint_url='{endpoint}', region_name='{region}', aws_access_key_id=_c['AccessKeyId'], aws_secret_access_key=_c['SecretAccessKey'], aws_session_token=_c['SessionToken'])\n\
             {snippet}\n",
            endpoint = self.endpoint
        );
        let output = Command::new("python3")
            .arg("-c")
            .arg(&program)
            .output()
            .unwrap_or_else(|e| panic!("cannot run python3 ({e}): install `{INSTALL_MOTO}`"));
        assert!(
            output.status.success(),
            "boto3 query failed:\n{program}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "boto3 query printed no JSON ({e}):\n{}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }
}

impl Moto {
    /// SHA-256 of a file as hex and as base64 (Lambda's `CodeSha256`), computed by Python.
    pub fn sha256(&self, path: &Path) -> (String, String) {
        let digest = self.python(&format!(
            "import base64, hashlib\nd = hashlib.sha256(open({path:?}, 'rb').read()).digest()\nprint(json.dumps([d.hex(), base64.b64encode(d).decode()]))",
            path = path.display().to_string()
        ));
        (
            digest[0].as_str().unwrap().to_owned(),
            digest[1].as_str().unwrap().to_owned(),
        )
    }
}

/// The result of a `deploy` run.
pub struct Run {
    /// The exit status.
    pub code: Option<i32>,
    /// stdout.
    pub stdout: String,
    /// stderr.
    pub stderr: String,
}

impl Run {
    /// Panics with the output unless the run exited 0.
    pub fn success(self) -> Run {
        assert_eq!(
            self.code,
            Some(0),
            "deploy failed:\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout and stderr.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The number of requests of an operation (`CloudFormation.ExecuteChangeSet`) in the
    /// `--stats` line; 0 when absent.
    pub fn calls(&self, operation: &str) -> u64 {
        let line = self
            .stderr
            .lines()
            .find(|l| l.starts_with("aws calls: "))
            .unwrap_or_else(|| panic!("no --stats line in:\n{}", self.stderr));
        line.split(['(', ')', ','])
            .map(str::trim)
            .find_map(|part| part.strip_prefix(&format!("{operation} ")))
            .map(|n| n.parse().unwrap())
            .unwrap_or(0)
    }

    /// The total of the `--stats` line.
    pub fn total_calls(&self) -> u64 {
        let line = self
            .stderr
            .lines()
            .find(|l| l.starts_with("aws calls: "))
            .unwrap_or_else(|| panic!("no --stats line in:\n{}", self.stderr));
        line["aws calls: ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// Starts the real `deploy` binary with these arguments (see [`deploy`]), its output piped.
pub fn spawn_deploy(env: &[(String, String)], args: &[&str]) -> Child {
    deploy_command(env, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn deploy_command(env: &[(String, String)], args: &[&str]) -> Command {
    program_command(Path::new(env!("CARGO_BIN_EXE_deploy")), env, args)
}

fn program_command(program: &Path, env: &[(String, String)], args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command.args(args).env(ENGINE.0, ENGINE.1);
    for var in AWS_VARIABLES {
        command.env_remove(var);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

/// The engine the programs of the tests hand their AWS commands to: the one built with the
/// tests (so a program never builds one itself; tests/engine.rs shows that it can).
pub const ENGINE: (&str, &str) = ("PIPEWRIGHT_ENGINE", env!("CARGO_BIN_EXE_pipewright-engine"));

/// The AWS settings a `deploy` run of the tests never inherits.
const AWS_VARIABLES: [&str; 13] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "CI",
];

/// Runs the real `deploy` binary (the reference program) with these arguments, in an
/// environment with no AWS settings but `env` (the developer's `~/.aws` files are never
/// read: `env` names the config files), and `stdin` as its input.
pub fn deploy(env: &[(String, String)], args: &[&str], stdin: &str) -> Run {
    run_program(Path::new(env!("CARGO_BIN_EXE_deploy")), env, args, stdin)
}

/// [`deploy`] with another program's binary (see [`test_program`]).
pub fn run_program(program: &Path, env: &[(String, String)], args: &[&str], stdin: &str) -> Run {
    let mut command = program_command(program, env, args);
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A program of `tests/bins/` (package `test-programs`), built here if needed: the
/// suite's own build has built it when it covered the whole workspace, and Cargo finds it
/// up to date.
pub fn test_program(name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--package",
            "test-programs",
            "--bin",
            name,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "cargo build --package test-programs --bin {name} failed"
    );
    Path::new(env!("CARGO_BIN_EXE_deploy"))
        .parent()
        .unwrap()
        .join(name)
}

/// Builds the program's Lambda zips once per test process (`deploy assets`, which keeps
/// them where every later `deploy` finds them), and returns the directory they were
/// written to. Fails with the install command when cargo-lambda or zig is missing.
pub fn lambda_assets() -> &'static Path {
    static ASSETS: OnceLock<PathBuf> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let out = scratch_dir("assets");
        let run = deploy(&[], &["assets", "--out", &out.display().to_string()], "");
        assert_eq!(
            run.code,
            Some(0),
            "`deploy assets` failed (it needs cargo-lambda and zig: `{INSTALL_CARGO_LAMBDA}`):\n{}\n{}",
            run.stdout,
            run.stderr
        );
        out
    })
}

/// The one Lambda zip of the reference program (built by [`lambda_assets`]): its file.
pub fn service_zip() -> PathBuf {
    only_zip(lambda_assets())
}

/// The one zip in a directory (an assembly `assets` wrote into, or its keep directory).
pub fn only_zip(dir: &Path) -> PathBuf {
    let zips: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .collect();
    assert_eq!(zips.len(), 1, "{zips:?}");
    zips[0].clone()
}
