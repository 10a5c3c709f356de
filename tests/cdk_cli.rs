//! `synth` writes a cloud assembly the AWS CDK tools read: `cdk ls --app DIR` (npm
//! package `aws-cdk`) lists exactly the stacks of `deploy list`, `manifest.json` and
//! every asset manifest validate against the JSON schemas of
//! `@aws-cdk/cloud-assembly-schema`, and `cdk-assets ls` reads every asset manifest.
//!
//! `cdk-assets publish` also publishes a program's bundle to every destination, against
//! a local moto server standing for the accounts and regions.
//!
//! The tools run from the npm prefix `$PIPEWRIGHT_CDK_CLI`, default `/opt/cdk-cli`
//! (`.ci/setup` installs them there), with telemetry, notices and version checks off:
//! they contact nothing but the local moto server.

mod programs;
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pipewright::app::App;

fn prefix() -> PathBuf {
    let prefix = std::env::var_os("PIPEWRIGHT_CDK_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/opt/cdk-cli"));
    let needed = [
        "node_modules/.bin/cdk",
        "node_modules/.bin/cdk-assets",
        "node_modules/@aws-cdk/cloud-assembly-schema/package.json",
    ];
    if let Some(missing) = needed.iter().find(|p| !prefix.join(p).exists()) {
        panic!(
            "{} is missing: install the CDK tools with `npm install --prefix {} aws-cdk@2 cdk-assets@4 @aws-cdk/cloud-assembly-schema` \
             (.ci/setup does), or point PIPEWRIGHT_CDK_CLI at a prefix that has them",
            prefix.join(missing).display(),
            prefix.display()
        );
    }
    prefix
}

/// A CDK tool, offline.
fn tool(name: &str) -> Command {
    let mut command = Command::new(prefix().join("node_modules/.bin").join(name));
    command
        .env("CDK_DISABLE_CLI_TELEMETRY", "true")
        .env("CDK_DISABLE_VERSION_CHECK", "1")
        .env("NODE_PATH", prefix().join("node_modules"))
        .env_remove("AWS_PROFILE");
    command
}

fn succeed(what: &str, output: Output) -> String {
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn cdk_ls(dir: &Path) -> Vec<String> {
    let output = tool("cdk")
        .arg("ls")
        .arg("--app")
        .arg(dir)
        .arg("--no-notices")
        .current_dir(dir)
        .output()
        .expect("cdk runs");
    succeed("cdk ls", output)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Validates the manifest and every asset manifest against the package's schemas.
fn validate_schemas(dir: &Path) -> usize {
    let script = r#"
const { Manifest } = require('@aws-cdk/cloud-assembly-schema');
const fs = require('fs');
const path = require('path');
const dir = process.argv[1];
Manifest.loadAssemblyManifest(path.join(dir, 'manifest.json'), { validateSchema: true });
let count = 1;
for (const file of fs.readdirSync(dir, { recursive: true })) {
  if (String(file).endsWith('.assets.json')) {
    Manifest.loadAssetManifest(path.join(dir, String(file)), { validateSchema: true });
    count += 1;
  }
}
console.log(count);
"#;
    let output = Command::new("node")
        .env("NODE_PATH", prefix().join("node_modules"))
        .arg("-e")
        .arg(script)
        .arg(dir)
        .output()
        .expect("node runs");
    succeed("schema validation", output).trim().parse().unwrap()
}

fn write_assembly(name: &str, app: &App) -> PathBuf {
    let dir = programs::scratch_dir(&format!("cdk-cli-{name}"));
    for file in pipewright::assembly::files(app) {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.contents).unwrap();
    }
    dir
}

fn example(name: &str) -> App {
    let file = programs::repo_root()
        .join("examples")
        .join(format!("{name}.rs"));
    let context = pipewright_macros_core::Context {
        manifest_dir: Some(programs::repo_root()),
        bin_name: Some(name.to_owned()),
        package_name: Some("backend-pipeline".into()),
    };
    pipewright_macros_core::synthesize(programs::program_body(&file), &context)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .0
}

fn deploy(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_deploy"))
        .args(args)
        .output()
        .expect("deploy runs");
    succeed(&format!("deploy {}", args.join(" ")), output)
}

#[test]
fn cdk_ls_lists_the_stacks_of_deploy_list() {
    // The reference program, through its real command line.
    let dir = programs::scratch_dir("cdk-cli-reference");
    deploy(&["synth", "--out", dir.to_str().unwrap()]);
    let listed: Vec<String> = deploy(&["list"]).lines().map(str::to_owned).collect();
    assert_eq!(cdk_ls(&dir), listed);
    assert_eq!(validate_schemas(&dir), 1 + 3 + 1);

    // The examples and the language suite's pass programs, in-process.
    let mut apps = programs::all_programs();
    for name in [
        "cross_account",
        "multi_region",
        "single_account_no_mutation",
        "waves",
    ] {
        apps.push((name.to_owned(), example(name)));
    }
    for (name, app) in apps {
        let dir = write_assembly(&name, &app);
        let expected: Vec<String> = app.stacks.iter().map(|s| s.name.to_string()).collect();
        assert_eq!(cdk_ls(&dir), expected, "{name}");
        let manifests = 1 + app.stacks.len() + app.assets.len();
        assert_eq!(validate_schemas(&dir), manifests, "{name}");
    }
}

#[test]
fn cdk_assets_reads_every_asset_manifest() {
    let app = example("multi_region");
    let dir = write_assembly("cdk-assets-multi_region", &app);
    for asset in &app.assets {
        let manifest = pipewright::plan::asset_manifest_file(asset);
        let listed = succeed(
            "cdk-assets ls",
            tool("cdk-assets")
                .arg("--path")
                .arg(dir.join(&manifest))
                .arg("ls")
                .output()
                .expect("cdk-assets runs"),
        );
        // One line for the asset, one per destination: every environment deploying it.
        let destinations = app
            .stacks
            .iter()
            .filter(|s| s.assets.contains(&asset.id))
            .map(|s| (s.account.clone(), s.region.clone()))
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        assert_eq!(listed.lines().count(), 1 + destinations, "{listed}");
        assert!(listed.starts_with(asset.id.as_ref()));
        assert!(listed.contains(&format!(
            "\"path\":\"../{}\"",
            pipewright::assembly::asset_zip_file(asset)
        )));
    }
    for stack in &app.stacks {
        let listed = succeed(
            "cdk-assets ls",
            tool("cdk-assets")
                .arg("--path")
                .arg(dir.join(format!("{}.assets.json", stack.name)))
                .arg("ls")
                .output()
                .expect("cdk-assets runs"),
        );
        assert!(listed.contains(&stack.template_file()), "{listed}");
    }
}

#[test]
fn schema_validation_can_fail() {
    // A broken manifest is rejected: the validation is real.
    let app = example("cross_account");
    let dir = write_assembly("cdk-cli-broken", &app);
    let manifest = dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replacen(
            "\"aws:cloudformation:stack\"",
            "\"aws:cloudformation:stak\"",
            1,
        ),
    )
    .unwrap();
    let output = Command::new("node")
        .env("NODE_PATH", prefix().join("node_modules"))
        .arg("-e")
        .arg("require('@aws-cdk/cloud-assembly-schema').Manifest.loadAssemblyManifest(process.argv[1] + '/manifest.json', { validateSchema: true })")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not one of enum values"));
}

#[test]
fn cdk_assets_publishes_a_bundle_to_every_account() {
    // The cross-account program: its bundle goes to the asset buckets of two accounts,
    // through each one's file-publishing role, as the pipeline's asset action does.
    let app = example("cross_account");
    let dir = write_assembly("cdk-assets-publish", &app);
    let asset = &app.assets[0];
    let zip = b"PK\x05\x06 not really a zip, the bytes cdk-assets uploads";
    std::fs::write(dir.join(pipewright::assembly::asset_zip_file(asset)), zip).unwrap();
    let destinations: Vec<(String, String)> = {
        let mut d: Vec<(String, String)> = app
            .stacks
            .iter()
            .filter(|s| s.assets.contains(&asset.id))
            .map(|s| (s.account.to_string(), s.region.to_string()))
            .collect();
        d.dedup();
        d
    };
    assert_eq!(
        destinations,
        [
            ("111111111111".to_owned(), "us-west-2".to_owned()),
            ("222222222222".to_owned(), "us-west-2".to_owned())
        ]
    );

    let moto = support::Moto::start("cdk-assets-publish");
    // boto3 in each account (moto's accounts follow the role assumed).
    let in_accounts = |body: &str| -> serde_json::Value {
        let program = format!(
            "import boto3, json\n\
             def s3(account, region):\n\
             \x20   c = boto3.client('sts', endpoint_url='{endpoint}', region_name=region, aws_access_key_id='testing', aws_secret_access_key='testing').assume_role(RoleArn='arn:aws:iam::%s:role/Admin' % account, RoleSessionName='tests')['Credentials']\n\
             \x20   return boto3.client('s3', endpoint_url='{endpoint}', region_name=region, aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'], aws_session_token=c['SessionToken'])\n\
             result = []\n\
             for account, region in {destinations}:\n\
             \x20   bucket = 'cdk-hnb659fds-assets-%s-%s' % (account, region)\n\
             {body}\n\
             print(json.dumps(result))\n",
            endpoint = moto.endpoint,
            destinations = serde_json::to_string(&destinations).unwrap(),
        );
        let output = Command::new("python3")
            .arg("-c")
            .arg(&program)
            .output()
            .expect("python3 runs");
        serde_json::from_str(&succeed("boto3", output)).unwrap()
    };
    in_accounts(
        "    s3(account, region).create_bucket(Bucket=bucket, CreateBucketConfiguration={'LocationConstraint': region})",
    );

    let manifest = dir.join(pipewright::plan::asset_manifest_file(asset));
    let published = tool("cdk-assets")
        .arg("--path")
        .arg(&manifest)
        .arg("publish")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-west-2")
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_CONFIG_FILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE")
        .output()
        .expect("cdk-assets runs");
    let log = succeed("cdk-assets publish", published);
    assert!(!log.contains("fail"), "{log}");

    // Each account's bucket holds the bundle, under its content id.
    let objects = in_accounts(&format!(
        "    body = s3(account, region).get_object(Bucket=bucket, Key='{}')['Body'].read()\n    result.append([account, region, body.decode('latin-1')])",
        asset.object_key()
    ));
    let expected: Vec<serde_json::Value> = destinations
        .iter()
        .map(|(a, r)| serde_json::json!([a, r, String::from_utf8_lossy(zip)]))
        .collect();
    assert_eq!(objects, serde_json::Value::Array(expected));
}
