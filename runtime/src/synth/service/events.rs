//! A lambda's `events`, every one delivered to its `Current` alias, so a worker is shifted
//! and rolled back by the same canary as an API function: event source mappings for
//! queues (partial batch responses) and table streams, an EventBridge rule per schedule,
//! a subscription per topic, each with the resource policy (Lambda permission) it needs.
//!
//! Where CDK names the alias in a mapping as `<function name>:Current` (built with
//! `Fn::Select`/`Fn::Split` from the alias ARN), the mapping here takes the alias ARN
//! itself (`Ref` of the alias): Lambda accepts a qualified ARN as `FunctionName`.
//!
//! Bucket events are not synthesized (see docs/pipeline.md): the bucket's notification
//! configuration would name the alias, and the function's policy the bucket, a cycle CDK
//! breaks with a custom resource.

use crate::cfn::resources::{dynamo_db, events, lambda, sns, sqs};
use crate::cfn::{Handle, Template, TemplateError};
use crate::spec::{Event, Lambda, StartingPosition};

use super::state::State;

/// Declares the event sources of `l`, to `alias`. `Err` names an event the stack cannot
/// deliver.
pub(super) fn event_sources(
    t: &mut Template,
    state: &State,
    l: &Lambda,
    alias: &Handle<lambda::Alias>,
) -> Result<(), EventError> {
    let mut schedules = 0;
    for event in &l.events {
        match event {
            Event::Queue {
                queue,
                batch_size,
                window,
            } => {
                let q = state
                    .queues
                    .get(queue)
                    .ok_or_else(|| no_target("queue", queue))?;
                queue_mapping(
                    t,
                    l,
                    queue,
                    &q.queue,
                    *batch_size,
                    window.map(|w| w.as_secs()),
                    alias,
                )?;
            }
            Event::Stream {
                table,
                batch_size,
                start,
            } => {
                let handle = state
                    .tables
                    .get(table)
                    .ok_or_else(|| no_target("table", table))?;
                stream_mapping(t, l, table, handle, *batch_size, *start, alias)?;
            }
            Event::Schedule { expression } => {
                schedules += 1;
                schedule(t, l, schedules, expression, alias)?;
            }
            Event::Topic { topic } => {
                let handle = state
                    .topics
                    .get(topic)
                    .ok_or_else(|| no_target("topic", topic))?;
                subscription(t, l, topic, handle, alias)?;
            }
            Event::Bucket { bucket, .. } => {
                return Err(EventError::BucketEventsNotSynthesized(bucket.clone()))
            }
        }
    }
    Ok(())
}

/// Why an event cannot be delivered.
#[derive(Debug)]
pub(super) enum EventError {
    /// The template refused a resource.
    Template(TemplateError),
    /// The event names no block of its kind.
    NoTarget {
        /// The kind it needs.
        kind: &'static str,
        /// The name it gives.
        name: String,
    },
    /// A bucket event: not synthesized yet.
    BucketEventsNotSynthesized(String),
}

impl From<TemplateError> for EventError {
    fn from(e: TemplateError) -> Self {
        EventError::Template(e)
    }
}

impl std::fmt::Display for EventError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventError::Template(e) => e.fmt(f),
            EventError::NoTarget { kind, name } => {
                write!(f, "has an event of `{name}`, which is no {kind} of the stack")
            }
            EventError::BucketEventsNotSynthesized(bucket) => write!(
                f,
                "the event of bucket `{bucket}` cannot be synthesized yet: S3 notifications to a function's alias need a custom resource to break the cycle bucket -> alias -> function -> policy -> bucket (docs/pipeline.md)"
            ),
        }
    }
}

fn no_target(kind: &'static str, name: &str) -> EventError {
    EventError::NoTarget {
        kind,
        name: name.to_owned(),
    }
}

/// `<Lambda><Queue>EventSource`: batches of the queue, partial batch failures reported.
fn queue_mapping(
    t: &mut Template,
    l: &Lambda,
    name: &str,
    queue: &Handle<sqs::Queue>,
    batch_size: u32,
    window_secs: Option<u64>,
    alias: &Handle<lambda::Alias>,
) -> Result<(), TemplateError> {
    t.add(
        format!("{}{name}EventSource", l.name),
        lambda::EventSourceMapping {
            batch_size: Some(i64::from(batch_size).into()),
            event_source_arn: Some(queue.get_att(sqs::QueueAttribute::Arn)),
            function_response_types: Some(vec!["ReportBatchItemFailures".into()]),
            maximum_batching_window_in_seconds: window_secs.map(|s| (s as i64).into()),
            ..lambda::EventSourceMapping::new(alias.reference::<String>())
        },
    )?;
    Ok(())
}

/// `<Lambda><Table>EventSource`: records of the table's stream.
fn stream_mapping(
    t: &mut Template,
    l: &Lambda,
    name: &str,
    table: &Handle<dynamo_db::Table>,
    batch_size: u32,
    start: StartingPosition,
    alias: &Handle<lambda::Alias>,
) -> Result<(), TemplateError> {
    t.add(
        format!("{}{name}EventSource", l.name),
        lambda::EventSourceMapping {
            batch_size: Some(i64::from(batch_size).into()),
            event_source_arn: Some(table.get_att(dynamo_db::TableAttribute::StreamArn)),
            starting_position: Some(start.aws_value().into()),
            ..lambda::EventSourceMapping::new(alias.reference::<String>())
        },
    )?;
    Ok(())
}

/// `<Lambda>Schedule` (then `<Lambda>Schedule2`, ...): an EventBridge rule invoking the
/// alias, and `...Permission`, the alias's resource policy letting that rule invoke it.
fn schedule(
    t: &mut Template,
    l: &Lambda,
    nth: usize,
    expression: &str,
    alias: &Handle<lambda::Alias>,
) -> Result<(), TemplateError> {
    let id = match nth {
        1 => format!("{}Schedule", l.name),
        n => format!("{}Schedule{n}", l.name),
    };
    let rule = t.add(
        id.clone(),
        events::Rule {
            description: Some(format!("Starts {} on its schedule", l.name).into()),
            schedule_expression: Some(expression.into()),
            state: Some("ENABLED".into()),
            // One target per rule: its id only has to be unique in the rule (and at most
            // 64 characters, which a block name need not be).
            targets: Some(vec![events::rule::Target::new(
                alias.reference::<String>(),
                "Current",
            )]),
            ..events::Rule::new()
        },
    )?;
    t.add(
        format!("{id}Permission"),
        lambda::Permission {
            source_arn: Some(rule.get_att(events::RuleAttribute::Arn)),
            ..lambda::Permission::new(
                "lambda:InvokeFunction",
                alias.reference::<String>(),
                "events.amazonaws.com",
            )
        },
    )?;
    Ok(())
}

/// `<Lambda><Topic>Subscription` of the alias to the topic, and `<Lambda><Topic>Permission`
/// letting the topic invoke it.
fn subscription(
    t: &mut Template,
    l: &Lambda,
    name: &str,
    topic: &Handle<sns::Topic>,
    alias: &Handle<lambda::Alias>,
) -> Result<(), TemplateError> {
    t.add(
        format!("{}{name}Permission", l.name),
        lambda::Permission {
            source_arn: Some(topic.reference()),
            ..lambda::Permission::new(
                "lambda:InvokeFunction",
                alias.reference::<String>(),
                "sns.amazonaws.com",
            )
        },
    )?;
    t.add(
        format!("{}{name}Subscription", l.name),
        sns::Subscription {
            endpoint: Some(alias.reference()),
            ..sns::Subscription::new("lambda", topic.reference::<String>())
        },
    )?;
    Ok(())
}
