//! The fingerprint of a package's sources: the hash an asset id is derived from.
//!
//! One implementation for both sides: the `pipeline!` macro computes it while the program
//! compiles (the asset ids, hence the templates' `S3Key`s, come from it), and `deploy`
//! computes it again before building an asset, to refuse building from sources that changed
//! since the program was compiled (the zip would not match the id the templates name).
//!
//! # What is hashed
//!
//! What the build reads, with what `cargo package` would ship as the guide: every regular
//! file under the package directory and its local path dependencies, and the workspace's
//! `Cargo.toml` and `Cargo.lock`, except
//!
//! - hidden entries (`.git`, `.gitignore`, editor files...) and `target` directories;
//! - nested packages (a directory with its own `Cargo.toml`: a dependency has its own entry);
//! - whatever the repository's `.gitignore` files ignore, with git's rules: the nested ones
//!   apply below their directory and take precedence over the outer ones, `!` re-includes,
//!   and an ignored directory is skipped as a whole. The files read are those of the
//!   directories from the top of the repository (the nearest ancestor holding `.git`; without
//!   one, the workspace root, e.g. a source archive) down to each file. Git's other
//!   sources of rules are left out on purpose, as they differ from one clone or machine to
//!   another: `.git/info/exclude`, `core.excludesFile` and the global excludes file;
//! - cloud assemblies: a directory whose `manifest.json` is a cloud assembly manifest (a JSON
//!   object with a string `version` and an `artifacts` object, as `synth` and the CDK write
//!   it). `deploy synth --out DIR` may write into the package (a one-package layout) whether
//!   or not `.gitignore` names `DIR`, and `deploy assets` then hashes the package again.
//!
//! Paths are sorted and hashed relative to the workspace root, so the hash is the same in
//! every checkout of the same sources on every machine.
//!
//! Pure std, `sha2`, `toml`, `serde_json` and `ignore` (its `.gitignore` matcher only, not
//! its walker): no AWS, no git, usable by the proc macro.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::cargo_manifest::{find_workspace_root, normalize, path_dependencies, read_manifest};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
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
/// Hidden entries, `target` directories, nested packages, files the repository's
/// `.gitignore` files ignore and cloud assemblies are left out (see the [module
/// documentation](self)).
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
        let mut rules = outer_rules(dir, &workspace_root)?;
        collect_files(dir, dir, &mut rules, &mut files)?;
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

/// Files of a package directory: everything but build output, hidden entries, nested
/// packages (which have their own fingerprint when they are dependencies), what `.gitignore`
/// ignores and cloud assemblies. `rules` holds the `.gitignore` matchers in force in `dir`,
/// outermost first.
fn collect_files(
    top: &Path,
    dir: &Path,
    rules: &mut Vec<Gitignore>,
    out: &mut BTreeSet<PathBuf>,
) -> Result<(), String> {
    let own_rules = read_gitignore(dir)?;
    let pushed = own_rules.is_some();
    rules.extend(own_rules);
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
        if is_ignored(rules, &path, kind.is_dir()) {
            continue;
        }
        if kind.is_dir() {
            if path != top && path.join("Cargo.toml").is_file() {
                continue;
            }
            if is_cloud_assembly(&path) {
                continue;
            }
            collect_files(top, &path, rules, out)?;
        } else if kind.is_file() {
            out.insert(path);
        }
    }
    if pushed {
        rules.pop();
    }
    Ok(())
}

/// Whether the `.gitignore` rules in force ignore `path`: as git, the innermost file with a
/// matching pattern decides (its last matching pattern, `!` re-including).
fn is_ignored(rules: &[Gitignore], path: &Path, is_dir: bool) -> bool {
    for gitignore in rules.iter().rev() {
        match gitignore.matched(path, is_dir) {
            Match::Ignore(_) => return true,
            Match::Whitelist(_) => return false,
            Match::None => {}
        }
    }
    false
}

/// The `.gitignore` matchers of the directories above `package_dir`, outermost first, from
/// the top of its repository: the nearest ancestor holding `.git` (a directory, or a file in
/// a worktree), or without one the workspace root (a package outside it: none).
fn outer_rules(package_dir: &Path, workspace_root: &Path) -> Result<Vec<Gitignore>, String> {
    let ancestors: Vec<&Path> = package_dir.ancestors().skip(1).collect();
    let top = package_dir
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .or_else(|| {
            package_dir
                .starts_with(workspace_root)
                .then_some(workspace_root)
        });
    let Some(top) = top else {
        return Ok(Vec::new());
    };
    let mut rules = Vec::new();
    for dir in ancestors.into_iter().rev() {
        if dir.starts_with(top) {
            rules.extend(read_gitignore(dir)?);
        }
    }
    Ok(rules)
}

/// The matcher of `dir/.gitignore`, if there is one. Patterns git would not understand are
/// left out, as git does; a file that cannot be read is an error.
fn read_gitignore(dir: &Path) -> Result<Option<Gitignore>, String> {
    let path = dir.join(".gitignore");
    if !path.is_file() {
        return Ok(None);
    }
    let bytes = fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut builder = GitignoreBuilder::new(dir);
    for line in text.trim_start_matches('\u{feff}').lines() {
        let _ = builder.add_line(Some(path.clone()), line);
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

/// Whether `dir` is a cloud assembly: its `manifest.json` has the cloud assembly schema's
/// `version` and `artifacts` (a web app's `manifest.json` is a source like any other).
fn is_cloud_assembly(dir: &Path) -> bool {
    let Ok(bytes) = fs::read(dir.join("manifest.json")) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|manifest| {
        manifest.get("version").is_some_and(|v| v.is_string())
            && manifest.get("artifacts").is_some_and(|a| a.is_object())
    })
}

/// The scratch workspaces of the fingerprint's tests, which the assembly's tests use too.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "pipewright-fingerprint-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    pub(crate) fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// A workspace with `app`, which depends by path on `lib` (through the workspace
    /// table) and has a nested package and build output that are not its sources.
    pub(crate) fn workspace(root: &Path) {
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

    /// Only the repository's own `.gitignore` files count: one above the top of the
    /// repository (the directory holding `.git`) is another repository's.
    #[test]
    fn reads_gitignore_files_up_to_the_top_of_the_repository() {
        let outer = scratch("outer");
        let root = outer.join("repo");
        workspace(&root);
        fs::create_dir_all(root.join(".git")).unwrap();
        write(&outer.join(".gitignore"), "*.rs\n");
        let fp = fingerprint(&root.join("app"), &root).unwrap();
        assert!(fp.files.iter().any(|f| f.ends_with("app/src/main.rs")));
        // Without `.git` (a source archive), the workspace root is the top.
        fs::remove_dir_all(root.join(".git")).unwrap();
        assert_eq!(fp, fingerprint(&root.join("app"), &root).unwrap());
        fs::remove_dir_all(&outer).unwrap();
    }

    #[test]
    fn a_missing_package_is_an_error_naming_the_manifest() {
        let root = scratch("missing");
        let error = fingerprint(&root.join("app"), &root).unwrap_err();
        assert!(error.contains("app/Cargo.toml"), "{error}");
    }
}
