//! The Cargo workspace being compiled, read from its manifests at compile time: which
//! packages a `lambda` may name, their binaries, and the fingerprint of their sources.
//!
//! This is the macro's only I/O. Every file read is listed in [`Workspace::tracked`] so
//! that the expansion can make Cargo rebuild the program when one changes (and the files a
//! function's declarations are read from in [`DeclaredLinks::files`]).
//!
//! One file per concern: the packages (here), where their code is (`sources.rs`: crate
//! roots, module trees), and the `links!` declarations in it (`declarations.rs`, with the
//! lines of `invocations.rs`).

mod declarations;
mod invocations;
mod sources;

use std::path::{Path, PathBuf};

use pipewright::cargo_manifest::{
    find_workspace_root, normalize, path_dependencies, read_manifest, string_list, Toml,
};

use crate::lambda_build::{lambda_build_compiles, LINKS_CRATE};

/// The packages a program can build lambdas from.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// The packages: the members of the workspace being compiled, plus local path
    /// dependencies of the program's package (and the members of their workspaces).
    pub packages: Vec<LocalPackage>,
    /// Every manifest read, for rebuild tracking.
    pub tracked: Vec<PathBuf>,
    /// The directory of the package being compiled (the program's).
    pub program_dir: PathBuf,
    /// The binary being compiled (the program), when Cargo says (`CARGO_BIN_NAME`).
    pub program_bin: Option<String>,
}

/// One local package.
#[derive(Clone, Debug)]
pub struct LocalPackage {
    /// Its name.
    pub name: String,
    /// Its directory.
    pub dir: PathBuf,
    /// The root of the workspace it belongs to (its own directory if none).
    pub workspace_root: PathBuf,
    /// Its binaries.
    pub bins: Vec<String>,
    /// The root source files of its binaries and library.
    pub roots: CrateRoots,
    /// Whether its Lambda build compiles `pipewright-links`: only then can its code declare
    /// the links it uses (`links!`), and only then are its sources read for them.
    pub links_in_lambda_build: bool,
    /// Directories of the local packages it depends on by path.
    pub path_deps: Vec<PathBuf>,
    /// What of the pipeline (pipewright, its `aws` feature, its macros) a default Lambda
    /// build of it compiles, if anything (see [`crate::lambda_build`]).
    pub pipeline_in_lambda_build: Option<crate::lambda_build::PipelineInLambdaBuild>,
}

/// The hash of everything a package's build reads, and the files it covers: one
/// implementation, shared with `deploy`, which checks it again before building an asset.
pub use pipewright::fingerprint::Fingerprint;

pub use declarations::{Declaration, DeclaredLinks};
pub use sources::CrateRoots;

impl Workspace {
    /// Reads the workspace of the package in `manifest_dir` (the compiled package's
    /// `CARGO_MANIFEST_DIR`).
    pub fn load(manifest_dir: &Path) -> Result<Workspace, String> {
        let mut ws = Workspace {
            program_dir: normalize(manifest_dir),
            ..Workspace::default()
        };
        let manifest_path = manifest_dir.join("Cargo.toml");
        let manifest = read_manifest(&manifest_path)?;
        ws.tracked.push(manifest_path);
        let root = find_workspace_root(manifest_dir, &manifest);
        ws.add_workspace(&root)?;
        // The workspaces of the program's local path dependencies too, wherever they
        // live: a test harness such as trybuild compiles programs in a workspace of its
        // own, next to the workspace whose crates they use.
        for dep in path_dependencies(&manifest, manifest_dir, &root) {
            ws.add_workspace(&dep)?;
            let dep_manifest = read_manifest(&dep.join("Cargo.toml"))?;
            ws.add_workspace(&find_workspace_root(&dep, &dep_manifest))?;
        }
        Ok(ws)
    }

    /// Whether the root of the program's workspace is another package than the program's:
    /// Cargo then selects that package unless a command names the program's
    /// (`--package`). Not so in a virtual workspace, or when the program is the root.
    pub fn root_is_another_package(&self) -> bool {
        let Some(program) = self.packages.iter().find(|p| self.is_program(p)) else {
            return false;
        };
        program.workspace_root != program.dir
            && read_manifest(&program.workspace_root.join("Cargo.toml"))
                .is_ok_and(|root| root.contains_key("package"))
    }

    /// The package being compiled, when a lambda names it.
    pub fn is_program(&self, package: &LocalPackage) -> bool {
        package.dir == self.program_dir
    }

    /// The binaries of a package a lambda can be built from: all of them, but the program
    /// itself when the package is the program's (a function and its pipeline in one package),
    /// and the program's AWS engine ([`pipewright::app::ENGINE_BINARY`]).
    pub fn function_bins<'a>(&self, package: &'a LocalPackage) -> Vec<&'a str> {
        package
            .bins
            .iter()
            .map(String::as_str)
            .filter(|bin| !self.is_program(package) || Some(*bin) != self.program_bin.as_deref())
            .filter(|bin| *bin != pipewright::app::ENGINE_BINARY)
            .collect()
    }

    /// The package of this name.
    pub fn package(&self, name: &str) -> Option<&LocalPackage> {
        self.packages.iter().find(|p| p.name == name)
    }

    /// The names of the packages, sorted.
    pub fn package_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.packages.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Adds the package in `dir` and, when `dir` is a workspace root, its members.
    fn add_workspace(&mut self, dir: &Path) -> Result<(), String> {
        let dir = normalize(dir);
        if self.packages.iter().any(|p| p.dir == dir) {
            return Ok(());
        }
        let manifest_path = dir.join("Cargo.toml");
        let manifest = read_manifest(&manifest_path)?;
        if !self.tracked.contains(&manifest_path) {
            self.tracked.push(manifest_path);
        }
        let root = find_workspace_root(&dir, &manifest);
        if manifest.contains_key("package") {
            self.add_package(&dir, &manifest, &root)?;
        }
        if let Some(workspace) = manifest.get("workspace").and_then(|w| w.as_table()) {
            for member in workspace_members(&dir, workspace) {
                if self.packages.iter().any(|p| p.dir == member) {
                    continue;
                }
                let path = member.join("Cargo.toml");
                let m = read_manifest(&path)?;
                self.tracked.push(path);
                self.add_package(&member, &m, &dir)?;
            }
        }
        Ok(())
    }

    fn add_package(&mut self, dir: &Path, manifest: &Toml, root: &Path) -> Result<(), String> {
        let package = manifest.get("package").and_then(|p| p.as_table());
        let Some(name) = package.and_then(|p| p.get("name")).and_then(|n| n.as_str()) else {
            return Err(format!(
                "`{}` has no package name",
                dir.join("Cargo.toml").display()
            ));
        };
        let workspace_deps = workspace_dependencies(dir, manifest, root);
        let roots = sources::crate_roots(dir, name, manifest);
        self.packages.push(LocalPackage {
            name: name.to_owned(),
            dir: dir.to_owned(),
            workspace_root: root.to_owned(),
            bins: roots.bins.iter().map(|(bin, _)| bin.clone()).collect(),
            roots,
            links_in_lambda_build: lambda_build_compiles(
                manifest,
                workspace_deps.as_ref(),
                LINKS_CRATE,
            ),
            path_deps: path_dependencies(manifest, dir, root),
            pipeline_in_lambda_build: crate::lambda_build::pipeline_in_lambda_build(
                manifest,
                workspace_deps.as_ref(),
            ),
        });
        Ok(())
    }

    /// Hashes the sources a package's build reads: the package, its local path
    /// dependencies (transitively), and its workspace's `Cargo.toml` and `Cargo.lock`
    /// (see [`pipewright::fingerprint::fingerprint`]).
    pub fn fingerprint(&self, package: &LocalPackage) -> Result<Fingerprint, String> {
        pipewright::fingerprint::fingerprint(&package.dir, &package.workspace_root)
    }
}

/// The `[workspace.dependencies]` of the workspace rooted at `root` (the package's own
/// manifest when it is the root), for `workspace = true` entries.
fn workspace_dependencies(dir: &Path, manifest: &Toml, root: &Path) -> Option<Toml> {
    let dependencies = |m: &Toml| m.get("workspace")?.get("dependencies")?.as_table().cloned();
    if normalize(dir) == normalize(root) {
        dependencies(manifest)
    } else {
        dependencies(&read_manifest(&root.join("Cargo.toml")).ok()?)
    }
}

/// The member directories of a `[workspace]` table; `*` and `?` globs are expanded.
fn workspace_members(root: &Path, workspace: &Toml) -> Vec<PathBuf> {
    let excluded: Vec<PathBuf> = string_list(workspace.get("exclude"))
        .iter()
        .map(|e| normalize(&root.join(e)))
        .collect();
    let mut members = Vec::new();
    for pattern in string_list(workspace.get("members")) {
        let full = root.join(&pattern);
        let paths: Vec<PathBuf> = if pattern.contains(['*', '?', '[']) {
            glob::glob(&full.to_string_lossy())
                .map(|paths| paths.filter_map(Result::ok).collect())
                .unwrap_or_default()
        } else {
            vec![full]
        };
        for path in paths {
            let path = normalize(&path);
            if path.join("Cargo.toml").is_file()
                && !excluded.contains(&path)
                && !members.contains(&path)
            {
                members.push(path);
            }
        }
    }
    members
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn repo_root() -> PathBuf {
        normalize(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
    }

    #[test]
    fn reads_this_workspace() {
        let ws = Workspace::load(&repo_root()).unwrap();
        let names = ws.package_names();
        for expected in [
            "backend-pipeline",
            "pipewright",
            "pipewright-macros",
            "service",
        ] {
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
        assert_eq!(ws.package("service").unwrap().bins, ["service"]);
        assert_eq!(
            ws.package("backend-pipeline").unwrap().bins,
            ["deploy", "pipewright-engine"]
        );
    }

    #[test]
    fn fingerprint_is_stable_and_covers_the_sources() {
        let ws = Workspace::load(&repo_root()).unwrap();
        let service = ws.package("service").unwrap();
        let a = ws.fingerprint(service).unwrap();
        let b = ws.fingerprint(service).unwrap();
        assert_eq!(a.hash, b.hash);
        assert_eq!(a.hash.len(), 64);
        assert!(a.files.iter().any(|f| f.ends_with("service/Cargo.toml")));
        assert!(a.files.iter().any(|f| f.ends_with("Cargo.lock")));
        assert!(!a
            .files
            .iter()
            .any(|f| f.components().any(|c| c.as_os_str() == "target")));
    }

    #[test]
    fn knows_the_program_package_and_what_its_lambda_build_compiles() {
        let dir = std::env::temp_dir().join(format!("pipewright-ws-aws-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("src/bin")).unwrap();
        fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"hello\"\n[workspace.dependencies]\npipewright = \"0.1\"\n\
             [dependencies]\npipewright = { workspace = true, features = [\"aws\"] }\n",
        )
        .unwrap();
        fs::write(dir.join("src/main.rs"), "fn main() {}").unwrap();
        fs::write(dir.join("src/bin/deploy.rs"), "fn main() {}").unwrap();
        fs::write(dir.join("src/bin/pipewright-engine.rs"), "fn main() {}").unwrap();
        let ws = Workspace::load(&dir).unwrap();
        let hello = ws.package("hello").unwrap();
        assert!(ws.is_program(hello));
        assert_eq!(
            hello
                .pipeline_in_lambda_build
                .as_ref()
                .map(|p| (p.key.as_str(), p.aws)),
            Some(("pipewright", true))
        );
        // The function is the package's binary that is neither the program nor its engine.
        assert_eq!(hello.bins.len(), 3);
        assert_eq!(ws.function_bins(hello), ["hello", "deploy"]);
        let ws = Workspace {
            program_bin: Some("deploy".into()),
            ..ws
        };
        assert_eq!(ws.function_bins(ws.package("hello").unwrap()), ["hello"]);
        let this = Workspace::load(&repo_root()).unwrap();
        assert!(!this.is_program(this.package("service").unwrap()));
        assert_eq!(
            this.package("service").unwrap().pipeline_in_lambda_build,
            None
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn fingerprint_changes_with_a_source_file() {
        let dir = std::env::temp_dir().join(format!("pipewright-ws-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("app/src")).unwrap();
        fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = [\"app\"]\n").unwrap();
        fs::write(dir.join("app/Cargo.toml"), "[package]\nname = \"app\"\n").unwrap();
        fs::write(dir.join("app/src/main.rs"), "fn main() {}").unwrap();
        let ws = Workspace::load(&dir).unwrap();
        let before = ws.fingerprint(ws.package("app").unwrap()).unwrap().hash;
        fs::write(dir.join("app/src/main.rs"), "fn main() { }").unwrap();
        let after = ws.fingerprint(ws.package("app").unwrap()).unwrap().hash;
        assert_ne!(before, after);
        fs::remove_dir_all(&dir).unwrap();
    }
}
