//! The reader of an `approval` (on a stage or a wave) and of whom it notifies: email
//! addresses or an SNS topic.

use pipewright::spec::{self, Approval, ApprovalWhen, NotifyTarget};

use super::context::Located;
use super::fields::Fields;
use crate::syntax::Value;

impl Fields<'_, '_> {
    /// `approval`: a name, or a group `{ name, comment, notify, notify_topic, when }`.
    pub(super) fn approval(&mut self) -> Option<Approval> {
        let field = self.take("approval")?;
        match &field.value {
            Value::Str(s) => Some(Approval::named(s.value())),
            Value::Group(g) => {
                let what = format!("the approval of {}", self.what);
                let mut inner = Fields::new(self.diag, what, g.span(), &g.fields);
                let approval = inner.approval_group();
                inner.finish();
                approval
            }
            _ => {
                self.wrong_type(
                    field,
                    "a name `\"...\"` or a group `{ name: \"...\", ... }`",
                );
                None
            }
        }
    }

    fn approval_group(&mut self) -> Option<Approval> {
        let name = self.required_str("name").map(|n| n.value);
        let comment = self.str("comment").map(|c| {
            if c.value.trim().is_empty() {
                self.diag.error(c.span, "the comment is empty: say what the approver should check, or leave `comment` out");
            }
            c.value
        });
        let emails = self.emails("notify");
        let topic = self.topic_arn("notify_topic");
        let notify = match (emails, topic) {
            (Some(_), Some(t)) => {
                self.diag.error(t.span, "`notify` and `notify_topic` both say whom to tell: keep one (`notify` makes a topic for those addresses, `notify_topic` uses yours)");
                None
            }
            (Some(emails), None) => Some(NotifyTarget::Emails(emails)),
            (None, Some(t)) => Some(NotifyTarget::Topic(t.value)),
            (None, None) => None,
        };
        let when = self
            .ident("when")
            .and_then(|w| {
                self.named(
                    w,
                    "approval condition",
                    ApprovalWhen::NAMES,
                    ApprovalWhen::from_name,
                )
            })
            .unwrap_or(ApprovalWhen::Always);
        Some(Approval {
            name: name?,
            comment,
            notify,
            when,
        })
    }

    /// A list of email addresses, at least one.
    pub(super) fn emails(&mut self, name: &'static str) -> Option<Vec<String>> {
        let list = self.str_list(name)?;
        if list.value.is_empty() {
            self.diag.error(
                list.span,
                format!("`{name}` is empty: expected at least one email address"),
            );
        }
        for (address, span) in &list.value {
            if let Err(m) = spec::check_email(address) {
                self.diag.error(*span, m);
            }
        }
        Some(list.value.into_iter().map(|(s, _)| s).collect())
    }

    /// An SNS topic ARN.
    pub(super) fn topic_arn(&mut self, name: &'static str) -> Option<Located<String>> {
        let topic = self.str(name)?;
        if let Err(m) = spec::check_sns_topic_arn(&topic.value) {
            self.diag.error(topic.span, m);
        }
        Some(topic)
    }
}
