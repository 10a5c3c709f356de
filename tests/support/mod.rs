//! Helpers shared by the `deploy` tests (each test file uses a part of them).
#![allow(dead_code)]

use std::path::PathBuf;

/// A fresh, empty directory under the system's temporary directory, unique to this process.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pipewright-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
