//! The cloud assembly `synth` writes: the same layout and manifest schema as the AWS
//! CDK's `cdk.out`, so the CDK CLI (`cdk ls --app DIR`, `cdk deploy --app DIR`) and
//! `cdk-assets` read it.
//!
//! - `manifest.json`: one `aws:cloudformation:stack` artifact per stack, with its
//!   environment, bootstrap roles and dependencies, and one `cdk:asset-manifest` artifact
//!   per stack that has assets;
//! - `<stack>.template.json`: the templates;
//! - `<stack>.template-configuration.json`: the stack tags the pipeline's change sets
//!   set (the pipeline's name, as `deploy` tags its stacks);
//! - `<stack>.assets.json`: the stack's assets in the `cdk-assets` format (the Lambda
//!   zips, and the template itself so that large templates deploy from S3);
//! - `assets/<package>-<bin>-<arch>.assets.json`: one manifest per Lambda bundle with
//!   every destination, read by the pipeline's asset actions;
//! - `asset.<id>.zip`: the bundles, written by `deploy assets` (building them needs the
//!   Rust toolchain, so plain `synth` does not).
//!
//! Pure: this builds the files' contents; the command line writes them.

use serde_json::{json, Map, Value as Json};

use crate::app::{App, Asset, StackArtifact};
use crate::bootstrap_stack::{self, Environment, Role};
use crate::fingerprint::sha256_hex;
use crate::plan::asset_manifest_file;
use crate::synth::{template_configuration, template_configuration_file};

/// The cloud assembly schema version written. The CDK CLI reads every version up to the
/// one it was built with.
pub const SCHEMA_VERSION: &str = "36.0.0";

/// A file of the assembly: its path relative to the assembly directory, and contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssemblyFile {
    /// Relative path, `/`-separated.
    pub path: String,
    /// Contents.
    pub contents: String,
}

/// The file name of an asset's zip in the assembly.
pub fn asset_zip_file(asset: &Asset) -> String {
    format!("asset.{}.zip", asset.id)
}

fn env_of<'a>(app: &'a App, stack: &'a StackArtifact) -> Environment<'a> {
    Environment {
        qualifier: &app.qualifier,
        account: &stack.account,
        region: &stack.region,
    }
}

/// The `${AWS::Partition}` form the CDK writes in role ARNs, resolved by the CLI.
fn role_arn(env: &Environment<'_>, role: Role) -> String {
    env.role_arn_in("${AWS::Partition}", role)
}

fn destination(env: &Environment<'_>, object_key: String) -> Json {
    json!({
        "bucketName": env.assets_bucket(),
        "objectKey": object_key,
        "region": env.region,
        "assumeRoleArn": role_arn(env, Role::FilePublishing),
    })
}

/// The destination id the CDK uses: `ACCOUNT-REGION`.
fn destination_id(env: &Environment<'_>) -> String {
    format!("{}-{}", env.account, env.region)
}

/// Every file of the assembly but the zips.
pub fn files(app: &App) -> Vec<AssemblyFile> {
    let mut files = Vec::new();
    let mut artifacts = Map::new();
    for stack in &app.stacks {
        let env = env_of(app, stack);
        let template_id = sha256_hex(stack.template.as_bytes());
        let asset_manifest = format!("{}.assets.json", stack.name);
        let asset_artifact = format!("{}.assets", stack.name);

        let mut file_assets = Map::new();
        for id in &stack.assets {
            if let Some(asset) = app.asset(id) {
                file_assets.insert(
                    asset.id.to_string(),
                    json!({
                        "source": {"path": asset_zip_file(asset), "packaging": "file"},
                        "destinations": {destination_id(&env): destination(&env, asset.object_key())},
                    }),
                );
            }
        }
        file_assets.insert(
            template_id.clone(),
            json!({
                "source": {"path": stack.template_file(), "packaging": "file"},
                "destinations": {destination_id(&env): destination(&env, format!("{template_id}.json"))},
            }),
        );
        files.push(AssemblyFile {
            path: asset_manifest.clone(),
            contents: pretty(
                &json!({"version": SCHEMA_VERSION, "files": file_assets, "dockerImages": {}}),
            ),
        });
        artifacts.insert(
            asset_artifact.clone(),
            json!({
                "type": "cdk:asset-manifest",
                "properties": {
                    "file": asset_manifest,
                    "requiresBootstrapStackVersion": bootstrap_stack::REQUIRED_VERSION,
                    "bootstrapStackVersionSsmParameter": env.version_parameter(),
                },
            }),
        );
        let mut dependencies: Vec<String> =
            stack.depends_on.iter().map(|d| d.to_string()).collect();
        dependencies.push(asset_artifact.clone());
        let mut artifact = json!({
                "type": "aws:cloudformation:stack",
                "environment": format!("aws://{}/{}", stack.account, stack.region),
                "properties": {
                    "templateFile": stack.template_file(),
                    "stackName": stack.name,
                    "validateOnSynth": false,
                    "assumeRoleArn": role_arn(&env, Role::Deploy),
                    "cloudFormationExecutionRoleArn": role_arn(&env, Role::CfnExec),
                    "stackTemplateAssetObjectUrl": format!("s3://{}/{template_id}.json", env.assets_bucket()),
                    "requiresBootstrapStackVersion": bootstrap_stack::REQUIRED_VERSION,
                    "bootstrapStackVersionSsmParameter": env.version_parameter(),
                    "additionalDependencies": [asset_artifact],
                    "lookupRole": {
                        "arn": role_arn(&env, Role::Lookup),
                        "requiresBootstrapStackVersion": bootstrap_stack::LOOKUP_ROLE_REQUIRED_VERSION,
                        "bootstrapStackVersionSsmParameter": env.version_parameter(),
                    },
                },
                "dependencies": dependencies,
                "displayName": stack.name,
        });
        if stack.protected {
            // The CDK CLI turns termination protection on when it deploys the stack.
            artifact["properties"]["terminationProtection"] = true.into();
        }
        artifacts.insert(stack.name.to_string(), artifact);
        files.push(AssemblyFile {
            path: stack.template_file(),
            contents: stack.template.to_string(),
        });
        files.push(AssemblyFile {
            path: template_configuration_file(&stack.name),
            contents: template_configuration(&app.pipeline),
        });
    }

    // One manifest per bundle, every destination that deploys it: what the pipeline's
    // asset action for that bundle publishes.
    for asset in &app.assets {
        let mut destinations = Map::new();
        for stack in app.stacks.iter().filter(|s| s.assets.contains(&asset.id)) {
            let env = env_of(app, stack);
            destinations.insert(destination_id(&env), destination(&env, asset.object_key()));
        }
        let manifest = json!({
            "version": SCHEMA_VERSION,
            "files": {
                asset.id.to_string(): {
                    "source": {"path": format!("../{}", asset_zip_file(asset)), "packaging": "file"},
                    "destinations": destinations,
                },
            },
            "dockerImages": {},
        });
        files.push(AssemblyFile {
            path: asset_manifest_file(asset),
            contents: pretty(&manifest),
        });
    }

    files.insert(
        0,
        AssemblyFile {
            path: "manifest.json".into(),
            contents: pretty(&json!({"version": SCHEMA_VERSION, "artifacts": artifacts})),
        },
    );
    files
}

fn pretty(value: &Json) -> String {
    serde_json::to_string_pretty(value).expect("manifests serialize to JSON")
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;
    use crate::app::empty_app;
    use crate::fingerprint::fingerprint;
    use crate::fingerprint::tests::{scratch, workspace, write};
    use crate::spec::Architecture;
    use crate::synth::asset_id;

    /// The cloud assembly `synth` writes for an app without stacks: its real
    /// `manifest.json`.
    fn write_assembly(dir: &Path) {
        let app = empty_app();
        for file in files(&app) {
            write(&dir.join(&file.path), &file.contents);
        }
        write(&dir.join("Pipe.template.json"), "{}");
        write(&dir.join("asset.0123.zip"), "zip");
    }

    /// The issue-12 layout: `deploy synth --out cdk.out` inside the function's package, and
    /// files the repository's `.gitignore` files (the workspace's, the package's and a
    /// nested one) ignore. None of them is a source: the hash, hence the asset id, stays.
    /// (A test of the fingerprint, here because it writes a real assembly and computes asset
    /// ids, which the fingerprint's layer is below.)
    #[test]
    fn ignores_what_gitignore_ignores_and_the_synth_output() {
        let root = scratch("ignored");
        workspace(&root);
        write(&root.join(".gitignore"), "/target\n/app/generated/\n");
        write(&root.join("app/.gitignore"), "*.log\n!keep.log\n");
        write(&root.join("app/src/.gitignore"), "scratch/\n");
        let id = |root: &Path| {
            let fp = fingerprint(&root.join("app"), root).unwrap();
            let id = asset_id(&fp.hash, "app", Architecture::Arm64);
            (id, fp.files.len())
        };
        let before = id(&root);

        write_assembly(&root.join("app/cdk.out"));
        write_assembly(&root.join("app/deploy/out"));
        write(&root.join("app/debug.log"), "junk");
        write(&root.join("app/src/trace.log"), "junk");
        write(&root.join("app/generated/code.rs"), "junk");
        write(&root.join("app/src/scratch/notes.rs"), "junk");
        assert_eq!(before, id(&root));

        // A re-included file and a `manifest.json` that is not an assembly's are sources.
        write(&root.join("app/keep.log"), "kept");
        let with_keep = id(&root);
        assert_ne!(before, with_keep);
        write(
            &root.join("app/static/manifest.json"),
            "{\"name\": \"app\"}",
        );
        assert_ne!(with_keep, id(&root));
        fs::remove_dir_all(&root).unwrap();
    }
}
