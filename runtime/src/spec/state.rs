//! The stateful blocks of a `stack`: tables, queues, buckets and topics. Each becomes the
//! resources the AWS CDK's L2 construct makes for the same declaration (see
//! docs/pipeline.md for where pipewright differs, and why).

use super::values::Duration;

/// A `table` block: a DynamoDB table, on-demand, encrypted, point-in-time recovery on.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Block name.
    pub name: String,
    /// Doc comment of the block.
    pub doc: Option<String>,
    /// The partition (hash) key.
    pub partition_key: Key,
    /// The sort (range) key.
    pub sort_key: Option<Key>,
    /// Global secondary indexes, every attribute projected.
    pub indexes: Vec<Index>,
    /// The attribute holding each item's expiry time.
    pub ttl: Option<String>,
    /// What the table's stream carries, if it has one.
    pub stream: Option<StreamView>,
    /// Point-in-time recovery (default on).
    pub recovery: bool,
    /// What a removal from the program (or `destroy`) does with the table and its data.
    pub removal: Removal,
}

/// A key attribute of a table or index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The attribute's name.
    pub name: String,
    /// Its DynamoDB scalar type.
    pub kind: KeyType,
}

/// A global secondary index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Index {
    /// The index name.
    pub name: String,
    /// Its partition key.
    pub partition_key: Key,
    /// Its sort key.
    pub sort_key: Option<Key>,
}

named_enum! {
    /// The scalar types a DynamoDB key attribute can have.
    KeyType {
        /// A string.
        String = "S",
        /// A number.
        Number = "N",
        /// Bytes.
        Binary = "B",
    }
}

named_enum! {
    /// What a DynamoDB stream record carries.
    StreamView {
        /// The key attributes only.
        KeysOnly = "KEYS_ONLY",
        /// The item after the change.
        NewImage = "NEW_IMAGE",
        /// The item before the change.
        OldImage = "OLD_IMAGE",
        /// Both.
        NewAndOldImages = "NEW_AND_OLD_IMAGES",
    }
}

named_enum! {
    /// What happens to a stateful resource (and its data) when it leaves the program, is
    /// replaced, or its stack is destroyed: CloudFormation's `DeletionPolicy` and
    /// `UpdateReplacePolicy`.
    Removal {
        /// Kept, with its data, outside the stack (the default for tables and buckets).
        Retain = "Retain",
        /// Deleted with its data.
        Destroy = "Delete",
    }
}

/// A `queue` block: an SQS queue, SQS-managed encryption, TLS-only access.
#[derive(Clone, Debug, PartialEq)]
pub struct Queue {
    /// Block name.
    pub name: String,
    /// Doc comment of the block.
    pub doc: Option<String>,
    /// How long a received message stays invisible (default 30s).
    pub visibility_timeout: Duration,
    /// How long a message is kept (default 4 days).
    pub retention: Duration,
    /// A FIFO queue.
    pub fifo: bool,
    /// The dead-letter queue `<NAME>DeadLetter`, if any.
    pub dead_letter: Option<DeadLetter>,
}

/// A queue's dead-letter queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    /// Failed receives before a message moves to the dead-letter queue (1..=1000).
    pub max_receives: u32,
}

/// A `bucket` block: an S3 bucket, public access blocked, encrypted, TLS-only,
/// owner-enforced object ownership.
#[derive(Clone, Debug, PartialEq)]
pub struct Bucket {
    /// Block name.
    pub name: String,
    /// Doc comment of the block.
    pub doc: Option<String>,
    /// Object versioning.
    pub versioned: bool,
    /// Objects are deleted this long after creation (whole days).
    pub expire_after: Option<Duration>,
    /// What a removal from the program (or `destroy`) does with the bucket and its objects.
    pub removal: Removal,
}

/// A `topic` block: an SNS topic, encrypted with the AWS-managed key.
#[derive(Clone, Debug, PartialEq)]
pub struct Topic {
    /// Block name.
    pub name: String,
    /// Doc comment of the block.
    pub doc: Option<String>,
    /// A FIFO topic.
    pub fifo: bool,
}

/// Defaults and ranges of the stateful blocks.
pub mod limits {
    use super::Duration;

    /// A queue's default visibility timeout.
    pub const DEFAULT_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(30);
    /// A queue's visibility timeout: 0s..=12h.
    pub const VISIBILITY_TIMEOUT_RANGE_SECS: std::ops::RangeInclusive<u64> = 0..=12 * 3600;
    /// A queue's default retention: 4 days.
    pub const DEFAULT_RETENTION: Duration = Duration::from_secs(4 * 86_400);
    /// A queue's retention: 1min..=14d.
    pub const RETENTION_RANGE_SECS: std::ops::RangeInclusive<u64> = 60..=14 * 86_400;
    /// A dead-letter queue's retention: 14 days, the longest SQS keeps a message.
    pub const DEAD_LETTER_RETENTION: Duration = Duration::from_secs(14 * 86_400);
    /// A dead-letter queue's `max_receives`.
    pub const MAX_RECEIVES_RANGE: std::ops::RangeInclusive<u32> = 1..=1000;
}

/// A `resource` block: a resource of any type of the CloudFormation registry, its
/// properties checked against the type's schema by the macro.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// Block name (and logical id).
    pub name: String,
    /// Doc comment of the block.
    pub doc: Option<String>,
    /// The registry type, e.g. `AWS::Cognito::UserPool`.
    pub type_name: String,
    /// Its properties, as CloudFormation names them, in the order written.
    pub properties: Vec<(String, PropertyValue)>,
    /// What a removal from the program (or `destroy`) does with it: by default `Retain`
    /// when it holds data ([`Resource::stateful`]), else `Destroy`.
    pub removal: Removal,
    /// Blocks of the stack it is created after (`DependsOn`).
    pub depends_on: Vec<String>,
    /// Whether it holds data that a replacement or a deletion loses: the data-loss rules of
    /// tables and buckets apply to it.
    pub stateful: bool,
    /// Its properties whose change replaces it (the schema's `createOnlyProperties`,
    /// top-level names).
    pub create_only: Vec<String>,
    /// The attribute `Fn::GetAtt` reads its ARN from (`Arn` or `ARN`), when the type has one:
    /// a `link` grants its actions on it, and sets `NAME_ARN`.
    pub arn_attribute: Option<String>,
}

/// A property value of a `resource` block.
#[derive(Clone, Debug, PartialEq)]
pub enum PropertyValue {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Integer(i64),
    /// A number with a fraction.
    Number(f64),
    /// A string.
    String(String),
    /// A list.
    List(Vec<PropertyValue>),
    /// A group: an object, its keys in the order written.
    Object(Vec<(String, PropertyValue)>),
    /// `{ ref: NAME }`: `Ref` to a block of the stack.
    Ref(String),
    /// `{ get_att: [NAME, "Attribute"] }`: `Fn::GetAtt` of a block of the stack.
    GetAtt(String, String),
}
