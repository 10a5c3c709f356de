//! What a lambda's `link`s and events give its role and its environment: the statements
//! of CDK's grants (one per grant, in the order the links and then the events are
//! written, the actions in CDK's order: nothing merged or sorted, as CDK without feature
//! flags), and one variable per link naming the linked resource.

use crate::cfn::resources::{dynamo_db, s3, sqs};
use crate::cfn::{Statement, Value};
use crate::spec::{arn_variable, link_variable, Access, Event, Lambda, Link, MemberKind, Stack};

use super::bucket::objects_of;
use super::state::State;

/// A table's item reads, without the stream actions CDK grants apart.
const TABLE_READ: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:GetItem",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
];
/// A table's item writes.
const TABLE_WRITE: &[&str] = &[
    "dynamodb:BatchWriteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
];
/// The stream reads CDK's `grantReadData` adds as a second statement, on the table and
/// its indexes.
const TABLE_STREAM_READ: &[&str] = &["dynamodb:GetRecords", "dynamodb:GetShardIterator"];
/// What a stream event source needs on the stream (CDK's `grantStreamRead`).
const STREAM_READ: &[&str] = &[
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
];
/// A bucket's reads.
const BUCKET_READ: &[&str] = &["s3:GetObject*", "s3:GetBucket*", "s3:List*"];
/// A bucket's writes: deletes, then puts.
const BUCKET_WRITE: &[&str] = &[
    "s3:DeleteObject*",
    "s3:PutObject",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:Abort*",
];
/// Sending to a queue.
const QUEUE_SEND: &[&str] = &[
    "sqs:SendMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
];
/// Consuming a queue.
const QUEUE_CONSUME: &[&str] = &[
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
];

/// A lambda's grants and link variables.
#[derive(Debug, Default)]
pub(super) struct Wiring {
    /// The statements of its policy; none: it has no policy.
    pub statements: Vec<Statement>,
    /// Its link variables, each naming a linked resource.
    pub variables: Vec<(String, Value<String>)>,
}

/// The grants and variables of `lambda`'s links and events; an error names a link or
/// event the stack cannot satisfy.
pub(super) fn wiring(stack: &Stack, state: &State, lambda: &Lambda) -> Result<Wiring, String> {
    let mut wiring = Wiring::default();
    for link in &lambda.links {
        let (variables, statements) = link_grants(stack, state, link)?;
        wiring.variables.extend(variables);
        wiring.add(statements);
    }
    for event in &lambda.events {
        let statements = event_grants(stack, state, event)?;
        wiring.add(statements);
    }
    Ok(wiring)
}

impl Wiring {
    // A grant given twice (a `Consume` link and a queue event) is written once, as CDK
    // drops a statement equal to one already in the document.
    fn add(&mut self, statements: Vec<Statement>) {
        for s in statements {
            if !self.statements.contains(&s) {
                self.statements.push(s);
            }
        }
    }
}

/// The variables with their values and the statements of one link.
#[allow(clippy::type_complexity)]
fn link_grants(
    stack: &Stack,
    state: &State,
    link: &Link,
) -> Result<(Vec<(String, Value<String>)>, Vec<Statement>), String> {
    let name = &link.target;
    let kind = stack
        .kind_of(name)
        .ok_or_else(|| format!("links `{name}`, which is no block of the stack"))?;
    let not_linkable = || {
        format!(
            "links `{name}`, a {}: a lambda links tables, queues, buckets and topics",
            kind.keyword()
        )
    };
    let refused = || {
        format!(
            "`{:?}` is not an access level of a {} (`{name}`)",
            link.access,
            kind.keyword()
        )
    };
    let (value, statements) = match kind {
        MemberKind::Table => {
            let table = &state.tables[name];
            let arn: Value<String> = table.get_att(dynamo_db::TableAttribute::Arn);
            let indexes = Value::sub(format!(
                "{}/index/*",
                table.sub_att(dynamo_db::TableAttribute::Arn)
            ));
            (
                table.reference(),
                table_statements(&link.access, vec![arn, indexes]).ok_or_else(refused)?,
            )
        }
        MemberKind::Bucket => {
            let bucket = &state.buckets[name];
            let resources = vec![bucket.get_att(s3::BucketAttribute::Arn), objects_of(bucket)];
            (
                bucket.reference(),
                bucket_statements(&link.access, resources).ok_or_else(refused)?,
            )
        }
        MemberKind::Queue => {
            let queue = &state.queues[name].queue;
            let arn = queue.get_att(sqs::QueueAttribute::Arn);
            (
                queue.reference(),
                queue_statements(&link.access, arn).ok_or_else(refused)?,
            )
        }
        MemberKind::Topic => {
            let topic = &state.topics[name];
            if link.access != Access::Publish {
                return Err(refused());
            }
            let statement = Statement::allow(["sns:Publish"]).on([topic.reference::<String>()]);
            (topic.reference(), vec![statement])
        }
        MemberKind::Resource => return resource_grants(stack, state, link).ok_or_else(refused),
        MemberKind::Lambda | MemberKind::Api => return Err(not_linkable()),
    };
    let variable = link_variable(name, kind).ok_or_else(not_linkable)?;
    Ok((vec![(variable, value)], statements))
}

/// A link to a `resource`: its actions on the resource's ARN (`Fn::GetAtt` of its `Arn`
/// attribute; `Ref` for a type without one), `NAME_REF`, and `NAME_ARN` when it has one.
#[allow(clippy::type_complexity)]
fn resource_grants(
    stack: &Stack,
    state: &State,
    link: &Link,
) -> Option<(Vec<(String, Value<String>)>, Vec<Statement>)> {
    let Access::Actions(actions) = &link.access else {
        return None;
    };
    let name = &link.target;
    let handle = state.resources.get(name)?;
    let spec = stack.resource(name)?;
    let arn: Option<Value<String>> = spec.arn_attribute.as_deref().map(|a| handle.get_att(a));
    let on = arn.clone().unwrap_or_else(|| handle.reference());
    let statement = Statement::allow(actions.iter().map(String::as_str)).on([on]);
    let mut variables = vec![(
        link_variable(name, MemberKind::Resource)?,
        handle.reference(),
    )];
    variables.extend(arn.map(|arn| (arn_variable(name), arn)));
    Some((variables, vec![statement]))
}

/// CDK's `grantReadData` / `grantWriteData` / `grantReadWriteData`.
fn table_statements(access: &Access, resources: Vec<Value<String>>) -> Option<Vec<Statement>> {
    if !access.reads() && !access.writes() {
        return None;
    }
    let mut actions: Vec<&str> = Vec::new();
    if access.reads() {
        actions.extend(TABLE_READ);
    }
    if access.writes() {
        actions.extend(TABLE_WRITE);
    }
    actions.push("dynamodb:DescribeTable");
    let mut statements = vec![Statement::allow(actions).on(resources.clone())];
    if access.reads() {
        statements.push(Statement::allow(TABLE_STREAM_READ.iter().copied()).on(resources));
    }
    Some(statements)
}

/// CDK's `grantRead` / `grantWrite` / `grantReadWrite`: objects, and the bucket for listing.
fn bucket_statements(access: &Access, resources: Vec<Value<String>>) -> Option<Vec<Statement>> {
    if !access.reads() && !access.writes() {
        return None;
    }
    let mut actions: Vec<&str> = Vec::new();
    if access.reads() {
        actions.extend(BUCKET_READ);
    }
    if access.writes() {
        actions.extend(BUCKET_WRITE);
    }
    Some(vec![Statement::allow(actions).on(resources)])
}

/// CDK's `grantSendMessages` / `grantConsumeMessages`, one statement each.
fn queue_statements(access: &Access, arn: Value<String>) -> Option<Vec<Statement>> {
    let mut statements = Vec::new();
    if access.sends() {
        statements.push(Statement::allow(QUEUE_SEND.iter().copied()).on([arn.clone()]));
    }
    if access.consumes() {
        statements.push(Statement::allow(QUEUE_CONSUME.iter().copied()).on([arn]));
    }
    (!statements.is_empty()).then_some(statements)
}

/// What an event source needs of the function's role: a queue's consumption (CDK's
/// `SqsEventSource`), a stream's reads (`DynamoEventSource`); a schedule, a topic or a
/// bucket invokes the function through a resource policy instead.
fn event_grants(stack: &Stack, state: &State, event: &Event) -> Result<Vec<Statement>, String> {
    match event {
        Event::Queue { queue, .. } => {
            let q = state.queues.get(queue).ok_or_else(|| {
                format!("has an event of queue `{queue}`, which is no queue of the stack")
            })?;
            let arn = q.queue.get_att(sqs::QueueAttribute::Arn);
            Ok(vec![
                Statement::allow(QUEUE_CONSUME.iter().copied()).on([arn])
            ])
        }
        Event::Stream { table, .. } => {
            let handle = state
                .tables
                .get(table)
                .filter(|_| stack.table(table).is_some_and(|t| t.stream.is_some()))
                .ok_or_else(|| format!("has a stream event of `{table}`, which is no table of the stack with a stream"))?;
            Ok(vec![
                Statement::allow(["dynamodb:ListStreams"]).on(["*"]),
                Statement::allow(STREAM_READ.iter().copied())
                    .on([handle.get_att::<String>(dynamo_db::TableAttribute::StreamArn)]),
            ])
        }
        Event::Topic { topic } => match stack.topic(topic) {
            None => Err(format!(
                "has an event of topic `{topic}`, which is no topic of the stack"
            )),
            // SNS delivers a FIFO topic's messages to SQS queues only.
            Some(t) if t.fifo => Err(format!(
                "has an event of topic `{topic}`, a FIFO topic: SNS delivers those to SQS queues only"
            )),
            Some(_) => Ok(Vec::new()),
        },
        Event::Schedule { .. } | Event::Bucket { .. } => Ok(Vec::new()),
    }
}
