//! DSL.md's `stack Orders` as a hand-built program, and readers of its template.

use pipewright::app::App;
use pipewright::spec::{
    Access, Api, Architecture, Bucket, CodeBuild, ComputeType, DeadLetter, DeploymentConfig,
    Duration, Event, Index, Key, KeyType, Lambda, Link, Package, Pipeline, Program, Queue, Removal,
    Source, Stack, Stage, StartingPosition, StreamView, Synth, Table, Topic, DEFAULT_API_STAGE,
    DEFAULT_MEMORY_MB, DEFAULT_QUALIFIER, DEFAULT_TIMEOUT,
};
use serde_json::Value;

pub fn key(name: &str, kind: KeyType) -> Key {
    Key {
        name: name.into(),
        kind,
    }
}

pub fn link(target: &str, access: Access) -> Link {
    Link {
        target: target.into(),
        access,
    }
}

pub fn lambda(name: &str, links: Vec<Link>, events: Vec<Event>) -> Lambda {
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
pub fn orders_stack() -> Stack {
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
        resources: Vec::new(),
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

pub fn program(stack: Stack) -> Program {
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
        select_package: false,
    }
}

pub fn synthesized(stack: Stack) -> App {
    pipewright::synth::synthesize(&program(stack), ".").unwrap_or_else(|e| panic!("{e:?}"))
}

/// The template of the `Dev-Orders` stack.
pub fn orders_template() -> Value {
    let app = synthesized(orders_stack());
    let stack = app.stack("Dev-Orders").expect("the stage's stack");
    serde_json::from_str(&stack.template).unwrap()
}

pub fn resource<'a>(template: &'a Value, id: &str) -> &'a Value {
    let r = &template["Resources"][id];
    assert!(r.is_object(), "no resource {id}");
    r
}

pub fn statements(template: &Value, lambda: &str) -> Vec<Value> {
    resource(template, &format!("{lambda}Policy"))["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .clone()
}

pub fn actions(statement: &Value) -> Vec<&str> {
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
