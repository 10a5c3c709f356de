//! `synth`: writes the cloud assembly, atomically as a whole.
//!
//! The assembly is written into a sibling temporary directory (`.<name>.synth-<pid>`), then
//! swapped in: the previous assembly is renamed aside, the new one renamed in, the previous
//! one removed. A failure on the way (a full disk) removes the temporary directory and
//! leaves the previous output exactly as it was. The Lambda zips that `assets` wrote into
//! the previous assembly (`asset.*.zip`) are carried over.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::app::App;
use crate::assembly::{self, AssemblyFile};

/// Writes one file (a seam: tests make it fail).
pub(crate) type WriteFile<'a> = &'a dyn Fn(&Path, &[u8]) -> io::Result<()>;

/// Writes every file of the assembly to `out`, replacing what was there; returns the
/// number of templates.
pub fn write(app: &App, out: &Path) -> io::Result<usize> {
    write_files(&assembly::files(app), out, &|path, bytes| {
        fs::write(path, bytes)
    })?;
    Ok(app.stacks.len())
}

/// Writes `files` into a temporary directory beside `out` with `write_file`, then swaps it
/// in; on failure the temporary directory is removed and `out` is untouched.
pub(crate) fn write_files(
    files: &[AssemblyFile],
    out: &Path,
    write_file: WriteFile<'_>,
) -> io::Result<()> {
    let (parent, name) = split(out)?;
    check_replaceable(out)?;
    fs::create_dir_all(&parent).map_err(|e| context("create", &parent, e))?;
    let staging = parent.join(format!(".{name}.synth-{}", std::process::id()));
    let aside = parent.join(format!(".{name}.previous-{}", std::process::id()));
    let result = stage(files, out, &staging, write_file).and_then(|()| swap(&staging, out, &aside));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// The directory `out` is in, and its name.
fn split(out: &Path) -> io::Result<(PathBuf, String)> {
    let absolute = std::path::absolute(out).map_err(|e| context("resolve", out, e))?;
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => Ok((parent.to_owned(), name.to_string_lossy().into_owned())),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "cannot write the assembly to {}: name a directory of its own (--out DIR)",
                out.display()
            ),
        )),
    }
}

/// `out` is replaced as a whole: it must be absent, empty, or an assembly already (it has
/// a `manifest.json`), so that `--out` naming a directory of other files deletes nothing.
fn check_replaceable(out: &Path) -> io::Result<()> {
    if !out.exists() || out.join("manifest.json").is_file() {
        return Ok(());
    }
    let mut entries = fs::read_dir(out).map_err(|e| context("read", out, e))?;
    if entries.next().is_none() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "{} is not a cloud assembly (no manifest.json) and not empty: synth replaces its --out directory as a whole; choose a new or empty one",
            out.display()
        ),
    ))
}

/// Writes the files under `staging` (made afresh), and the zips of the previous assembly.
fn stage(
    files: &[AssemblyFile],
    out: &Path,
    staging: &Path,
    write_file: WriteFile<'_>,
) -> io::Result<()> {
    if staging.exists() {
        fs::remove_dir_all(staging).map_err(|e| context("remove", staging, e))?;
    }
    fs::create_dir(staging).map_err(|e| context("create", staging, e))?;
    for file in files {
        let path = staging.join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| context("create", dir, e))?;
        }
        write_file(&path, file.contents.as_bytes()).map_err(|e| context("write", &path, e))?;
    }
    carry_over_zips(out, staging, files)
}

/// Links (or copies) the `asset.*.zip` files of the previous assembly into the new one,
/// unless it has its own of that name.
fn carry_over_zips(out: &Path, staging: &Path, files: &[AssemblyFile]) -> io::Result<()> {
    let Ok(entries) = fs::read_dir(out) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_zip = name.starts_with("asset.") && name.ends_with(".zip");
        if !is_zip || files.iter().any(|f| f.path == name) {
            continue;
        }
        let target = staging.join(&name);
        if fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), &target).map_err(|e| context("copy", &entry.path(), e))?;
        }
    }
    Ok(())
}

/// Puts `staging` in the place of `out`: the previous one renamed aside, the new one
/// renamed in (the previous one back on failure), the previous one removed.
fn swap(staging: &Path, out: &Path, aside: &Path) -> io::Result<()> {
    if !out.exists() {
        return fs::rename(staging, out).map_err(|e| context("rename into", out, e));
    }
    if aside.exists() {
        fs::remove_dir_all(aside).map_err(|e| context("remove", aside, e))?;
    }
    fs::rename(out, aside).map_err(|e| context("rename aside", out, e))?;
    if let Err(e) = fs::rename(staging, out) {
        let _ = fs::rename(aside, out);
        return Err(context("rename into", out, e));
    }
    fs::remove_dir_all(aside).map_err(|e| context("remove the previous assembly", aside, e))
}

/// An I/O error that says what could not be done to which path.
fn context(what: &str, path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("cannot {what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn file(path: &str, contents: &str) -> AssemblyFile {
        AssemblyFile {
            path: path.to_owned(),
            contents: contents.to_owned(),
        }
    }

    /// Every file under `dir`, relative path to contents.
    fn tree(dir: &Path) -> BTreeMap<String, String> {
        let mut files = BTreeMap::new();
        let mut pending = vec![dir.to_owned()];
        while let Some(current) = pending.pop() {
            for entry in fs::read_dir(&current).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let relative = path.strip_prefix(dir).unwrap().display().to_string();
                    files.insert(relative, fs::read_to_string(&path).unwrap());
                }
            }
        }
        files
    }

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pipewright-synth-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write_ok(path: &Path, bytes: &[u8]) -> io::Result<()> {
        fs::write(path, bytes)
    }

    #[test]
    fn a_failure_halfway_leaves_the_previous_output_as_it_was() {
        let parent = scratch("halfway");
        let out = parent.join("cdk.out");
        let old = [
            file("manifest.json", "old manifest"),
            file("A.template.json", "old A"),
            file("B.template.json", "old B"),
        ];
        write_files(&old, &out, &write_ok).unwrap();
        fs::write(out.join("asset.1234.zip"), "zip").unwrap();
        let before = tree(&out);

        // The disk fills up at the second template.
        let new = [
            file("manifest.json", "new manifest"),
            file("A.template.json", "new A"),
            file("B.template.json", "new B"),
            file("C.template.json", "new C"),
        ];
        let full = |path: &Path, bytes: &[u8]| {
            if path.ends_with("B.template.json") {
                return Err(io::Error::new(
                    io::ErrorKind::StorageFull,
                    "No space left on device",
                ));
            }
            fs::write(path, bytes)
        };
        let error = write_files(&new, &out, &full).unwrap_err();
        assert!(
            error.to_string().contains("No space left on device"),
            "{error}"
        );
        assert_eq!(tree(&out), before, "the previous output, exactly");
        let left: Vec<_> = fs::read_dir(&parent)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["cdk.out"], "no temporary directory left");

        // Then it works: the new assembly whole, the old template gone, the zip kept.
        write_files(&new, &out, &write_ok).unwrap();
        let after = tree(&out);
        assert_eq!(after["manifest.json"], "new manifest");
        assert_eq!(after["C.template.json"], "new C");
        assert_eq!(after["asset.1234.zip"], "zip");
        assert_eq!(after.len(), 5, "{after:?}");
        let left: Vec<_> = fs::read_dir(&parent).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary directory left");
        fs::remove_dir_all(&parent).unwrap();
    }

    #[test]
    fn a_directory_of_other_files_is_not_replaced() {
        let parent = scratch("other");
        let out = parent.join("home");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("notes.txt"), "mine").unwrap();
        let error = write_files(&[file("manifest.json", "m")], &out, &write_ok).unwrap_err();
        assert!(
            error.to_string().contains("not a cloud assembly"),
            "{error}"
        );
        assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
        // An empty directory is fine.
        let empty = parent.join("empty");
        fs::create_dir_all(&empty).unwrap();
        write_files(&[file("manifest.json", "m")], &empty, &write_ok).unwrap();
        assert_eq!(
            fs::read_to_string(empty.join("manifest.json")).unwrap(),
            "m"
        );
        fs::remove_dir_all(&parent).unwrap();
    }
}
