//! Links (grants, variables) and events (to the alias, the dead-letter alarm).

use pipewright::spec::{Access, BucketEvent, Event};
use serde_json::json;

use crate::program::*;

#[test]
fn links_grant_what_cdk_grants_and_name_the_resource() {
    let t = orders_template();
    let api = statements(&t, "Api");
    let table_and_indexes = json!([
        {"Fn::GetAtt": ["OrdersTable", "Arn"]},
        {"Fn::Sub": "${OrdersTable.Arn}/index/*"},
    ]);
    assert_eq!(
        actions(&api[0]),
        [
            "dynamodb:BatchGetItem",
            "dynamodb:Query",
            "dynamodb:GetItem",
            "dynamodb:Scan",
            "dynamodb:ConditionCheckItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:DescribeTable",
        ]
    );
    assert_eq!(api[0]["Resource"], table_and_indexes);
    assert_eq!(
        actions(&api[1]),
        ["dynamodb:GetRecords", "dynamodb:GetShardIterator"]
    );
    assert_eq!(
        actions(&api[2]),
        [
            "sqs:SendMessage",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl"
        ]
    );
    assert_eq!(
        api[2]["Resource"],
        json!({"Fn::GetAtt": ["JobsQueue", "Arn"]})
    );
    assert_eq!(
        actions(&api[3]),
        ["s3:GetObject*", "s3:GetBucket*", "s3:List*"]
    );
    assert_eq!(
        api[3]["Resource"],
        json!([{"Fn::GetAtt": ["UploadsBucket", "Arn"]}, {"Fn::Sub": "${UploadsBucket.Arn}/*"}])
    );
    assert_eq!(
        api[4],
        json!({"Effect": "Allow", "Action": "sns:Publish", "Resource": {"Ref": "OrderEventsTopic"}})
    );
    assert_eq!(api.len(), 5);

    let nightly = statements(&t, "Nightly");
    assert_eq!(
        actions(&nightly[0]),
        [
            "s3:GetObject*",
            "s3:GetBucket*",
            "s3:List*",
            "s3:DeleteObject*",
            "s3:PutObject",
            "s3:PutObjectLegalHold",
            "s3:PutObjectRetention",
            "s3:PutObjectTagging",
            "s3:PutObjectVersionTagging",
            "s3:Abort*",
        ]
    );
    let projector = statements(&t, "Projector");
    assert_eq!(
        actions(&projector[0]),
        [
            "dynamodb:BatchWriteItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:DescribeTable"
        ]
    );
    assert_eq!(
        projector[1],
        json!({"Effect": "Allow", "Action": "dynamodb:ListStreams", "Resource": "*"})
    );
    assert_eq!(
        projector[2]["Resource"],
        json!({"Fn::GetAtt": ["OrdersTable", "StreamArn"]})
    );
    assert_eq!(projector.len(), 3, "Write has no stream statement");

    let function = resource(&t, "ApiFunction");
    assert_eq!(function["DependsOn"], json!(["ApiPolicy"]));
    assert_eq!(
        function["Properties"]["Environment"]["Variables"],
        json!({
            "JOBS_QUEUE_URL": {"Ref": "JobsQueue"},
            "ORDERS_TABLE_NAME": {"Ref": "OrdersTable"},
            "ORDER_EVENTS_TOPIC_ARN": {"Ref": "OrderEventsTopic"},
            "RUST_LOG": "info",
            "STAGE": "dev",
            "UPLOADS_BUCKET_NAME": {"Ref": "UploadsBucket"},
        })
    );
}

#[test]
fn events_reach_the_current_alias() {
    let t = orders_template();
    let worker = statements(&t, "Worker");
    assert_eq!(
        actions(&worker[2]),
        [
            "sqs:ReceiveMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueUrl",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes"
        ],
        "the queue event consumes the queue"
    );
    let mapping = &resource(&t, "WorkerJobsEventSource")["Properties"];
    assert_eq!(mapping["FunctionName"], json!({"Ref": "WorkerAlias"}));
    assert_eq!(
        mapping["EventSourceArn"],
        json!({"Fn::GetAtt": ["JobsQueue", "Arn"]})
    );
    assert_eq!(mapping["BatchSize"], 10);
    assert_eq!(mapping["MaximumBatchingWindowInSeconds"], 5);
    assert_eq!(
        mapping["FunctionResponseTypes"],
        json!(["ReportBatchItemFailures"])
    );

    let stream = &resource(&t, "ProjectorOrdersEventSource")["Properties"];
    assert_eq!(stream["FunctionName"], json!({"Ref": "ProjectorAlias"}));
    assert_eq!(
        stream["EventSourceArn"],
        json!({"Fn::GetAtt": ["OrdersTable", "StreamArn"]})
    );
    assert_eq!(stream["StartingPosition"], "TRIM_HORIZON");

    let rule = &resource(&t, "NightlySchedule")["Properties"];
    assert_eq!(rule["ScheduleExpression"], "cron(0 3 * * ? *)");
    assert_eq!(
        rule["Targets"],
        json!([{"Arn": {"Ref": "NightlyAlias"}, "Id": "Current"}])
    );
    let invoke = &resource(&t, "NightlySchedulePermission")["Properties"];
    assert_eq!(invoke["FunctionName"], json!({"Ref": "NightlyAlias"}));
    assert_eq!(invoke["Principal"], "events.amazonaws.com");
    assert_eq!(
        invoke["SourceArn"],
        json!({"Fn::GetAtt": ["NightlySchedule", "Arn"]})
    );

    let subscription = &resource(&t, "ProjectorOrderEventsSubscription")["Properties"];
    assert_eq!(subscription["Protocol"], "lambda");
    assert_eq!(subscription["TopicArn"], json!({"Ref": "OrderEventsTopic"}));
    let invoke = &resource(&t, "ProjectorOrderEventsPermission")["Properties"];
    assert_eq!(invoke["Principal"], "sns.amazonaws.com");
    assert_eq!(invoke["SourceArn"], json!({"Ref": "OrderEventsTopic"}));
}

#[test]
fn a_dead_letter_queue_with_messages_rolls_its_consumers_back() {
    let t = orders_template();
    let alarm = &resource(&t, "JobsDeadLetterAlarm")["Properties"];
    assert_eq!(alarm["MetricName"], "ApproximateNumberOfMessagesVisible");
    assert_eq!(alarm["ComparisonOperator"], "GreaterThanThreshold");
    assert_eq!(alarm["Threshold"], 0.0);
    assert_eq!(
        alarm["Dimensions"],
        json!([{"Name": "QueueName", "Value": {"Fn::GetAtt": ["JobsDeadLetterQueue", "QueueName"]}}])
    );
    let alarms = |lambda: &str| {
        resource(&t, &format!("{lambda}DeploymentGroup"))["Properties"]["AlarmConfiguration"]
            ["Alarms"]
            .clone()
    };
    assert_eq!(
        alarms("Worker"),
        json!([{"Name": {"Ref": "WorkerErrorsAlarm"}}, {"Name": {"Ref": "JobsDeadLetterAlarm"}}])
    );
    // Sending to the queue is no reason to be rolled back by its dead letters.
    assert_eq!(alarms("Api"), json!([{"Name": {"Ref": "ApiErrorsAlarm"}}]));
}

#[test]
fn a_bucket_event_is_refused_not_dropped() {
    let mut stack = orders_stack();
    stack.lambdas[0].events.push(Event::Bucket {
        bucket: "Uploads".into(),
        on: vec![BucketEvent::Created],
        prefix: None,
        suffix: None,
    });
    let errors = pipewright::synth::synthesize(&program(stack), ".").unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("bucket `Uploads`")),
        "{errors:?}"
    );
}

#[test]
fn a_link_to_a_lambda_or_to_nothing_is_refused() {
    for (target, expected) in [
        (
            "Worker",
            "a lambda links tables, queues, buckets and topics",
        ),
        ("Ordrs", "which is no block of the stack"),
    ] {
        let mut stack = orders_stack();
        stack.lambdas[0].links.push(link(target, Access::Read));
        let errors = pipewright::synth::synthesize(&program(stack), ".").unwrap_err();
        assert!(
            errors.iter().any(|e| e.message.contains(expected)),
            "{errors:?}"
        );
    }
    let mut stack = orders_stack();
    stack.lambdas[0].links[1].access = Access::Read;
    let errors = pipewright::synth::synthesize(&program(stack), ".").unwrap_err();
    assert!(
        errors.iter().any(|e| e
            .message
            .contains("`Read` is not an access level of a queue")),
        "{errors:?}"
    );
}

#[test]
fn a_fifo_topic_cannot_start_a_function() {
    let mut stack = orders_stack();
    stack.topics[0].fifo = true;
    let errors = pipewright::synth::synthesize(&program(stack), ".").unwrap_err();
    assert!(
        errors.iter().any(|e| e.message.contains("FIFO topic")),
        "{errors:?}"
    );
}
