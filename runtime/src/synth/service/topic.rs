//! A `topic` block: an SNS topic encrypted with the AWS-managed key `alias/aws/sns` (CDK's
//! `Topic` is unencrypted unless given a key).

use crate::cfn::resources::sns;
use crate::cfn::{Handle, Template, TemplateError};
use crate::spec::Topic;

/// `<Topic>Topic`.
pub(super) fn topic(t: &mut Template, spec: &Topic) -> Result<Handle<sns::Topic>, TemplateError> {
    t.add(
        format!("{}Topic", spec.name),
        sns::Topic {
            kms_master_key_id: Some("alias/aws/sns".into()),
            // A standard topic leaves it out, as a standard queue does.
            fifo_topic: spec.fifo.then(|| true.into()),
            ..sns::Topic::new()
        },
    )
}
