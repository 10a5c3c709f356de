//! A `queue` block: an SQS queue with SQS-managed encryption and a policy refusing
//! requests without TLS (CDK's `enforceSSL`), and its dead-letter queue `<Queue>DeadLetter`
//! with the same, plus an alarm on the dead-letter queue's depth that rolls back the
//! canary of every lambda consuming the queue through an event.
//!
//! Queues are deleted with their stack, as CDK does: messages are in flight, not kept.

use serde_json::json;

use crate::cfn::resources::{cloud_watch, sqs};
use crate::cfn::{Attributes, Handle, Metadata, RemovalPolicy, Template, TemplateError};
use crate::spec::{state_limits, Queue};

use super::safeguards::deny_insecure_transport;

/// Why a queue has no KMS key (checkov CKV_AWS_27 only recognizes one).
const SQS_MANAGED_ENCRYPTION: (&str, &str) = (
    "CKV_AWS_27",
    "SqsManagedSseEnabled encrypts every message at rest with SQS-owned keys (SSE-SQS), CDK's default; a KMS key would cost a key and KMS requests per message and need key grants for every producer and consumer",
);

/// A queue's resources that the lambdas and outputs refer to.
pub(super) struct QueueResources {
    /// The queue.
    pub queue: Handle<sqs::Queue>,
    /// Its dead-letter queue and the alarm on its depth, if it has one.
    pub dead_letter: Option<DeadLetterResources>,
}

/// A dead-letter queue and the alarm that fires when a message lands in it.
pub(super) struct DeadLetterResources {
    /// The dead-letter queue.
    pub queue: Handle<sqs::Queue>,
    /// The alarm on its depth.
    pub alarm: Handle<cloud_watch::Alarm>,
}

/// `<Queue>Queue` and `<Queue>QueuePolicy`; with a dead letter, `<Queue>DeadLetterQueue`,
/// `<Queue>DeadLetterQueuePolicy` and `<Queue>DeadLetterAlarm` too.
pub(super) fn queue(t: &mut Template, spec: &Queue) -> Result<QueueResources, TemplateError> {
    let n = &spec.name;
    let dead_letter = match &spec.dead_letter {
        Some(_) => {
            let dlq = tls_only_queue(
                t,
                format!("{n}DeadLetterQueue"),
                sqs::Queue {
                    message_retention_period: Some(seconds(state_limits::DEAD_LETTER_RETENTION)),
                    ..base_queue(spec)
                },
            )?;
            let alarm = dead_letter_alarm(t, n, &dlq)?;
            Some(DeadLetterResources { queue: dlq, alarm })
        }
        None => None,
    };
    let redrive = spec.dead_letter.zip(dead_letter.as_ref()).map(|(dl, dlq)| {
        json!({
            "deadLetterTargetArn": dlq.queue.get_att::<String>(sqs::QueueAttribute::Arn),
            "maxReceiveCount": dl.max_receives,
        })
    });
    let queue = tls_only_queue(
        t,
        format!("{n}Queue"),
        sqs::Queue {
            visibility_timeout: Some(seconds(spec.visibility_timeout)),
            message_retention_period: Some(seconds(spec.retention)),
            redrive_policy: redrive,
            ..base_queue(spec)
        },
    )?;
    Ok(QueueResources { queue, dead_letter })
}

/// What a queue and its dead-letter queue share: SQS-managed encryption, FIFO or not (a
/// FIFO queue's dead-letter queue has to be FIFO too).
fn base_queue(spec: &Queue) -> sqs::Queue {
    sqs::Queue {
        sqs_managed_sse_enabled: Some(true.into()),
        // SQS refuses `FifoQueue: false`: a standard queue leaves it out.
        fifo_queue: spec.fifo.then(|| true.into()),
        ..sqs::Queue::new()
    }
}

/// The queue (deleted with its stack) and its policy denying every request without TLS.
fn tls_only_queue(
    t: &mut Template,
    logical_id: String,
    properties: sqs::Queue,
) -> Result<Handle<sqs::Queue>, TemplateError> {
    let policy_id = format!("{logical_id}Policy");
    let queue = t.add_with(
        logical_id,
        properties,
        Attributes::new()
            .removal_policy(RemovalPolicy::Delete)
            .metadata(Metadata::checkov_skips(&[SQS_MANAGED_ENCRYPTION])),
    )?;
    t.add(
        policy_id,
        sqs::QueuePolicy::new(
            crate::cfn::PolicyDocument::new([deny_insecure_transport(
                "sqs:*",
                vec![queue.get_att(sqs::QueueAttribute::Arn)],
            )]),
            vec![queue.reference()],
        ),
    )?;
    Ok(queue)
}

/// Fires when a message is in the dead-letter queue: something failed `max_receives`
/// times. It rolls back a deployment of the queue's consumers, whose new version may be
/// the cause (a dead-letter queue that still holds messages stops their deployments
/// until it is drained).
fn dead_letter_alarm(
    t: &mut Template,
    queue_name: &str,
    dlq: &Handle<sqs::Queue>,
) -> Result<Handle<cloud_watch::Alarm>, TemplateError> {
    t.add(
        format!("{queue_name}DeadLetterAlarm"),
        cloud_watch::Alarm {
            alarm_description: Some(
                format!(
                    "Messages in the dead-letter queue of {queue_name}: rolls a deployment of its consumers back"
                )
                .into(),
            ),
            namespace: Some("AWS/SQS".into()),
            metric_name: Some("ApproximateNumberOfMessagesVisible".into()),
            dimensions: Some(vec![cloud_watch::alarm::Dimension {
                name: "QueueName".into(),
                value: dlq.get_att(sqs::QueueAttribute::QueueName),
            }]),
            statistic: Some("Maximum".into()),
            period: Some(60.into()),
            threshold: Some(0.0.into()),
            evaluation_periods: Some(1.into()),
            comparison_operator: Some("GreaterThanThreshold".into()),
            treat_missing_data: Some("notBreaching".into()),
            ..cloud_watch::Alarm::default()
        },
    )
}

fn seconds(d: crate::spec::Duration) -> crate::cfn::Value<i64> {
    (d.as_secs() as i64).into()
}
