//! The stateful blocks, links and events of a stack (docs/DSL.md's `stack Orders`, plus a
//! `Projector` lambda for the stream and topic events) synthesize to the template CDK's
//! constructs would make: grants per access level, link variables, event sources on the
//! `Current` alias, the dead-letter alarm in the canary, removal policies, outputs; and
//! cfn-lint finds nothing in it.

use std::process::Command;

use pipewright::app::App;
use pipewright::spec::{
    Access, Api, Architecture, Bucket, CodeBuild, ComputeType, DeadLetter, DeploymentConfig,
    Duration, Event, Index, Key, KeyType, Lambda, Link, Package, Pipeline, Program, Queue, Removal,
    Source, Stack, Stage, StartingPosition, StreamView, Synth, Table, Topic, DEFAULT_API_STAGE,
    DEFAULT_MEMORY_MB, DEFAULT_QUALIFIER, DEFAULT_TIMEOUT,
};
use serde_json::{json, Value};

fn key(name: &str, kind: KeyType) -> Key {
    Key {
        name: name.into(),
        kind,
    }
}

fn link(target: &str, access: Access) -> Link {
    Link {
        target: target.into(),
        access,
    }
}

fn lambda(name: &str, links: Vec<Link>, events: Vec<Event>) -> Lambda {
    Lambda {
        name: name.into(),
        package: "orders".into(),
        bin: name.to_lowercase(),
        description: None,
        memory: DEFAULT_MEMORY_MB,
        timeout: DEFAULT_TIMEOUT,
        architecture: Architecture::Arm64,
        environment: vec![("RUST_LOG".into(), "info".into())],
        alarm: Default::default(),
        deployment: DeploymentConfig::Linear10PercentEvery1Minute,
        links,
        events,
    }
}

/// DSL.md's `stack Orders`, and `Projector` reading the table's stream and the topic.
fn orders_stack() -> Stack {
    Stack {
        name: "Orders".into(),
        doc: None,
        tables: vec![Table {
            name: "Orders".into(),
            doc: None,
            partition_key: key("pk", KeyType::String),
            sort_key: Some(key("sk", KeyType::String)),
            indexes: vec![Index {
                name: "ByCustomer".into(),
                partition_key: key("customer", KeyType::String),
                sort_key: Some(key("placed", KeyType::Number)),
            }],
            ttl: Some("expires_at".into()),
            stream: Some(StreamView::NewAndOldImages),
            recovery: true,
            removal: Removal::Retain,
        }],
        queues: vec![Queue {
            name: "Jobs".into(),
            doc: None,
            visibility_timeout: Duration::from_secs(120),
            retention: Duration::from_secs(4 * 86_400),
            fifo: false,
            dead_letter: Some(DeadLetter { max_receives: 5 }),
        }],
        buckets: vec![Bucket {
            name: "Uploads".into(),
            doc: None,
            versioned: true,
            expire_after: Some(Duration::from_secs(30 * 86_400)),
            removal: Removal::Retain,
        }],
        topics: vec![Topic {
            name: "OrderEvents".into(),
            doc: None,
            fifo: false,
        }],
        lambdas: vec![
            lambda(
                "Api",
                vec![
                    link("Orders", Access::ReadWrite),
                    link("Jobs", Access::Send),
                    link("Uploads", Access::Read),
                    link("OrderEvents", Access::Publish),
                ],
                Vec::new(),
            ),
            lambda(
                "Worker",
                vec![link("Orders", Access::ReadWrite)],
                vec![Event::Queue {
                    queue: "Jobs".into(),
                    batch_size: 10,
                    window: Some(Duration::from_secs(5)),
                }],
            ),
            lambda(
                "Nightly",
                vec![link("Uploads", Access::ReadWrite)],
                vec![Event::Schedule {
                    expression: "cron(0 3 * * ? *)".into(),
                }],
            ),
            lambda(
                "Projector",
                vec![link("Orders", Access::Write)],
                vec![
                    Event::Stream {
                        table: "Orders".into(),
                        batch_size: 100,
                        start: StartingPosition::TrimHorizon,
                    },
                    Event::Topic {
                        topic: "OrderEvents".into(),
                    },
                ],
            ),
        ],
        apis: vec![Api {
            name: "OrdersApi".into(),
            handler: "Api".into(),
            description: None,
            binary_media_types: Vec::new(),
            cors: None,
            stage_name: DEFAULT_API_STAGE.into(),
        }],
    }
}

fn program(stack: Stack) -> Program {
    Program {
        pipeline: Pipeline {
            name: "Delivery".into(),
            doc: None,
            account: "111111111111".into(),
            region: "eu-central-1".into(),
            source: Source {
                repo: "acme/orders".into(),
                branch: "main".into(),
                connection: "arn:aws:codeconnections:eu-central-1:111111111111:connection/x".into(),
                trigger: Default::default(),
            },
            synth: Synth {
                install: Vec::new(),
                commands: vec!["cargo run -- synth".into()],
                output: "cdk.out".into(),
            },
            self_mutation: true,
            cross_account_keys: false,
            codebuild: CodeBuild {
                compute: ComputeType::Small,
                privileged: false,
                policy: Vec::new(),
                image: None,
            },
            qualifier: DEFAULT_QUALIFIER.into(),
            notifications: None,
        },
        stages: vec![Stage {
            name: "Dev".into(),
            doc: None,
            account: "111111111111".into(),
            region: "eu-central-1".into(),
            environment: vec![("STAGE".into(), "dev".into())],
            approval: None,
            stacks: vec![stack.name.clone()],
            pre: Vec::new(),
            verify: Vec::new(),
            protect: false,
            wave: None,
        }],
        stacks: vec![stack],
        waves: Vec::new(),
        packages: vec![Package {
            name: "orders".into(),
            dir: "orders".into(),
            source_hash: "0".repeat(64),
        }],
        binary: "deploy".into(),
        package: "pipeline".into(),
        binary_kind: Default::default(),
    }
}

fn synthesized(stack: Stack) -> App {
    pipewright::synth::synthesize(&program(stack), ".").unwrap_or_else(|e| panic!("{e:?}"))
}

/// The template of the `Dev-Orders` stack.
fn orders_template() -> Value {
    let app = synthesized(orders_stack());
    let stack = app.stack("Dev-Orders").expect("the stage's stack");
    serde_json::from_str(&stack.template).unwrap()
}

fn resource<'a>(template: &'a Value, id: &str) -> &'a Value {
    let r = &template["Resources"][id];
    assert!(r.is_object(), "no resource {id}");
    r
}

fn statements(template: &Value, lambda: &str) -> Vec<Value> {
    resource(template, &format!("{lambda}Policy"))["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .clone()
}

fn actions(statement: &Value) -> Vec<&str> {
    match &statement["Action"] {
        Value::String(one) => vec![one.as_str()],
        many => many
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect(),
    }
}

#[test]
fn the_stateful_blocks_become_cdk_shaped_resources() {
    let t = orders_template();
    let table = resource(&t, "OrdersTable");
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    assert_eq!(table["DeletionPolicy"], "Retain");
    assert_eq!(table["UpdateReplacePolicy"], "Retain");
    let p = &table["Properties"];
    assert_eq!(p["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        p["AttributeDefinitions"],
        json!([
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "customer", "AttributeType": "S"},
            {"AttributeName": "placed", "AttributeType": "N"},
        ])
    );
    assert_eq!(
        p["GlobalSecondaryIndexes"][0]["Projection"],
        json!({"ProjectionType": "ALL"})
    );
    assert_eq!(
        p["StreamSpecification"],
        json!({"StreamViewType": "NEW_AND_OLD_IMAGES"})
    );
    assert_eq!(
        p["TimeToLiveSpecification"],
        json!({"AttributeName": "expires_at", "Enabled": true})
    );
    assert_eq!(
        p["PointInTimeRecoverySpecification"],
        json!({"PointInTimeRecoveryEnabled": true})
    );
    assert!(p.get("TableName").is_none(), "no physical name");

    let jobs = resource(&t, "JobsQueue");
    assert_eq!(jobs["DeletionPolicy"], "Delete");
    assert_eq!(jobs["Properties"]["VisibilityTimeout"], 120);
    assert_eq!(jobs["Properties"]["SqsManagedSseEnabled"], true);
    assert_eq!(
        jobs["Properties"]["RedrivePolicy"],
        json!({"deadLetterTargetArn": {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]}, "maxReceiveCount": 5})
    );
    assert_eq!(
        resource(&t, "JobsDeadLetterQueue")["Properties"]["MessageRetentionPeriod"],
        1_209_600
    );
    for policy in [
        "JobsQueuePolicy",
        "JobsDeadLetterQueuePolicy",
        "UploadsBucketPolicy",
    ] {
        let deny = &resource(&t, policy)["Properties"]["PolicyDocument"]["Statement"][0];
        assert_eq!(deny["Effect"], "Deny", "{policy}");
        assert_eq!(
            deny["Condition"],
            json!({"Bool": {"aws:SecureTransport": "false"}})
        );
    }

    let uploads = resource(&t, "UploadsBucket");
    assert_eq!(uploads["DeletionPolicy"], "Retain");
    assert_eq!(
        uploads["Properties"]["VersioningConfiguration"],
        json!({"Status": "Enabled"})
    );
    assert_eq!(
        uploads["Properties"]["LifecycleConfiguration"],
        json!({"Rules": [{"ExpirationInDays": 30, "Status": "Enabled"}]})
    );
    assert_eq!(
        resource(&t, "OrderEventsTopic")["Properties"],
        json!({"KmsMasterKeyId": "alias/aws/sns"})
    );
}

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
        json!([{"Arn": {"Ref": "NightlyAlias"}, "Id": "Nightly"}])
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
fn the_outputs_are_the_stacks_output_names() {
    let stack = orders_stack();
    let app = synthesized(stack.clone());
    let artifact = app.stack("Dev-Orders").unwrap();
    let t: Value = serde_json::from_str(&artifact.template).unwrap();
    let names: Vec<&str> = t["Outputs"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, stack.output_names());
    assert_eq!(
        artifact
            .outputs
            .iter()
            .map(|o| o.as_ref())
            .collect::<Vec<_>>(),
        stack.output_names()
    );
    let value = |name: &str| t["Outputs"][name]["Value"].clone();
    assert_eq!(value("OrdersTableName"), json!({"Ref": "OrdersTable"}));
    assert_eq!(value("JobsQueueUrl"), json!({"Ref": "JobsQueue"}));
    assert_eq!(
        value("JobsDeadLetterQueueUrl"),
        json!({"Ref": "JobsDeadLetterQueue"})
    );
    assert_eq!(value("UploadsBucketName"), json!({"Ref": "UploadsBucket"}));
    assert_eq!(
        value("OrderEventsTopicArn"),
        json!({"Ref": "OrderEventsTopic"})
    );
}

#[test]
fn a_tables_logical_id_does_not_depend_on_other_blocks() {
    let mut bigger = orders_stack();
    let mut first = bigger.tables[0].clone();
    first.name = "Audit".into();
    bigger.tables.insert(0, first);
    bigger.queues.clear();
    bigger.lambdas.truncate(1);
    bigger.lambdas[0].links.retain(|l| l.target != "Jobs");
    let app = synthesized(bigger);
    let t: Value = serde_json::from_str(&app.stack("Dev-Orders").unwrap().template).unwrap();
    assert_eq!(
        resource(&t, "OrdersTable"),
        resource(&orders_template(), "OrdersTable")
    );
}

#[test]
fn destroy_and_no_recovery_are_written_as_asked() {
    let mut stack = orders_stack();
    stack.tables[0].removal = Removal::Destroy;
    stack.tables[0].recovery = false;
    stack.buckets[0].removal = Removal::Destroy;
    let app = synthesized(stack);
    let t: Value = serde_json::from_str(&app.stack("Dev-Orders").unwrap().template).unwrap();
    assert_eq!(resource(&t, "OrdersTable")["DeletionPolicy"], "Delete");
    assert_eq!(resource(&t, "OrdersTable")["UpdateReplacePolicy"], "Delete");
    assert!(resource(&t, "OrdersTable")["Properties"]
        .get("PointInTimeRecoverySpecification")
        .is_none());
    assert_eq!(resource(&t, "UploadsBucket")["DeletionPolicy"], "Delete");
}

#[test]
fn a_bucket_event_is_refused_not_dropped() {
    let mut stack = orders_stack();
    stack.lambdas[0].events.push(Event::Bucket {
        bucket: "Uploads".into(),
        on: vec![pipewright::spec::BucketEvent::Created],
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
fn cfn_lint_finds_nothing_in_the_template() {
    let app = synthesized(orders_stack());
    let dir = std::env::temp_dir().join(format!("pipewright-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("Dev-Orders.template.json");
    std::fs::write(&path, app.stack("Dev-Orders").unwrap().template.as_bytes()).unwrap();
    let output = Command::new("cfn-lint").arg(&path).output().unwrap_or_else(|e| {
        panic!("cannot run cfn-lint ({e}): install it with `python3 -m pip install cfn-lint` (.ci/setup does)")
    });
    assert!(
        output.status.success() && output.stdout.is_empty(),
        "cfn-lint findings in {}:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
