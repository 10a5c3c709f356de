//! The Lambda artifact, built exactly as documented in `service/README.md`: `RUSTFLAGS="--cfg
//! pipewright_lambda" cargo lambda build --profile release-lambda --x86-64 --output-format zip`
//! (the cfg pipewright's own Lambda builds set) must give a `bootstrap.zip` for
//! `provided.al2023` on x86_64 that holds only an executable `bootstrap`, needs no glibc symbol
//! newer than GLIBC_2.34 (Amazon Linux 2023 ships glibc 2.34), is at most 3 MB, and serves.
//!
//! Needs `cargo-lambda` and `zig` (`python3 -m pip install cargo-lambda ziglang`, done by
//! `.ci/setup`), and `unzip` and `objdump` (Debian `unzip` and `binutils`, on the machine image).
//! The build goes to its own target directory inside the workspace's, so it never waits on the
//! lock of the build that runs this test.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::process::ServiceProcess;

/// The newest glibc that Amazon Linux 2023 (the `provided.al2023` runtime) has.
const NEWEST_GLIBC: (u32, u32) = (2, 34);
/// The size bar for the zip.
const MAX_ZIP_BYTES: u64 = 3_000_000;
const INSTALL_CARGO_LAMBDA: &str = "python3 -m pip install cargo-lambda ziglang";

/// The workspace's target directory, found from the test binary that cargo built
/// (`<target>/debug/service`), so that it honours `CARGO_TARGET_DIR` like the build did.
fn target_root() -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_service"));
    binary
        .parent()
        .and_then(Path::parent)
        .expect("<target>/<profile>/service")
        .to_path_buf()
}

fn run(command: &mut Command, install_hint: &str) -> Output {
    let output = command.output().unwrap_or_else(|error| {
        panic!("cannot run {command:?} ({error}): install it with `{install_hint}`")
    });
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The `GLIBC_x.y` versions that the dynamic symbol table of `binary` refers to.
fn glibc_versions(binary: &Path) -> Vec<(u32, u32)> {
    let output = run(
        Command::new("objdump").arg("-T").arg(binary),
        "apt-get install -y binutils",
    );
    let table = String::from_utf8_lossy(&output.stdout);
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

#[test]
fn the_lambda_zip_is_small_portable_and_serves() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let target_dir = target_root().join("service-lambda-artifact");
    run(
        Command::new("cargo-lambda")
            .args([
                "lambda",
                "build",
                "--package",
                "service",
                "--bin",
                "service",
            ])
            .args([
                "--profile",
                "release-lambda",
                "--x86-64",
                "--output-format",
                "zip",
            ])
            .env("CARGO_TARGET_DIR", &target_dir)
            .env("RUSTFLAGS", "--cfg pipewright_lambda")
            .current_dir(workspace),
        INSTALL_CARGO_LAMBDA,
    );
    let zip = target_dir.join("lambda/service/bootstrap.zip");
    let zip_bytes = std::fs::metadata(&zip)
        .unwrap_or_else(|e| panic!("{}: {e}", zip.display()))
        .len();
    assert!(
        zip_bytes <= MAX_ZIP_BYTES,
        "{} is {zip_bytes} bytes, over {MAX_ZIP_BYTES}",
        zip.display()
    );

    // Only `bootstrap`, executable.
    let listing = run(
        Command::new("unzip").arg("-Z").arg(&zip),
        "apt-get install -y unzip",
    );
    let listing = String::from_utf8_lossy(&listing.stdout);
    let entries: Vec<&str> = listing
        .lines()
        .filter(|line| line.starts_with('-'))
        .collect();
    assert_eq!(entries.len(), 1, "{listing}");
    assert!(
        entries[0].starts_with("-rwx") && entries[0].ends_with(" bootstrap"),
        "{listing}"
    );

    let unpacked = target_dir.join("unpacked");
    let _ = std::fs::remove_dir_all(&unpacked);
    run(
        Command::new("unzip")
            .arg("-q")
            .arg(&zip)
            .arg("-d")
            .arg(&unpacked),
        "apt-get install -y unzip",
    );
    let bootstrap = unpacked.join("bootstrap");

    // A 64-bit little-endian x86-64 ELF executable.
    let elf = std::fs::read(&bootstrap).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF");
    assert_eq!((elf[4], elf[5]), (2, 1), "ELFCLASS64, little-endian");
    assert_eq!(u16::from_le_bytes([elf[18], elf[19]]), 0x3e, "EM_X86_64");

    // glibc: nothing newer than Amazon Linux 2023's.
    let versions = glibc_versions(&bootstrap);
    assert!(
        !versions.is_empty(),
        "a dynamically linked glibc binary names its GLIBC_ versions"
    );
    let newest = *versions.last().unwrap();
    assert!(
        newest <= NEWEST_GLIBC,
        "bootstrap needs GLIBC_{}.{}, newer than Amazon Linux 2023's GLIBC_{}.{}: {versions:?}",
        newest.0,
        newest.1,
        NEWEST_GLIBC.0,
        NEWEST_GLIBC.1
    );

    // The zipped binary itself serves (here, in local mode).
    let (mut process, ready) =
        ServiceProcess::start_binary(&bootstrap, &[("PORT", "0")], "listening on http://");
    let address = ready
        .split("listening on http://")
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    let answer = http_get(&address, "/api/v1/health_check");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with(r#"{"message":"ok"}"#), "{answer}");
    let status = process.signal_and_wait("TERM", Duration::from_secs(10));
    assert!(status.success());
}

/// A minimal HTTP/1.1 GET over a raw socket, returning the whole answer.
fn http_get(address: &str, path: &str) -> String {
    use std::io::{Read, Write};
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
