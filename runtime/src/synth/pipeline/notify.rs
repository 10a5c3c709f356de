//! Who hears of the pipeline: the SNS topics of its approvals (`approval: { notify }`) and
//! of its events (`notifications`), the key they are encrypted with, and the CodeStar
//! notification rule that sends the pipeline's events.

use crate::cfn::resources::{code_star_notifications, kms, sns};
use crate::cfn::{
    ConditionOperator, Handle, PolicyDocument, Principal, Pseudo, Statement, Template,
    TemplateError, Value,
};
use crate::plan::{ActionKind, PipelinePlan};
use crate::spec::{NotifyTarget, Program};

use super::storage::account_administers_key;

/// The service that sends the notification rule's events.
const NOTIFICATIONS_SERVICE: &str = "codestar-notifications.amazonaws.com";

/// CodeStar Notifications' limit on a rule's name (characters).
const MAX_RULE_NAME_LENGTH: usize = 64;

/// The topics of the pipeline stack, and the existing ones the program names.
pub(super) struct Topics {
    /// The key of the topics this stack creates.
    key: Option<Handle<kms::Key>>,
    /// Each approval's topic, by the stage or wave it releases.
    approvals: Vec<(String, Value<String>)>,
    /// The topic of the pipeline's events.
    events: Option<Value<String>>,
}

impl Topics {
    /// The topic an approval notifies, by the stage or wave it releases.
    pub(super) fn approval(&self, owner: &str) -> Option<&Value<String>> {
        self.approvals
            .iter()
            .find(|(o, _)| o == owner)
            .map(|(_, topic)| topic)
    }

    /// What the pipeline's role needs to publish the approvals' notifications:
    /// CodePipeline publishes them as the pipeline's role.
    pub(super) fn publisher_statements(&self) -> Vec<Statement> {
        if self.approvals.is_empty() {
            return Vec::new();
        }
        let topics: Vec<Value<String>> = self.approvals.iter().map(|(_, t)| t.clone()).collect();
        let mut statements = vec![Statement::allow(["sns:Publish"]).on(topics)];
        if let Some(key) = &self.key {
            statements.push(
                Statement::allow(["kms:Decrypt", "kms:GenerateDataKey*"])
                    .on([key.get_att::<String>(kms::KeyAttribute::Arn)]),
            );
        }
        statements
    }
}

/// The topics of every approval that notifies, and of the pipeline's notifications.
pub(super) fn topics(
    t: &mut Template,
    program: &Program,
    plan: &PipelinePlan,
) -> Result<Topics, TemplateError> {
    let approvals: Vec<(&str, &NotifyTarget)> = plan
        .stages
        .iter()
        .flat_map(|s| &s.actions)
        .filter_map(|a| match &a.kind {
            ActionKind::Approval(step) => step.notify.as_ref().map(|n| (step.owner.as_str(), n)),
            _ => None,
        })
        .collect();
    let events = program.pipeline.notifications.as_ref().map(|n| &n.target);
    let creates = approvals
        .iter()
        .map(|(_, n)| *n)
        .chain(events)
        .any(|n| matches!(n, NotifyTarget::Emails(_)));
    let key = if creates {
        let service_publishes = matches!(events, Some(NotifyTarget::Emails(_)));
        Some(topics_key(t, service_publishes)?)
    } else {
        None
    };
    let mut topics = Topics {
        key,
        approvals: Vec::new(),
        events: None,
    };
    for (owner, target) in approvals {
        let description = format!("Tells the approvers of {owner} that its approval waits");
        let topic = topic(
            t,
            &format!("{owner}ApprovalTopic"),
            target,
            &topics,
            description,
        )?;
        topics.approvals.push((owner.to_owned(), topic));
    }
    if let Some(target) = events {
        let description = format!("The {} pipeline's events", program.pipeline.name);
        let topic = topic(t, "PipelineEventsTopic", target, &topics, description)?;
        if let NotifyTarget::Emails(_) = target {
            events_topic_policy(t, &topic)?;
        }
        topics.events = Some(topic);
    }
    Ok(topics)
}

/// The key of the topics: an AWS-managed key cannot be used by the notification service,
/// so the topics get a customer-managed one (rotated yearly).
fn topics_key(
    t: &mut Template,
    service_publishes: bool,
) -> Result<Handle<kms::Key>, TemplateError> {
    let mut statements = vec![account_administers_key()];
    if service_publishes {
        statements.push(
            Statement::allow(["kms:Decrypt", "kms:GenerateDataKey*"])
                .sid("NotificationsEncryptEvents")
                .principal(Principal::Service(vec![NOTIFICATIONS_SERVICE.into()]))
                .on(["*"])
                .when(
                    ConditionOperator::StringEquals,
                    "aws:SourceAccount",
                    Pseudo::AccountId.value::<String>(),
                ),
        );
    }
    t.add(
        "NotificationsKey",
        kms::Key {
            description: Some("Encrypts the pipeline's notification topics".into()),
            enable_key_rotation: Some(true.into()),
            key_policy: Some(PolicyDocument::new(statements)),
            ..kms::Key::default()
        },
    )
}

/// A topic of this stack for email addresses, or the existing topic named.
fn topic(
    t: &mut Template,
    logical_id: &str,
    target: &NotifyTarget,
    topics: &Topics,
    description: String,
) -> Result<Value<String>, TemplateError> {
    let emails = match target {
        NotifyTarget::Topic(arn) => return Ok(arn.clone().into()),
        NotifyTarget::Emails(emails) => emails,
    };
    let key = topics.key.as_ref().expect("a key is made when a topic is");
    let topic = t.add(
        logical_id,
        sns::Topic {
            display_name: Some(description.into()),
            kms_master_key_id: Some(key.get_att(kms::KeyAttribute::Arn)),
            subscription: Some(
                emails
                    .iter()
                    .map(|e| sns::topic::Subscription::new(e.as_str(), "email"))
                    .collect(),
            ),
            ..sns::Topic::new()
        },
    )?;
    Ok(topic.reference())
}

/// The notification service may publish to the events topic, for this account's rules.
fn events_topic_policy(t: &mut Template, topic: &Value<String>) -> Result<(), TemplateError> {
    let statement = Statement::allow(["sns:Publish"])
        .sid("NotificationsPublishEvents")
        .principal(Principal::Service(vec![NOTIFICATIONS_SERVICE.into()]))
        .on([topic.clone()])
        .when(
            ConditionOperator::StringEquals,
            "aws:SourceAccount",
            Pseudo::AccountId.value::<String>(),
        );
    t.add(
        "PipelineEventsTopicPolicy",
        sns::TopicPolicy::new(PolicyDocument::new([statement]), vec![topic.clone()]),
    )?;
    Ok(())
}

/// The notification rule of the pipeline's events, when the program has one.
pub(super) fn notification_rule(
    t: &mut Template,
    program: &Program,
    topics: &Topics,
) -> Result<(), TemplateError> {
    let (Some(notifications), Some(topic)) = (&program.pipeline.notifications, &topics.events)
    else {
        return Ok(());
    };
    let p = &program.pipeline;
    let mut name = format!("{}-events", p.name);
    name.truncate(MAX_RULE_NAME_LENGTH);
    t.add(
        "PipelineEventsRule",
        code_star_notifications::NotificationRule {
            status: Some("ENABLED".into()),
            ..code_star_notifications::NotificationRule::new(
                "FULL",
                notifications
                    .events
                    .iter()
                    .map(|e| e.aws_value().into())
                    .collect(),
                name,
                // `${Pipeline}` (its name): the rule is created after the pipeline.
                Value::sub(
                    "arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${Pipeline}",
                ),
                vec![code_star_notifications::notification_rule::Target::new(
                    topic.clone(),
                    "SNS",
                )],
            )
        },
    )?;
    Ok(())
}
