//! Ids nobody else has: S3 keys of the artifacts, CodeBuild's build ids, CodePipeline's
//! execution ids and tokens.

use sha2::{Digest, Sha256};

/// An id nobody else has: a hash of the time, the process and a counter, in hex.
pub fn unique_id(salt: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut hash = Sha256::new();
    hash.update(now.to_le_bytes());
    hash.update(std::process::id().to_le_bytes());
    hash.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    hash.update(salt.as_bytes());
    crate::fingerprint::hex(&hash.finalize())
}

/// An id in UUID form (CodeBuild's build ids, CodePipeline's execution ids).
pub fn uuid(salt: &str) -> String {
    let h = unique_id(salt);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_ne!(unique_id("a"), unique_id("a"));
        assert_eq!(uuid("x").len(), 36);
    }
}
