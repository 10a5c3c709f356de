//! The AWS emulator a rehearsal runs against: `moto_server` on a free loopback port,
//! started with the fixes pipewright ships (`runtime/moto/sitecustomize.py`: CloudFormation
//! support for CodeBuild projects and pipelines, and three crashes), or an endpoint given
//! with `--endpoint`. Its accounts are reached as an administrator would reach a member
//! account: by assuming `OrganizationAccountAccessRole` in it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;

use crate::deploy::clients::{http_client, retry_config, CallStats, Clients, Environment};
use crate::deploy::error::{Error, Result};

/// The fixes `moto_server` runs with (a `sitecustomize` module on its `PYTHONPATH`).
pub const MOTO_FIXES: &str = include_str!("../../moto/sitecustomize.py");

/// What the Python of [`Emulator::unimplemented_types`] prints before each such type (moto
/// prints its own notes on the same output).
const UNIMPLEMENTED_MARK: &str = "pipewright-unimplemented ";

/// The Python that answers [`Emulator::unimplemented_types`] (types as arguments).
const UNIMPLEMENTED_TYPES: &str = "import sys, warnings\n\
warnings.simplefilter('ignore')\n\
import sitecustomize\n\
from moto.cloudformation.parsing import resource_class_from_type\n\
for t in sys.argv[1:]:\n\
\x20   if not resource_class_from_type(t):\n\
\x20       print('pipewright-unimplemented ' + t)\n";

/// How to install the emulator.
pub const INSTALL_MOTO: &str = "python3 -m pip install 'moto[server]'";

/// The role an administrator assumes in an emulated account.
pub const ADMIN_ROLE: &str = "OrganizationAccountAccessRole";

/// A running emulator (stopped when dropped, unless kept).
pub struct Emulator {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The emulator's log, when the rehearsal started it.
    pub log: Option<PathBuf>,
    /// The directory of the fixes it runs with, when the rehearsal started it.
    fixes: Option<PathBuf>,
}

impl Emulator {
    /// Starts `moto_server` on a free loopback port with the fixes; its log goes to
    /// `dir/moto.log`.
    pub fn start(dir: &Path) -> Result<Emulator> {
        let fixes = dir.join("moto");
        std::fs::create_dir_all(&fixes)
            .and_then(|()| {
                crate::rehearse::files::write_atomically(
                    &fixes.join("sitecustomize.py"),
                    MOTO_FIXES.as_bytes(),
                )
            })
            .map_err(|e| Error::new(format!("cannot write {}", fixes.display()), e))?;
        let log_path = dir.join("moto.log");
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port()?;
            let log = std::fs::File::create(&log_path)
                .map_err(|e| Error::new(format!("cannot write {}", log_path.display()), e))?;
            let python_path = match std::env::var_os("PYTHONPATH") {
                Some(p) if !p.is_empty() => {
                    let mut joined = fixes.clone().into_os_string();
                    joined.push(":");
                    joined.push(p);
                    joined
                }
                _ => fixes.clone().into_os_string(),
            };
            let child = Command::new("moto_server")
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("PYTHONPATH", python_path)
                .stdin(Stdio::null())
                .stdout(log.try_clone().map_err(|e| Error::new("moto log", e))?)
                .stderr(log)
                .spawn()
                .map_err(|e| {
                    Error::msg(format!(
                        "cannot start moto_server, the AWS emulator the rehearsal runs against ({e}): install it with `{INSTALL_MOTO}`, or give --endpoint"
                    ))
                })?;
            let mut emulator = Emulator {
                child: Some(child),
                endpoint: format!("http://127.0.0.1:{port}"),
                log: Some(log_path.clone()),
                fixes: Some(fixes.clone()),
            };
            match emulator.wait_ready(port, Duration::from_secs(60)) {
                Ok(()) => return Ok(emulator),
                Err(reason) => last = reason,
            }
        }
        Err(Error::msg(format!(
            "moto_server did not start: {last} (its log: {})",
            log_path.display()
        )))
    }

    /// An emulator that is already running.
    pub fn external(endpoint: &str) -> Emulator {
        Emulator {
            child: None,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            log: None,
            fixes: None,
        }
    }

    /// Which of `types` the emulator's CloudFormation does not implement: moto creates
    /// nothing for such a resource, and references to it are placeholders (fix 18). Asked
    /// of `python3` (which [`INSTALL_MOTO`] installs moto for, and which a `moto_server`
    /// of pip or pyenv runs), with the fixes loaded (they add types); `None` for an emulator
    /// the rehearsal did not start, or when that Python cannot say.
    pub fn unimplemented_types(&self, types: &[String]) -> Option<Vec<String>> {
        let fixes = self.fixes.as_ref()?;
        let output = Command::new("python3")
            .arg("-c")
            .arg(UNIMPLEMENTED_TYPES)
            .args(types)
            .env("PYTHONPATH", fixes)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let marked = String::from_utf8_lossy(&output.stdout);
        Some(
            marked
                .lines()
                .filter_map(|l| l.strip_prefix(UNIMPLEMENTED_MARK))
                .map(str::to_owned)
                .collect(),
        )
    }

    /// Leaves the emulator running after the rehearsal (`--keep`).
    pub fn keep(&mut self) -> Option<u32> {
        self.child.take().map(|c| c.id())
    }

    fn wait_ready(&mut self, port: u16, timeout: Duration) -> std::result::Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!("it exited ({status})"));
                }
            }
            if answers(port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.stop();
        Err(format!(
            "no answer on port {port} within {}s",
            timeout.as_secs()
        ))
    }

    /// Stops the emulator the rehearsal started.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::new("cannot find a free loopback port", e))
}

fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(
        stream,
        "GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    );
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200")
}

/// Static credentials.
#[derive(Clone, Debug)]
pub struct Keys {
    /// Access key id.
    pub access_key_id: String,
    /// Secret.
    pub secret_access_key: String,
    /// Session token.
    pub session_token: Option<String>,
}

/// The emulator's accounts and roles, reached from its endpoint.
#[derive(Clone, Debug)]
pub struct Accounts {
    endpoint: String,
    base: SdkConfig,
}

impl Accounts {
    /// The emulator at `endpoint`, with the emulator's test credentials.
    pub async fn new(endpoint: &str, region: &str) -> Accounts {
        let keys = Keys {
            access_key_id: "testing".to_owned(),
            secret_access_key: "testing".to_owned(),
            session_token: None,
        };
        Accounts {
            endpoint: endpoint.to_owned(),
            base: config(endpoint, region, &keys),
        }
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A configuration with `keys` in `region`.
    pub fn config(&self, region: &str, keys: &Keys) -> SdkConfig {
        config(&self.endpoint, region, keys)
    }

    /// The clients of an account and region, working with `keys` (what the deployment
    /// functions of [`crate::deploy`] take).
    pub fn environment(&self, account: &str, region: &str, keys: &Keys) -> Environment {
        let clients = Clients::from_config(&self.config(region, keys), &CallStats::default());
        Environment::new(account, region, "", clients)
    }

    /// Credentials of a role (STS `AssumeRole` on the emulator).
    pub async fn assume(&self, role_arn: &str) -> Result<Keys> {
        let session = format!(
            "pipewright-rehearse-{}",
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default()
        );
        let sts = aws_sdk_sts::Client::new(&self.base);
        let answer = sts
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(session)
            .send()
            .await
            .map_err(|e| Error::aws(format!("cannot assume {role_arn} on the emulator"), &e))?;
        let c = answer
            .credentials()
            .ok_or_else(|| Error::msg(format!("AssumeRole {role_arn}: no credentials")))?;
        Ok(Keys {
            access_key_id: c.access_key_id().to_owned(),
            secret_access_key: c.secret_access_key().to_owned(),
            session_token: Some(c.session_token().to_owned()),
        })
    }

    /// An administrator's credentials in an account.
    pub async fn admin(&self, account: &str) -> Result<Keys> {
        self.assume(&format!("arn:aws:iam::{account}:role/{ADMIN_ROLE}"))
            .await
    }
}

fn config(endpoint: &str, region: &str, keys: &Keys) -> SdkConfig {
    let credentials = Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        keys.session_token.clone(),
        None,
        "pipewright-rehearse",
    );
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(http_client())
        .retry_config(retry_config())
        .sleep_impl(aws_smithy_async::rt::sleep::default_async_sleep().expect("tokio sleep"))
        .time_source(aws_smithy_async::time::SystemTimeSource::new())
        .build()
}
