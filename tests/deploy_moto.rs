//! The real `deploy` binary (the reference program, `pipeline.rs`) against a real AWS API:
//! a `moto_server` of its own per test, reached through `AWS_ENDPOINT_URL`, with a profile
//! that assumes a role of the program's account (111111111111).
//!
//! Needs `moto_server` (`python3 -m pip install 'moto[server]'`) and, to build the
//! service's zip once for all tests, cargo-lambda and zig (`python3 -m pip install
//! cargo-lambda ziglang`); `.ci/setup` installs them. A missing tool fails the test with
//! the command that installs it.
//!
//! What moto does not model (Lambda aliases, CloudWatch alarms, CodeDeploy, API Gateway
//! stages, CodeBuild, CodePipeline; rollbacks; resource events; outputs of an executed
//! change set) is covered by `tests/deploy_mocks.rs`.

mod support;

use std::path::Path;

use serde_json::{json, Value as Json};
use support::{deploy, Moto, ACCOUNT, REGION};

const STACK: &str = "PreProdBackend-BackendStack";
const BUCKET: &str = "cdk-hnb659fds-assets-111111111111-us-west-2";

fn sha256(moto: &Moto, path: &Path) -> (String, String) {
    moto.sha256(path)
}

/// What moto holds of the stage stack: the stack, its function, its REST API, its roles,
/// and the asset objects.
fn state(moto: &Moto) -> Json {
    moto.python(&format!(
        r#"
cfn = client('cloudformation')
try:
    stack = cfn.describe_stacks(StackName='{STACK}')['Stacks'][0]
    events = len(cfn.describe_stack_events(StackName='{STACK}')['StackEvents'])
    stack = None if stack['StackStatus'] == 'DELETE_COMPLETE' else {{'status': stack['StackStatus'], 'tags': stack.get('Tags', [])}}
except Exception as e:
    stack, events = None, 0
functions = [
    {{'name': f['FunctionName'], 'memory': f['MemorySize'], 'runtime': f['Runtime'],
      'handler': f['Handler'], 'code_sha256': f['CodeSha256'], 'architectures': f.get('Architectures')}}
    for f in client('lambda').list_functions()['Functions']
]
apis = [a['name'] for a in client('apigateway').get_rest_apis()['items']]
roles = [r['RoleName'] for r in client('iam').list_roles()['Roles']]
s3 = client('s3')
objects = [
    {{'key': o['Key'], 'modified': o['LastModified'].isoformat(),
      'sha256': s3.head_object(Bucket='{BUCKET}', Key=o['Key']).get('Metadata', {{}}).get('sha256')}}
    for o in s3.list_objects_v2(Bucket='{BUCKET}').get('Contents', [])
] if '{BUCKET}' in [b['Name'] for b in s3.list_buckets()['Buckets']] else None
print(json.dumps({{'stack': stack, 'events': events, 'functions': functions, 'apis': apis,
                  'roles': roles, 'objects': objects}}))
"#
    ))
}

#[test]
fn bootstrap_deploy_redeploy_change_diff_destroy() {
    let zip = support::service_zip();
    let moto = Moto::start("moto-flow");
    let env = moto.aws_env();

    // bootstrap: the CDK's bootstrap resources, then nothing to do the second time.
    let run = deploy(&env, &["bootstrap"], "").success();
    assert!(
        run.stdout.contains(&format!(
            "aws://{ACCOUNT}/{REGION}: bootstrapped (version 18, bucket {BUCKET})"
        )),
        "{}",
        run.all()
    );
    // What moto models of it: the version parameter, the encrypted bucket, the roles.
    // (moto's CloudFormation does not apply a bucket's versioning, public access block and
    // lifecycle, nor bucket policies: that the template has them, as the CDK's does, is
    // checked by tests/deploy_bootstrap_template.rs.)
    let bootstrap = moto.python(&format!(
        r#"
s3 = client('s3')
print(json.dumps({{
  'version': client('ssm').get_parameter(Name='/cdk-bootstrap/hnb659fds/version')['Parameter']['Value'],
  'encryption': s3.get_bucket_encryption(Bucket='{BUCKET}')['ServerSideEncryptionConfiguration']['Rules'][0]['ApplyServerSideEncryptionByDefault']['SSEAlgorithm'],
  'roles': sorted(r['RoleName'] for r in client('iam').list_roles()['Roles'] if r['RoleName'].startswith('cdk-')),
}}))
"#
    ));
    assert_eq!(bootstrap["version"], "18");
    assert_eq!(bootstrap["encryption"], "aws:kms");
    let roles: Vec<String> = serde_json::from_value(bootstrap["roles"].clone()).unwrap();
    for role in [
        "cfn-exec",
        "deploy",
        "file-publishing",
        "image-publishing",
        "lookup",
    ] {
        let name = format!("cdk-hnb659fds-{role}-role-{ACCOUNT}-{REGION}");
        assert!(roles.contains(&name), "{name} in {roles:?}");
    }
    let run = deploy(&env, &["--stats", "bootstrap"], "").success();
    assert!(run.stdout.contains("already bootstrapped"), "{}", run.all());
    assert_eq!(
        run.calls("CloudFormation.ExecuteChangeSet"),
        0,
        "{}",
        run.stderr
    );

    // diff before the first deploy: everything is new; --fail says so.
    let run = deploy(&env, &["diff", "--fail", STACK], "");
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(
        run.stdout
            .contains(&format!("Stack {STACK} (not deployed)")),
        "{}",
        run.all()
    );
    assert!(
        run.stdout
            .contains("[+] AWS::Lambda::Function BackendServerFunction"),
        "{}",
        run.all()
    );

    // deploy the stage: the zip is uploaded, the function runs its code, the API exists.
    let run = deploy(
        &env,
        &[
            "--stats",
            "--progress",
            "events",
            "deploy",
            "--require-approval",
            "never",
            "PreProdBackend",
        ],
        "",
    )
    .success();
    assert!(run.stderr.contains("uploaded s3://"), "{}", run.all());
    assert!(run.stdout.contains("Action  Logical ID"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Add     BackendServerFunction"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains(&format!("{STACK}: CREATE_COMPLETE")),
        "{}",
        run.all()
    );
    assert_eq!(run.calls("S3.PutObject"), 1, "{}", run.stderr);
    assert_eq!(
        run.calls("CloudFormation.ExecuteChangeSet"),
        1,
        "{}",
        run.stderr
    );
    let deployed = state(&moto);
    assert_eq!(deployed["stack"]["status"], "CREATE_COMPLETE", "{deployed}");
    assert!(
        deployed["stack"]["tags"]
            .as_array()
            .unwrap()
            .contains(&json!({"Key": "pipewright:pipeline", "Value": "BackendPipeline"})),
        "{deployed}"
    );
    let functions = deployed["functions"].as_array().unwrap();
    assert_eq!(functions.len(), 1, "{deployed}");
    let function = &functions[0];
    assert!(
        function["name"].as_str().unwrap().starts_with(STACK),
        "{function}"
    );
    assert_eq!(function["runtime"], "provided.al2023");
    assert_eq!(function["handler"], "bootstrap");
    assert_eq!(function["memory"], 2048);
    assert_eq!(function["architectures"], json!(["x86_64"]));
    let (zip_hex, zip_base64) = sha256(&moto, &zip);
    assert_eq!(
        function["code_sha256"], zip_base64,
        "the function runs the uploaded zip"
    );
    assert_eq!(deployed["apis"], json!([format!("{STACK}-BackendApi")]));
    let roles: Vec<String> = serde_json::from_value(deployed["roles"].clone()).unwrap();
    for role in [
        "BackendServerRole",
        "BackendServerDeploymentRole",
        "ApiGatewayCloudWatchRole",
    ] {
        assert!(
            roles
                .iter()
                .any(|r| r.starts_with(&format!("{STACK}-{role}"))),
            "{role} in {roles:?}"
        );
    }
    let objects = deployed["objects"].as_array().unwrap().clone();
    assert_eq!(objects.len(), 1, "{objects:?}");
    let zip_name = zip.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(
        format!("asset.{}", objects[0]["key"].as_str().unwrap()),
        zip_name,
        "the object is named by the asset id"
    );
    assert_eq!(objects[0]["sha256"], zip_hex.as_str());

    // The same deploy again: nothing uploaded, nothing executed, the stack untouched.
    let run = deploy(&env, &["--stats", "deploy", "PreProdBackend"], "").success();
    assert!(run.stderr.contains("already published"), "{}", run.all());
    assert!(
        run.stderr.contains(&format!("{STACK}: no changes")),
        "{}",
        run.all()
    );
    assert_eq!(run.calls("S3.PutObject"), 0, "{}", run.stderr);
    assert_eq!(
        run.calls("CloudFormation.CreateChangeSet"),
        0,
        "{}",
        run.stderr
    );
    assert_eq!(
        run.calls("CloudFormation.ExecuteChangeSet"),
        0,
        "{}",
        run.stderr
    );
    let again = state(&moto);
    assert_eq!(again["objects"], deployed["objects"], "no upload");
    assert_eq!(again["events"], deployed["events"], "no stack operation");

    // diff: nothing differs.
    let run = deploy(&env, &["diff", "--fail", STACK], "").success();
    assert!(
        run.stdout
            .contains(&format!("Stack {STACK}: no differences")),
        "{}",
        run.all()
    );

    // The function's memory changes under the program (an update of the stack from
    // elsewhere); diff shows it, deploy puts the program's back.
    moto.python(&format!(
        r#"
cfn = client('cloudformation')
body = json.loads(json.dumps(cfn.get_template(StackName='{STACK}')['TemplateBody']))
body['Resources']['BackendServerFunction']['Properties']['MemorySize'] = 1024
cfn.update_stack(StackName='{STACK}', TemplateBody=json.dumps(body), Capabilities=['CAPABILITY_IAM'])
print(json.dumps(client('lambda').list_functions()['Functions'][0]['MemorySize']))
"#
    ));
    assert_eq!(state(&moto)["functions"][0]["memory"], 1024);
    let run = deploy(&env, &["diff", "--fail", STACK], "");
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(
        run.stdout.contains(
            "[~] AWS::Lambda::Function BackendServerFunction\n    [~] MemorySize: 1024 -> 2048"
        ),
        "{}",
        run.all()
    );
    let run = deploy(&env, &["--stats", "deploy", STACK], "").success();
    assert!(
        run.stdout.contains("Modify  BackendServerFunction"),
        "{}",
        run.all()
    );
    assert_eq!(
        run.calls("CloudFormation.ExecuteChangeSet"),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(run.calls("S3.PutObject"), 0, "{}", run.stderr);
    assert_eq!(
        state(&moto)["functions"][0]["memory"],
        2048,
        "the update is applied"
    );
    let run = deploy(&env, &["diff", "--fail", STACK], "").success();
    assert!(run.stdout.contains("no differences"), "{}", run.all());

    // destroy asks first; without an answer, nothing is deleted.
    let run = deploy(&env, &["destroy", "PreProdBackend"], "");
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(run.stderr.contains("not confirmed"), "{}", run.all());
    assert_eq!(state(&moto)["stack"]["status"], "UPDATE_COMPLETE");
    let run = deploy(&env, &["destroy", "PreProdBackend"], "y\n").success();
    assert!(
        run.stderr.contains(&format!("{STACK}: deleted")),
        "{}",
        run.all()
    );
    let gone = state(&moto);
    assert_eq!(gone["stack"], Json::Null, "{gone}");
    assert_eq!(gone["functions"], json!([]), "{gone}");
    let run = deploy(&env, &["destroy", "--force", "PreProdBackend"], "").success();
    assert!(
        run.stderr.contains(&format!("{STACK}: not deployed")),
        "{}",
        run.all()
    );
}

#[test]
fn without_a_terminal_broadening_changes_are_refused_and_nothing_is_left_behind() {
    support::lambda_assets();
    let moto = Moto::start("moto-approval");
    let env = moto.aws_env();
    deploy(&env, &["bootstrap"], "").success();

    // The default is `--require-approval broadening`: the first deployment creates roles;
    // stdin is not a terminal, so it is refused, even with a `y` on it.
    let run = deploy(&env, &["deploy", STACK], "y\n");
    assert_eq!(run.code, Some(1), "{}", run.all());
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].contains("no terminal") && errors[0].contains("`--require-approval never`"),
        "{}",
        errors[0]
    );
    // No stack left in REVIEW_IN_PROGRESS, no change set, no role.
    let left = moto.python(&format!(
        r#"
cfn = client('cloudformation')
stacks = [s['StackName'] + ' ' + s['StackStatus'] for s in cfn.list_stacks()['StackSummaries']
          if s['StackName'] == '{STACK}' and s['StackStatus'] != 'DELETE_COMPLETE']
print(json.dumps(stacks))
"#
    ));
    assert_eq!(left, json!([]), "{}", run.all());
    let nothing = state(&moto);
    assert_eq!(nothing["stack"], Json::Null, "{nothing}");
    assert_eq!(nothing["functions"], json!([]), "{nothing}");

    // `--require-approval never` deploys without asking.
    let run = deploy(&env, &["deploy", "--require-approval", "never", STACK], "").success();
    assert!(
        run.stderr.contains(&format!("{STACK}: CREATE_COMPLETE")),
        "{}",
        run.all()
    );
    // A change that needs no approval (the function's memory, changed elsewhere) deploys
    // with the default.
    moto.python(&format!(
        r#"
cfn = client('cloudformation')
body = json.loads(json.dumps(cfn.get_template(StackName='{STACK}')['TemplateBody']))
body['Resources']['BackendServerFunction']['Properties']['MemorySize'] = 1024
cfn.update_stack(StackName='{STACK}', TemplateBody=json.dumps(body), Capabilities=['CAPABILITY_IAM'])
print(json.dumps(None))
"#
    ));
    let run = deploy(&env, &["deploy", STACK], "").success();
    assert!(
        run.stdout.contains("Modify  BackendServerFunction"),
        "{}",
        run.all()
    );
}

/// Two runs on one stack: a run that finds another run's change set prepared (here made
/// as that run names it, and left pending as at its approval prompt) waits for it and
/// leaves it alone; when the other run is done with it, the waiting run goes on.
#[test]
fn a_run_waits_for_another_runs_pending_change_set() {
    support::lambda_assets();
    let moto = Moto::start("moto-concurrent");
    let env = moto.aws_env();
    deploy(&env, &["bootstrap"], "").success();
    deploy(&env, &["deploy", "--require-approval", "never", STACK], "").success();
    let other = "pipewright-deploy-1-0-4242";
    moto.python(&format!(
        r#"
cfn = client('cloudformation')
body = json.loads(json.dumps(cfn.get_template(StackName='{STACK}')['TemplateBody']))
body['Resources']['BackendServerFunction']['Properties']['MemorySize'] = 1024
cfn.create_change_set(StackName='{STACK}', ChangeSetName='{other}', ChangeSetType='UPDATE',
    TemplateBody=json.dumps(body), Capabilities=['CAPABILITY_IAM'])
print(json.dumps(None))
"#
    ));
    let mut child = support::spawn_deploy(&env, &["deploy", STACK]);
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(stderr) {
            let _ = lines.send(line.unwrap());
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let waiting = std::iter::from_fn(|| {
        received
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
            .ok()
    })
    .find(|line| line.contains("another deploy run") && line.contains(other))
    .expect("the run says it waits for the other run's change set");
    assert!(waiting.contains("delete-change-set"), "{waiting}");
    // Still waiting a moment later, with the other run's change set where it was.
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(child.try_wait().unwrap(), None, "the run went on");
    let still_there = moto.python(&format!(
        r#"
cfn = client('cloudformation')
names = [s['ChangeSetName'] for s in cfn.list_change_sets(StackName='{STACK}')['Summaries']]
print(json.dumps('{other}' in names))
cfn.delete_change_set(StackName='{STACK}', ChangeSetName='{other}')
"#
    ));
    assert_eq!(still_there, json!(true));
    let output = child.wait_with_output().unwrap();
    let rest: Vec<String> = received.iter().collect();
    assert_eq!(output.status.code(), Some(0), "{}", rest.join("\n"));
    assert!(
        rest.iter()
            .any(|l| l.contains(&format!("{STACK}: no changes"))),
        "{}",
        rest.join("\n")
    );
}

/// A bootstrap damaged behind CloudFormation's back (the version parameter deleted, then
/// the asset bucket): `deploy` says what is missing and that `bootstrap` repairs it;
/// `bootstrap` finds it (drift detection) and creates it again.
#[test]
fn a_damaged_bootstrap_is_found_and_repaired() {
    support::lambda_assets();
    let moto = Moto::start("moto-repair");
    let env = moto.aws_env();
    let error_line = |run: &support::Run| -> String {
        assert_eq!(run.code, Some(1), "{}", run.all());
        let errors: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(errors.len(), 1, "{}", run.all());
        errors[0].to_owned()
    };
    let bootstrap_repairs = |what: &str| {
        let run = deploy(&env, &["bootstrap"], "").success();
        assert!(
            run.stdout.contains("repaired CDKToolkit") && run.stdout.contains(what),
            "{}",
            run.all()
        );
    };
    deploy(&env, &["bootstrap"], "").success();
    deploy(&env, &["deploy", "--require-approval", "never", STACK], "").success();

    moto.python(
        "client('ssm').delete_parameter(Name='/cdk-bootstrap/hnb659fds/version')\nprint(json.dumps(None))",
    );
    let error = error_line(&deploy(&env, &["deploy", STACK], ""));
    assert!(
        error.contains("/cdk-bootstrap/hnb659fds/version is missing")
            && error.contains("deploy -- bootstrap`")
            && error.contains("to repair it"),
        "{error}"
    );
    bootstrap_repairs("CdkBootstrapVersion");
    let version = moto.python(
        "print(json.dumps(client('ssm').get_parameter(Name='/cdk-bootstrap/hnb659fds/version')['Parameter']['Value']))",
    );
    assert_eq!(version, json!("18"));

    moto.python(&format!(
        r#"
s3 = client('s3')
listed = s3.list_object_versions(Bucket='{BUCKET}')
for v in listed.get('Versions', []) + listed.get('DeleteMarkers', []):
    s3.delete_object(Bucket='{BUCKET}', Key=v['Key'], VersionId=v['VersionId'])
s3.delete_bucket(Bucket='{BUCKET}')
print(json.dumps(None))
"#
    ));
    let error = error_line(&deploy(
        &env,
        &["deploy", "--require-approval", "never", "--force", STACK],
        "",
    ));
    assert!(
        error.contains(&format!("the assets bucket {BUCKET} does not exist"))
            && error.contains("bootstrap` to repair it"),
        "{error}"
    );
    bootstrap_repairs("StagingBucket");
    // Repaired: a second run finds nothing missing, and deployments publish again.
    let run = deploy(&env, &["bootstrap"], "").success();
    assert!(run.stdout.contains("already bootstrapped"), "{}", run.all());
    deploy(
        &env,
        &["deploy", "--require-approval", "never", "--force", STACK],
        "",
    )
    .success();
}

#[test]
fn a_cdk_bootstrapped_account_is_used_as_it_is() {
    support::lambda_assets();
    let moto = Moto::start("moto-cdk-bootstrap");
    let env = moto.aws_env();
    // The CDK CLI's own bootstrap template, deployed as `cdk bootstrap` does.
    let template =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/cdk-bootstrap-v18.template.yaml");
    moto.python(&format!(
        r#"
client('cloudformation').create_stack(StackName='CDKToolkit', TemplateBody=open({template:?}).read(),
    Capabilities=['CAPABILITY_NAMED_IAM'],
    Parameters=[{{'ParameterKey': 'FileAssetsBucketKmsKeyId', 'ParameterValue': 'AWS_MANAGED_KEY'}}])
print(json.dumps(client('ssm').get_parameter(Name='/cdk-bootstrap/hnb659fds/version')['Parameter']['Value']))
"#,
        template = template.display().to_string()
    ));
    let run = deploy(&env, &["deploy", "--require-approval", "never", STACK], "").success();
    assert!(run.stderr.contains("uploaded s3://"), "{}", run.all());
    assert_eq!(state(&moto)["stack"]["status"], "CREATE_COMPLETE");

    // `bootstrap` takes the CDK's stack over in place (same resources).
    let run = deploy(&env, &["bootstrap"], "").success();
    assert!(run.stdout.contains("version 18"), "{}", run.all());
}

#[test]
fn a_newer_bootstrap_stack_is_left_alone() {
    let moto = Moto::start("moto-newer-bootstrap");
    let env = moto.aws_env();
    let template = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/cdk-bootstrap-v18.template.yaml"),
    )
    .unwrap()
    .replace("Value: \"18\"", "Value: \"30\"");
    let path = moto.dir.join("bootstrap-v30.yaml");
    std::fs::write(&path, template).unwrap();
    moto.python(&format!(
        r#"
cfn = client('cloudformation')
cfn.create_stack(StackName='CDKToolkit', TemplateBody=open({path:?}).read(), Capabilities=['CAPABILITY_NAMED_IAM'])
print(json.dumps(cfn.describe_stacks(StackName='CDKToolkit')['Stacks'][0]['StackStatus']))
"#,
        path = path.display().to_string()
    ));
    let run = deploy(&env, &["--stats", "bootstrap"], "").success();
    assert!(run.stderr.contains("leaving it as it is"), "{}", run.all());
    assert_eq!(
        run.calls("CloudFormation.CreateChangeSet"),
        0,
        "{}",
        run.stderr
    );
}

#[test]
fn an_environment_that_is_not_bootstrapped_says_what_to_run() {
    let moto = Moto::start("moto-not-bootstrapped");
    let run = deploy(&moto.aws_env(), &["deploy", STACK], "");
    assert_eq!(run.code, Some(1), "{}", run.all());
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].contains("is not bootstrapped") && lines[0].contains("deploy -- bootstrap"),
        "{}",
        lines[0]
    );
}

#[test]
fn a_stopped_endpoint_fails_with_a_one_line_reason() {
    let env = refused_endpoint_env(support::free_port());
    let started = std::time::Instant::now();
    let run = deploy(&env, &["deploy", STACK], "");
    assert_eq!(run.code, Some(1), "{}", run.all());
    let stderr = run.stderr.trim_end();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.starts_with("error: aws://111111111111/us-west-2: cannot reach AWS"),
        "{stderr}"
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn ctrl_c_stops_the_command_and_says_so() {
    // An endpoint that accepts connections and never answers: the first call hangs.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (connected, first_connection) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming() {
            open.push(stream);
            let _ = connected.send(());
        }
    });
    let env: Vec<(String, String)> = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", REGION),
        ("AWS_CONFIG_FILE", "/nonexistent/pipewright/config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/pipewright/credentials",
        ),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .chain([(
        "AWS_ENDPOINT_URL".to_owned(),
        format!("http://127.0.0.1:{port}"),
    )])
    .collect();
    let child = support::spawn_deploy(&env, &["deploy", STACK]);
    // The first call is waiting for its answer: the command is running.
    first_connection
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("deploy connects to the endpoint");
    std::thread::sleep(std::time::Duration::from_millis(200));
    // The shell's own `kill`: no procps needed.
    let status = std::process::Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert_eq!(stderr.trim_end(), "error: interrupted");
}

/// Settings of a run that fails fast and stays on loopback: environment credentials, no
/// config files, every endpoint a port nothing listens on (the service-specific ones too,
/// so that a run without `AWS_ENDPOINT_URL` cannot reach AWS itself).
fn refused_endpoint_env(port: u16) -> Vec<(String, String)> {
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut env: Vec<(String, String)> = [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", REGION),
        ("AWS_CONFIG_FILE", "/nonexistent/pipewright/config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/pipewright/credentials",
        ),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for service in ["", "_STS", "_CLOUDFORMATION", "_S3", "_SSM", "_IAM"] {
        env.push((format!("AWS_ENDPOINT_URL{service}"), endpoint.clone()));
    }
    env
}

/// `env` with `name` set to `value` (replacing it).
fn with_setting(env: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    env.iter()
        .filter(|(k, _)| k != name)
        .cloned()
        .chain([(name.to_owned(), value.to_owned())])
        .collect()
}

/// One run of [`every_configuration_mistake_is_one_line_and_exit_1`].
struct Case {
    /// The bad setting, for messages.
    label: String,
    env: Vec<(String, String)>,
    args: Vec<&'static str>,
    /// What the error line must say.
    says: &'static str,
}

#[test]
fn every_configuration_mistake_is_one_line_and_exit_1() {
    let base = refused_endpoint_env(support::free_port());
    // (variable, value, what the error line must say): an empty variable is unset, so the
    // run goes on to the refused endpoint; a garbage one is named.
    let settings = [
        ("AWS_ENDPOINT_URL", "", "cannot"),
        (
            "AWS_ENDPOINT_URL",
            "garbage",
            "AWS_ENDPOINT_URL=`garbage` is not an endpoint URL",
        ),
        ("AWS_ENDPOINT_URL_CLOUDFORMATION", "", "cannot"),
        (
            "AWS_ENDPOINT_URL_CLOUDFORMATION",
            "http://not a url",
            "AWS_ENDPOINT_URL_CLOUDFORMATION=`http://not a url` is not an endpoint URL",
        ),
        ("AWS_REGION", "", "cannot"),
        (
            "AWS_REGION",
            "not a region!!",
            "`not a region!!` (AWS_REGION) is not an AWS region",
        ),
        ("AWS_PROFILE", "", "cannot"),
        (
            "AWS_PROFILE",
            "nosuchprofile",
            "the AWS profile `nosuchprofile` (AWS_PROFILE)",
        ),
    ];
    let commands: [&[&'static str]; 4] = [
        &["bootstrap"],
        &["diff", STACK],
        &["deploy", STACK],
        &["destroy", "--force", STACK],
    ];
    let mut cases = Vec::new();
    for command in commands {
        for (name, value, says) in settings {
            cases.push(Case {
                label: format!("{name}={value:?}"),
                env: with_setting(&base, name, value),
                args: command.to_vec(),
                says,
            });
        }
        for (flag, value, says) in [
            (
                "--region",
                "not a region!!",
                "`not a region!!` (--region) is not an AWS region",
            ),
            (
                "--profile",
                "nosuchprofile",
                "the AWS profile `nosuchprofile` (--profile)",
            ),
        ] {
            cases.push(Case {
                label: format!("{flag} {value:?}"),
                env: base.clone(),
                args: [flag, value]
                    .into_iter()
                    .chain(command.iter().copied())
                    .collect(),
                says,
            });
        }
    }
    // A few at a time: each waits for its retries against the refused port.
    let mut failures = Vec::new();
    for chunk in cases.chunks(8) {
        let runs: Vec<_> = chunk
            .iter()
            .map(|case| {
                let (env, args) = (case.env.clone(), case.args.clone());
                std::thread::spawn(move || deploy(&env, &args, ""))
            })
            .collect();
        for (case, run) in chunk.iter().zip(runs) {
            failures.extend(one_line_failure(case, &run.join().unwrap()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `None` when the run exited 1 with a single `error:` line (under 300 characters, no
/// panic) that says what the case expects; otherwise what went wrong.
fn one_line_failure(case: &Case, run: &support::Run) -> Option<String> {
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    let ok = run.code == Some(1)
        && errors.len() == 1
        && errors[0].len() < 300
        && errors[0].contains(case.says)
        && !run.stderr.contains("panicked");
    (!ok).then(|| {
        format!(
            "{}: deploy {}: exit {:?}, expected one line with `{}`:\n{}",
            case.label,
            case.args.join(" "),
            run.code,
            case.says,
            run.stderr
        )
    })
}

#[test]
fn boolean_variables_take_what_clap_boolish_takes() {
    let base = refused_endpoint_env(support::free_port());
    for (value, stats) in [
        ("1", true),
        ("true", true),
        ("yes", true),
        ("on", true),
        ("0", false),
        ("false", false),
        ("no", false),
        ("off", false),
        ("", false),
    ] {
        let env = with_setting(&base, "PIPEWRIGHT_STATS", value);
        let run = deploy(&env, &["list"], "");
        assert_eq!(
            run.code,
            Some(0),
            "PIPEWRIGHT_STATS={value:?}: {}",
            run.all()
        );
        let run = deploy(&env, &["diff", STACK], "");
        assert_eq!(run.code, Some(1), "{}", run.all());
        assert_eq!(
            run.stderr.contains("aws calls: "),
            stats,
            "PIPEWRIGHT_STATS={value:?}: {}",
            run.stderr
        );
    }
}

/// Whether a stack of the tests' account has termination protection on.
fn termination_protection(moto: &Moto, stack: &str) -> Json {
    moto.python(&format!(
        "print(json.dumps(client('cloudformation').describe_stacks(StackName='{stack}')['Stacks'][0]['EnableTerminationProtection']))"
    ))
}

#[test]
fn a_protected_stage_is_protected_by_deploy_and_destroy_refuses_it() {
    let program = support::test_program("deploy_protected");
    let moto = Moto::start("moto-protect");
    let env = moto.aws_env();
    let run = |args: &[&str]| support::run_program(&program, &env, args, "");
    run(&["bootstrap"]).success();

    // `deploy` turns termination protection on (a change set cannot), once.
    let deployed = run(&["deploy", "--require-approval", "never", "Prod-Ledger"]).success();
    assert!(
        deployed
            .stderr
            .contains("Prod-Ledger: termination protection on"),
        "{}",
        deployed.all()
    );
    assert_eq!(termination_protection(&moto, "Prod-Ledger"), json!(true));
    let again = run(&["deploy", "--require-approval", "never", "Prod-Ledger"]).success();
    assert!(
        !again.stderr.contains("termination protection on"),
        "already on: {}",
        again.all()
    );

    // `destroy` refuses before deleting anything, and says how to lift the protection.
    let refused = run(&["destroy", "--force", "Prod-Ledger"]);
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    let line = refused
        .stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("{}", refused.all()));
    assert_eq!(
        line,
        "error: Prod-Ledger has termination protection on (`protect: true`): nothing deleted. To delete it, remove `protect: true` from stage `Prod`, then lift it: \
         aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name Prod-Ledger --region us-west-2"
    );
    assert_eq!(termination_protection(&moto, "Prod-Ledger"), json!(true));

    // Lifted (as the message says), the stack is deleted.
    moto.python(
        "client('cloudformation').update_termination_protection(StackName='Prod-Ledger', EnableTerminationProtection=False)\nprint('null')",
    );
    run(&["destroy", "--force", "Prod-Ledger"]).success();
    let left = moto.python(
        "print(json.dumps([s['StackName'] for s in client('cloudformation').describe_stacks()['Stacks']]))",
    );
    assert!(!left.to_string().contains("Prod-Ledger"), "{left}");
}

/// The name moto gave the stack's table, and the item of id `o-1` in it (`null`: none).
fn table_and_item(moto: &Moto) -> (String, Json) {
    let found = moto.python(
        r#"
table = client('cloudformation').describe_stack_resource(StackName='Dev-Shop', LogicalResourceId='OrdersTable')['StackResourceDetail']['PhysicalResourceId']
item = client('dynamodb').get_item(TableName=table, Key={'id': {'S': 'o-1'}}).get('Item')
print(json.dumps([table, item]))
"#,
    );
    (found[0].as_str().unwrap().to_owned(), found[1].clone())
}

/// A table's data survives: a deploy that would replace it (a new key) is refused, in one
/// line that names it, the property and the flag, and leaves no change set; the item
/// written before is still there; `destroy` keeps the table and says how to delete it.
#[test]
fn a_table_is_never_replaced_or_deleted_silently() {
    let program = support::test_program("deploy_table");
    let rekeyed = support::test_program("deploy_table_rekeyed");
    let moto = Moto::start("moto-data-safety");
    let env = moto.aws_env();
    let run = |program: &Path, args: &[&str]| support::run_program(program, &env, args, "");
    run(&program, &["bootstrap"]).success();
    run(
        &program,
        &["deploy", "--require-approval", "never", "Dev-Shop"],
    )
    .success();
    let (table, _) = table_and_item(&moto);
    moto.python(&format!(
        "client('dynamodb').put_item(TableName='{table}', Item={{'id': {{'S': 'o-1'}}, 'item': {{'S': 'book'}}}})\nprint('null')"
    ));

    let refused = run(
        &rekeyed,
        &["deploy", "--require-approval", "never", "Dev-Shop"],
    );
    assert_eq!(refused.code, Some(1), "{}", refused.all());
    let errors: Vec<&str> = refused
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(
        errors,
        ["error: Dev-Shop: the change set loses data: OrdersTable (AWS::DynamoDB::Table) is replaced (the new one starts empty): KeySchema changes; nothing was deployed. To deploy it all the same, pass --allow-replace OrdersTable"],
        "{}",
        refused.all()
    );
    let (same_table, item) = table_and_item(&moto);
    assert_eq!(same_table, table);
    assert_eq!(
        item["item"],
        json!({"S": "book"}),
        "the item is still readable"
    );
    let pending = moto.python(
        "print(json.dumps([[s['ChangeSetName'], s.get('ExecutionStatus'), s.get('Status')] for s in client('cloudformation').list_change_sets(StackName='Dev-Shop')['Summaries'] if s.get('ExecutionStatus') != 'EXECUTE_COMPLETE']))",
    );
    assert_eq!(pending, json!([]), "the refused change set is deleted");

    let destroyed = run(&program, &["destroy", "--force", "Dev-Shop"]).success();
    assert!(
        destroyed.stderr.contains(&format!(
            "Dev-Shop: left behind with its data: AWS::DynamoDB::Table {table} (was OrdersTable); to delete it: aws dynamodb delete-table --table-name {table} --region {REGION}"
        )),
        "{}",
        destroyed.all()
    );
    let kept = moto.python(&format!(
        "print(json.dumps(client('dynamodb').get_item(TableName='{table}', Key={{'id': {{'S': 'o-1'}}}}).get('Item')))"
    ));
    assert_eq!(
        kept["item"],
        json!({"S": "book"}),
        "the table outlives its stack"
    );
}

/// The template's value with its intrinsic functions resolved against what the stack holds:
/// `Ref` of a resource is its physical id, `Fn::GetAtt [X, "Arn"]` its ARN (`arns`), a pseudo
/// parameter its value, `Fn::Join` the joined parts; `Ref AWS::NoValue` leaves a list.
fn resolve(value: &Json, physical: &Json, arns: &Json) -> Json {
    match value {
        Json::Object(map) if map.len() == 1 => {
            let (function, argument) = map.iter().next().unwrap();
            match (function.as_str(), argument) {
                ("Ref", Json::String(name)) => match name.as_str() {
                    "AWS::Region" => json!(REGION),
                    "AWS::AccountId" => json!(ACCOUNT),
                    "AWS::Partition" => json!("aws"),
                    "AWS::NoValue" => Json::Null,
                    resource => physical[resource].clone(),
                },
                ("Fn::GetAtt", Json::Array(parts)) if parts[1] == "Arn" => {
                    arns[parts[0].as_str().unwrap()].clone()
                }
                ("Fn::Sub", Json::String(text)) => json!(substitute(text, physical, arns)),
                ("Fn::Join", Json::Array(parts)) => {
                    let joined: Vec<String> = parts[1]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| resolve(p, physical, arns).as_str().unwrap().to_owned())
                        .collect();
                    json!(joined.join(parts[0].as_str().unwrap()))
                }
                (name, _) if name.starts_with("Fn::") => panic!("cannot resolve {value}"),
                _ => json!({ function: resolve(argument, physical, arns) }),
            }
        }
        Json::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), resolve(v, physical, arns)))
            .collect(),
        Json::Array(items) => items
            .iter()
            .map(|v| resolve(v, physical, arns))
            .filter(|v| !v.is_null())
            .collect(),
        other => other.clone(),
    }
}

/// `Fn::Sub`'s text with each `${X.Arn}` (`arns`), `${X}` (a resource's physical id) and
/// `${AWS::...}` (a pseudo parameter) replaced.
fn substitute(text: &str, physical: &Json, arns: &Json) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("a closed ${...}") + start;
        let name = &rest[start + 2..end];
        let value = match name.strip_suffix(".Arn") {
            Some(resource) => arns[resource].clone(),
            None => resolve(&json!({ "Ref": name }), physical, arns),
        };
        out.push_str(
            value
                .as_str()
                .unwrap_or_else(|| panic!("cannot resolve ${{{name}}}")),
        );
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The orders example on moto (`deploy Dev-Shop`, as a user runs it): its table, both
/// queues, the worker's event source mapping, both functions' grants and link variables
/// exist as the template synthesizes them, and the table has a generated name.
#[test]
fn the_orders_example_deploys_its_table_queues_mapping_and_grants() {
    use support::orders::{self, DEV_STACK};
    orders::lambda_zips();
    let moto = Moto::start("moto-orders");
    let env = moto.aws_env();
    orders::run(&env, &["bootstrap"]).success();
    orders::run(&env, &["deploy", "--require-approval", "never", DEV_STACK]).success();
    let out = support::scratch_dir("orders-synth");
    orders::run(&[], &["synth", "--out", &out.display().to_string()]).success();
    let template: Json = serde_json::from_slice(
        &std::fs::read(out.join(format!("{DEV_STACK}.template.json"))).unwrap(),
    )
    .unwrap();
    let resources = &template["Resources"];

    let deployed = moto.python(&format!(
        r#"
cfn, ddb, sqs, lam, iam = client('cloudformation'), client('dynamodb'), client('sqs'), client('lambda'), client('iam')
stack = cfn.describe_stacks(StackName='{DEV_STACK}')['Stacks'][0]
physical = {{r['LogicalResourceId']: r['PhysicalResourceId'] for r in cfn.list_stack_resources(StackName='{DEV_STACK}')['StackResourceSummaries']}}
table = ddb.describe_table(TableName=physical['OrdersTable'])['Table']
queues = {{q: sqs.get_queue_attributes(QueueUrl=physical[q], AttributeNames=['All'])['Attributes'] for q in ['JobsQueue', 'JobsDeadLetterQueue']}}
functions = {{f: lam.get_function_configuration(FunctionName=physical[f]) for f in ['ApiFunction', 'WorkerFunction']}}
policies = {{p: iam.get_role_policy(RoleName=physical[role], PolicyName=p)['PolicyDocument'] for p, role in [('ApiPolicy', 'ApiRole'), ('WorkerPolicy', 'WorkerRole')]}}
print(json.dumps({{
    'status': stack['StackStatus'],
    'outputs': {{o['OutputKey']: o['OutputValue'] for o in stack.get('Outputs', [])}},
    'physical': physical,
    'table': {{k: table.get(k) for k in ['TableName', 'TableArn', 'KeySchema', 'AttributeDefinitions']}},
    'billing': table.get('BillingModeSummary', {{}}).get('BillingMode'),
    'queues': queues,
    'mappings': lam.list_event_source_mappings()['EventSourceMappings'],
    'functions': {{f: {{'arn': c['FunctionArn'], 'variables': c.get('Environment', {{}}).get('Variables', {{}})}} for f, c in functions.items()}},
    'worker_alias': lam.get_alias(FunctionName=physical['WorkerFunction'], Name='Current'),
    'policies': policies,
}}, default=str))
"#
    ));
    assert_eq!(deployed["status"], "CREATE_COMPLETE", "{deployed}");
    let physical = &deployed["physical"];
    let arns = json!({
        "OrdersTable": deployed["table"]["TableArn"],
        "JobsQueue": deployed["queues"]["JobsQueue"]["QueueArn"],
        "JobsDeadLetterQueue": deployed["queues"]["JobsDeadLetterQueue"]["QueueArn"],
    });
    let resolved = |value: &Json| resolve(value, physical, &arns);

    // The table: its key as synthesized, on demand, under a name CloudFormation generated.
    let table = &resources["OrdersTable"]["Properties"];
    assert_eq!(table.get("TableName"), None, "no fixed physical name");
    assert_eq!(deployed["table"]["KeySchema"], table["KeySchema"]);
    assert_eq!(
        deployed["table"]["AttributeDefinitions"],
        table["AttributeDefinitions"]
    );
    assert_eq!(deployed["billing"], table["BillingMode"]);
    let table_name = deployed["table"]["TableName"].as_str().unwrap();
    assert!(
        table_name.starts_with("Dev-Shop-OrdersTable"),
        "{table_name}"
    );
    assert_eq!(deployed["outputs"]["OrdersTableName"], table_name);

    // Both queues, with the properties the template gives them (SQS answers in strings); the
    // jobs go to the dead-letter queue after `max_receives` failures.
    for queue in ["JobsQueue", "JobsDeadLetterQueue"] {
        let attributes = &deployed["queues"][queue];
        let properties = resources[queue]["Properties"].as_object().unwrap();
        for (name, value) in properties {
            let actual = &attributes[name];
            match resolved(value) {
                // The redrive policy: a JSON document in SQS's attributes.
                expected @ Json::Object(_) => {
                    let actual: Json = serde_json::from_str(actual.as_str().unwrap()).unwrap();
                    assert_eq!(actual, expected, "{queue}.{name}");
                }
                Json::String(expected) => assert_eq!(actual, &expected, "{queue}.{name}"),
                expected => assert_eq!(actual, &json!(expected.to_string()), "{queue}.{name}"),
            }
        }
    }
    assert_eq!(
        deployed["outputs"]["JobsQueueUrl"], physical["JobsQueue"],
        "{deployed}"
    );
    assert_eq!(
        deployed["outputs"]["JobsDeadLetterQueueUrl"], physical["JobsDeadLetterQueue"],
        "{deployed}"
    );

    // The worker's event source mapping: the jobs queue, in batches, partial failures.
    let mapping = &resources["WorkerJobsEventSource"]["Properties"];
    let mappings = deployed["mappings"].as_array().unwrap();
    assert_eq!(mappings.len(), 1, "{deployed}");
    let deployed_mapping = &mappings[0];
    assert_eq!(
        deployed_mapping["EventSourceArn"],
        resolved(&mapping["EventSourceArn"])
    );
    assert_eq!(deployed_mapping["BatchSize"], mapping["BatchSize"]);
    assert_eq!(
        deployed_mapping["FunctionResponseTypes"],
        mapping["FunctionResponseTypes"]
    );
    // The mapping names the `Current` alias (its `Ref`). AWS records the alias's ARN; moto
    // resolves the alias when the mapping is created and records the version it points to.
    let alias = &deployed["worker_alias"];
    assert_eq!(resolved(&mapping["FunctionName"]), alias["AliasArn"]);
    let version_arn = format!(
        "{}:{}",
        deployed["functions"]["WorkerFunction"]["arn"]
            .as_str()
            .unwrap(),
        alias["FunctionVersion"].as_str().unwrap()
    );
    assert!(
        [alias["AliasArn"].as_str().unwrap(), version_arn.as_str()]
            .contains(&deployed_mapping["FunctionArn"].as_str().unwrap()),
        "{deployed_mapping} {alias}"
    );

    // The grants: each function's role holds its policy's statements, resolved.
    for policy in ["ApiPolicy", "WorkerPolicy"] {
        assert_eq!(
            deployed["policies"][policy],
            resolved(&resources[policy]["Properties"]["PolicyDocument"]),
            "{policy}"
        );
    }

    // The link variables name the stage's table and queue; the worker has no queue's.
    for function in ["ApiFunction", "WorkerFunction"] {
        let expected = resolved(&resources[function]["Properties"]["Environment"]["Variables"]);
        assert_eq!(
            deployed["functions"][function]["variables"], expected,
            "{function}"
        );
    }
    let api = &deployed["functions"]["ApiFunction"]["variables"];
    assert_eq!(api["ORDERS_TABLE_NAME"], table_name);
    assert_eq!(api["JOBS_QUEUE_URL"], physical["JobsQueue"]);
    let worker = &deployed["functions"]["WorkerFunction"]["variables"];
    assert_eq!(worker["ORDERS_TABLE_NAME"], table_name);
    assert_eq!(worker.get("JOBS_QUEUE_URL"), None);
}
