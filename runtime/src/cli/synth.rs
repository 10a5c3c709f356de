//! `synth`: writes the cloud assembly.

use std::fs;
use std::io;
use std::path::Path;

use crate::app::App;
use crate::assembly;

/// Writes every file of the assembly under `out`; returns the number of templates.
///
/// Files are written to a temporary name and renamed, so a reader never sees half a
/// template, and an interrupted `synth` leaves the previous assembly intact.
pub fn write(app: &App, out: &Path) -> io::Result<usize> {
    let context = |what: &str, path: &Path, e: io::Error| {
        io::Error::new(e.kind(), format!("cannot {what} {}: {e}", path.display()))
    };
    for file in assembly::files(app) {
        let path = out.join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| context("create", dir, e))?;
        }
        let tmp = path.with_extension("json.tmp");
        fs::write(&tmp, file.contents.as_bytes()).map_err(|e| context("write", &tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| context("write", &path, e))?;
    }
    Ok(app.stacks.len())
}
