//! What a package's Lambda build compiles, read from its manifest: whether pipewright or its
//! macros come into it, and pipewright with its `aws` feature, hence the AWS SDK, in release.
//!
//! `deploy assets` (and the pipeline's Synth action) builds a function with cargo-lambda:
//! the package's default features, `--cfg pipewright_lambda`. Cargo compiles every
//! dependency of a package for any of its binaries, so a package that is both the function
//! (`src/main.rs`) and the pipeline (`src/bin/deploy.rs`) compiles the pipeline's
//! dependencies into the function's build, unless they are left out of it. The macro refuses
//! that layout, saying how to leave them out: with pipewright alone the function's cold build
//! takes about three times as long (119 s instead of 42 s for a hello world on 2 cores, issue
//! 18), with its `aws` feature minutes more, for a binary that uses neither.

use pipewright::cargo_manifest::{string_list, Toml};

/// The `cfg` of pipewright's Lambda builds (`pipewright::deploy::assets::LAMBDA_CFG`, not
/// reachable here: the macro uses pipewright without its `cli` feature).
const LAMBDA_CFG: &str = "pipewright_lambda";

/// The crates of the pipeline: what a function's build has no use for.
const PIPELINE_CRATES: &[&str] = &["pipewright", "pipewright-macros"];

/// A crate of the pipeline that a default Lambda build of a package compiles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipelineInLambdaBuild {
    /// The dependency's key in the manifest (its package's name unless renamed).
    pub key: String,
    /// Whether it is pipewright with its `aws` feature: the AWS SDK comes along.
    pub aws: bool,
}

/// What of the pipeline a default Lambda build of the package described by `manifest`
/// compiles: pipewright with its `aws` feature if it does, else the first crate of the
/// pipeline it does. `workspace_deps` is the `[workspace.dependencies]` table of its
/// workspace, for `workspace = true` entries.
pub fn pipeline_in_lambda_build(
    manifest: &Toml,
    workspace_deps: Option<&Toml>,
) -> Option<PipelineInLambdaBuild> {
    let features = default_features(manifest);
    let compiled: Vec<PipelineInLambdaBuild> = lambda_dependency_tables(manifest)
        .into_iter()
        .flat_map(|table| table.iter())
        .filter_map(|(key, spec)| {
            let spec = resolve_workspace(key, spec, workspace_deps)?;
            let pipeline = PIPELINE_CRATES.contains(&spec.package.as_str());
            (pipeline && spec.active(key, &features)).then(|| PipelineInLambdaBuild {
                key: key.clone(),
                aws: spec.package == "pipewright" && spec.has_aws(key, &features),
            })
        })
        .collect();
    let aws = compiled.iter().find(|c| c.aws).cloned();
    aws.or_else(|| compiled.into_iter().next())
}

/// The crate of typed links (`links!`): a function's code declares what it uses with it, so
/// only a package whose Lambda build compiles it can hold a declaration.
pub const LINKS_CRATE: &str = "pipewright-links";

/// Whether a default Lambda build of the package described by `manifest` compiles the package
/// `crate_name`, under its own name or renamed (`workspace_deps` as for
/// [`pipeline_in_lambda_build`]).
pub fn lambda_build_compiles(
    manifest: &Toml,
    workspace_deps: Option<&Toml>,
    crate_name: &str,
) -> bool {
    let features = default_features(manifest);
    lambda_dependency_tables(manifest)
        .into_iter()
        .flat_map(|table| table.iter())
        .any(|(key, spec)| {
            resolve_workspace(key, spec, workspace_deps)
                .is_some_and(|spec| spec.package == crate_name && spec.active(key, &features))
        })
}

/// The dependency tables a Lambda build reads: `[dependencies]` and the target-specific
/// ones, except those whose condition names the Lambda build's cfg (such as
/// `cfg(not(pipewright_lambda))`, the way to keep a dependency out of it).
fn lambda_dependency_tables(manifest: &Toml) -> Vec<&Toml> {
    let mut tables: Vec<&Toml> = manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .into_iter()
        .collect();
    if let Some(targets) = manifest.get("target").and_then(|t| t.as_table()) {
        for (condition, target) in targets {
            if condition.contains(LAMBDA_CFG) {
                continue;
            }
            if let Some(table) = target.get("dependencies").and_then(|d| d.as_table()) {
                tables.push(table);
            }
        }
    }
    tables
}

/// A dependency as Cargo sees it after `workspace = true` inheritance.
struct Dependency {
    package: String,
    optional: bool,
    features: Vec<String>,
}

impl Dependency {
    /// Whether the dependency is part of a default build.
    fn active(&self, key: &str, enabled: &[String]) -> bool {
        !self.optional
            || enabled.iter().any(|f| {
                f == key || *f == format!("dep:{key}") || f.starts_with(&format!("{key}/"))
            })
    }

    /// Whether a default build turns on its `aws` feature (not one of pipewright's defaults:
    /// a program asks for it only to build its engine).
    fn has_aws(&self, key: &str, enabled: &[String]) -> bool {
        self.features.iter().any(|f| f == "aws")
            || enabled
                .iter()
                .any(|f| [format!("{key}/aws"), format!("{key}?/aws")].contains(f))
    }
}

/// A dependency entry, inherited from the workspace's when it says `workspace = true`;
/// `None` when it cannot be read (Cargo reports that itself).
fn resolve_workspace(
    key: &str,
    spec: &toml::Value,
    workspace_deps: Option<&Toml>,
) -> Option<Dependency> {
    let own = read_dependency(key, spec);
    if spec.get("workspace").and_then(|w| w.as_bool()) != Some(true) {
        return Some(own);
    }
    let inherited = read_dependency(key, workspace_deps?.get(key)?);
    // Cargo: the package name comes from the workspace, features add up, `optional` is the
    // member's.
    let mut features = inherited.features;
    features.extend(own.features);
    Some(Dependency {
        package: inherited.package,
        optional: own.optional,
        features,
    })
}

/// One entry of a dependency table: `"1"` or a table.
fn read_dependency(key: &str, spec: &toml::Value) -> Dependency {
    let flag = |name: &str| spec.get(name).and_then(|v| v.as_bool());
    Dependency {
        package: spec
            .get("package")
            .and_then(|p| p.as_str())
            .unwrap_or(key)
            .to_owned(),
        optional: flag("optional").unwrap_or(false),
        features: string_list(spec.get("features")),
    }
}

/// The package's own features a default build enables: `default` and what it enables,
/// transitively.
fn default_features(manifest: &Toml) -> Vec<String> {
    let Some(table) = manifest.get("features").and_then(|f| f.as_table()) else {
        return Vec::new();
    };
    let mut enabled: Vec<String> = Vec::new();
    let mut pending = vec!["default".to_owned()];
    while let Some(feature) = pending.pop() {
        if enabled.contains(&feature) {
            continue;
        }
        pending.extend(string_list(table.get(&feature)));
        enabled.push(feature);
    }
    enabled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(manifest: &str) -> Option<PipelineInLambdaBuild> {
        let manifest: Toml = manifest.parse().unwrap();
        pipeline_in_lambda_build(&manifest, None)
    }

    fn aws(key: &str) -> Option<PipelineInLambdaBuild> {
        Some(PipelineInLambdaBuild {
            key: key.into(),
            aws: true,
        })
    }

    fn plain(key: &str) -> Option<PipelineInLambdaBuild> {
        Some(PipelineInLambdaBuild {
            key: key.into(),
            aws: false,
        })
    }

    const PACKAGE: &str = "[package]\nname = \"hello\"\nversion = \"0.1.0\"\n";

    #[test]
    fn the_aws_feature_brings_the_sdk() {
        let manifest = format!(
            "{PACKAGE}[dependencies]\npipewright-macros = \"0.1\"\npipewright = {{ version = \"0.1\", features = [\"aws\"] }}\n"
        );
        assert_eq!(check(&manifest), aws("pipewright"));
    }

    #[test]
    fn a_default_feature_forwarding_to_aws_brings_the_sdk() {
        let manifest = format!(
            "{PACKAGE}[features]\ndefault = [\"deploy\"]\ndeploy = [\"aws\"]\naws = [\"pipewright/aws\"]\n\
             [dependencies]\npipewright = {{ version = \"0.1\", default-features = false, features = [\"cli\"] }}\n"
        );
        assert_eq!(check(&manifest), aws("pipewright"));
    }

    #[test]
    fn a_renamed_dependency_is_found_by_its_package() {
        let manifest = format!(
            "{PACKAGE}[target.'cfg(unix)'.dependencies]\npw = {{ package = \"pipewright\", version = \"0.1\", features = [\"aws\"] }}\n"
        );
        assert_eq!(check(&manifest), aws("pw"));
    }

    #[test]
    fn pipewright_or_its_macros_without_the_sdk_are_found_too() {
        // The first manifest a user writes: both in `[dependencies]`, default features.
        let manifest =
            format!("{PACKAGE}[dependencies]\npipewright = \"0.1\"\npipewright-macros = \"0.1\"\n");
        assert_eq!(check(&manifest), plain("pipewright"));
        // Without its `aws` feature.
        let manifest = format!(
            "{PACKAGE}[features]\naws = [\"pipewright/aws\"]\n\
             [dependencies]\npipewright = {{ version = \"0.1\", default-features = false }}\n"
        );
        assert_eq!(check(&manifest), plain("pipewright"));
        // The macros alone, pipewright left out.
        let manifest = format!(
            "{PACKAGE}[dependencies]\npipewright-macros = \"0.1\"\n\
             [target.'cfg(not(pipewright_lambda))'.dependencies]\npipewright = \"0.1\"\n"
        );
        assert_eq!(check(&manifest), plain("pipewright-macros"));
    }

    #[test]
    fn what_the_lambda_build_leaves_out_is_fine() {
        for manifest in [
            // Out of Lambda builds by their cfg: the one-package layout of the README.
            format!(
                "{PACKAGE}[features]\ndefault = [\"aws\"]\naws = [\"pipewright/aws\"]\n\
                 [target.'cfg(not(pipewright_lambda))'.dependencies]\npipewright = \"0.1\"\npipewright-macros = \"0.1\"\n"
            ),
            // Optional, behind a feature that is not a default one.
            format!(
                "{PACKAGE}[features]\ndeploy = [\"dep:pipewright\", \"dep:pipewright-macros\"]\n\
                 [dependencies]\npipewright = {{ version = \"0.1\", optional = true }}\n\
                 pipewright-macros = {{ version = \"0.1\", optional = true }}\n"
            ),
            // Only a dev-dependency, or none.
            format!("{PACKAGE}[dev-dependencies]\npipewright = \"0.1\"\n"),
            PACKAGE.to_owned(),
        ] {
            assert_eq!(check(&manifest), None, "{manifest}");
        }
    }

    #[test]
    fn finds_the_links_crate_in_the_lambda_build_only() {
        let compiles = |manifest: &str| {
            let manifest: Toml = format!("{PACKAGE}{manifest}").parse().unwrap();
            let workspace: Toml = "links = { package = \"pipewright-links\", path = \"links\" }"
                .parse()
                .unwrap();
            lambda_build_compiles(&manifest, Some(&workspace), LINKS_CRATE)
        };
        assert!(compiles("[dependencies]\npipewright-links = \"0.1\"\n"));
        assert!(compiles("[dependencies]\nlinks = { workspace = true }\n"));
        assert!(compiles(
            "[target.'cfg(unix)'.dependencies]\nl = { package = \"pipewright-links\", version = \"0.1\" }\n"
        ));
        assert!(!compiles(
            "[dev-dependencies]\npipewright-links = \"0.1\"\n"
        ));
        assert!(!compiles(
            "[dependencies]\npipewright-links = { version = \"0.1\", optional = true }\n"
        ));
        assert!(!compiles("[dependencies]\nserde = \"1\"\n"));
    }

    #[test]
    fn workspace_dependencies_are_inherited() {
        let workspace: Toml = "pipewright = { version = \"0.1\", default-features = false }"
            .parse()
            .unwrap();
        let manifest = |features: &str| -> Toml {
            format!("{PACKAGE}[dependencies]\npipewright = {{ workspace = true, features = [{features}] }}\n")
                .parse()
                .unwrap()
        };
        assert_eq!(
            pipeline_in_lambda_build(&manifest("\"cli\""), Some(&workspace)),
            plain("pipewright")
        );
        assert_eq!(
            pipeline_in_lambda_build(&manifest("\"aws\""), Some(&workspace)),
            aws("pipewright")
        );
    }
}
