//! The stateful blocks, links and events lower to the model with DSL.md's defaults, and
//! every rule about them is reported, at the right token, in one pass.

use std::path::{Path, PathBuf};

use pipewright::spec::{
    Access, BucketEvent, DeadLetter, Duration, Event, Key, KeyType, Link, Program, Removal,
    StartingPosition, StreamView,
};
use pipewright_macros_core::{lower, syntax, workspace::Workspace};
use proc_macro2::TokenStream;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A program with this stack body (named `Orders`) and these extra stage fields.
fn program(stack: &str, stage: &str) -> TokenStream {
    format!(
        r#"
        pipeline Delivery {{
            account: "111111111111",
            region: "us-east-1",
            source: {{
                repo: "acme/orders",
                branch: "main",
                connection: "arn:aws:codeconnections:us-east-1:111111111111:connection/0f1e2d3c",
            }},
            synth: {{ commands: ["cargo run --bin deploy -- synth"] }},
        }}
        stack Orders {{ {stack} }}
        stage Prod {{ account: "111111111111", region: "us-east-1", {stage} }}
        "#
    )
    .parse()
    .unwrap()
}

fn lower(stack: &str, stage: &str) -> Result<Program, Vec<String>> {
    let ws = Workspace::load(&repo_root()).unwrap();
    let parsed: syntax::Program = syn::parse2(program(stack, stage)).unwrap();
    lower::lower(&parsed, Ok(&ws))
        .map(|l| l.program)
        .map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
}

/// The errors of a stack body that must not lower.
fn errors(stack: &str, stage: &str) -> Vec<String> {
    match lower(stack, stage) {
        Ok(_) => panic!("lowered, expected errors: {stack}"),
        Err(errors) => errors,
    }
}

fn assert_reported(errors: &[String], expected: &[&str]) {
    for e in expected {
        assert!(
            errors.iter().any(|m| m.contains(e)),
            "{e:?} not in {errors:#?}"
        );
    }
}

const EXAMPLE: &str = r#"
    /// Orders by id; a customer's orders by date.
    table Orders {
        partition_key: { name: "pk", type: String },
        sort_key: { name: "sk", type: String },
        indexes: [{ name: "ByCustomer", partition_key: { name: "customer", type: String }, sort_key: { name: "placed", type: Number } }],
        ttl: "expires_at",
        stream: NewAndOldImages,
    }
    queue Jobs { visibility_timeout: 2min, dead_letter: { max_receives: 5 } }
    bucket Uploads { versioned: true, expire_after: 30d }
    topic OrderEvents {}
    lambda Api {
        package: "service",
        link: { Orders: ReadWrite, Jobs: Send, Uploads: Read, OrderEvents: Publish },
    }
    lambda Worker {
        package: "service",
        timeout: 60s,
        events: [{ queue: Jobs, batch_size: 10, window: 5s }, { stream: Orders, start: Latest }],
        link: { Orders: ReadWrite },
    }
    lambda Nightly {
        package: "service",
        events: [{ schedule: "cron(0 3 * * ? *)" }, { topic: OrderEvents }, { bucket: Uploads, prefix: "in/" }],
        link: { Uploads: ReadWrite },
    }
    api OrdersApi { handler: Api }
"#;

#[test]
fn the_example_lowers_to_the_model() {
    let p = lower(EXAMPLE, "").unwrap_or_else(|e| panic!("{e:#?}"));
    let stack = &p.stacks[0];

    let table = stack.table("Orders").unwrap();
    assert_eq!(
        table.doc.as_deref(),
        Some("Orders by id; a customer's orders by date.")
    );
    let key = |name: &str, kind| Key {
        name: name.into(),
        kind,
    };
    assert_eq!(table.partition_key, key("pk", KeyType::String));
    assert_eq!(table.sort_key, Some(key("sk", KeyType::String)));
    assert_eq!(table.indexes[0].name, "ByCustomer");
    assert_eq!(
        table.indexes[0].sort_key,
        Some(key("placed", KeyType::Number))
    );
    assert_eq!(table.ttl.as_deref(), Some("expires_at"));
    assert_eq!(table.stream, Some(StreamView::NewAndOldImages));
    assert!(table.recovery, "point-in-time recovery is on by default");
    assert_eq!(table.removal, Removal::Retain);

    let queue = stack.queue("Jobs").unwrap();
    assert_eq!(queue.visibility_timeout, Duration::from_secs(120));
    assert_eq!(queue.retention, Duration::from_secs(4 * 86_400));
    assert!(!queue.fifo);
    assert_eq!(queue.dead_letter, Some(DeadLetter { max_receives: 5 }));

    let bucket = stack.bucket("Uploads").unwrap();
    assert!(bucket.versioned);
    assert_eq!(bucket.expire_after, Some(Duration::from_secs(30 * 86_400)));
    assert_eq!(bucket.removal, Removal::Retain);
    assert!(!stack.topic("OrderEvents").unwrap().fifo);

    let api = stack.lambda("Api").unwrap();
    let link = |target: &str, access| Link {
        target: target.into(),
        access,
    };
    assert_eq!(
        api.links,
        [
            link("Orders", Access::ReadWrite),
            link("Jobs", Access::Send),
            link("Uploads", Access::Read),
            link("OrderEvents", Access::Publish),
        ]
    );
    assert!(api.events.is_empty());
    assert_eq!(
        stack.lambda("Worker").unwrap().events,
        [
            Event::Queue {
                queue: "Jobs".into(),
                batch_size: 10,
                window: Some(Duration::from_secs(5)),
            },
            Event::Stream {
                table: "Orders".into(),
                batch_size: 100,
                start: StartingPosition::Latest,
            },
        ]
    );
    assert_eq!(
        stack.lambda("Nightly").unwrap().events,
        [
            Event::Schedule {
                expression: "cron(0 3 * * ? *)".into()
            },
            Event::Topic {
                topic: "OrderEvents".into()
            },
            Event::Bucket {
                bucket: "Uploads".into(),
                on: vec![BucketEvent::Created],
                prefix: Some("in/".into()),
                suffix: None,
            },
        ]
    );
    assert!(stack
        .output_names()
        .contains(&"JobsDeadLetterQueueUrl".to_owned()));
}

#[test]
fn defaults_apply_to_blocks_and_events_left_bare() {
    let p = lower(
        r#"
        table T { partition_key: { name: "id", type: Binary }, recovery: false, removal: Destroy }
        queue Q { fifo: true }
        bucket B {}
        topic N { fifo: true }
        lambda L { package: "service", timeout: 30s, events: [{ queue: Q }, { stream: T }] }
        "#,
        "",
    );
    // A stream event on a table without a stream is refused; the rest lowered first.
    let errors = p.unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("table `T` has no stream"));

    let p = lower(
        r#"
        table T { partition_key: { name: "id", type: Binary }, recovery: false, removal: Destroy, stream: KeysOnly }
        queue Q { fifo: true }
        bucket B {}
        topic N { fifo: true }
        lambda L { package: "service", timeout: 30s, events: [{ queue: Q }, { stream: T }] }
        "#,
        "",
    )
    .unwrap_or_else(|e| panic!("{e:#?}"));
    let stack = &p.stacks[0];
    let table = stack.table("T").unwrap();
    assert!(!table.recovery);
    assert_eq!(table.removal, Removal::Destroy);
    assert_eq!(table.stream, Some(StreamView::KeysOnly));
    let queue = stack.queue("Q").unwrap();
    assert_eq!(queue.visibility_timeout, Duration::from_secs(30));
    assert!(queue.fifo);
    assert_eq!(queue.dead_letter, None);
    let bucket = stack.bucket("B").unwrap();
    assert_eq!((bucket.versioned, bucket.expire_after), (false, None));
    assert_eq!(bucket.removal, Removal::Retain);
    assert!(stack.topic("N").unwrap().fifo);
    // Consuming a queue through `events` needs no `link`.
    let lambda = stack.lambda("L").unwrap();
    assert!(lambda.links.is_empty());
    assert_eq!(
        lambda.events,
        [
            Event::Queue {
                queue: "Q".into(),
                batch_size: 10,
                window: None
            },
            Event::Stream {
                table: "T".into(),
                batch_size: 100,
                start: StartingPosition::TrimHorizon
            }
        ]
    );
}

#[test]
fn every_rule_of_the_state_blocks_is_reported_in_one_pass() {
    let errors = errors(
        r#"
        table Orders {
            partition_key: { name: "pk", type: Integer },
            stream: NewImages,
            removal: Delete,
            recovry: true,
        }
        table Keyless {}
        queue Jobs { visibility_timeout: 13h, retention: 30s, dead_letter: { max_receives: 1001 } }
        bucket Uploads { expire_after: 36h }
        bucket Empty { expire_after: 0d }
        topic Jobs {}
        "#,
        "",
    );
    assert_reported(
        &errors,
        &[
            "unknown key type `Integer`; expected one of: `String`, `Number`, `Binary`",
            "unknown stream view `NewImages`; did you mean `NewImage`?",
            "unknown removal policy `Delete`",
            "unknown field `recovry` in table `Orders`; did you mean `recovery`?",
            "missing field `partition_key` in table `Keyless`",
            "`visibility_timeout` must be between 0s and 12h, found 13h",
            "`retention` must be between 1min and 14d, found 30s",
            "`max_receives` must be between 1 and 1000, found 1001",
            "`expire_after` is a whole number of days, at least one: write `2d`, found 36h",
            "write `1d`, found 0s",
            "duplicate name `Jobs` in stack `Orders`: queue `Jobs` above has it",
        ],
    );
    assert_eq!(errors.len(), 11, "{errors:#?}");
}

#[test]
fn every_rule_of_links_and_events_is_reported_in_one_pass() {
    let errors = errors(
        r#"
        table Orders { partition_key: { name: "pk", type: String } }
        queue Jobs { visibility_timeout: 30s }
        queue Fifo { fifo: true, visibility_timeout: 5min }
        topic OrderEvents {}
        lambda Api {
            package: "service",
            environment: { JOBS_QUEUE_URL: "x" },
            link: { Ordrs: Read, Worker: Read, Jobs: Send, OrderEvents: Publsh, Jobs: Send },
        }
        lambda Worker {
            package: "service",
            timeout: 60s,
            link: { Jobs: Read },
            events: [
                { quue: Jobs },
                { queue: Jobs, batch_size: 100 },
                { queue: Fifo, batch_size: 20, window: 6min },
                { queue: Orders },
                { topic: Events },
                { stream: Orders },
                { schedule: "rate(1 minutes)" },
                { schedule: "cron(0 3 * * * *)" },
                { bucket: Jobs, on: [Deleted] },
                { bucket: Jobs, on: [] },
                {},
                "queue",
            ],
        }
        "#,
        r#"environment: { ORDERS_TABLE_NAME: "x" }, stacks: [Orders]"#,
    );
    assert_reported(
        &errors,
        &[
            "no table, queue, bucket, topic or resource `Ordrs` in stack `Orders`; did you mean `Orders`?",
            "`Worker` is a lambda, not a table, queue, bucket, topic or resource",
            "queue `Jobs` takes `Send`, `Consume` or `SendConsume`, not `Read`",
            "topic `OrderEvents` takes `Publish`, not `Publsh`; did you mean `Publish`?",
            "`Jobs` is linked twice",
            "an event starts with its kind, `queue`, `schedule`, `topic`, `bucket` or `stream`, found `quue`; did you mean `queue`?",
            "a batch of more than 10 messages needs a `window`",
            "queue `Fifo` is FIFO: a batch holds at most 10 messages, found 20",
            "`window` must be between 0s and 5min, found 6min",
            "`Orders` is a table, not a queue",
            "no topic `Events` in stack `Orders`; the stack has topic `OrderEvents`",
            "table `Orders` has no stream",
            "write `rate(1 minute)`",
            "put `?` in exactly one of day-of-month and day-of-week",
            "`Jobs` is a queue, not a bucket",
            "unknown bucket event `Deleted`",
            "`on` is empty",
            "empty event",
            "an event is a group such as `{ queue: Jobs }`, found a string",
            "the visibility timeout of queue `Jobs` (30s) is shorter than the timeout of lambda `Worker` (1min)",
            "`JOBS_QUEUE_URL` is set by the link to queue `Jobs`: rename this variable",
        ],
    );
    assert_eq!(errors.len(), 22, "{errors:#?}");
}

#[test]
fn a_stage_variable_named_like_a_link_variable_is_refused() {
    let errors = errors(
        r#"
        topic OrderEvents {}
        lambda Api { package: "service", link: { OrderEvents: Publish } }
        "#,
        r#"environment: { ORDER_EVENTS_TOPIC_ARN: "x", STAGE: "prod" }"#,
    );
    assert_eq!(
        errors,
        ["`ORDER_EVENTS_TOPIC_ARN` is set by the link of lambda `Api` (stack `Orders`) to topic `OrderEvents`: rename this variable"]
    );
}

#[test]
fn a_misspelt_block_keyword_is_reported_once() {
    let errors = errors(
        r#"
        tabel Orders { partition_key: { name: "pk", type: String } }
        lambda Api { package: "service", link: { Orders: Read } }
        "#,
        "",
    );
    assert_eq!(
        errors,
        ["unknown block `tabel` in stack `Orders`; did you mean `table`?"]
    );
}

#[test]
fn a_link_name_written_as_a_string_is_looked_up_like_any_other() {
    let errors = errors(
        r#"
        table Orders { partition_key: { name: "pk", type: String } }
        lambda Api { package: "service", link: { "Orders": Read, "no such table": Read } }
        "#,
        "",
    );
    assert_eq!(
        errors,
        ["no table, queue, bucket, topic or resource `no such table` in stack `Orders`; the stack has table `Orders`"]
    );
}

/// A small deterministic generator: the same mutations on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

fn flatten(stream: TokenStream, out: &mut Vec<String>) {
    for tree in stream {
        match tree {
            proc_macro2::TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push(open.into());
                flatten(g.stream(), out);
                out.push(close.into());
            }
            other => out.push(other.to_string()),
        }
    }
}

/// Mutations of the example (a token removed, inserted or replaced) are errors or programs,
/// never a panic of the macro.
#[test]
fn no_mutation_of_the_example_makes_lowering_panic() {
    let ws = Workspace::load(&repo_root()).unwrap();
    let mut tokens = Vec::new();
    flatten(program(EXAMPLE, ""), &mut tokens);
    let vocabulary = [
        "table",
        "queue",
        "bucket",
        "topic",
        "link",
        "events",
        "stream",
        "schedule",
        "on",
        "batch_size",
        "window",
        "0",
        "99999999999",
        "4d",
        "0d",
        "-1",
        "\"\"",
        "\"a b\"",
        "\"rate(0 days)\"",
        "\"cron(* * * * * * *)\"",
        "Read",
        "Jobs",
        "Orders",
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
    ];
    let mut rng = XorShift(0x2545f4914f6cdd1d);
    let mut parsed = 0;
    for _ in 0..2000 {
        let mut mutated = tokens.clone();
        for _ in 0..1 + rng.next(4) {
            let at = rng.next(mutated.len());
            match rng.next(3) {
                0 => {
                    mutated.remove(at);
                }
                1 => mutated.insert(at, vocabulary[rng.next(vocabulary.len())].to_owned()),
                _ => mutated[at] = vocabulary[rng.next(vocabulary.len())].to_owned(),
            }
        }
        let Ok(stream) = mutated.join(" ").parse::<TokenStream>() else {
            continue;
        };
        if let Ok(program) = syn::parse2::<syntax::Program>(stream) {
            parsed += 1;
            let _ = lower::lower(&program, Ok(&ws));
        }
    }
    assert!(parsed > 500, "only {parsed} mutations parsed");
}
