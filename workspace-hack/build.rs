//! Nothing to build: the build-dependencies only turn features on (see Cargo.toml).
fn main() {}
