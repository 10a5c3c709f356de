//! `deploy --hotswap` on moto, with the program `hotswap` (tests/bins/hotswap.rs): the
//! orders example's stack, whose `Api` runs another binary or has another environment from
//! one variant to the next, as successive edits would give it.
//!
//! What moto cannot show: a function's update that takes time (its `LastUpdateStatus` is
//! `Successful` at once), an invocation of the new code (moto's Lambda needs Docker to run
//! one), and Lambda's refusal to publish a version when nothing changed since the last one
//! (aws-cdk #28237, which the hot swap's description marker prevents).

mod support;

use std::path::PathBuf;
use std::time::Instant;

use serde_json::Value as Json;
use support::{orders, Moto, Run};

/// The stage stack the tests deploy and hot-swap.
const STACK: &str = "Dev-Shop";

fn program() -> PathBuf {
    support::test_program("hotswap")
}

/// Runs the program's `variant` against moto with the tests' Lambda build settings.
fn run_variant(moto: &Moto, variant: &str, args: &[&str]) -> Run {
    let mut env = moto.aws_env();
    env.extend(orders::build_env());
    env.push(("HOTSWAP_VARIANT".into(), variant.into()));
    support::run_program(&program(), &env, args, "")
}

/// Deploys the stack with the `api` variant, the ordinary way.
fn deployed(name: &str) -> Moto {
    orders::lambda_zips();
    let moto = Moto::start(name);
    run_variant(&moto, "api", &["bootstrap"]).success();
    run_variant(
        &moto,
        "api",
        &["deploy", "--require-approval", "never", STACK],
    )
    .success();
    moto
}

/// The stack's status, last update and number of events; what `Current` of the `Api`
/// function points at (its version, that version's code and `STAGE`); the `Worker`'s code.
fn state(moto: &Moto) -> Json {
    moto.python(&format!(
        r#"
cfn = client('cloudformation')
stack = cfn.describe_stacks(StackName='{STACK}')['Stacks'][0]
events = len(cfn.describe_stack_events(StackName='{STACK}')['StackEvents'])
physical = {{r['LogicalResourceId']: r['PhysicalResourceId'] for r in cfn.list_stack_resources(StackName='{STACK}')['StackResourceSummaries']}}
lam = client('lambda')
version = lam.get_alias(FunctionName=physical['ApiFunction'], Name='Current')['FunctionVersion']
current = lam.get_function_configuration(FunctionName=physical['ApiFunction'], Qualifier=version)
print(json.dumps({{
  'status': stack['StackStatus'],
  'updated': str(stack.get('LastUpdatedTime')),
  'events': events,
  'version': version,
  'code': current['CodeSha256'],
  'stage': current.get('Environment', {{}}).get('Variables', {{}}).get('STAGE'),
  'worker_code': lam.get_function_configuration(FunctionName=physical['WorkerFunction'])['CodeSha256'],
}}))
"#
    ))
}

/// Hot-swaps the stack with `variant`: no change set, the stack untouched; returns the run
/// and the new state.
fn hot_swap(moto: &Moto, variant: &str, before: &Json) -> (Run, Json) {
    let started = Instant::now();
    let run = run_variant(moto, variant, &["--stats", "deploy", "--hotswap", STACK]).success();
    eprintln!(
        "deploy --hotswap ({variant}): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    for operation in [
        "CloudFormation.CreateChangeSet",
        "CloudFormation.ExecuteChangeSet",
    ] {
        assert_eq!(run.calls(operation), 0, "{operation}: {}", run.all());
    }
    let after = state(moto);
    for unchanged in ["status", "updated", "events"] {
        assert_eq!(
            after[unchanged],
            before[unchanged],
            "no CloudFormation update ({unchanged}): {}",
            run.all()
        );
    }
    assert_ne!(
        after["version"],
        before["version"],
        "a new version: {}",
        run.all()
    );
    (run, after)
}

#[test]
fn a_hot_swap_changes_the_code_behind_current_without_cloudformation_twice_in_a_row() {
    let moto = deployed("moto-hotswap");
    let first = state(&moto);
    let (api_code, worker_code) = (first["code"].clone(), first["worker_code"].clone());
    assert_ne!(api_code, worker_code, "two different zips: {first}");
    assert_eq!(first["stage"], "dev");

    // New code: `Current` serves the worker's zip.
    let (run, second) = hot_swap(&moto, "worker", &first);
    assert!(
        run.stdout
            .contains(&format!("{STACK}: hot-swapped ApiFunction (")),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains(&format!(
            "Current -> {}",
            second["version"].as_str().unwrap()
        )),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains(&format!(
            "{STACK}: hot-swapped ApiFunction without CloudFormation: the stack differs from its template until the next full deploy (`deploy {STACK}`)"
        )),
        "{}",
        run.all()
    );
    assert_eq!(second["code"], worker_code, "{second}");

    // A new environment, the alias moved again (CDK's hot swap fails here: aws-cdk-cli #628).
    let (_, third) = hot_swap(&moto, "worker-env", &second);
    assert_eq!(third["code"], worker_code, "{third}");
    assert_eq!(third["stage"], "dev2", "{third}");

    // Back to the deployed template's code: the program's template is the deployed one
    // again, and the hot swap puts back what an earlier one changed.
    let (run, fourth) = hot_swap(&moto, "api", &third);
    assert!(
        run.stdout
            .contains(&format!("{STACK}: restored ApiFunction (")),
        "{}",
        run.all()
    );
    assert_eq!(fourth["code"], api_code, "{fourth}");
    assert_eq!(fourth["stage"], "dev", "{fourth}");

    // Nothing differs any more: nothing to do.
    let run = run_variant(&moto, "api", &["deploy", "--hotswap", STACK]).success();
    assert!(
        run.stdout.contains(&format!(
            "{STACK}: no code or environment differs from the template: nothing to hot-swap"
        )),
        "{}",
        run.all()
    );
}

#[test]
fn a_table_change_under_hotswap_falls_back_to_a_change_set_and_says_so() {
    let moto = deployed("moto-hotswap-fallback");
    let before = state(&moto);
    let run = run_variant(
        &moto,
        "ttl",
        &[
            "--stats",
            "deploy",
            "--hotswap",
            "--require-approval",
            "never",
            STACK,
        ],
    )
    .success();
    assert!(
        run.stdout.contains(&format!(
            "{STACK}: cannot hot-swap: OrdersTable (AWS::DynamoDB::Table) changes its TimeToLiveSpecification; deploying it through a change set"
        )),
        "{}",
        run.all()
    );
    assert_eq!(
        run.calls("CloudFormation.ExecuteChangeSet"),
        1,
        "{}",
        run.all()
    );
    let after = state(&moto);
    assert_ne!(after["events"], before["events"], "a CloudFormation update");
}

#[test]
fn a_stage_behind_an_approval_or_protected_is_refused_in_one_line() {
    let moto = Moto::start("moto-hotswap-refused");
    for (stack, reason) in [
        (
            "Prod-Shop",
            "its stage Prod deploys after the approval `Promote to Prod`",
        ),
        ("Live", "its stage Live is protected (`protect: true`)"),
    ] {
        let run = run_variant(&moto, "api", &["deploy", "--hotswap", stack]);
        assert_eq!(run.code, Some(1), "{}", run.all());
        assert_eq!(
            run.stderr.trim(),
            format!(
                "error: --hotswap refused for {}: {reason}; deploy it without --hotswap",
                if stack == "Live" { "Live-Shop" } else { stack }
            ),
            "{}",
            run.all()
        );
    }
    let run = run_variant(&moto, "api", &["deploy", "--hotswap"]);
    assert_eq!(run.code, Some(1), "{}", run.all());
    assert!(
        run.stderr.contains("--hotswap needs the stacks"),
        "{}",
        run.all()
    );
}
