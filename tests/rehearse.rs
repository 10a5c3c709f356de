//! `deploy rehearse`: the programs' pipelines run end to end on this machine against
//! `moto_server`, and the faults a user meets (a failing synth command, a failing change
//! set, a failing verify step, an approval without a terminal, Ctrl-C, a pipeline that
//! changes itself). Each test owns its emulator; they run one at a time (they share the
//! rehearsal's build directories and cache under target/pipewright/rehearse).
//!
//! The first run builds the program inside the Synth action (minutes on a cold cache); later
//! runs reuse the cache, as CodeBuild's local cache would. To keep CI short, the tests build
//! the `release-lambda` profile (and `release`) without optimizations (`CARGO_PROFILE_*`
//! variables given to every build with `--build-env`; the builds see none of the machine's
//! own): what is tested is the pipeline, not the optimizer.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use support::{Moto, Run};

/// One rehearsal at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The workspace root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The rehearsal's directory of this workspace: in its target directory, `CARGO_TARGET_DIR`
/// when set, as the rehearsal has it.
fn rehearse_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    };
    target.join("pipewright/rehearse")
}

/// A program's binary: the reference program, the orders example (package
/// `orders-pipeline`), or a program of `tests/bins/` (not a root example: the Synth action of
/// a root package's example compiles the root package's dev-dependencies, the AWS SDK's test
/// builds among them).
fn program(name: &str) -> PathBuf {
    if name == "deploy" {
        return PathBuf::from(env!("CARGO_BIN_EXE_deploy"));
    }
    if name == support::orders::PROGRAM {
        return support::orders::program();
    }
    support::test_program(name)
}

/// The environment of a rehearsal: none of the machine's AWS settings.
fn command(program_name: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(program(program_name));
    command.arg("rehearse").args(args).current_dir(root());
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command.env("PIPEWRIGHT_PROGRESS", "events");
    command.env(support::ENGINE.0, support::ENGINE.1);
    for (setting, value) in support::CHEAP_PROFILE {
        command.arg("--build-env").arg(format!("{setting}={value}"));
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

fn rehearse(program_name: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = command(program_name, args, env)
        .stdin(Stdio::null())
        .output()
        .expect("the program runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A rehearsal with every approval granted, on the test's own emulator.
fn rehearse_on(moto: &Moto, program_name: &str) -> Run {
    rehearse(
        program_name,
        &["--approve-all", "--endpoint", &moto.endpoint],
        &[],
    )
}

fn assert_code(run: &Run, code: i32) {
    assert_eq!(
        run.code,
        Some(code),
        "expected exit status {code}:\n--- stdout\n{}\n--- stderr\n{}",
        run.stdout,
        run.stderr
    );
}

/// The emulator a rehearsal started (from its first line), which must be gone now.
fn assert_emulator_stopped(run: &Run) {
    let endpoint = run
        .stderr
        .lines()
        .find_map(|l| l.split("against the AWS emulator at ").nth(1))
        .unwrap_or_else(|| panic!("no emulator line in:\n{}", run.stderr))
        .trim()
        .to_owned();
    let address = endpoint.trim_start_matches("http://");
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "the emulator at {endpoint} still answers"
    );
}

/// The stacks and functions of the program's account on the emulator.
fn deployed(moto: &Moto) -> serde_json::Value {
    deployed_in(moto, support::ACCOUNT, support::REGION)
}

/// The stacks and functions of an account and region on the emulator.
fn deployed_in(moto: &Moto, account: &str, region: &str) -> serde_json::Value {
    moto.python_as(
        account,
        region,
        "import base64\n\
         cfn = client('cloudformation')\n\
         stacks = {s['StackName']: s['StackStatus'] for s in cfn.describe_stacks()['Stacks']}\n\
         functions = {f['FunctionName']: f['CodeSha256'] for f in client('lambda').list_functions()['Functions']}\n\
         print(json.dumps({'stacks': stacks, 'functions': functions}))",
    )
}

/// The Lambda zips the last Synth action built.
fn built_zips() -> Vec<PathBuf> {
    let out = rehearse_dir().join("builds/Build/Synth/src/cdk.out");
    let mut zips: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap_or_else(|e| panic!("{}: {e}", out.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "zip"))
        .collect();
    zips.sort();
    zips
}

/// The rehearsals, under one module name (`cargo test rehearsal::` selects them), one at a
/// time.
mod rehearsal {
    use super::*;

    #[test]
    fn the_reference_pipeline_runs_end_to_end() {
        let _serial = serial();
        let moto = Moto::start("rehearse-reference");
        let run = rehearse_on(&moto, "deploy");
        assert_code(&run, 0);
        for action in [
            "Source/ColeMurray_serverless-express-lambda-cdk",
            "Build/Synth",
            "UpdatePipeline/SelfMutate.Deploy",
            "Assets/service-service-x86_64",
            "PreProdBackend/BackendStack.Deploy",
            "ProdBackend/Promote_to_Prod",
            "ProdBackend/BackendStack.Deploy",
        ] {
            assert!(
                run.stderr.contains(&format!("✔ {action} (")),
                "{action}:\n{}",
                run.stderr
            );
        }
        assert!(!run.stdout.contains("failed"), "{}", run.stdout);
        assert!(
            run.stdout
                .contains("PreProdBackend-BackendStack.BackendApiUrl = https://"),
            "{}",
            run.stdout
        );

        let state = deployed(&moto);
        for stack in ["PreProdBackend-BackendStack", "ProdBackend-BackendStack"] {
            assert_eq!(state["stacks"][stack], "CREATE_COMPLETE", "{state}");
        }
        let zips = built_zips();
        assert_eq!(zips.len(), 1, "{zips:?}");
        let functions = state["functions"].as_object().unwrap();
        assert_eq!(functions.len(), 2, "{state}");
        for sha in functions.values() {
            assert_eq!(
                sha,
                &moto.sha256(&zips[0]).1,
                "each function runs the zip the pipeline built"
            );
        }
    }

    #[test]
    fn verify_sees_the_stage_outputs_and_a_failing_verify_stops_the_run() {
        let _serial = serial();
        let moto = Moto::start("rehearse-verify");
        let run = rehearse_on(&moto, "rehearse_verify");
        assert_code(&run, 1);
        let line = run
            .stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("{}", run.stderr));
        assert!(line.contains("Production/Prod.Verify failed: BUILD phase: `test \"$BackendApiUrl\" = https://example.invalid/` exited with status 1"), "{line}");
        let log = rehearse_dir().join("logs/Production.Prod.Verify.log");
        assert!(
            line.contains("(log: ") && line.contains("Production.Prod.Verify.log"),
            "{line}"
        );
        assert!(std::fs::read_to_string(&log)
            .unwrap()
            .contains("checking https://"));
        let preprod =
            std::fs::read_to_string(rehearse_dir().join("logs/PreProd.Verify.log")).unwrap();
        assert!(
            preprod.contains("verified")
                && preprod.contains("verifying https://")
                && preprod.contains(".execute-api.us-west-2.amazonaws.com/prod/"),
            "{preprod}"
        );
        assert!(run.stderr.contains("✔ PreProd/Verify ("), "{}", run.stderr);
        // The `pre` step ran on the source before the stage deployed.
        let pre = std::fs::read_to_string(rehearse_dir().join("logs/PreProd.Pre.log")).unwrap();
        assert!(pre.contains("checked the source before PreProd"), "{pre}");
        // The protection step turned termination protection on, through the deploy role.
        assert!(run.stderr.contains("✔ PreProd/Protect ("), "{}", run.stderr);
        let protected = moto.python_as(
        support::ACCOUNT,
        support::REGION,
        "print(json.dumps(client('cloudformation').describe_stacks(StackName='PreProd-BackendStack')['Stacks'][0]['EnableTerminationProtection']))",
    );
        assert_eq!(protected, serde_json::json!(true));
        // Production is one wave: both stages, in another account (one in another region),
        // were deployed side by side before the verify of one failed; the pipeline's
        // artifacts reached eu-west-1 through its support stack.
        assert!(
            run.stderr.contains("✔ Production/Promote_to_Prod ("),
            "{}",
            run.stderr
        );
        assert_created(
            &moto,
            &[
                (
                    "111111111111",
                    "eu-west-1",
                    "VerifiedPipeline-support-eu-west-1",
                ),
                ("222222222222", "eu-west-1", "Prod-BackendStack"),
                ("222222222222", "us-west-2", "ProdUs-BackendStack"),
            ],
        );
        // The production function's code was published to the production account's bucket.
        let prod = deployed_in(&moto, "222222222222", "eu-west-1");
        assert_eq!(prod["functions"].as_object().unwrap().len(), 1, "{prod}");
    }

    #[test]
    fn a_failing_change_set_names_the_stack_and_the_reason() {
        let _serial = serial();
        let run = rehearse(
            "rehearse_verify",
            &["--approve-all"],
            &[("PIPEWRIGHT_REHEARSE_BREAK", "1")],
        );
        assert_code(&run, 1);
        let line = run
            .stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap();
        assert!(line.contains("PreProd/BackendStack."), "{line}");
        assert!(line.contains("PreProd-BackendStack"), "{line}");
        assert!(
            line.contains("PreProd/BackendStack.Deploy failed"),
            "{line}"
        );
        assert!(
            line.contains("BackendServerFunction"),
            "the failed resource: {line}"
        );
        assert!(
            line.contains("NoSuchBucket"),
            "the service's reason: {line}"
        );
        assert!(
            !run.stderr.contains("▶ Production/"),
            "nothing after the failure runs:\n{}",
            run.stderr
        );
    }

    #[test]
    fn a_failing_synth_command_stops_the_run_and_names_its_log() {
        let _serial = serial();
        let run = rehearse("rehearse_faults", &[], &[]);
        assert_code(&run, 1);
        let line = run
            .stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap();
        assert_eq!(
        line,
        format!(
            "error: Build/Synth failed: BUILD phase: `ls no-such-file` exited with status 2 (log: {})",
            support_relative(&rehearse_dir().join("logs/Build.Synth.log"))
        )
    );
        assert!(
            run.stdout.lines().any(|l| l.starts_with("Build ")
                && l.contains(" Synth ")
                && l.contains(" failed ")),
            "the table: {}",
            run.stdout
        );
        assert_emulator_stopped(&run);
    }

    /// How the rehearsal shows a path: relative to its working directory (the workspace).
    fn support_relative(path: &Path) -> String {
        path.strip_prefix(root()).unwrap().display().to_string()
    }

    /// A user whose target directory is elsewhere (`CARGO_TARGET_DIR` outside the tree, as sccache
    /// users and many others have it) runs a rehearsal twice without a terminal: each stops at the
    /// first approval with status 3, and the user's own program is untouched. The builds see none
    /// of the machine's Cargo settings, as on CodeBuild: a Synth action that inherited the variable
    /// would build its copy of the sources into the user's target directory, over their program.
    /// (The rehearsal keeps its directories in that target directory: here a link to this
    /// workspace's, for its warm build cache.)
    #[test]
    fn an_approval_without_a_terminal_stops_with_status_3_and_leaves_the_users_build_alone() {
        let _serial = serial();
        let user_target =
            std::env::temp_dir().join(format!("pipewright-user-target-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&user_target);
        std::fs::create_dir_all(user_target.join("debug")).unwrap();
        std::fs::create_dir_all(user_target.join("pipewright")).unwrap();
        std::fs::create_dir_all(rehearse_dir()).unwrap();
        std::os::unix::fs::symlink(rehearse_dir(), user_target.join("pipewright/rehearse"))
            .unwrap();
        let users_program = user_target.join("debug/deploy");
        std::fs::copy(program("deploy"), &users_program).unwrap();
        let before = std::fs::read(&users_program).unwrap();
        let user_target_var = user_target.display().to_string();
        for attempt in 1..=2 {
            let run = rehearse("deploy", &[], &[("CARGO_TARGET_DIR", &user_target_var)]);
            assert_code(&run, 3);
            let line = run
                .stderr
                .lines()
                .find(|l| l.starts_with("error: "))
                .unwrap();
            assert!(
                line.contains("ProdBackend/Promote_to_Prod waits for a manual approval"),
                "run {attempt}: {line}"
            );
            assert!(line.contains("--approve 'Promote to Prod'"), "{line}");
            assert!(
                run.stderr
                    .contains("✔ PreProdBackend/BackendStack.Deploy ("),
                "run {attempt}: {}",
                run.stderr
            );
            assert!(
                !run.stderr.contains("▶ ProdBackend/BackendStack.Deploy"),
                "{}",
                run.stderr
            );
            assert_emulator_stopped(&run);
        }
        assert!(
            std::fs::read(&users_program).unwrap() == before,
            "the user's program was rebuilt by the rehearsal"
        );
        let mut built: Vec<String> = std::fs::read_dir(user_target.join("debug"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        built.sort();
        assert_eq!(
            built,
            ["deploy"],
            "nothing was built in the user's target directory"
        );
        std::fs::remove_dir_all(&user_target).unwrap();
    }

    #[test]
    fn ctrl_c_stops_every_build_and_the_emulator() {
        let _serial = serial();
        let mut child = command(
            "rehearse_faults",
            &[],
            &[("PIPEWRIGHT_REHEARSE_SLEEP", "97")],
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let start = Instant::now();
        while !seen.contains("▶ Build/Synth") {
            assert!(
                start.elapsed() < Duration::from_secs(300),
                "no build started:\n{seen}"
            );
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                panic!("the rehearsal ended before its build:\n{seen}");
            }
            seen.push_str(&line);
        }
        // The build's `sleep 97` is running once its log says so.
        let log = rehearse_dir().join("logs/Build.Synth.log");
        while !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("sleep")
        {
            assert!(
                start.elapsed() < Duration::from_secs(300),
                "the build did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(sleeping(), "the build's command runs");
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        let status = child.wait().unwrap();
        seen.push_str(&rest);
        assert_eq!(status.code(), Some(130), "{seen}");
        assert!(seen.contains("interrupted"), "{seen}");
        assert!(!sleeping(), "the build's processes are stopped");
        assert_emulator_stopped(&Run {
            code: status.code(),
            stdout: String::new(),
            stderr: seen,
        });
    }

    fn sleeping() -> bool {
        Command::new("pgrep")
            .args(["-fx", "sleep 97"])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success()
    }

    #[test]
    fn a_change_to_the_pipeline_restarts_the_run_once() {
        let _serial = serial();
        let moto = Moto::start("rehearse-mutation");
        // The pipeline as it was before the program gained its production stage: deployed as
        // a user's earlier `deploy deploy` would have left it.
        let out = support::scratch_dir("rehearse-mutation-synth");
        let synth = support::deploy(&[], &["synth", "--out", &out.display().to_string()], "");
        assert_eq!(synth.code, Some(0), "{}", synth.stderr);
        let mut template: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out.join("BackendPipeline.template.json")).unwrap(),
        )
        .unwrap();
        let stages = template["Resources"]["Pipeline"]["Properties"]["Stages"]
            .as_array_mut()
            .unwrap();
        stages.retain(|s| s["Name"] != "ProdBackend");
        let bootstrap = support::deploy(&moto.aws_env(), &["bootstrap"], "");
        assert_eq!(bootstrap.code, Some(0), "{}", bootstrap.stderr);
        let older = out.join("older.template.json");
        std::fs::write(&older, serde_json::to_string(&template).unwrap()).unwrap();
        moto.python(&format!(
        "cfn = client('cloudformation')\n\
         cfn.create_stack(StackName='BackendPipeline', TemplateBody=open('{}').read(), Capabilities=['CAPABILITY_NAMED_IAM'])\n\
         print(json.dumps(cfn.describe_stacks(StackName='BackendPipeline')['Stacks'][0]['StackStatus']))",
        older.display()
    ));

        let run = rehearse_on(&moto, "deploy");
        assert_code(&run, 0);
        assert_eq!(
            run.stderr.matches("changed itself: starting over").count(),
            1,
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("✔ ProdBackend/BackendStack.Deploy ("),
            "{}",
            run.stderr
        );
        assert_eq!(
            deployed(&moto)["stacks"]["ProdBackend-BackendStack"],
            "CREATE_COMPLETE"
        );
    }

    /// Every (account, region, stack) given exists and its last operation succeeded (a
    /// support stack is created by the set-up and updated by the SupportStacks action).
    fn assert_created(moto: &Moto, stacks: &[(&str, &str, &str)]) {
        for (account, region, stack) in stacks {
            let state = deployed_in(moto, account, region);
            let status = state["stacks"][stack].as_str().unwrap_or_default();
            assert!(
                status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE",
                "{stack} in {account}/{region}: {state}"
            );
        }
    }

    #[test]
    fn the_orders_example_runs_end_to_end_and_its_verify_finds_the_table() {
        let _serial = serial();
        support::orders::plant_zips(&rehearse_dir());
        let moto = Moto::start("rehearse-orders");
        let run = rehearse_on(&moto, support::orders::PROGRAM);
        assert_code(&run, 0);
        for action in [
            "Build/Synth",
            "Assets/orders-api-x86_64",
            "Assets/orders-worker-x86_64",
            "Dev/Shop.Deploy",
            "Dev/Verify",
            "Prod/Promote_to_Prod",
            "Prod/Shop.Deploy",
        ] {
            assert!(
                run.stderr.contains(&format!("✔ {action} (")),
                "{action}:\n{}",
                run.stderr
            );
        }
        let dev = moto.python(
            "cfn = client('cloudformation')\n\
             outputs = {o['OutputKey']: o['OutputValue'] for o in cfn.describe_stacks(StackName='Dev-Shop')['Stacks'][0]['Outputs']}\n\
             table = client('dynamodb').describe_table(TableName=outputs['OrdersTableName'])['Table']\n\
             print(json.dumps({'output': outputs['OrdersTableName'], 'table': table['TableName'], 'status': table['TableStatus']}))",
        );
        assert_eq!(dev["table"], dev["output"], "{dev}");
        assert_eq!(dev["status"], "ACTIVE", "{dev}");
        let table = dev["table"].as_str().unwrap();
        assert!(
            table.starts_with("Dev-Shop-OrdersTable"),
            "a generated name: {table}"
        );
        let verify = std::fs::read_to_string(rehearse_dir().join("logs/Dev.Verify.log")).unwrap();
        assert!(
            verify.contains(&format!("found the table {table}")),
            "{verify}"
        );
        let synth = std::fs::read_to_string(rehearse_dir().join("logs/Build.Synth.log")).unwrap();
        assert!(
            !synth.contains("Compiling orders v"),
            "the Synth action built the functions again instead of finding the shared zips:\n{synth}"
        );
    }

    #[test]
    fn a_broadening_approval_waits_only_for_changes_that_broaden() {
        let _serial = serial();
        let moto = Moto::start("rehearse-broadening");
        let on_moto = ["--endpoint", moto.endpoint.as_str()];
        let check_log = rehearse_dir().join("logs/Prod.CheckBroadening.log");

        // The first deployment adds the function's role: the check leaves the approval to a
        // person, and without one the run stops there.
        let first = rehearse("rehearse_broadening", &on_moto, &[]);
        assert_code(&first, 3);
        assert!(
            first.stderr.contains("✔ Prod/CheckBroadening ("),
            "{}",
            first.stderr
        );
        let waits = first
            .stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("{}", first.stderr));
        assert!(
            waits.contains("Prod/Promote waits for a manual approval"),
            "{waits}"
        );
        let log = std::fs::read_to_string(&check_log).unwrap();
        assert!(
        log.contains("broadens: Prod-ServiceStack: HandlerRole (AWS::IAM::Role) grants or changes permissions"),
        "{log}"
    );
        assert!(log.contains("Promote waits for a person"), "{log}");

        // A person approves it (the command line stands in): the stage deploys.
        let second = rehearse(
            "rehearse_broadening",
            &["--approve", "Promote", "--endpoint", &moto.endpoint],
            &[],
        );
        assert_code(&second, 0);
        assert!(
            second.stderr.contains("✔ Prod/Promote (")
                && second.stderr.contains("approved (command line)"),
            "{}",
            second.stderr
        );
        assert_eq!(
            deployed(&moto)["stacks"]["Prod-ServiceStack"],
            "CREATE_COMPLETE"
        );

        // Nothing changes now: the check finds the approval's token in the pipeline's state
        // and approves it, and the run goes on by itself.
        let third = rehearse("rehearse_broadening", &on_moto, &[]);
        assert_code(&third, 0);
        assert!(
        third.stderr.contains(
            "approved (PutApprovalResult): No change set of Prod broadens permissions, replaces or removes a resource: approved by Prod/CheckBroadening"
        ),
        "{}",
        third.stderr
    );
        assert!(
            third.stderr.contains("✔ Prod/ServiceStack.Deploy ("),
            "{}",
            third.stderr
        );
        let log = std::fs::read_to_string(&check_log).unwrap();
        assert!(
            log.contains("no change set broadens") && log.contains("approved Promote"),
            "{log}"
        );
    }

    /// The data-loss check runs in the rehearsal as on CodePipeline: the first deployment
    /// of a table loses nothing; a new key for it (moto's change sets do not say it
    /// replaces: the templates do) fails the check of a stage without an approval, before
    /// anything executes, and the item written before is still there.
    #[test]
    fn a_stage_that_would_replace_a_table_stops_before_executing() {
        let _serial = serial();
        let moto = Moto::start("rehearse-data-loss");
        let on_moto = ["--endpoint", moto.endpoint.as_str()];
        let check_log = rehearse_dir().join("logs/Dev.CheckDataLoss.log");

        let first = rehearse("deploy_table", &on_moto, &[]);
        assert_code(&first, 0);
        let log = std::fs::read_to_string(&check_log).unwrap();
        assert!(
            log.contains("no change set of Dev replaces or deletes a table, bucket or queue"),
            "{log}"
        );
        let table = moto.python(
            "table = client('cloudformation').describe_stack_resource(StackName='Dev-Shop', LogicalResourceId='OrdersTable')['StackResourceDetail']['PhysicalResourceId']\n\
             client('dynamodb').put_item(TableName=table, Item={'id': {'S': 'o-1'}})\n\
             print(json.dumps(table))",
        );

        // The pipeline deployed, the Synth action builds the program with the new key.
        let rekeyed = rehearse(
            "deploy_table",
            &[
                "--build-env",
                "TABLE_PROGRAM=deploy_table_rekeyed",
                "--endpoint",
                &moto.endpoint,
            ],
            &[],
        );
        assert_code(&rekeyed, 1);
        assert!(
            rekeyed.stderr.contains("✘ Dev/CheckDataLoss ("),
            "{}",
            rekeyed.stderr
        );
        assert!(
            !rekeyed.stderr.contains("▶ Dev/Shop.Deploy"),
            "nothing executes: {}",
            rekeyed.stderr
        );
        let log = std::fs::read_to_string(&check_log).unwrap();
        assert!(
            log.contains("loses data: Dev-Shop: OrdersTable (AWS::DynamoDB::Table) is replaced (the new one starts empty): KeySchema changes"),
            "{log}"
        );
        let item = moto.python(&format!(
            "print(json.dumps(client('dynamodb').get_item(TableName={table}, Key={{'id': {{'S': 'o-1'}}}}).get('Item')))"
        ));
        assert_eq!(item, serde_json::json!({"id": {"S": "o-1"}}));
    }

    /// A stage with an approval: the approval waits for a person when a change set loses
    /// data, whatever its `when` says (moto's change sets report no replacement, so only
    /// the data-loss check sees it, and the broadening check reads what it found), and it
    /// shows what is lost; nothing executes meanwhile.
    #[test]
    fn an_approval_waits_for_a_person_when_the_change_sets_lose_data() {
        let _serial = serial();
        let moto = Moto::start("rehearse-data-loss-gated");
        let on_moto = ["--endpoint", moto.endpoint.as_str()];

        // Nothing lost, nothing broadens: the broadening check approves by itself.
        let first = rehearse("deploy_table_gated", &on_moto, &[]);
        assert_code(&first, 0);
        assert!(
            first.stderr.contains("approved (PutApprovalResult)"),
            "{}",
            first.stderr
        );

        let rekeyed = rehearse(
            "deploy_table_gated",
            &[
                "--build-env",
                "TABLE_PROGRAM=deploy_table_gated_rekeyed",
                "--endpoint",
                &moto.endpoint,
            ],
            &[],
        );
        assert_code(&rekeyed, 3);
        let waits = rekeyed
            .stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("{}", rekeyed.stderr));
        assert!(
            waits.contains("Dev/Promote waits for a manual approval (the change sets lose data: Dev-Shop: OrdersTable is replaced (the new one starts empty): KeySchema changes)"),
            "{waits}"
        );
        assert!(
            !rekeyed.stderr.contains("▶ Dev/Shop.Deploy"),
            "nothing executes: {}",
            rekeyed.stderr
        );
        let log =
            std::fs::read_to_string(rehearse_dir().join("logs/Dev.CheckBroadening.log")).unwrap();
        assert!(
            log.contains("Promote waits for a person: LOSES DATA: "),
            "{log}"
        );
    }
}
