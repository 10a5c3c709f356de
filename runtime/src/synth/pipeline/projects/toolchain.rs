//! What the build projects install and run on: the default image, the default install of
//! the synth action and what its cache keeps of it, the Rust toolchain it installs, and the
//! package that publishes the assets.

/// The image of the build actions when `codebuild.image` is not set: Amazon Linux 2023,
/// the same distribution (and glibc) as the `provided.al2023` Lambda runtime, with
/// Python, Node.js and the AWS CLI preinstalled.
pub const DEFAULT_IMAGE: &str = "aws/codebuild/amazonlinux-x86_64-standard:5.0";

/// [`RUST_TOOLCHAIN`], as a literal for `concat!`.
macro_rules! rust_toolchain {
    () => {
        "1.95"
    };
}

/// What the synth action runs before the program's commands when `synth.install` is
/// not set, every download pinned and checked by a package manager (nothing piped from a
/// download into a shell): where there is no cargo, rustup from its Python package
/// (`--require-hashes`: the exact wheel, x86-64 or arm64), which installs the
/// [`RUST_TOOLCHAIN`] from the channel's signed manifest (a repository's
/// `rust-toolchain.toml` still wins when cargo runs in it); then cargo-lambda and zig,
/// exact versions, hash-checked, to build the Lambda bundles for Amazon Linux 2023. A
/// program with `Arm64` lambdas also gets the `aarch64-unknown-linux-gnu` target. Cargo's
/// `bin` comes first on the `PATH`: a toolchain the S3 cache brought back (rustup's home and
/// cargo's `bin` are cached paths, [`TOOL_CACHE_PATHS`]) is used as it is, and pip finds the
/// tools' wheels in its cached downloads.
pub const DEFAULT_INSTALL: &[&str] = &[
    "export PATH=\"$HOME/.cargo/bin:$PATH\"",
    concat!(
        "command -v cargo >/dev/null 2>&1 || { printf '%s\\n' 'rustup==1.29.0.1 --hash=sha256:47c6d01a6b54b87308fe29ae91633757fb1c5862374e6dd8978955b411bff7e4 --hash=sha256:771b3a48cc598dfa559c243c5be4358c79c785401b62d6508e23456969fb7a8c' >/tmp/pipewright-rustup.txt",
        " && python3 -m pip install --quiet --disable-pip-version-check --require-hashes -r /tmp/pipewright-rustup.txt",
        " && rustup toolchain install ", rust_toolchain!(), " --profile minimal && rustup default ", rust_toolchain!(), "; }"
    ),
    "printf '%s\\n' 'cargo-lambda==1.9.2 --hash=sha256:db2c0b1d53d7ed0055198fd045f641addc91b180b20d794fcf78cc9a9efacb38 --hash=sha256:3350315e8b4e88f7134967f51546bf51aa5db37a6d39a17380545362ae27e289' 'ziglang==0.17.1 --hash=sha256:ea6cc5d87b033cf0aedfbc8f9549a908cae6c50ac31f1698188fa48a74524b54 --hash=sha256:b7c5f02fccd40f89b999ee16a1f5ddced56e6182370f8affe494bcf8a28cf07e' >/tmp/pipewright-tools.txt",
    "python3 -m pip install --quiet --disable-pip-version-check --require-hashes -r /tmp/pipewright-tools.txt",
];

/// What the synth action's S3 cache keeps of the default install, so that a run with a cache
/// hit downloads none of it again: rustup's toolchains and settings, cargo's `bin` (rustup's
/// proxies), pip's downloads (the cargo-lambda and zig wheels; pip still checks their hashes).
pub const TOOL_CACHE_PATHS: &[&str] = &[
    "/root/.rustup/**/*",
    "/root/.cargo/bin/**/*",
    "/root/.cache/pip/**/*",
];

/// The Rust toolchain the synth action installs where the image has none: the one
/// pipewright is built and tested with (its `rust-version`).
pub const RUST_TOOLCHAIN: &str = rust_toolchain!();

/// The npm package that publishes the assets from the cloud assembly's asset manifests,
/// pinned to an exact version (npm checks the package's integrity hash from the registry).
pub const CDK_ASSETS_PACKAGE: &str = "cdk-assets@4.7.3";
