//! The Lambda bundles: the id of the asset a lambda deploys, derived from its sources and
//! how it is built, and the asset of each lambda of a stack.

use sha2::{Digest, Sha256};

use crate::app::Asset;
use crate::plan::Site;
use crate::spec::{Architecture, Lambda, Program, Stack};

use super::error::SynthError;

/// Version of the recipe that turns sources into a Lambda zip; part of every asset id,
/// so a change of recipe uploads fresh bundles.
pub const ASSET_RECIPE: &str = "pipewright-lambda-zip-v1:provided.al2023:release";

/// The id of the asset a lambda deploys: derived from its sources and how it is built.
pub fn asset_id(source_hash: &str, bin: &str, architecture: Architecture) -> String {
    let mut h = Sha256::new();
    for part in [ASSET_RECIPE, source_hash, bin, architecture.aws_value()] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    crate::fingerprint::hex(&h.finalize())
}

/// The bundle a lambda of `stack` deploys, built from its package.
pub(super) fn lambda_asset(
    program: &Program,
    stack: &Stack,
    lambda: &Lambda,
) -> Result<Asset, SynthError> {
    let package = program.package(&lambda.package).ok_or_else(|| {
        SynthError::at(
            Site::lambda(&stack.name, &lambda.name),
            format!(
                "package `{}` is not among the program's packages",
                lambda.package
            ),
        )
    })?;
    Ok(Asset {
        id: asset_id(&package.source_hash, &lambda.bin, lambda.architecture).into(),
        package: package.name.clone().into(),
        bin: lambda.bin.clone().into(),
        architecture: lambda.architecture,
        package_dir: package.dir.clone().into(),
        source_hash: package.source_hash.clone().into(),
    })
}
