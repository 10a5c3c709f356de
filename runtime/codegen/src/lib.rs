//! pipewright-codegen: generates `runtime/src/cfn/resources/` from the CloudFormation
//! registry schemas vendored in `runtime/codegen/schemas/`.
//!
//! `cargo run -p pipewright-codegen` (over)writes the files; the crate's test fails when the
//! committed files differ from what [`generate_from_dir`] produces.

pub mod docs;
mod emit;
pub mod getatts;
pub mod model;
pub mod naming;
pub mod schema;

use std::path::{Path, PathBuf};

pub use emit::HEADER;
pub use model::{JsonMapping, Model, Override};
pub use schema::Schema;

/// `runtime/codegen/schemas/`.
pub fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

/// `runtime/src/cfn/resources/`.
pub fn output_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("runtime/codegen is inside runtime/")
        .join("src")
        .join("cfn")
        .join("resources")
}

/// The generated code and the model it was generated from.
#[derive(Debug)]
pub struct Generated {
    /// (file name in [`output_dir`], content): `mod.rs`, then one file per service.
    pub files: Vec<(String, String)>,
    /// The model: what became `Json`, which overrides applied.
    pub model: Model,
}

/// Generates the code of a set of schemas.
pub fn generate(schemas: &[Schema]) -> Result<Generated, String> {
    let model = model::build(schemas)?;
    let files = emit::files(&model)?;
    Ok(Generated { files, model })
}

/// Generates the code of every schema of a directory.
pub fn generate_from_dir(dir: &Path) -> Result<Generated, String> {
    generate(&schema::load_dir(dir)?)
}

/// Whether a file on disk is one the generator wrote (so it may delete it when its
/// service is gone).
pub fn is_generated(content: &str) -> bool {
    content.starts_with(HEADER)
}
