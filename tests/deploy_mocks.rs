//! The deployment paths that moto does not model, against the AWS SDK's own test tooling
//! (`aws-smithy-mocks`: the real clients, with responses given per operation): failed
//! resources and CloudFormation's reasons, rollbacks, recovery from `ROLLBACK_COMPLETE`,
//! waiting for a stack another run left in progress, throttling, outputs, empty change
//! sets, approvals, leftover change sets, large templates, failed deletions.

use std::time::Duration;

use aws_sdk_cloudformation::error::ErrorMetadata;
use aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetOutput;
use aws_sdk_cloudformation::operation::delete_change_set::DeleteChangeSetOutput;
use aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput;
use aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsOutput;
use aws_sdk_cloudformation::operation::describe_stacks::{
    DescribeStacksError, DescribeStacksOutput,
};
use aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetOutput;
use aws_sdk_cloudformation::operation::get_template::GetTemplateOutput;
use aws_sdk_cloudformation::operation::list_change_sets::ListChangeSetsOutput;
use aws_sdk_cloudformation::primitives::DateTime;
use aws_sdk_cloudformation::types::{
    Change, ChangeAction, ChangeSetStatus, ChangeSetSummary, ChangeSetType, ChangeType,
    ExecutionStatus, Output, Replacement, RequiresRecreation, ResourceAttribute, ResourceChange,
    ResourceChangeDetail, ResourceStatus, ResourceTargetDefinition, Stack, StackEvent, StackStatus,
};
use aws_sdk_cloudformation::Client as CloudFormation;
use aws_sdk_s3::operation::head_object::{HeadObjectError, HeadObjectOutput};
use aws_sdk_s3::operation::put_object::PutObjectOutput;
use aws_sdk_ssm::operation::get_parameter::{GetParameterError, GetParameterOutput};
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use pipewright::app::{App, StackArtifact, StackRole, StatefulType};
use pipewright::deploy::assets::AssetBuilder;
use pipewright::deploy::changes::Approval;
use pipewright::deploy::stack::{self, Outcome, StackSpec};
use pipewright::deploy::{Clients, Console, DeployOptions, Environment, Session};

const ACCOUNT: &str = "111111111111";
const REGION: &str = "us-west-2";
const NAME: &str = "PreProdBackend-BackendStack";
const STACK_ID: &str =
    "arn:aws:cloudformation:us-west-2:111111111111:stack/PreProdBackend-BackendStack/1";
const TEMPLATE: &str = r#"{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 2048}}}}"#;

fn environment(cfn: &[&Rule], s3: &[&Rule], ssm: &[&Rule]) -> Environment {
    let retries = |b: aws_sdk_cloudformation::config::Builder| {
        b.retry_config(pipewright::deploy::clients::retry_config())
            .region(aws_sdk_cloudformation::config::Region::new(REGION))
    };
    // No other run's change set, unless a test says otherwise (its rules come first).
    let no_other_runs = mock!(CloudFormation::list_change_sets)
        .then_output(|| ListChangeSetsOutput::builder().build());
    let cfn: Vec<&Rule> = cfn.iter().copied().chain([&no_other_runs]).collect();
    let clients = Clients {
        cloudformation: mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, &cfn, retries),
        s3: mock_client!(aws_sdk_s3, RuleMode::MatchAny, s3, |b| b
            .region(aws_sdk_s3::config::Region::new(REGION))),
        ssm: mock_client!(aws_sdk_ssm, RuleMode::MatchAny, ssm),
        sts: mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[]),
        // No test here reaches Lambda (`deploy --hotswap` is tested on moto).
        lambda: aws_sdk_lambda::Client::from_conf(
            aws_sdk_lambda::Config::builder()
                .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
                .region(aws_sdk_lambda::config::Region::new(REGION))
                .build(),
        ),
    };
    Environment::new(ACCOUNT, REGION, "hnb659fds", clients)
}

fn options(approval: Approval) -> DeployOptions {
    DeployOptions {
        approval,
        poll_interval: Duration::from_millis(1),
        force: false,
        allow_replace: Vec::new(),
    }
}

fn spec(template: &str) -> StackSpec {
    StackSpec {
        name: NAME.into(),
        template: template.into(),
        parameters: Vec::new(),
        tags: vec![("pipewright:pipeline".into(), "BackendPipeline".into())],
        protected: false,
        stateful_types: Vec::new(),
    }
}

fn stack(status: &str) -> Stack {
    Stack::builder()
        .stack_name(NAME)
        .stack_id(STACK_ID)
        .stack_status(StackStatus::from(status))
        .creation_time(DateTime::from_secs(0))
        .tags(
            aws_sdk_cloudformation::types::Tag::builder()
                .key("pipewright:pipeline")
                .value("BackendPipeline")
                .build(),
        )
        .build()
}

fn with_outputs(mut s: Stack, outputs: &[(&str, &str)]) -> Stack {
    s.outputs = Some(
        outputs
            .iter()
            .map(|(k, v)| Output::builder().output_key(*k).output_value(*v).build())
            .collect(),
    );
    s
}

fn described(s: Stack) -> DescribeStacksOutput {
    DescribeStacksOutput::builder().stacks(s).build()
}

fn missing() -> DescribeStacksError {
    DescribeStacksError::generic(
        ErrorMetadata::builder()
            .code("ValidationError")
            .message(format!("Stack with id {NAME} does not exist"))
            .build(),
    )
}

fn event(id: &str, logical: &str, kind: &str, status: &str, reason: Option<&str>) -> StackEvent {
    StackEvent::builder()
        .stack_id(STACK_ID)
        .stack_name(NAME)
        .event_id(id)
        .logical_resource_id(logical)
        .resource_type(kind)
        .resource_status(ResourceStatus::from(status))
        .set_resource_status_reason(reason.map(str::to_owned))
        .timestamp(DateTime::from_secs(1_700_000_000))
        .build()
}

/// Events, newest first (as CloudFormation lists them).
fn events(list: Vec<StackEvent>) -> DescribeStackEventsOutput {
    DescribeStackEventsOutput::builder()
        .set_stack_events(Some(list))
        .build()
}

/// A change whose details say that changing `property` requires recreating the resource.
fn recreating(mut change: Change, property: &str) -> Change {
    let detail = ResourceChangeDetail::builder()
        .target(
            ResourceTargetDefinition::builder()
                .attribute(ResourceAttribute::Properties)
                .name(property)
                .requires_recreation(RequiresRecreation::Always)
                .build(),
        )
        .build();
    if let Some(rc) = change.resource_change.as_mut() {
        rc.details = Some(vec![detail]);
    }
    change
}

fn change(action: &str, logical: &str, kind: &str, replacement: Option<&str>) -> Change {
    Change::builder()
        .r#type(ChangeType::Resource)
        .resource_change(
            ResourceChange::builder()
                .action(ChangeAction::from(action))
                .logical_resource_id(logical)
                .resource_type(kind)
                .set_replacement(replacement.map(Replacement::from))
                .build(),
        )
        .build()
}

fn change_set_ready(changes: Vec<Change>) -> DescribeChangeSetOutput {
    DescribeChangeSetOutput::builder()
        .status(ChangeSetStatus::CreateComplete)
        .set_changes(Some(changes))
        .build()
}

/// A change set that modifies the function in place.
fn function_modified() -> DescribeChangeSetOutput {
    change_set_ready(vec![change(
        "Modify",
        "Fn",
        "AWS::Lambda::Function",
        Some("False"),
    )])
}

/// The events of a stack whose update is complete.
fn update_complete() -> DescribeStackEventsOutput {
    events(vec![event(
        "e0",
        NAME,
        "AWS::CloudFormation::Stack",
        "UPDATE_COMPLETE",
        None,
    )])
}

fn created() -> CreateChangeSetOutput {
    CreateChangeSetOutput::builder()
        .id("arn:aws:cloudformation:us-west-2:111111111111:changeSet/pipewright-deploy/1")
        .stack_id(STACK_ID)
        .build()
}

fn review_event() -> StackEvent {
    event(
        "e0",
        NAME,
        "AWS::CloudFormation::Stack",
        "REVIEW_IN_PROGRESS",
        Some("User Initiated"),
    )
}

#[tokio::test]
async fn a_failed_first_create_names_each_failed_resource_with_its_reason() {
    let describe = mock!(CloudFormation::describe_stacks)
        .sequence()
        .error(missing)
        .output(|| described(stack("ROLLBACK_COMPLETE")))
        .repeatedly()
        .build();
    let create = mock!(CloudFormation::create_change_set)
        .match_requests(|r| r.change_set_type() == Some(&ChangeSetType::Create))
        .then_output(created);
    let describe_change_set = mock!(CloudFormation::describe_change_set).then_output(|| {
        change_set_ready(vec![
            change(
                "Add",
                "BackendServerFunction",
                "AWS::Lambda::Function",
                None,
            ),
            change("Add", "BackendApi", "AWS::ApiGateway::RestApi", None),
        ])
    });
    let stack_events = mock!(CloudFormation::describe_stack_events)
        .sequence()
        .output(|| events(vec![review_event()]))
        .output(|| {
            events(vec![
                event("e6", NAME, "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", None),
                event("e5", "BackendServerFunction", "AWS::Lambda::Function", "DELETE_COMPLETE", None),
                event("e4", NAME, "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS", Some("The following resource(s) failed to create: [BackendApi, BackendServerFunction].")),
                // Listed before the failure that caused it (same second): the causes
                // still come first in the message.
                event("e3", "BackendServerFunction", "AWS::Lambda::Function", "CREATE_FAILED", Some("Resource handler returned message: \"Uploaded file must be a non-empty zip\" (RequestToken: 1, HandlerErrorCode: InvalidRequest)")),
                event("e2", "BackendApi", "AWS::ApiGateway::RestApi", "CREATE_FAILED", Some("Resource creation cancelled")),
                event("e1", NAME, "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", Some("User Initiated")),
                review_event(),
            ])
        })
        .build();
    let execute = mock!(CloudFormation::execute_change_set)
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let env = environment(
        &[
            &describe,
            &create,
            &describe_change_set,
            &stack_events,
            &execute,
        ],
        &[],
        &[],
    );
    let console = Console::capturing(Vec::new());
    let error = stack::deploy_stack(&env, &spec(TEMPLATE), &options(Approval::Never), &console)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "PreProdBackend-BackendStack: deployment failed (ROLLBACK_COMPLETE): \
         BackendServerFunction (AWS::Lambda::Function): Resource handler returned message: \"Uploaded file must be a non-empty zip\" (RequestToken: 1, HandlerErrorCode: InvalidRequest); \
         BackendApi (AWS::ApiGateway::RestApi): Resource creation cancelled \
         (the next deploy deletes the stack and creates it again)"
    );
    assert_eq!(execute.num_calls(), 1);
    let lines = console.captured();
    assert!(
        lines.iter().any(|l| l.contains("| CREATE_FAILED | AWS::Lambda::Function | BackendServerFunction | Resource handler returned message")),
        "one line per event: {lines:#?}"
    );
}

#[tokio::test]
async fn a_stack_left_in_rollback_complete_is_deleted_and_created_again() {
    let describe = mock!(CloudFormation::describe_stacks)
        .sequence()
        .output(|| described(stack("ROLLBACK_COMPLETE")))
        // Waiting for the deletion.
        .output(|| described(stack("DELETE_COMPLETE")))
        // Waiting for the new create.
        .output(|| {
            described(with_outputs(
                stack("CREATE_COMPLETE"),
                &[(
                    "BackendApiUrl",
                    "https://abc.execute-api.us-west-2.amazonaws.com/prod/",
                )],
            ))
        })
        .build();
    let delete = mock!(CloudFormation::delete_stack)
        .match_requests(|r| r.stack_name() == Some(STACK_ID))
        .then_output(|| DeleteStackOutput::builder().build());
    let create = mock!(CloudFormation::create_change_set)
        .match_requests(|r| r.change_set_type() == Some(&ChangeSetType::Create))
        .then_output(created);
    let describe_change_set = mock!(CloudFormation::describe_change_set)
        .then_output(|| change_set_ready(vec![change("Add", "Fn", "AWS::Lambda::Function", None)]));
    let stack_events =
        mock!(CloudFormation::describe_stack_events).then_output(|| events(vec![review_event()]));
    let execute = mock!(CloudFormation::execute_change_set)
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let env = environment(
        &[
            &describe,
            &delete,
            &create,
            &describe_change_set,
            &stack_events,
            &execute,
        ],
        &[],
        &[],
    );
    let console = Console::capturing(Vec::new());
    let outcome = stack::deploy_stack(&env, &spec(TEMPLATE), &options(Approval::Never), &console)
        .await
        .unwrap();
    assert_eq!(delete.num_calls(), 1);
    assert_eq!(create.num_calls(), 1);
    assert_eq!(
        outcome.outputs(),
        [(
            "BackendApiUrl".to_owned(),
            "https://abc.execute-api.us-west-2.amazonaws.com/prod/".to_owned()
        )]
    );
    assert!(
        console.captured().iter().any(|l| l.contains(
            "ROLLBACK_COMPLETE after a failed first create: deleting it to create it again"
        )),
        "{:#?}",
        console.captured()
    );
}

#[tokio::test]
async fn a_stack_another_run_left_in_progress_is_waited_for() {
    let describe = mock!(CloudFormation::describe_stacks)
        .sequence()
        .output(|| described(stack("UPDATE_IN_PROGRESS")))
        .output(|| described(stack("UPDATE_IN_PROGRESS")))
        .times(3)
        .output(|| described(stack("UPDATE_COMPLETE")))
        .repeatedly()
        .build();
    let stack_events = mock!(CloudFormation::describe_stack_events).then_output(|| {
        events(vec![event(
            "e9",
            "Fn",
            "AWS::Lambda::Function",
            "UPDATE_COMPLETE",
            None,
        )])
    });
    let template = mock!(CloudFormation::get_template)
        .then_output(|| GetTemplateOutput::builder().template_body(TEMPLATE).build());
    let env = environment(&[&describe, &stack_events, &template], &[], &[]);
    let console = Console::capturing(Vec::new());
    let outcome = stack::deploy_stack(&env, &spec(TEMPLATE), &options(Approval::Never), &console)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::NoChanges {
            outputs: Vec::new()
        }
    );
    let lines = console.captured();
    assert!(
        lines.iter().any(|l| l.contains(
            "UPDATE_IN_PROGRESS (another deployment, or an interrupted run): waiting for it"
        )),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("the operation in progress ended in UPDATE_COMPLETE")),
        "{lines:#?}"
    );
    assert!(describe.num_calls() >= 5, "{}", describe.num_calls());
}

const THROTTLED: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>";

#[tokio::test]
async fn throttled_calls_are_retried() {
    let describe = mock!(CloudFormation::describe_stacks)
        .sequence()
        .http_status(400, Some(THROTTLED.to_owned()))
        .times(3)
        .output(|| described(stack("UPDATE_COMPLETE")))
        .build();
    let template = mock!(CloudFormation::get_template)
        .sequence()
        .http_status(400, Some(THROTTLED.to_owned()))
        .output(|| GetTemplateOutput::builder().template_body(TEMPLATE).build())
        .build();
    let env = environment(&[&describe, &template], &[], &[]);
    let console = Console::capturing(Vec::new());
    let outcome = stack::deploy_stack(&env, &spec(TEMPLATE), &options(Approval::Never), &console)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::NoChanges {
            outputs: Vec::new()
        }
    );
    assert_eq!(
        describe.num_calls(),
        4,
        "three throttled answers, then the stack"
    );
    assert_eq!(template.num_calls(), 2);
}

#[tokio::test]
async fn throttling_that_outlasts_the_retries_fails_with_the_reason() {
    let describe = mock!(CloudFormation::describe_stacks)
        .sequence()
        .http_status(400, Some(THROTTLED.to_owned()))
        .repeatedly()
        .build();
    let env = environment(&[&describe], &[], &[]);
    let error = stack::deploy_stack(
        &env,
        &spec(TEMPLATE),
        &options(Approval::Never),
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap_err()
    .to_string();
    assert_eq!(
        error,
        "PreProdBackend-BackendStack: cannot describe the stack: Throttling: Rate exceeded"
    );
    assert_eq!(describe.num_calls(), 5, "the retry policy's attempts");
}

#[tokio::test]
async fn an_update_that_rolls_back_names_the_failed_resource() {
    let describe = mock!(CloudFormation::describe_stacks)
        .sequence()
        .output(|| described(stack("UPDATE_COMPLETE")))
        .output(|| described(stack("UPDATE_ROLLBACK_IN_PROGRESS")))
        .output(|| described(stack("UPDATE_ROLLBACK_COMPLETE")))
        .build();
    let template = mock!(CloudFormation::get_template)
        .then_output(|| GetTemplateOutput::builder().template_body("{}").build());
    let create = mock!(CloudFormation::create_change_set)
        .match_requests(|r| r.change_set_type() == Some(&ChangeSetType::Update))
        .then_output(created);
    let describe_change_set =
        mock!(CloudFormation::describe_change_set).then_output(function_modified);
    let stack_events = mock!(CloudFormation::describe_stack_events)
        .sequence()
        .output(|| events(vec![event("e0", NAME, "AWS::CloudFormation::Stack", "UPDATE_COMPLETE", None)]))
        .output(|| {
            events(vec![
                event("e2", "Fn", "AWS::Lambda::Function", "UPDATE_FAILED", Some("Resource handler returned message: \"MemorySize value failed to satisfy constraint\"")),
                event("e1", NAME, "AWS::CloudFormation::Stack", "UPDATE_IN_PROGRESS", None),
                event("e0", NAME, "AWS::CloudFormation::Stack", "UPDATE_COMPLETE", None),
            ])
        })
        .output(|| events(vec![event("e3", NAME, "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE", None)]))
        .build();
    let execute = mock!(CloudFormation::execute_change_set)
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let env = environment(
        &[
            &describe,
            &template,
            &create,
            &describe_change_set,
            &stack_events,
            &execute,
        ],
        &[],
        &[],
    );
    let console = Console::capturing(Vec::new());
    let error = stack::deploy_stack(&env, &spec(TEMPLATE), &options(Approval::Never), &console)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "PreProdBackend-BackendStack: deployment failed (UPDATE_ROLLBACK_COMPLETE): Fn (AWS::Lambda::Function): Resource handler returned message: \"MemorySize value failed to satisfy constraint\""
    );
    let table = console.captured().join("\n");
    assert!(
        table.contains("Modify  Fn          AWS::Lambda::Function  False"),
        "{table}"
    );
}

#[tokio::test]
async fn after_a_rolled_back_update_a_change_set_decides_even_for_the_same_template() {
    let describe = mock!(CloudFormation::describe_stacks)
        .then_output(|| described(stack("UPDATE_ROLLBACK_COMPLETE")));
    let template = mock!(CloudFormation::get_template)
        .then_output(|| GetTemplateOutput::builder().template_body(TEMPLATE).build());
    let create = mock!(CloudFormation::create_change_set).then_output(created);
    let describe_change_set = mock!(CloudFormation::describe_change_set).then_output(|| {
        DescribeChangeSetOutput::builder()
            .status(ChangeSetStatus::Failed)
            .status_reason("The submitted information didn't contain changes.")
            .build()
    });
    let delete_change_set = mock!(CloudFormation::delete_change_set)
        .then_output(|| DeleteChangeSetOutput::builder().build());
    let env = environment(
        &[
            &describe,
            &template,
            &create,
            &describe_change_set,
            &delete_change_set,
        ],
        &[],
        &[],
    );
    let outcome = stack::deploy_stack(
        &env,
        &spec(TEMPLATE),
        &options(Approval::Never),
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        Outcome::NoChanges {
            outputs: Vec::new()
        }
    );
    assert_eq!(create.num_calls(), 1);
}

#[tokio::test]
async fn an_empty_change_set_is_deleted_and_nothing_runs() {
    let describe = mock!(CloudFormation::describe_stacks)
        .then_output(|| described(with_outputs(stack("UPDATE_COMPLETE"), &[("K", "V")])));
    // The deployed template differs in form only: CloudFormation finds nothing to do.
    let template = mock!(CloudFormation::get_template).then_output(|| {
        GetTemplateOutput::builder()
            .template_body(r#"{"Resources": {}}"#)
            .build()
    });
    let create = mock!(CloudFormation::create_change_set).then_output(created);
    let describe_change_set = mock!(CloudFormation::describe_change_set).then_output(|| {
        DescribeChangeSetOutput::builder()
            .status(ChangeSetStatus::Failed)
            .status_reason("The submitted information didn't contain changes. Submit different information to create a change set.")
            .build()
    });
    let delete_change_set = mock!(CloudFormation::delete_change_set)
        .then_output(|| DeleteChangeSetOutput::builder().build());
    let execute = mock!(CloudFormation::execute_change_set)
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let env = environment(
        &[
            &describe,
            &template,
            &create,
            &describe_change_set,
            &delete_change_set,
            &execute,
        ],
        &[],
        &[],
    );
    let console = Console::capturing(Vec::new());
    let outcome = stack::deploy_stack(&env, &spec(TEMPLATE), &options(Approval::Never), &console)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::NoChanges {
            outputs: vec![("K".into(), "V".into())]
        }
    );
    assert_eq!(delete_change_set.num_calls(), 1);
    assert_eq!(execute.num_calls(), 0);
    assert!(console.captured().contains(&format!("{NAME}: no changes")));
}

/// Options that let the risky update replace its table (what is asked about here).
fn allowing_the_table(approval: Approval) -> DeployOptions {
    DeployOptions {
        allow_replace: vec!["Table".into()],
        ..options(approval)
    }
}

fn risky_update(answers: Vec<bool>) -> (Environment, Rule, Rule, Console) {
    let describe = mock!(CloudFormation::describe_stacks)
        .sequence()
        .output(|| described(stack("UPDATE_COMPLETE")))
        .output(|| described(stack("UPDATE_COMPLETE")))
        .repeatedly()
        .build();
    let template = mock!(CloudFormation::get_template)
        .then_output(|| GetTemplateOutput::builder().template_body("{}").build());
    let create = mock!(CloudFormation::create_change_set).then_output(created);
    let describe_change_set = mock!(CloudFormation::describe_change_set).then_output(|| {
        change_set_ready(vec![
            change("Add", "NewRole", "AWS::IAM::Role", None),
            change("Modify", "Table", "AWS::DynamoDB::Table", Some("True")),
            change("Modify", "Fn", "AWS::Lambda::Function", Some("False")),
        ])
    });
    let delete_change_set = mock!(CloudFormation::delete_change_set)
        .then_output(|| DeleteChangeSetOutput::builder().build());
    let stack_events = mock!(CloudFormation::describe_stack_events).then_output(update_complete);
    let execute = mock!(CloudFormation::execute_change_set)
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let env = environment(
        &[
            &describe,
            &template,
            &create,
            &describe_change_set,
            &delete_change_set,
            &stack_events,
            &execute,
        ],
        &[],
        &[],
    );
    (env, execute, delete_change_set, Console::capturing(answers))
}

#[tokio::test]
async fn require_approval_asks_before_iam_changes_and_replacements() {
    let (env, execute, delete_change_set, console) = risky_update(vec![false]);
    let error = stack::deploy_stack(
        &env,
        &spec(TEMPLATE),
        &allowing_the_table(Approval::Broadening),
        &console,
    )
    .await
    .unwrap_err()
    .to_string();
    assert_eq!(
        error,
        "PreProdBackend-BackendStack: changes not approved (changes permissions: NewRole; replaces Table); nothing was deployed"
    );
    assert_eq!(execute.num_calls(), 0);
    assert_eq!(delete_change_set.num_calls(), 1);
    assert!(
        console.captured().iter().any(|l| l
            == &format!(
                "{NAME}: changes permissions: NewRole; replaces Table. Deploy these changes?"
            )),
        "{:#?}",
        console.captured()
    );

    let (env, execute, _, console) = risky_update(vec![true]);
    stack::deploy_stack(
        &env,
        &spec(TEMPLATE),
        &allowing_the_table(Approval::Broadening),
        &console,
    )
    .await
    .unwrap();
    assert_eq!(execute.num_calls(), 1);

    // Without --require-approval, nothing is asked.
    let (env, execute, _, console) = risky_update(Vec::new());
    stack::deploy_stack(
        &env,
        &spec(TEMPLATE),
        &allowing_the_table(Approval::Never),
        &console,
    )
    .await
    .unwrap();
    assert_eq!(execute.num_calls(), 1);
}

/// The deployed template of the data-loss tests: a table keyed by `id`, retained.
const TABLE_TEMPLATE: &str = r#"{"Resources": {"OrdersTable": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}}}}"#;

/// An update whose change set shows `change`, over a stack deployed with
/// [`TABLE_TEMPLATE`]; the execute and delete-change-set rules to count calls with.
fn table_update(change: Change) -> (Environment, Rule, Rule) {
    update_over(TABLE_TEMPLATE, change)
}

/// An update whose change set shows `change`, over a stack deployed with `deployed`.
fn update_over(deployed: &'static str, change: Change) -> (Environment, Rule, Rule) {
    let describe =
        mock!(CloudFormation::describe_stacks).then_output(|| described(stack("UPDATE_COMPLETE")));
    let template = mock!(CloudFormation::get_template)
        .then_output(move || GetTemplateOutput::builder().template_body(deployed).build());
    let create = mock!(CloudFormation::create_change_set).then_output(created);
    let describe_change_set = mock!(CloudFormation::describe_change_set)
        .then_output(move || change_set_ready(vec![change.clone()]));
    let delete_change_set = mock!(CloudFormation::delete_change_set)
        .then_output(|| DeleteChangeSetOutput::builder().build());
    let stack_events = mock!(CloudFormation::describe_stack_events).then_output(update_complete);
    let execute = mock!(CloudFormation::execute_change_set)
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let env = environment(
        &[
            &describe,
            &template,
            &create,
            &describe_change_set,
            &delete_change_set,
            &stack_events,
            &execute,
        ],
        &[],
        &[],
    );
    (env, execute, delete_change_set)
}

/// The table's key changes: the new template.
fn rekeyed() -> String {
    TABLE_TEMPLATE.replace("\"id\"", "\"pk\"")
}

#[tokio::test]
async fn a_change_set_that_replaces_a_table_is_refused_naming_it_and_the_property() {
    let replaced = || {
        recreating(
            change(
                "Modify",
                "OrdersTable",
                "AWS::DynamoDB::Table",
                Some("True"),
            ),
            "KeySchema",
        )
    };
    // Whatever --require-approval says, and with a terminal to ask too: refused unasked.
    for (approval, answers) in [
        (Approval::Never, vec![]),
        (Approval::Broadening, vec![true]),
    ] {
        let (env, execute, delete_change_set) = table_update(replaced());
        let console = Console::capturing(answers);
        let error = stack::deploy_stack(&env, &spec(&rekeyed()), &options(approval), &console)
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "PreProdBackend-BackendStack: the change set loses data: OrdersTable (AWS::DynamoDB::Table) is replaced (the new one starts empty): KeySchema changes; nothing was deployed. To deploy it all the same, pass --allow-replace OrdersTable"
        );
        assert!(!error.contains('\n'), "one line");
        assert_eq!(execute.num_calls(), 0, "nothing is executed");
        assert_eq!(
            delete_change_set.num_calls(),
            1,
            "the change set is deleted"
        );
        assert!(
            !console
                .captured()
                .iter()
                .any(|l| l.contains("Deploy these changes?")),
            "nobody is asked: {:#?}",
            console.captured()
        );
    }

    let (env, execute, _) = table_update(replaced());
    let allowed = DeployOptions {
        allow_replace: vec!["OrdersTable".into()],
        ..options(Approval::Never)
    };
    stack::deploy_stack(
        &env,
        &spec(&rekeyed()),
        &allowed,
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap();
    assert_eq!(
        execute.num_calls(),
        1,
        "--allow-replace OrdersTable executes it"
    );
}

/// A change set that does not say whether it replaces (as moto's do) is decided by the
/// deployed and the new template: a new key replaces, a new billing mode does not.
#[tokio::test]
async fn without_cloudformations_answer_the_templates_decide() {
    let unsaid = || change("Modify", "OrdersTable", "AWS::DynamoDB::Table", None);
    let (env, execute, _) = table_update(unsaid());
    let error = stack::deploy_stack(
        &env,
        &spec(&rekeyed()),
        &options(Approval::Never),
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("OrdersTable (AWS::DynamoDB::Table) is replaced (the new one starts empty): KeySchema changes"),
        "{error}"
    );
    assert_eq!(execute.num_calls(), 0);

    let billing = TABLE_TEMPLATE.replace(
        "\"Properties\": {",
        "\"Properties\": {\"BillingMode\": \"PAY_PER_REQUEST\", ",
    );
    let (env, execute, _) = table_update(unsaid());
    stack::deploy_stack(
        &env,
        &spec(&billing),
        &options(Approval::Never),
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap();
    assert_eq!(execute.num_calls(), 1);
}

/// The deployed template of a `resource` block that holds data: a Cognito user pool,
/// retained, whose `UserPoolName` its schema says is create-only.
const USER_POOL_TEMPLATE: &str = r#"{"Resources": {"Users": {"Type": "AWS::Cognito::UserPool", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {"UserPoolName": "users"}}}}"#;

/// A `resource` block whose type holds data (the stack's `stateful_types`) is kept like a
/// table: a change set that replaces it is refused, naming the create-only property; the
/// same change is not refused for a type nobody declared stateful.
#[tokio::test]
async fn a_stateful_resource_block_is_not_replaced_silently() {
    let unsaid = || change("Modify", "Users", "AWS::Cognito::UserPool", None);
    let renamed = USER_POOL_TEMPLATE.replace("\"users\"", "\"members\"");
    let pool = StackSpec {
        stateful_types: vec![StatefulType {
            type_name: "AWS::Cognito::UserPool".into(),
            replaced_by: vec!["UserPoolName".into(), "AliasAttributes".into()],
        }],
        ..spec(&renamed)
    };
    let (env, execute, _) = update_over(USER_POOL_TEMPLATE, unsaid());
    let error = stack::deploy_stack(
        &env,
        &pool,
        &options(Approval::Never),
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap_err()
    .to_string();
    assert_eq!(
        error,
        "PreProdBackend-BackendStack: the change set loses data: Users (AWS::Cognito::UserPool) is replaced (the new one starts empty): UserPoolName changes; nothing was deployed. To deploy it all the same, pass --allow-replace Users"
    );
    assert_eq!(execute.num_calls(), 0);

    let (env, execute, _) = update_over(USER_POOL_TEMPLATE, unsaid());
    stack::deploy_stack(
        &env,
        &spec(&renamed),
        &options(Approval::Never),
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap();
    assert_eq!(execute.num_calls(), 1, "not declared stateful: deployed");
}

#[tokio::test]
async fn removing_a_retained_table_keeps_it_and_is_not_refused() {
    let removed = || change("Remove", "OrdersTable", "AWS::DynamoDB::Table", None);
    let (env, execute, _) = table_update(removed());
    stack::deploy_stack(
        &env,
        &spec(r#"{"Resources": {}}"#),
        &options(Approval::Never),
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap();
    assert_eq!(
        execute.num_calls(),
        1,
        "DeletionPolicy Retain: nothing is lost"
    );
}

/// A run that finds another run's change set prepared and not executed waits for it
/// (here: the other run discards it), never deletes it, and uses a change set of its own.
#[tokio::test]
async fn a_pending_change_set_of_another_run_is_waited_for_and_left_alone() {
    let other = "pipewright-deploy-1700000000-0-4242";
    let pending = move || {
        ListChangeSetsOutput::builder()
            .summaries(
                ChangeSetSummary::builder()
                    .stack_name(NAME)
                    .change_set_name(other)
                    .status(ChangeSetStatus::CreateComplete)
                    .execution_status(ExecutionStatus::Available)
                    .creation_time(DateTime::from(std::time::SystemTime::now()))
                    .build(),
            )
            .build()
    };
    let list = mock!(CloudFormation::list_change_sets)
        .sequence()
        .output(pending)
        .output(pending)
        .output(|| ListChangeSetsOutput::builder().build())
        .build();
    let describe =
        mock!(CloudFormation::describe_stacks).then_output(|| described(stack("UPDATE_COMPLETE")));
    let template = mock!(CloudFormation::get_template)
        .then_output(|| GetTemplateOutput::builder().template_body("{}").build());
    let create = mock!(CloudFormation::create_change_set)
        .match_requests(move |r| {
            r.change_set_name()
                .is_some_and(|n| n.starts_with("pipewright-deploy-") && n != other)
        })
        .then_output(created);
    let delete_change_set = mock!(CloudFormation::delete_change_set)
        .then_output(|| DeleteChangeSetOutput::builder().build());
    let describe_change_set =
        mock!(CloudFormation::describe_change_set).then_output(function_modified);
    let stack_events = mock!(CloudFormation::describe_stack_events).then_output(update_complete);
    let execute = mock!(CloudFormation::execute_change_set)
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let env = environment(
        &[
            &list,
            &describe,
            &template,
            &create,
            &delete_change_set,
            &describe_change_set,
            &stack_events,
            &execute,
        ],
        &[],
        &[],
    );
    let console = Console::capturing(Vec::new());
    stack::deploy_stack(&env, &spec(TEMPLATE), &options(Approval::Never), &console)
        .await
        .unwrap();
    assert_eq!(list.num_calls(), 3);
    assert_eq!(delete_change_set.num_calls(), 0);
    assert_eq!(create.num_calls(), 1);
    assert_eq!(execute.num_calls(), 1);
    let notes = console.captured().join("\n");
    assert!(notes.contains(other), "{notes}");
}

/// Through the CDK's deploy role, which may not list change sets, a run goes on (it cannot
/// see other runs' pending change sets; it would learn of one only at execution).
#[tokio::test]
async fn a_deploy_role_that_cannot_list_change_sets_still_deploys() {
    let denied = mock!(CloudFormation::list_change_sets).then_error(|| {
        aws_sdk_cloudformation::operation::list_change_sets::ListChangeSetsError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("not authorized to perform: cloudformation:ListChangeSets")
                .build(),
        )
    });
    let describe =
        mock!(CloudFormation::describe_stacks).then_output(|| described(stack("UPDATE_COMPLETE")));
    let template = mock!(CloudFormation::get_template)
        .then_output(|| GetTemplateOutput::builder().template_body("{}").build());
    let create = mock!(CloudFormation::create_change_set).then_output(created);
    let describe_change_set =
        mock!(CloudFormation::describe_change_set).then_output(function_modified);
    let stack_events = mock!(CloudFormation::describe_stack_events).then_output(update_complete);
    let execute = mock!(CloudFormation::execute_change_set)
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let env = environment(
        &[
            &denied,
            &describe,
            &template,
            &create,
            &describe_change_set,
            &stack_events,
            &execute,
        ],
        &[],
        &[],
    );
    stack::deploy_stack(
        &env,
        &spec(TEMPLATE),
        &options(Approval::Never),
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap();
    assert_eq!(denied.num_calls(), 1);
    assert_eq!(execute.num_calls(), 1);
}

/// Executing a change set drops the stack's others: the run whose change set went says
/// so, in one line, instead of a raw AWS error.
#[tokio::test]
async fn a_run_overtaken_by_another_says_so() {
    let describe =
        mock!(CloudFormation::describe_stacks).then_output(|| described(stack("UPDATE_COMPLETE")));
    let template = mock!(CloudFormation::get_template)
        .then_output(|| GetTemplateOutput::builder().template_body("{}").build());
    let create = mock!(CloudFormation::create_change_set).then_output(created);
    let describe_change_set =
        mock!(CloudFormation::describe_change_set).then_output(function_modified);
    let stack_events = mock!(CloudFormation::describe_stack_events).then_output(update_complete);
    let execute = mock!(CloudFormation::execute_change_set).then_error(|| {
        aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetError::ChangeSetNotFoundException(
            aws_sdk_cloudformation::types::error::ChangeSetNotFoundException::builder()
                .message("ChangeSet [pipewright-deploy-1] does not exist")
                .meta(ErrorMetadata::builder().code("ChangeSetNotFound").build())
                .build(),
        )
    });
    let env = environment(
        &[
            &describe,
            &template,
            &create,
            &describe_change_set,
            &stack_events,
            &execute,
        ],
        &[],
        &[],
    );
    let error = stack::deploy_stack(
        &env,
        &spec(TEMPLATE),
        &options(Approval::Never),
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("another deploy run executed its change set"),
        "{error}"
    );
    assert!(!error.contains('\n'), "{error}");
}

#[tokio::test]
async fn a_template_over_the_inline_limit_is_deployed_from_the_asset_bucket() {
    let big = format!(
        r#"{{"Description": "{}", "Resources": {{}}}}"#,
        "x".repeat(stack::MAX_TEMPLATE_BODY)
    );
    let key = format!(
        "{}.json",
        pipewright::deploy::archive::sha256_hex(big.as_bytes())
    );
    let url = format!(
        "https://s3.us-west-2.amazonaws.com/cdk-hnb659fds-assets-111111111111-us-west-2/{key}"
    );
    let describe = mock!(CloudFormation::describe_stacks)
        .sequence()
        .error(missing)
        .output(|| described(stack("CREATE_COMPLETE")))
        .build();
    let expected_url = url.clone();
    let create = mock!(CloudFormation::create_change_set)
        .match_requests(move |r| {
            r.template_url() == Some(expected_url.as_str()) && r.template_body().is_none()
        })
        .then_output(created);
    let describe_change_set = mock!(CloudFormation::describe_change_set)
        .then_output(|| change_set_ready(vec![change("Add", "Fn", "AWS::Lambda::Function", None)]));
    let stack_events =
        mock!(CloudFormation::describe_stack_events).then_output(|| events(vec![review_event()]));
    let execute = mock!(CloudFormation::execute_change_set)
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let head = mock!(aws_sdk_s3::Client::head_object).then_error(|| {
        HeadObjectError::NotFound(aws_sdk_s3::types::error::NotFound::builder().build())
    });
    let expected_key = key.clone();
    let put = mock!(aws_sdk_s3::Client::put_object)
        .match_requests(move |r| {
            r.bucket() == Some("cdk-hnb659fds-assets-111111111111-us-west-2")
                && r.key() == Some(expected_key.as_str())
                && r.metadata().is_some_and(|m| m.contains_key("sha256"))
        })
        .then_output(|| PutObjectOutput::builder().build());
    let env = environment(
        &[
            &describe,
            &create,
            &describe_change_set,
            &stack_events,
            &execute,
        ],
        &[&head, &put],
        &[],
    );
    stack::deploy_stack(
        &env,
        &spec(&big),
        &options(Approval::Never),
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap();
    assert_eq!(put.num_calls(), 1);
    assert_eq!(create.num_calls(), 1);
}

#[tokio::test]
async fn a_failed_deletion_names_what_could_not_be_deleted() {
    let describe = mock!(CloudFormation::describe_stacks)
        .sequence()
        .output(|| described(stack("DELETE_IN_PROGRESS")))
        .output(|| described(stack("DELETE_FAILED")))
        .build();
    let delete =
        mock!(CloudFormation::delete_stack).then_output(|| DeleteStackOutput::builder().build());
    let stack_events = mock!(CloudFormation::describe_stack_events)
        .sequence()
        .output(|| {
            events(vec![event(
                "e0",
                NAME,
                "AWS::CloudFormation::Stack",
                "UPDATE_COMPLETE",
                None,
            )])
        })
        .output(|| {
            events(vec![
                event(
                    "e2",
                    "Bucket",
                    "AWS::S3::Bucket",
                    "DELETE_FAILED",
                    Some("The bucket you tried to delete is not empty"),
                ),
                event(
                    "e1",
                    NAME,
                    "AWS::CloudFormation::Stack",
                    "DELETE_IN_PROGRESS",
                    None,
                ),
                event(
                    "e0",
                    NAME,
                    "AWS::CloudFormation::Stack",
                    "UPDATE_COMPLETE",
                    None,
                ),
            ])
        })
        .output(|| events(vec![]))
        .repeatedly()
        .build();
    let env = environment(&[&describe, &delete, &stack_events], &[], &[]);
    let error = stack::delete_stack(
        &env,
        &stack("UPDATE_COMPLETE"),
        &options(Approval::Never),
        &Console::capturing(Vec::new()),
    )
    .await
    .unwrap_err()
    .to_string();
    assert_eq!(
        error,
        "PreProdBackend-BackendStack: deletion failed (DELETE_FAILED): Bucket (AWS::S3::Bucket): The bucket you tried to delete is not empty"
    );
}

fn app(template: &str) -> App {
    App {
        pipeline: "BackendPipeline".into(),
        stacks: vec![StackArtifact {
            name: NAME.into(),
            role: StackRole::Stage {
                stage: "PreProdBackend".into(),
                stack: "BackendStack".into(),
            },
            account: ACCOUNT.into(),
            region: REGION.into(),
            template: template.to_owned().into(),
            assets: Vec::new(),
            depends_on: Vec::new(),
            outputs: vec!["BackendApiUrl".into()],
            protected: false,
            stateful_types: Vec::new(),
            approval: None,
        }],
        assets: Vec::new(),
        qualifier: "hnb659fds".into(),
        workspace_root: env!("CARGO_MANIFEST_DIR").into(),
        package: env!("CARGO_PKG_NAME").into(),
    }
}

fn bootstrapped(version: &'static str) -> Rule {
    mock!(aws_sdk_ssm::Client::get_parameter)
        .match_requests(|r| r.name() == Some("/cdk-bootstrap/hnb659fds/version"))
        .then_output(move || {
            GetParameterOutput::builder()
                .parameter(
                    aws_sdk_ssm::types::Parameter::builder()
                        .value(version)
                        .build(),
                )
                .build()
        })
}

/// The stacks of the environment tagged for this pipeline (`DescribeStacks` without a
/// name): ours, and one of a stage the program no longer has.
fn listed_with_an_orphan() -> Rule {
    let mut orphan = stack("UPDATE_COMPLETE");
    orphan.stack_name = Some("RetiredStage-BackendStack".into());
    mock!(CloudFormation::describe_stacks)
        .match_requests(|r| r.stack_name().is_none())
        .then_output(move || {
            DescribeStacksOutput::builder()
                .stacks(stack("CREATE_COMPLETE"))
                .stacks(orphan.clone())
                .build()
        })
}

#[tokio::test]
async fn deploy_prints_the_stack_outputs_and_the_stacks_left_behind() {
    let listed = listed_with_an_orphan();
    let describe = mock!(CloudFormation::describe_stacks)
        .sequence()
        .error(missing)
        .output(|| {
            described(with_outputs(
                stack("CREATE_COMPLETE"),
                &[
                    (
                        "BackendApiUrl",
                        "https://abc.execute-api.us-west-2.amazonaws.com/prod/",
                    ),
                    (
                        "BackendServerFunctionName",
                        "PreProdBackend-BackendStack-Fn-1",
                    ),
                ],
            ))
        })
        .build();
    let create = mock!(CloudFormation::create_change_set).then_output(created);
    let describe_change_set = mock!(CloudFormation::describe_change_set)
        .then_output(|| change_set_ready(vec![change("Add", "Fn", "AWS::Lambda::Function", None)]));
    let stack_events =
        mock!(CloudFormation::describe_stack_events).then_output(|| events(vec![review_event()]));
    let execute = mock!(CloudFormation::execute_change_set)
        .then_output(|| ExecuteChangeSetOutput::builder().build());
    let version = bootstrapped("18");
    let env = environment(
        &[
            &listed,
            &describe,
            &create,
            &describe_change_set,
            &stack_events,
            &execute,
        ],
        &[],
        &[&version],
    );
    let app = app(TEMPLATE);
    let session = Session::with_environments(vec![env], Console::capturing(Vec::new()));
    let deployed = pipewright::deploy::deployment::run(
        &session,
        &app,
        &AssetBuilder::for_app(&app),
        &[NAME.to_owned()],
        false,
        &options(Approval::Never),
    )
    .await
    .unwrap();
    assert_eq!(deployed.len(), 1);
    let text = session.console.captured().join("\n");
    assert!(
        text.contains(
            "Outputs of PreProdBackend-BackendStack:\n  BackendApiUrl = https://abc.execute-api.us-west-2.amazonaws.com/prod/\n  BackendServerFunctionName = PreProdBackend-BackendStack-Fn-1"
        ),
        "{text}"
    );
    assert!(
        text.contains("Stack RetiredStage-BackendStack (")
            && text.contains("no longer in the program"),
        "a stack of a removed stage is reported: {text}"
    );
    assert!(
        !text.contains("Stack PreProdBackend-BackendStack ("),
        "{text}"
    );
}

#[tokio::test]
async fn deploy_refuses_an_environment_that_is_not_bootstrapped_or_too_old() {
    for (rule, expected) in [
        (
            mock!(aws_sdk_ssm::Client::get_parameter).then_error(|| {
                GetParameterError::ParameterNotFound(aws_sdk_ssm::types::error::ParameterNotFound::builder().build())
            }),
            "aws://111111111111/us-west-2 is not bootstrapped (no SSM parameter /cdk-bootstrap/hnb659fds/version): run `cargo run --bin deploy -- bootstrap` (or `cdk bootstrap aws://111111111111/us-west-2`)",
        ),
        (
            bootstrapped("5"),
            "aws://111111111111/us-west-2: bootstrap version 5 is older than the required 6: run `cargo run --bin deploy -- bootstrap` (or `cdk bootstrap aws://111111111111/us-west-2`)",
        ),
    ] {
        // The bootstrap stack is looked up (to tell "not bootstrapped" from "damaged").
        let toolkit = mock!(CloudFormation::describe_stacks)
            .match_requests(|r| r.stack_name() == Some("CDKToolkit"))
            .then_error(missing);
        let describe = mock!(CloudFormation::describe_stacks).then_error(missing);
        let env = environment(&[&toolkit, &describe], &[], &[&rule]);
        let app = app(TEMPLATE);
        let session = Session::with_environments(vec![env], Console::capturing(Vec::new()));
        let error = pipewright::deploy::deployment::run(
            &session,
            &app,
            &AssetBuilder::for_app(&app),
            &[],
            true,
            &options(Approval::Never),
        )
        .await
        .unwrap_err()
        .to_string();
        assert_eq!(error, expected);
        assert_eq!(describe.num_calls(), 0, "nothing deployed");
    }
}

#[tokio::test]
async fn an_asset_object_that_differs_from_this_machines_build_is_reported() {
    let key = "0123.zip";
    let head = mock!(aws_sdk_s3::Client::head_object).then_output(|| {
        HeadObjectOutput::builder()
            .metadata("sha256", "00".repeat(32))
            .build()
    });
    let env = environment(&[], &[&head], &[]);
    let remote = pipewright::deploy::publish::look_up(&env, key)
        .await
        .unwrap();
    let error = pipewright::deploy::publish::verify_same(
        "asset service/service (x86_64)",
        &env,
        key,
        &remote,
        b"zip bytes",
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.starts_with("asset service/service (x86_64): s3://cdk-hnb659fds-assets-111111111111-us-west-2/0123.zip holds a zip with SHA-256 0000"),
        "{error}"
    );
    assert!(
        error.contains("the build is not reproducible here"),
        "{error}"
    );
    // The same bytes are fine.
    let same = pipewright::deploy::publish::Remote::Present {
        sha256: Some(pipewright::deploy::archive::sha256_hex(b"zip bytes")),
    };
    pipewright::deploy::publish::verify_same("a", &env, key, &same, b"zip bytes").unwrap();
}
