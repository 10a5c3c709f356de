//! The fingerprint of a package's sources: the hash an asset id is derived from.
//!
//! One implementation for both sides: the `pipeline!` macro computes it while the program
//! compiles (the asset ids, hence the templates' `S3Key`s, come from it), and `deploy`
//! computes it again before building an asset, to refuse building from sources that changed
//! since the program was compiled (the zip would not match the id the templates name).
//!
//! Pure std, `sha2` and `toml`: no AWS, usable by the proc macro.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::manifest::{find_workspace_root, normalize, path_dependencies, read_manifest};

use sha2::{Digest, Sha256};

/// The hash of everything a package's build reads, and the files it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// SHA-256, lowercase hex.
    pub hash: String,
    /// The files hashed, sorted.
    pub files: Vec<PathBuf>,
}

/// Hashes the sources a package's build reads: the package directory, its local path
/// dependencies (transitively, every dependency table), and its workspace's `Cargo.toml`
/// and `Cargo.lock`.
///
/// `workspace_root` is the root of the workspace the package belongs to. Paths are hashed
/// relative to it, so the hash is the same in every checkout of the same sources.
/// Hidden entries, `target` directories and nested packages are left out.
pub fn fingerprint(package_dir: &Path, workspace_root: &Path) -> Result<Fingerprint, String> {
    let package_dir = normalize(package_dir);
    let workspace_root = normalize(workspace_root);
    let mut dirs = BTreeSet::new();
    let mut todo = vec![package_dir];
    while let Some(dir) = todo.pop() {
        if !dirs.insert(dir.clone()) {
            continue;
        }
        let manifest = read_manifest(&dir.join("Cargo.toml"))?;
        let root = find_workspace_root(&dir, &manifest);
        todo.extend(path_dependencies(&manifest, &dir, &root));
    }
    let mut files = BTreeSet::new();
    for dir in &dirs {
        collect_files(dir, dir, &mut files)?;
    }
    for name in ["Cargo.toml", "Cargo.lock"] {
        let path = workspace_root.join(name);
        if path.is_file() {
            files.insert(path);
        }
    }
    let mut hasher = Sha256::new();
    hasher.update(b"pipewright-sources-v1\0");
    for path in &files {
        let relative = path.strip_prefix(&workspace_root).unwrap_or(path);
        let relative = relative.to_string_lossy().replace('\\', "/");
        let content =
            fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        hasher.update(relative.as_bytes());
        hasher.update([0]);
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(&content);
    }
    Ok(Fingerprint {
        hash: hex(&hasher.finalize()),
        files: files.into_iter().collect(),
    })
}

/// SHA-256 of bytes, lowercase hex: the content hashes of templates and zips.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Files of a package directory: everything but build output, hidden entries and
/// nested packages (which have their own fingerprint when they are dependencies).
fn collect_files(top: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("cannot stat `{}`: {e}", path.display()))?;
        if kind.is_dir() {
            if path != top && path.join("Cargo.toml").is_file() {
                continue;
            }
            collect_files(top, &path, out)?;
        } else if kind.is_file() {
            out.insert(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "pipewright-fingerprint-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// A workspace with `app`, which depends by path on `lib` (through the workspace
    /// table) and has a nested package and build output that are not its sources.
    fn workspace(root: &Path) {
        write(
            &root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"app\", \"lib\"]\n[workspace.dependencies]\nlib = { path = \"lib\" }\n",
        );
        write(&root.join("Cargo.lock"), "# lock\n");
        write(
            &root.join("app/Cargo.toml"),
            "[package]\nname = \"app\"\n[dependencies]\nlib.workspace = true\n",
        );
        write(&root.join("app/src/main.rs"), "fn main() {}\n");
        write(&root.join("app/target/debug/app"), "binary");
        write(&root.join("app/.hidden"), "x");
        write(
            &root.join("app/nested/Cargo.toml"),
            "[package]\nname = \"nested\"\n",
        );
        write(&root.join("lib/Cargo.toml"), "[package]\nname = \"lib\"\n");
        write(&root.join("lib/src/lib.rs"), "pub fn f() {}\n");
    }

    #[test]
    fn covers_the_package_its_path_dependencies_and_the_lock_file() {
        let root = scratch("covers");
        workspace(&root);
        let fp = fingerprint(&root.join("app"), &root).unwrap();
        let relative: Vec<String> = fp
            .files
            .iter()
            .map(|f| {
                f.strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            relative,
            [
                "Cargo.lock",
                "Cargo.toml",
                "app/Cargo.toml",
                "app/src/main.rs",
                "lib/Cargo.toml",
                "lib/src/lib.rs"
            ]
        );
        assert_eq!(fp.hash.len(), 64);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn changes_with_a_dependency_and_not_with_the_checkout_location() {
        let a = scratch("location-a");
        let b = scratch("location-b");
        workspace(&a);
        workspace(&b);
        let first = fingerprint(&a.join("app"), &a).unwrap().hash;
        assert_eq!(first, fingerprint(&b.join("app"), &b).unwrap().hash);
        // Build output and hidden files are not sources.
        write(&a.join("app/target/debug/app"), "another binary");
        assert_eq!(first, fingerprint(&a.join("app"), &a).unwrap().hash);
        write(&a.join("lib/src/lib.rs"), "pub fn g() {}\n");
        assert_ne!(first, fingerprint(&a.join("app"), &a).unwrap().hash);
        fs::remove_dir_all(&a).unwrap();
        fs::remove_dir_all(&b).unwrap();
    }

    #[test]
    fn a_missing_package_is_an_error_naming_the_manifest() {
        let root = scratch("missing");
        let error = fingerprint(&root.join("app"), &root).unwrap_err();
        assert!(error.contains("app/Cargo.toml"), "{error}");
    }
}
