//! Assets: the Lambda zips, built the way Rust-on-Lambda users build them, and published
//! to the environments' asset buckets.
//!
//! - **Build.** `cargo lambda build` (cargo-lambda, linking with zig against an old glibc,
//!   so that the binary runs on Amazon Linux 2023), `-p PACKAGE --bin BIN`, `--x86-64` or
//!   `--arm64`, with the workspace's `[profile.release-lambda]` when it has one (the build
//!   the service documents) or cargo-lambda's `--release`; `--locked`. Reproducible: the
//!   workspace and `CARGO_HOME` paths are remapped (`--remap-path-prefix`), the zip is
//!   written with fixed metadata ([`archive`]), and lld writes no build id,
//!   so the same sources give the same bytes on any machine with the same toolchain.
//! - **Names.** An asset's id (its object key `<id>.zip`) is derived from its sources when
//!   the program compiles. Before building, the sources are fingerprinted again; a program
//!   older than its sources is refused (its templates name another id).
//! - **Cache.** A built zip is kept as `<target>/pipewright/assets/asset.<id>.zip` and
//!   reused: the id names the sources it was built from.
//! - **Publish**: see [`publish`](super::publish) (the `aws` feature).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::archive;
use super::error::{Error, Result};
use crate::app::{App, Asset};
use crate::spec::Architecture;

/// How to install cargo-lambda and zig.
pub const INSTALL_CARGO_LAMBDA: &str = "python3 -m pip install cargo-lambda ziglang";

/// The `cfg` every Lambda build of `assets` and `deploy` sets (`#[cfg(pipewright_lambda)]`,
/// `[target.'cfg(not(pipewright_lambda))'.dependencies]`): the service leaves its local
/// server's allocator out of the Lambda bundle with it.
pub const LAMBDA_CFG: &str = "pipewright_lambda";

/// The profile the build uses when the workspace declares it (see `service/README.md`).
pub const LAMBDA_PROFILE: &str = "release-lambda";

/// The Rust target triple of an architecture on Lambda.
pub fn target_triple(architecture: Architecture) -> &'static str {
    match architecture {
        Architecture::X86_64 => "x86_64-unknown-linux-gnu",
        Architecture::Arm64 => "aarch64-unknown-linux-gnu",
    }
}

/// A short name of an asset for messages: `service/service (x86_64)`.
pub fn describe(asset: &Asset) -> String {
    format!(
        "asset {}/{} ({})",
        asset.package,
        asset.bin,
        asset.architecture.aws_value()
    )
}

/// Builds asset zips, and keeps them.
#[derive(Clone, Debug)]
pub struct AssetBuilder {
    /// The workspace the assets are built from.
    pub workspace_root: PathBuf,
    /// The Cargo target directory (`CARGO_TARGET_DIR`, else `<workspace>/target`); the
    /// Lambda builds and the zips go under `pipewright/` in it.
    pub target_dir: PathBuf,
}

impl AssetBuilder {
    /// The builder of an application: its workspace, and the target directory Cargo uses.
    pub fn for_app(app: &App) -> AssetBuilder {
        let workspace_root = PathBuf::from(app.workspace_root.as_ref());
        let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => workspace_root.join(dir),
            _ => workspace_root.join("target"),
        };
        AssetBuilder {
            workspace_root,
            target_dir,
        }
    }

    /// Where the zip of an asset is kept.
    pub fn cached_zip(&self, asset: &Asset) -> PathBuf {
        self.target_dir
            .join("pipewright/assets")
            .join(crate::assembly::asset_zip_file(asset))
    }

    /// The zip of an asset, if this machine built it already.
    pub fn cached(&self, asset: &Asset) -> Option<PathBuf> {
        let path = self.cached_zip(asset);
        path.is_file().then_some(path)
    }

    /// Whether the asset's sources differ from the ones the program was compiled with
    /// (`Err`: they cannot be read).
    pub fn stale(&self, asset: &Asset) -> std::result::Result<bool, String> {
        let dir = self.workspace_root.join(asset.package_dir.as_ref());
        let now = crate::fingerprint::fingerprint(&dir, &self.workspace_root)?;
        Ok(now.hash != asset.source_hash)
    }

    /// Refuses to build from sources that are not the ones the program was compiled with.
    pub fn check_sources(&self, asset: &Asset) -> Result<()> {
        match self.stale(asset) {
            Ok(false) => Ok(()),
            Ok(true) => Err(stale_error(asset)),
            Err(e) => Err(Error::new(describe(asset), e)),
        }
    }

    /// The zip of an asset: the kept one, or a fresh build. Builds of one target directory
    /// take turns (see [`AssetBuilder::lock`]).
    pub fn zip(&self, asset: &Asset) -> Result<PathBuf> {
        if let Some(path) = self.cached(asset) {
            return Ok(path);
        }
        let _turn = self.lock(asset)?;
        if let Some(path) = self.cached(asset) {
            return Ok(path);
        }
        self.check_sources(asset)?;
        let binary = self.build(asset)?;
        let bytes = std::fs::read(&binary).map_err(|e| {
            Error::new(
                describe(asset),
                format!("cannot read {}: {e}", binary.display()),
            )
        })?;
        let zip = archive::lambda_zip(&bytes)
            .map_err(|e| Error::new(describe(asset), format!("cannot zip: {e}")))?;
        let path = self.cached_zip(asset);
        write_atomically(&path, &zip).map_err(|e| Error::new(describe(asset), e))?;
        Ok(path)
    }

    /// An exclusive lock on the target directory's Lambda builds, released when dropped.
    /// Cargo locks its own build, but cargo-lambda then moves the binary to a shared
    /// `bootstrap`: two `deploy` commands building at once (two terminals, parallel tests)
    /// would take each other's binary away.
    pub fn lock(&self, asset: &Asset) -> Result<std::fs::File> {
        let path = self.target_dir.join("pipewright/lambda.lock");
        let locked = std::fs::create_dir_all(self.target_dir.join("pipewright"))
            .and_then(|()| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
            })
            .and_then(|file| file.lock().map(|()| file));
        locked.map_err(|e| {
            Error::new(
                describe(asset),
                format!("cannot lock {}: {e}", path.display()),
            )
        })
    }

    /// Runs `cargo lambda build`; returns the path of the `bootstrap` binary.
    pub fn build(&self, asset: &Asset) -> Result<PathBuf> {
        let what = describe(asset);
        check_tools(&what)?;
        let triple = target_triple(asset.architecture);
        check_target(&what, triple, &rust_sysroot(&self.workspace_root)?)?;

        let lambda_dir = self
            .target_dir
            .join("pipewright/lambda")
            .join(asset.architecture.aws_value());
        let mut command = Command::new("cargo-lambda");
        command
            .current_dir(&self.workspace_root)
            .args(["lambda", "build", "--locked"])
            .args(["--package", &asset.package, "--bin", &asset.bin])
            .arg(match asset.architecture {
                Architecture::X86_64 => "--x86-64",
                Architecture::Arm64 => "--arm64",
            })
            // cargo-lambda passes `--target-dir` on to `cargo metadata`, which refuses it.
            .env("CARGO_TARGET_DIR", self.target_dir.join("pipewright/build"))
            .arg("--lambda-dir")
            .arg(&lambda_dir)
            .env("RUSTFLAGS", self.reproducible_rustflags());
        if self.declares_lambda_profile() {
            command.args(["--profile", LAMBDA_PROFILE]);
        } else {
            command.arg("--release");
        }
        // Cargo's progress goes to stderr; so does anything the build prints, to keep
        // stdout for results.
        if let Ok(fd) = std::os::fd::AsFd::as_fd(&std::io::stderr()).try_clone_to_owned() {
            command.stdout(Stdio::from(fd));
        }
        let status = command.status().map_err(|e| {
            Error::new(
                &what,
                format!("cannot run cargo-lambda ({e}): install it with `{INSTALL_CARGO_LAMBDA}`"),
            )
        })?;
        if !status.success() {
            return Err(Error::new(
                &what,
                format!(
                    "`cargo lambda build -p {} --bin {}` failed ({status}); see its output above",
                    asset.package, asset.bin
                ),
            ));
        }
        let binary = lambda_dir
            .join(asset.bin.as_ref())
            .join(crate::app::LAMBDA_EXECUTABLE);
        if !binary.is_file() {
            return Err(Error::new(
                &what,
                format!("cargo-lambda did not write {}", binary.display()),
            ));
        }
        Ok(binary)
    }

    /// `RUSTFLAGS` of a Lambda build: the caller's, plus path remapping, so that no
    /// machine-specific path ends up in the binary (panic locations name source files), and
    /// [`LAMBDA_CFG`], which a package can test to leave out what only its local runs need.
    pub fn reproducible_rustflags(&self) -> String {
        let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
        if !flags.is_empty() {
            flags.push(' ');
        }
        flags.push_str(&format!("--cfg {LAMBDA_CFG}"));
        let mut remap = |from: &Path, to: &str| {
            if !flags.is_empty() {
                flags.push(' ');
            }
            flags.push_str(&format!("--remap-path-prefix={}={to}", from.display()));
        };
        remap(&cargo_home(), "/cargo");
        remap(&self.workspace_root, "/workspace");
        flags
    }

    fn declares_lambda_profile(&self) -> bool {
        std::fs::read_to_string(self.workspace_root.join("Cargo.toml"))
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .is_some_and(|manifest| {
                manifest
                    .get("profile")
                    .and_then(|p| p.get(LAMBDA_PROFILE))
                    .is_some()
            })
    }

    /// Builds every asset of the application into `out` as `asset.<id>.zip` (the files a
    /// cloud assembly's asset manifests name). Returns the paths written.
    pub fn write_all(&self, app: &App, out: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(out)
            .map_err(|e| Error::msg(format!("cannot create {}: {e}", out.display())))?;
        let mut written = Vec::new();
        for asset in &app.assets {
            self.check_sources(asset)?;
            let zip = self.zip(asset)?;
            let target = out.join(crate::assembly::asset_zip_file(asset));
            let bytes = std::fs::read(&zip)
                .map_err(|e| Error::msg(format!("cannot read {}: {e}", zip.display())))?;
            write_atomically(&target, &bytes).map_err(|e| Error::new(describe(asset), e))?;
            written.push(target);
        }
        Ok(written)
    }
}

/// The error for an asset whose sources changed since the program was compiled.
pub fn stale_error(asset: &Asset) -> Error {
    Error::msg(format!(
        "{}: sources changed since this program was compiled: rebuild with cargo run",
        describe(asset)
    ))
}

fn cargo_home() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) if !home.is_empty() => PathBuf::from(home),
        _ => std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".cargo"))
            .unwrap_or_else(|| PathBuf::from(".cargo")),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::result::Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Checks that cargo-lambda and zig are installed.
pub fn check_tools(what: &str) -> Result<()> {
    let runs = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !runs("cargo-lambda", &["lambda", "--version"]) {
        return Err(Error::new(
            what,
            format!("cargo-lambda is not installed: install it with `{INSTALL_CARGO_LAMBDA}`"),
        ));
    }
    // cargo-lambda links with zig, found on PATH or as the `ziglang` Python package.
    if !runs("zig", &["version"]) && !runs("python3", &["-m", "ziglang", "version"]) {
        return Err(Error::new(
            what,
            format!("zig is not installed (cargo-lambda links with it): install it with `{INSTALL_CARGO_LAMBDA}`"),
        ));
    }
    Ok(())
}

/// The sysroot of the toolchain that builds in `dir` (`rustc --print sysroot`, honouring
/// `RUSTC` and the directory's `rust-toolchain.toml`).
pub fn rust_sysroot(dir: &Path) -> Result<PathBuf> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .current_dir(dir)
        .output()
        .map_err(|e| {
            Error::msg(format!(
                "cannot run {} ({e}): install Rust from https://rustup.rs",
                rustc.to_string_lossy()
            ))
        })?;
    if !output.status.success() {
        return Err(Error::msg(format!(
            "`rustc --print sysroot` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

/// Checks that the standard library of `triple` is installed in the toolchain at `sysroot`.
pub fn check_target(what: &str, triple: &str, sysroot: &Path) -> Result<()> {
    if sysroot
        .join("lib/rustlib")
        .join(triple)
        .join("lib")
        .is_dir()
    {
        return Ok(());
    }
    Err(Error::new(
        what,
        format!(
            "the Rust target {triple} is not installed in {}: install it with `rustup target add {triple}`",
            sysroot.display()
        ),
    ))
}
