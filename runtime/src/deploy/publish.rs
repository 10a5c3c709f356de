//! Publishing assets to an environment's asset bucket.
//!
//! An object is uploaded only when the bucket does not have it. Uploads carry the zip's
//! SHA-256 (S3 verifies it, and it is kept as the object's `sha256` metadata); when the
//! bucket has the object and this machine built the zip too, the two hashes are compared,
//! so a build that is not reproducible is reported, not silently mixed up.

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use sha2::{Digest, Sha256};

use super::archive::sha256_hex;
use super::clients::Environment;
use super::error::{Error, Result};

/// The object metadata key that holds a zip's SHA-256 (hex).
pub const SHA256_METADATA: &str = "sha256";

/// SHA-256 of bytes, base64: the form of S3's `x-amz-checksum-sha256` and Lambda's
/// `CodeSha256`.
pub fn sha256_base64(bytes: &[u8]) -> String {
    aws_smithy_types::base64::encode(Sha256::digest(bytes))
}

/// What an environment's asset bucket has under a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Remote {
    /// Nothing: the object must be uploaded.
    Missing,
    /// The object, and the SHA-256 (hex) it was uploaded with, when it was uploaded with
    /// one (`cdk-assets` does not record it).
    Present {
        /// The `sha256` metadata.
        sha256: Option<String>,
    },
}

/// Looks a key up in the environment's asset bucket.
pub async fn look_up(env: &Environment, key: &str) -> Result<Remote> {
    let bucket = env.names().assets_bucket();
    match env
        .clients
        .s3
        .head_object()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
    {
        Ok(head) => Ok(Remote::Present {
            sha256: head
                .metadata()
                .and_then(|m| m.get(SHA256_METADATA))
                .cloned(),
        }),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(Remote::Missing),
        Err(e) => Err(Error::aws(
            format!("{}: cannot look for s3://{bucket}/{key}", env.url()),
            &e,
        )),
    }
}

/// Checks that an object the bucket has is the zip this machine built from the same
/// sources (when the bucket knows the object's SHA-256).
pub fn verify_same(
    what: &str,
    env: &Environment,
    key: &str,
    remote: &Remote,
    local: &[u8],
) -> Result<()> {
    if let Remote::Present {
        sha256: Some(remote),
    } = remote
    {
        let local = sha256_hex(local);
        if *remote != local {
            return Err(Error::msg(format!(
                "{what}: s3://{}/{key} holds a zip with SHA-256 {remote}, but this machine built {local} from the same sources: the build is not reproducible here (another Rust, cargo-lambda or zig version?); delete the object to upload this build",
                env.names().assets_bucket()
            )));
        }
    }
    Ok(())
}

/// Uploads an object to the environment's asset bucket, with its SHA-256 (checked by S3,
/// and kept as the `sha256` metadata).
pub async fn upload(
    env: &Environment,
    key: &str,
    what: &str,
    bytes: Vec<u8>,
    notes: &dyn Fn(String),
) -> Result<()> {
    let bucket = env.names().assets_bucket();
    let s3 = env.publishing_s3(notes).await;
    s3.put_object()
        .bucket(&bucket)
        .key(key)
        .metadata(SHA256_METADATA, sha256_hex(&bytes))
        .checksum_sha256(sha256_base64(&bytes))
        .body(ByteStream::from(bytes))
        .send()
        .await
        .map_err(|e| {
            if e.code() == Some("NoSuchBucket") {
                env.missing_bucket()
            } else {
                Error::aws(format!("{what}: cannot upload s3://{bucket}/{key}"), &e)
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_hashes_are_s3_checksums() {
        assert_eq!(
            sha256_base64(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }
}
