//! Files of a rehearsal: the working tree as the source action's output, artifacts zipped
//! and unzipped as CodePipeline stores them, a build's output files by its globs.

use std::collections::BTreeSet;
use std::io::{Cursor, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use globset::{Glob, GlobSetBuilder};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// Writes a file through a temporary file beside it and a rename: a reader never sees
/// half of it, and a failure leaves what was there.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The root of the git working tree that holds `dir`.
pub fn git_root(dir: &Path) -> Result<PathBuf, String> {
    let output = Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git ({e}): the rehearsal pushes a git working tree"))?;
    if !output.status.success() {
        return Err(format!(
            "{} is not in a git working tree: the rehearsal pushes what `git` would ({})",
            dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
    ))
}

/// The commit checked out (`HEAD`), or `None` in a repository without commits.
pub fn head_commit(root: &Path) -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The files of the working tree that a push would carry: tracked files as they are now
/// and untracked files git does not ignore (deleted files left out), relative to `root`.
pub fn working_tree_files(root: &Path) -> Result<Vec<String>, String> {
    let output = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git ({e})"))?;
    if !output.status.success() {
        return Err(format!(
            "git ls-files failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let names: BTreeSet<String> = output
        .stdout
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .filter(|n| root.join(n).is_file())
        .collect();
    Ok(names.into_iter().collect())
}

/// Zips files (`relative name`, read from `root`), keeping their executable bits.
pub fn zip_files(root: &Path, names: &[String]) -> std::io::Result<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for name in names {
        let path = root.join(name);
        let mode = std::fs::metadata(&path)?.permissions().mode();
        let options = SimpleFileOptions::DEFAULT
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(1))
            .unix_permissions(if mode & 0o111 != 0 { 0o755 } else { 0o644 })
            .large_file(false);
        zip.start_file(name.as_str(), options)
            .map_err(std::io::Error::other)?;
        zip.write_all(&std::fs::read(&path)?)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// Unzips an artifact into `dir`, which then holds exactly the artifact's files, except
/// the names in `keep` (the cached directories). A file whose content did not change is
/// not rewritten, so its modification time stays and incremental builds (Cargo) see it
/// unchanged, as on a CodeBuild host with a local source cache.
pub fn unzip_into(bytes: &[u8], dir: &Path, keep: &[String]) -> std::io::Result<()> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(std::io::Error::other)?;
    let mut wanted = BTreeSet::new();
    std::fs::create_dir_all(dir)?;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(std::io::Error::other)?;
        let Some(relative) = entry.enclosed_name() else {
            continue;
        };
        let path = dir.join(&relative);
        wanted.insert(relative.clone());
        if entry.is_dir() {
            std::fs::create_dir_all(&path)?;
            continue;
        }
        let mut content = Vec::new();
        entry.read_to_end(&mut content)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir_all(&path)?;
        }
        if std::fs::read(&path).ok().as_deref() != Some(&content[..]) {
            let _ = std::fs::remove_file(&path);
            std::fs::write(&path, &content)?;
        }
        let mode = entry.unix_mode().unwrap_or(0o644);
        let mode = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
    }
    remove_others(dir, Path::new(""), &wanted, keep)
}

/// Removes what is under `dir/relative` and not wanted (nor an ancestor of a wanted file).
fn remove_others(
    dir: &Path,
    relative: &Path,
    wanted: &BTreeSet<PathBuf>,
    keep: &[String],
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir.join(relative))? {
        let entry = entry?;
        let name = relative.join(entry.file_name());
        if relative.as_os_str().is_empty() && keep.iter().any(|k| Path::new(k) == name) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if wanted.iter().any(|w| w.starts_with(&name)) {
                remove_others(dir, &name, wanted, keep)?;
            } else {
                std::fs::remove_dir_all(entry.path())?;
            }
        } else if !wanted.contains(&name) {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// The files under `base` that match one of `globs` (CodeBuild's artifact `files`),
/// relative to `base`, sorted; with `discard_paths`, stored by their file name alone.
pub fn matching_files(
    base: &Path,
    globs: &[String],
    discard_paths: bool,
) -> Result<Vec<(String, PathBuf)>, String> {
    let mut set = GlobSetBuilder::new();
    for glob in globs {
        let pattern = glob.trim_start_matches("./");
        set.add(Glob::new(pattern).map_err(|e| format!("artifact glob `{glob}`: {e}"))?);
    }
    let set = set.build().map_err(|e| e.to_string())?;
    let mut found = Vec::new();
    walk(base, Path::new(""), &mut |relative: &Path| {
        if set.is_match(relative) {
            let stored = if discard_paths {
                relative.file_name().map(PathBuf::from).unwrap_or_default()
            } else {
                relative.to_path_buf()
            };
            found.push((stored.to_string_lossy().into_owned(), base.join(relative)));
        }
    })
    .map_err(|e| format!("cannot read {}: {e}", base.display()))?;
    found.sort();
    Ok(found)
}

fn walk(base: &Path, relative: &Path, visit: &mut dyn FnMut(&Path)) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(base.join(relative))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = relative.join(entry.file_name());
        let meta = std::fs::metadata(entry.path())?;
        if meta.is_dir() {
            walk(base, &name, visit)?;
        } else {
            visit(&name);
        }
    }
    Ok(())
}

/// A path from a buildspec or a configuration, relative and inside its directory.
pub fn relative_inside(path: &str) -> Option<PathBuf> {
    let path = Path::new(path);
    path.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| path.to_path_buf())
}

/// The bytes of a file of a zipped artifact.
pub fn read_from_zip(bytes: &[u8], name: &str) -> Result<Vec<u8>, String> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut file = archive
        .by_name(name.trim_start_matches("./"))
        .map_err(|_| format!("the artifact has no file `{name}`"))?;
    let mut content = Vec::new();
    file.read_to_end(&mut content).map_err(|e| e.to_string())?;
    Ok(content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pipewright-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn an_artifact_round_trips_and_unchanged_files_keep_their_time() {
        let src = scratch("src");
        std::fs::create_dir_all(src.join("a/b")).unwrap();
        std::fs::write(src.join("a/b/run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(
            src.join("a/b/run.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        std::fs::write(src.join("top.txt"), "top").unwrap();
        let names = vec!["a/b/run.sh".to_owned(), "top.txt".to_owned()];
        let zip = zip_files(&src, &names).unwrap();

        let out = scratch("out");
        std::fs::create_dir_all(out.join("stale/dir")).unwrap();
        std::fs::write(out.join("stale/dir/old"), "old").unwrap();
        std::fs::create_dir_all(out.join("target/kept")).unwrap();
        std::fs::write(out.join("top.txt"), "top").unwrap();
        let before = std::fs::metadata(out.join("top.txt"))
            .unwrap()
            .modified()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        unzip_into(&zip, &out, &["target".to_owned()]).unwrap();

        assert_eq!(
            std::fs::read_to_string(out.join("a/b/run.sh")).unwrap(),
            "#!/bin/sh\n"
        );
        let mode = std::fs::metadata(out.join("a/b/run.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(
            std::fs::metadata(out.join("top.txt"))
                .unwrap()
                .modified()
                .unwrap(),
            before
        );
        assert!(
            !out.join("stale").exists(),
            "files the artifact does not have are gone"
        );
        assert!(out.join("target/kept").exists(), "cached directories stay");
        assert_eq!(read_from_zip(&zip, "top.txt").unwrap(), b"top");
        assert!(read_from_zip(&zip, "nope").unwrap_err().contains("nope"));
    }

    #[test]
    fn globs_select_output_files() {
        let base = scratch("globs");
        std::fs::create_dir_all(base.join("assets")).unwrap();
        std::fs::write(base.join("manifest.json"), "{}").unwrap();
        std::fs::write(base.join("assets/x.assets.json"), "{}").unwrap();
        let all = matching_files(&base, &["**/*".to_owned()], false).unwrap();
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["assets/x.assets.json", "manifest.json"]);
        let flat = matching_files(&base, &["assets/*".to_owned()], true).unwrap();
        assert_eq!(flat[0].0, "x.assets.json");
    }

    #[test]
    fn paths_stay_inside() {
        assert!(relative_inside("cdk.out").is_some());
        assert!(relative_inside("./out/assembly").is_some());
        assert!(relative_inside("../x").is_none());
        assert!(relative_inside("/etc").is_none());
    }
}
