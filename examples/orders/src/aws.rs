//! The AWS SDK's configuration of both functions: the standard chain, so the credentials and
//! region Lambda gives a function, and `AWS_ENDPOINT_URL` when it is set (a local emulator).

use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};

/// The standard configuration chain, with the HTTP client the SDK is built without (its
/// default would be one more TLS stack to compile: see the workspace's Cargo.toml).
pub fn loader() -> ConfigLoader {
    use aws_smithy_http_client::tls;
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest()).http_client(http_client)
}

/// The configuration from the process's environment.
pub async fn from_env() -> SdkConfig {
    loader().load().await
}
