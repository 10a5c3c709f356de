//! What connects a lambda to the stateful blocks of its stack: its `link`s (permissions and
//! the variables that name the resource) and its `events` (what starts it besides its API).

use super::values::Duration;

/// The kind of a named block of a stack (they share one namespace).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberKind {
    /// A `lambda`.
    Lambda,
    /// An `api`.
    Api,
    /// A `table`.
    Table,
    /// A `queue`.
    Queue,
    /// A `bucket`.
    Bucket,
    /// A `topic`.
    Topic,
    /// A `resource`.
    Resource,
}

impl MemberKind {
    /// The block keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            MemberKind::Lambda => "lambda",
            MemberKind::Api => "api",
            MemberKind::Table => "table",
            MemberKind::Queue => "queue",
            MemberKind::Bucket => "bucket",
            MemberKind::Topic => "topic",
            MemberKind::Resource => "resource",
        }
    }

    /// The access levels a `link` to a block of this kind accepts, in the order
    /// documented; none for a lambda or an api, which cannot be linked, and for a
    /// resource, whose link is a list of IAM actions ([`Access::Actions`]).
    pub fn access_levels(self) -> &'static [&'static str] {
        match self {
            MemberKind::Table | MemberKind::Bucket => &["Read", "Write", "ReadWrite"],
            MemberKind::Queue => &["Send", "Consume", "SendConsume"],
            MemberKind::Topic => &["Publish"],
            MemberKind::Lambda | MemberKind::Api | MemberKind::Resource => &[],
        }
    }
}

/// The environment variable through which a linked function finds a block: the block's
/// name in SCREAMING_SNAKE_CASE, then the kind's suffix (`OrderEvents`, a topic:
/// `ORDER_EVENTS_TOPIC_ARN`; a resource `Cache`: `CACHE_REF`, with [`arn_variable`] beside
/// it when its type has an ARN attribute). `None` for the kinds a lambda cannot link
/// (lambdas, apis).
/// The naming is `pipewright-links`', the crate through which the function reads them.
pub fn link_variable(block: &str, kind: MemberKind) -> Option<String> {
    let kind = match kind {
        MemberKind::Table => pipewright_links::Kind::Table,
        MemberKind::Queue => pipewright_links::Kind::Queue,
        MemberKind::Bucket => pipewright_links::Kind::Bucket,
        MemberKind::Topic => pipewright_links::Kind::Topic,
        MemberKind::Resource => pipewright_links::Kind::Resource,
        MemberKind::Lambda | MemberKind::Api => return None,
    };
    Some(pipewright_links::variable_name(block, kind))
}

/// The second variable of a link to a `resource` whose type has an ARN attribute:
/// `CACHE_ARN` for `Cache`.
pub fn arn_variable(block: &str) -> String {
    pipewright_links::arn_variable_name(block)
}

pub use pipewright_links::screaming_snake_case;

/// One entry of a lambda's `link` group: a block of the same stack and the access granted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The linked block's name.
    pub target: String,
    /// What the function may do with it.
    pub access: Access,
}

/// An access level of a `link`. Which levels a block accepts depends on its kind (tables and
/// buckets: `Read`, `Write`, `ReadWrite`; queues: `Send`, `Consume`, `SendConsume`; topics:
/// `Publish`); the macro checks the pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read a table's items or a bucket's objects.
    Read,
    /// Write a table's items or a bucket's objects.
    Write,
    /// Both.
    ReadWrite,
    /// Send messages to a queue.
    Send,
    /// Receive and delete a queue's messages.
    Consume,
    /// Both.
    SendConsume,
    /// Publish to a topic.
    Publish,
    /// These IAM actions on a `resource` block's ARN.
    Actions(Vec<String>),
}

impl Access {
    /// The levels a program can write as identifiers, in the order documented.
    pub const NAMES: &'static [&'static str] = &[
        "Read",
        "Write",
        "ReadWrite",
        "Send",
        "Consume",
        "SendConsume",
        "Publish",
    ];

    /// Looks a level up by the identifier written in a program.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "Read" => Access::Read,
            "Write" => Access::Write,
            "ReadWrite" => Access::ReadWrite,
            "Send" => Access::Send,
            "Consume" => Access::Consume,
            "SendConsume" => Access::SendConsume,
            "Publish" => Access::Publish,
            _ => return None,
        })
    }

    /// Whether this level includes reading (a table's or bucket's data).
    pub fn reads(&self) -> bool {
        matches!(self, Access::Read | Access::ReadWrite)
    }

    /// Whether this level includes writing (a table's or bucket's data).
    pub fn writes(&self) -> bool {
        matches!(self, Access::Write | Access::ReadWrite)
    }

    /// Whether this level includes sending to a queue.
    pub fn sends(&self) -> bool {
        matches!(self, Access::Send | Access::SendConsume)
    }

    /// Whether this level includes consuming a queue.
    pub fn consumes(&self) -> bool {
        matches!(self, Access::Consume | Access::SendConsume)
    }
}

/// One entry of a lambda's `events` list. Every event reaches the function's `Current`
/// alias.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Messages of a queue, in batches, with partial batch responses.
    Queue {
        /// The queue block.
        queue: String,
        /// Messages per batch (default 10).
        batch_size: u32,
        /// How long to gather a batch (`MaximumBatchingWindowInSeconds`).
        window: Option<Duration>,
    },
    /// An EventBridge schedule.
    Schedule {
        /// `rate(...)` or `cron(...)`, checked at compile time.
        expression: String,
    },
    /// A subscription to a topic.
    Topic {
        /// The topic block.
        topic: String,
    },
    /// S3 event notifications of a bucket.
    Bucket {
        /// The bucket block.
        bucket: String,
        /// Which object events (default `[Created]`).
        on: Vec<BucketEvent>,
        /// Only keys with this prefix.
        prefix: Option<String>,
        /// Only keys with this suffix.
        suffix: Option<String>,
    },
    /// Records of a table's stream.
    Stream {
        /// The table block (it has a `stream`).
        table: String,
        /// Records per batch (default 100).
        batch_size: u32,
        /// Where a new mapping starts reading.
        start: StartingPosition,
    },
}

impl Event {
    /// Whether Lambda receives it as an asynchronous invocation (EventBridge, SNS and S3
    /// invoke that way: a failed event is retried twice, then dropped) rather than polled
    /// by an event source mapping (queues, streams).
    pub fn is_asynchronous(&self) -> bool {
        matches!(
            self,
            Event::Schedule { .. } | Event::Topic { .. } | Event::Bucket { .. }
        )
    }
}

named_enum! {
    /// The object events of a bucket a function can receive.
    BucketEvent {
        /// An object was created (put, copied, completed upload).
        Created = "s3:ObjectCreated:*",
        /// An object was removed.
        Removed = "s3:ObjectRemoved:*",
    }
}

named_enum! {
    /// Where a stream's event source mapping starts reading.
    StartingPosition {
        /// New records only.
        Latest = "LATEST",
        /// The oldest record kept (24 hours).
        TrimHorizon = "TRIM_HORIZON",
    }
}

/// Defaults and ranges of links and events.
pub mod limits {
    /// A queue event's default batch size.
    pub const DEFAULT_QUEUE_BATCH_SIZE: u32 = 10;
    /// A queue event's batch size: 1..=10000 (at most 10 for FIFO, above 10 only with a window).
    pub const QUEUE_BATCH_SIZE_RANGE: std::ops::RangeInclusive<u32> = 1..=10_000;
    /// The largest batch of a FIFO queue, or of a queue without a batching window.
    pub const QUEUE_BATCH_SIZE_WITHOUT_WINDOW: u32 = 10;
    /// A queue event's batching window: 0s..=5min.
    pub const WINDOW_RANGE_SECS: std::ops::RangeInclusive<u64> = 0..=300;
    /// A stream event's default batch size (CDK's and Lambda's).
    pub const DEFAULT_STREAM_BATCH_SIZE: u32 = 100;
    /// A stream event's batch size.
    pub const STREAM_BATCH_SIZE_RANGE: std::ops::RangeInclusive<u32> = 1..=10_000;
    /// A stream event's default starting position, as CDK's examples use it.
    pub const DEFAULT_STARTING_POSITION: super::StartingPosition =
        super::StartingPosition::TrimHorizon;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_levels_by_kind() {
        assert_eq!(
            MemberKind::Queue.access_levels(),
            ["Send", "Consume", "SendConsume"]
        );
        assert!(MemberKind::Lambda.access_levels().is_empty());
        for kind in [
            MemberKind::Table,
            MemberKind::Queue,
            MemberKind::Bucket,
            MemberKind::Topic,
        ] {
            for level in kind.access_levels() {
                assert!(Access::from_name(level).is_some(), "{level}");
            }
        }
    }

    #[test]
    fn link_variables_name_the_block_and_its_kind() {
        let cases = [
            ("Orders", MemberKind::Table, "ORDERS_TABLE_NAME"),
            ("Jobs", MemberKind::Queue, "JOBS_QUEUE_URL"),
            ("Uploads", MemberKind::Bucket, "UPLOADS_BUCKET_NAME"),
            ("OrderEvents", MemberKind::Topic, "ORDER_EVENTS_TOPIC_ARN"),
            ("HTTPCache", MemberKind::Table, "HTTP_CACHE_TABLE_NAME"),
            ("V2Orders", MemberKind::Table, "V2_ORDERS_TABLE_NAME"),
            ("Orders2", MemberKind::Queue, "ORDERS2_QUEUE_URL"),
            ("A", MemberKind::Topic, "A_TOPIC_ARN"),
        ];
        for (block, kind, variable) in cases {
            assert_eq!(link_variable(block, kind).as_deref(), Some(variable));
        }
        assert_eq!(link_variable("Api", MemberKind::Lambda), None);
        assert_eq!(link_variable("OrdersApi", MemberKind::Api), None);
    }
}
