//! The hash in the logical id of an immutable resource (a Lambda version, an API Gateway
//! deployment): a new logical id is how CloudFormation publishes a new one, so the id
//! carries a hash of the configuration the resource is a snapshot of, as the CDK does.

use sha2::{Digest, Sha256};

use crate::fingerprint::hex;

/// A short hash of a configuration, as its JSON.
pub(super) fn short_hash(value: &impl serde::Serialize) -> String {
    let json = serde_json::to_vec(value).expect("template values serialize to JSON");
    hex(&Sha256::digest(&json)[..4])
}
