//! Running the real `service` binary as a child process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the binary may take to print its readiness line.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The `service` binary that cargo built for these tests.
pub fn service_binary() -> &'static str {
    env!("CARGO_BIN_EXE_service")
}

/// A running `service` process. Its stdout (the log) is collected line by line; the process is
/// killed when this is dropped, so a failing test leaves nothing behind.
pub struct ServiceProcess {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl ServiceProcess {
    /// Starts the binary with `envs` and waits until a log line contains `ready_marker`;
    /// returns the process and that line.
    pub fn start(envs: &[(&str, &str)], ready_marker: &str) -> (Self, String) {
        Self::start_binary(service_binary(), envs, ready_marker)
    }

    /// Like [`ServiceProcess::start`], for another build of the binary at `binary`.
    pub fn start_binary(
        binary: impl AsRef<std::ffi::OsStr>,
        envs: &[(&str, &str)],
        ready_marker: &str,
    ) -> (Self, String) {
        Self::start_command(Command::new(binary), envs, ready_marker)
    }

    /// Starts the binary with `envs` under a descriptor limit of `nofile` (soft and hard, set by
    /// the shell's `ulimit` before it execs the binary, so the process id is the binary's).
    pub fn start_with_descriptor_limit(
        nofile: u32,
        envs: &[(&str, &str)],
        ready_marker: &str,
    ) -> (Self, String) {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {nofile} && exec \"$0\""))
            .arg(service_binary());
        Self::start_command(command, envs, ready_marker)
    }

    fn start_command(
        mut command: Command,
        envs: &[(&str, &str)],
        ready_marker: &str,
    ) -> (Self, String) {
        command
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env("RUST_LOG", "info")
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("start the service binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = mpsc::channel();
        let marker = ready_marker.to_owned();
        let collected = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut ready_tx = Some(ready_tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.contains(&marker) {
                    if let Some(tx) = ready_tx.take() {
                        let _ = tx.send(line.clone());
                    }
                }
                collected.lock().unwrap().push(line);
            }
        });
        let mut process = Self { child, log };
        let ready_line = match ready_rx.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let status = process.child.try_wait().ok().flatten();
                panic!(
                    "the service did not log {ready_marker:?} within {START_TIMEOUT:?} (exit: {status:?}); log:\n{}",
                    process.log_text()
                );
            }
        };
        (process, ready_line)
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("wait on child").is_none()
    }

    /// All log lines so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The log so far as one text.
    pub fn log_text(&self) -> String {
        self.log_lines().join("\n")
    }

    /// Waits up to `timeout` for a log line containing `needle`.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self
                .log_lines()
                .into_iter()
                .find(|line| line.contains(needle))
            {
                return Some(line);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `signal` (e.g. `TERM`, `INT`) with the `kill` command and waits up to `timeout` for
    /// the process to exit.
    pub fn signal_and_wait(&mut self, signal: &str, timeout: Duration) -> ExitStatus {
        self.signal(signal);
        self.wait_exit(timeout).unwrap_or_else(|| {
            panic!(
                "the service did not exit within {timeout:?} after SIG{signal}; log:\n{}",
                self.log_text()
            )
        })
    }

    /// Sends `signal` (e.g. `TERM`, `INT`) with the `kill` command.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait on child") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The loopback address the service printed after `marker` in its ready line (a test never
/// talks to anything but loopback).
pub fn loopback_address(ready: &str, marker: &str) -> String {
    let address = ready
        .split(marker)
        .nth(1)
        .expect("address after the marker")
        .trim()
        .to_owned();
    assert!(
        address.starts_with("127.0.0.1:"),
        "loopback only: {address}"
    );
    address
}
