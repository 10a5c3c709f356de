//! A Lambda bundle, looked at and run as Lambda would get it: its zip unpacked (an executable
//! `bootstrap`, nothing else), its ELF header and glibc symbol versions, and the binary started
//! in local mode and asked over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The output of a command that must succeed; panics with its output (and `hint`) otherwise.
pub fn run(command: &mut Command, hint: &str) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?} ({e}): {hint}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Unzips the zip (which must hold an executable `bootstrap` and nothing else) and returns
/// the path of its `bootstrap`, an x86-64 ELF executable.
pub fn unpack_bootstrap(zip: &Path, into: &Path) -> PathBuf {
    let listing = run(
        Command::new("unzip").arg("-Z").arg(zip),
        "apt-get install -y unzip",
    );
    let entries: Vec<&str> = listing.lines().filter(|l| l.starts_with('-')).collect();
    assert!(
        entries.len() == 1 && entries[0].starts_with("-rwx") && entries[0].ends_with(" bootstrap"),
        "the zip holds one executable `bootstrap`: {listing}"
    );
    run(
        Command::new("unzip")
            .arg("-q")
            .arg("-o")
            .arg(zip)
            .arg("-d")
            .arg(into),
        "apt-get install -y unzip",
    );
    let bootstrap = into.join("bootstrap");
    let elf = std::fs::read(&bootstrap).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF", "an ELF file");
    assert_eq!((elf[4], elf[5]), (2, 1), "ELFCLASS64, little-endian");
    assert_eq!(u16::from_le_bytes([elf[18], elf[19]]), 0x3e, "EM_X86_64");
    bootstrap
}

/// The `GLIBC_x.y` versions that the dynamic symbol table of `binary` refers to, sorted.
pub fn glibc_versions(binary: &Path) -> Vec<(u32, u32)> {
    let table = run(
        Command::new("objdump").arg("-T").arg(binary),
        "apt-get install -y binutils",
    );
    let mut versions: Vec<(u32, u32)> = table
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter_map(|word| word.strip_prefix("GLIBC_"))
        .filter_map(|version| {
            let mut parts = version.split('.').map(str::parse::<u32>);
            match (parts.next(), parts.next()) {
                (Some(Ok(major)), Some(Ok(minor))) => Some((major, minor)),
                _ => None,
            }
        })
        .collect();
    versions.sort_unstable();
    versions.dedup();
    versions
}

/// A `bootstrap` running in local mode; stopped when dropped.
pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    /// Stops the server with SIGTERM and says whether it exited 0 within 10 s.
    pub fn terminate(mut self) -> bool {
        let pid = self.0.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..100 {
            if let Ok(Some(status)) = self.0.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

/// Starts a service binary in local mode on a free port; the server and the address it printed.
pub fn serve(bootstrap: &Path) -> (Server, String) {
    let mut child = Command::new(bootstrap)
        .env("PORT", "0")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bootstrap.display()));
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    // The address is on the line that says so; log lines may come first.
    let mut printed = String::new();
    let mut reader = BufReader::new(stdout);
    for _ in 0..50 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some((_, address)) = line.split_once("listening on http://") {
            return (server, address.trim().to_owned());
        }
        printed.push_str(&line);
    }
    panic!("the service did not print its address:\n{printed}")
}

/// A GET over a raw socket; the whole answer.
pub fn http_get(address: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}
