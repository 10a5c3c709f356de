//! Reading Cargo manifests: the workspace a package belongs to and its local path
//! dependencies. Shared by the source fingerprint (here and in `deploy`) and the macro's
//! view of the workspace (`pipewright-macros-core`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// A parsed `Cargo.toml`.
pub type Toml = toml::Table;

/// The strings of a TOML array (`members`, `features`...): none when the value is missing
/// or not an array; items that are not strings are left out.
pub fn string_list(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads and parses a manifest; the error names the file.
pub fn read_manifest(path: &Path) -> Result<Toml, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    text.parse::<Toml>()
        .map_err(|e| format!("cannot parse `{}`: {e}", path.display()))
}

/// The root of the workspace a package belongs to: the nearest ancestor (or itself)
/// whose manifest has a `[workspace]` table; the package itself when there is none.
pub fn find_workspace_root(dir: &Path, manifest: &Toml) -> PathBuf {
    if manifest.contains_key("workspace") {
        return dir.to_owned();
    }
    if let Some(explicit) = manifest
        .get("package")
        .and_then(|p| p.get("workspace"))
        .and_then(|w| w.as_str())
    {
        return normalize(&dir.join(explicit));
    }
    let mut current = dir.parent();
    while let Some(candidate) = current {
        let path = candidate.join("Cargo.toml");
        if path.is_file() {
            if let Ok(m) = read_manifest(&path) {
                if m.contains_key("workspace") {
                    return candidate.to_owned();
                }
            }
        }
        current = candidate.parent();
    }
    dir.to_owned()
}

/// The directories of a manifest's path dependencies (all dependency tables, including
/// target-specific ones; `workspace = true` entries resolved through the workspace root).
pub fn path_dependencies(manifest: &Toml, dir: &Path, root: &Path) -> Vec<PathBuf> {
    let workspace_deps: Option<Toml> = if root == dir {
        manifest
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(|d| d.as_table())
            .cloned()
    } else {
        read_manifest(&root.join("Cargo.toml"))
            .ok()
            .and_then(|m| m.get("workspace")?.get("dependencies")?.as_table().cloned())
    };
    let kinds = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut tables: Vec<&Toml> = kinds
        .iter()
        .filter_map(|k| manifest.get(*k).and_then(|t| t.as_table()))
        .collect();
    if let Some(targets) = manifest.get("target").and_then(|t| t.as_table()) {
        for target in targets.values().filter_map(|t| t.as_table()) {
            tables.extend(
                kinds
                    .iter()
                    .filter_map(|k| target.get(*k).and_then(|t| t.as_table())),
            );
        }
    }
    let mut dirs: BTreeMap<PathBuf, ()> = BTreeMap::new();
    for table in tables {
        for (name, spec) in table {
            let path = if let Some(p) = spec.get("path").and_then(|p| p.as_str()) {
                Some(dir.join(p))
            } else if spec.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
                workspace_deps
                    .as_ref()
                    .and_then(|d| d.get(name))
                    .and_then(|d| d.get("path"))
                    .and_then(|p| p.as_str())
                    .map(|p| root.join(p))
            } else {
                None
            };
            if let Some(path) = path {
                dirs.insert(normalize(&path), ());
            }
        }
    }
    dirs.into_keys().collect()
}

/// Removes `.` and `..` components without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
