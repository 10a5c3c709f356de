//! What of this machine a rehearsed build sees. CodeBuild starts every build in a fresh
//! container: none of the user's AWS settings, none of their Cargo or rustc settings, none of
//! their `~/.cargo/config.toml`. A `CARGO_TARGET_DIR` (or `build.target-dir`) that leaked in
//! would make the Synth action build into the user's own target directory and overwrite the
//! program they are running with one built from the rehearsal's copy of the sources.
//!
//! The machine's tools stay, as a build image's would: its `PATH`, `HOME`, rustup's toolchains
//! (`RUSTUP_HOME`) and Cargo's download caches (the registry and git checkouts, linked into a
//! Cargo home of the rehearsal's own, which holds no configuration and no credentials).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What Cargo keeps in its home that a build may share with the machine: downloads only.
const SHARED_CARGO_CACHES: &[&str] = &["registry", "git"];

/// The machine's variables a build keeps: all but the AWS, CodeBuild, Cargo and rustc ones.
pub fn machine_variables(
    variables: impl IntoIterator<Item = (String, String)>,
) -> BTreeMap<String, String> {
    variables
        .into_iter()
        .filter(|(name, _)| !is_left_out(name))
        .collect()
}

/// Whether a variable of the machine stays out of a build: the user's AWS settings (the build
/// gets its role's), CodeBuild's (the build gets its own), and every setting of Cargo and
/// rustc (`CARGO_TARGET_DIR`, `CARGO_BUILD_*`, `CARGO_PROFILE_*`, `RUSTFLAGS`,
/// `RUSTC_WRAPPER`, `RUSTUP_TOOLCHAIN`...), but where rustup keeps its toolchains.
fn is_left_out(name: &str) -> bool {
    name.starts_with("AWS_")
        || name.starts_with("CODEBUILD_")
        || name == "CARGO"
        || name.starts_with("CARGO_")
        || (name.starts_with("RUST") && name != "RUSTUP_HOME")
}

/// The machine's Cargo home: `CARGO_HOME`, else `~/.cargo`.
pub fn machine_cargo_home(cargo_home: Option<PathBuf>, home: Option<PathBuf>) -> Option<PathBuf> {
    cargo_home
        .filter(|p| !p.as_os_str().is_empty())
        .or_else(|| home.map(|h| h.join(".cargo")))
}

/// Makes `dir` a Cargo home for the builds: the machine's download caches linked in (when it
/// has them), nothing else. Returns `dir`.
pub fn prepare_cargo_home(dir: &Path, machine: Option<&Path>) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for name in SHARED_CARGO_CACHES {
        let link = dir.join(name);
        if std::fs::symlink_metadata(&link).is_ok() {
            continue;
        }
        let Some(cache) = machine.map(|m| m.join(name)).filter(|c| c.is_dir()) else {
            continue;
        };
        std::os::unix::fs::symlink(&cache, &link)
            .map_err(|e| format!("cannot link {} to {}: {e}", link.display(), cache.display()))?;
    }
    Ok(dir.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), "x".to_string()))
            .collect()
    }

    #[test]
    fn builds_keep_the_tools_and_lose_the_users_settings() {
        let kept = machine_variables(vars(&[
            "PATH",
            "HOME",
            "RUSTUP_HOME",
            "LANG",
            "AWS_PROFILE",
            "CODEBUILD_BUILD_ID",
            "CARGO",
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_TARGET_DIR",
            "CARGO_PROFILE_RELEASE_OPT_LEVEL",
            "CARGO_MANIFEST_DIR",
            "RUSTFLAGS",
            "RUSTC_WRAPPER",
            "RUSTUP_TOOLCHAIN",
        ]));
        assert_eq!(
            kept.keys().collect::<Vec<_>>(),
            ["HOME", "LANG", "PATH", "RUSTUP_HOME"]
        );
    }

    #[test]
    fn the_cargo_home_is_cargo_home_else_under_home() {
        let home = Some(PathBuf::from("/home/u"));
        assert_eq!(
            machine_cargo_home(Some("/c".into()), home.clone()),
            Some(PathBuf::from("/c"))
        );
        assert_eq!(
            machine_cargo_home(Some("".into()), home.clone()),
            Some(PathBuf::from("/home/u/.cargo"))
        );
        assert_eq!(machine_cargo_home(None, None), None);
    }

    #[test]
    fn the_builds_cargo_home_links_the_downloads_and_holds_no_configuration() {
        let root =
            std::env::temp_dir().join(format!("pipewright-cargo-home-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let machine = root.join("machine");
        std::fs::create_dir_all(machine.join("registry/cache")).unwrap();
        std::fs::write(
            machine.join("config.toml"),
            "[build]\ntarget-dir = \"/elsewhere\"\n",
        )
        .unwrap();
        std::fs::write(machine.join("credentials.toml"), "token").unwrap();
        let home = prepare_cargo_home(&root.join("builds"), Some(&machine)).unwrap();
        // Twice: the second finds the links in place.
        prepare_cargo_home(&home, Some(&machine)).unwrap();
        let mut entries: Vec<String> = std::fs::read_dir(&home)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        entries.sort();
        assert_eq!(
            entries,
            ["registry"],
            "no git checkouts on the machine: no link"
        );
        assert!(home.join("registry/cache").is_dir());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
