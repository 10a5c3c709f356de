//! Typed access, in a Lambda function's code, to the resources a pipewright pipeline links to
//! it.
//!
//! A `lambda` block's `link: { Orders: ReadWrite, Jobs: Send }` grants the function access to
//! the stack's table `Orders` and queue `Jobs` and tells it their names through environment
//! variables (`ORDERS_TABLE_NAME`, `JOBS_QUEUE_URL`). The function declares what it uses with
//! [`links!`] and reads them all at cold start:
//!
//! ```
//! pipewright_links::links! {
//!     /// What the API function uses.
//!     pub struct Links {
//!         orders: Table(Orders, ReadWrite),
//!         jobs: Queue(Jobs, Send),
//!     }
//! }
//!
//! let env = [("ORDERS_TABLE_NAME", "Dev-Shop-OrdersTable-1"), ("JOBS_QUEUE_URL", "https://q")];
//! let links = Links::from_lookup(|name| {
//!     env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
//! })
//! .unwrap();
//! assert_eq!(links.orders.name, "Dev-Shop-OrdersTable-1");
//!
//! // A function started without them fails in one line naming every missing variable.
//! let error = Links::from_lookup(|_| None).err().unwrap();
//! assert_eq!(
//!     error.to_string(),
//!     "missing linked resources: ORDERS_TABLE_NAME (table Orders), JOBS_QUEUE_URL (queue Jobs): \
//!      link them to this function in its `lambda` block (`link: { NAME: ACCESS }`)"
//! );
//! ```
//!
//! The `pipeline!` macro reads these declarations in the function's package: a function
//! whose code declares a resource its `lambda` block does not link, or with more access than
//! the link grants, does not compile. The crate has no dependencies.

#![forbid(unsafe_code)]

use std::fmt;

/// The kinds of block a function can be linked to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A DynamoDB table (`table`).
    Table,
    /// An SQS queue (`queue`).
    Queue,
    /// An S3 bucket (`bucket`).
    Bucket,
    /// An SNS topic (`topic`).
    Topic,
    /// A resource of any other registry type (`resource`).
    Resource,
}

impl Kind {
    /// The block keyword of the pipeline language.
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::Queue => "queue",
            Kind::Bucket => "bucket",
            Kind::Topic => "topic",
            Kind::Resource => "resource",
        }
    }

    /// The suffix of the variable that names a linked block of this kind.
    pub fn variable_suffix(self) -> &'static str {
        match self {
            Kind::Table => "_TABLE_NAME",
            Kind::Queue => "_QUEUE_URL",
            Kind::Bucket => "_BUCKET_NAME",
            Kind::Topic => "_TOPIC_ARN",
            Kind::Resource => "_REF",
        }
    }
}

/// The environment variable through which a function finds a linked block: the block's name
/// in SCREAMING_SNAKE_CASE, then the kind's suffix (`OrderEvents`, a topic:
/// `ORDER_EVENTS_TOPIC_ARN`). The pipeline sets it; the function reads it.
pub fn variable_name(block: &str, kind: Kind) -> String {
    format!("{}{}", screaming_snake_case(block), kind.variable_suffix())
}

/// The variable that holds the ARN of a linked `resource` block whose type has one
/// (`Cache` -> `CACHE_ARN`), beside its [`variable_name`] (`CACHE_REF`, what `Ref` returns).
pub fn arn_variable_name(block: &str) -> String {
    format!("{}_ARN", screaming_snake_case(block))
}

/// `OrderEvents` -> `ORDER_EVENTS`, `HTTPCache` -> `HTTP_CACHE`, `V2Orders` -> `V2_ORDERS`:
/// a word starts at an upper-case letter after a lower-case letter or a digit, and at the
/// last upper-case letter of a run followed by a lower-case one.
pub fn screaming_snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let starts_word = previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_is_lower);
            if starts_word {
                out.push('_');
            }
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// A linked DynamoDB table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The table's name.
    pub name: String,
}

/// A linked SQS queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queue {
    /// The queue's URL.
    pub url: String,
}

/// A linked S3 bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// The bucket's name.
    pub name: String,
}

/// A linked SNS topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic {
    /// The topic's ARN.
    pub arn: String,
}

/// A linked `resource` block (any other registry type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// What `Ref` returns for it (an id, a name or an ARN, depending on the type), from
    /// `NAME_REF`. Where the type has an ARN attribute, `NAME_ARN` holds it too.
    pub reference: String,
}

/// A resource type of this crate: its kind, and how it is made from its variable's value.
pub trait Linked: Sized {
    /// Its kind of block.
    const KIND: Kind;
    /// The value from the variable's text.
    fn from_value(value: String) -> Self;
}

impl Linked for Table {
    const KIND: Kind = Kind::Table;
    fn from_value(name: String) -> Self {
        Table { name }
    }
}

impl Linked for Queue {
    const KIND: Kind = Kind::Queue;
    fn from_value(url: String) -> Self {
        Queue { url }
    }
}

impl Linked for Bucket {
    const KIND: Kind = Kind::Bucket;
    fn from_value(name: String) -> Self {
        Bucket { name }
    }
}

impl Linked for Resource {
    const KIND: Kind = Kind::Resource;
    fn from_value(reference: String) -> Self {
        Resource { reference }
    }
}

impl Linked for Topic {
    const KIND: Kind = Kind::Topic;
    fn from_value(arn: String) -> Self {
        Topic { arn }
    }
}

/// The access a declaration asks for, as the `link` group of a `lambda` block grants it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// A table's or bucket's data, read.
    Read,
    /// A table's or bucket's data, written.
    Write,
    /// Both.
    ReadWrite,
    /// Messages sent to a queue.
    Send,
    /// A queue's messages received and deleted.
    Consume,
    /// Both.
    SendConsume,
    /// Messages published to a topic.
    Publish,
    /// The IAM actions a `link` lists for a `resource` block (whichever they are).
    Actions,
}

/// One declared link: what [`links!`] records for each field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The field of the declaring struct.
    pub field: &'static str,
    /// The block of the pipeline's stack.
    pub block: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// The access the code needs.
    pub access: Access,
}

impl Declared {
    /// The environment variable that names the block.
    pub fn variable(&self) -> String {
        variable_name(self.block, self.kind)
    }
}

/// The linked resources a function was started without: each variable, its kind and block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingLinks {
    /// The declarations whose variable is unset or empty, in declaration order.
    pub missing: Vec<Declared>,
}

impl fmt::Display for MissingLinks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("missing linked resources: ")?;
        for (i, d) in self.missing.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} ({} {})", d.variable(), d.kind.keyword(), d.block)?;
        }
        f.write_str(": link them to this function in its `lambda` block (`link: { NAME: ACCESS }`)")
    }
}

impl std::error::Error for MissingLinks {}

/// Reads declared links through a lookup, collecting every missing one. Used by the code
/// [`links!`] generates.
#[doc(hidden)]
pub struct Resolver<F> {
    lookup: F,
    missing: Vec<Declared>,
}

#[doc(hidden)]
impl<F: Fn(&str) -> Option<String>> Resolver<F> {
    pub fn new(lookup: F) -> Self {
        Resolver {
            lookup,
            missing: Vec::new(),
        }
    }

    pub fn get<T: Linked>(&mut self, declared: &Declared) -> T {
        match (self.lookup)(&declared.variable()) {
            Some(value) if !value.is_empty() => T::from_value(value),
            _ => {
                self.missing.push(*declared);
                T::from_value(String::new())
            }
        }
    }

    pub fn finish<T>(self, links: T) -> Result<T, MissingLinks> {
        match self.missing.is_empty() {
            true => Ok(links),
            false => Err(MissingLinks {
                missing: self.missing,
            }),
        }
    }
}

/// Declares the resources a function uses: a struct with one field per linked block.
///
/// ```
/// pipewright_links::links! {
///     pub struct WorkerLinks {
///         orders: Table(Orders, ReadWrite),
///     }
/// }
/// assert_eq!(WorkerLinks::DECLARED[0].variable(), "ORDERS_TABLE_NAME");
/// ```
///
/// Each field is `name: KIND(BLOCK, ACCESS)`: `KIND` one of `Table`, `Queue`, `Bucket`,
/// `Topic`, `Resource`; `BLOCK` the block's name in the pipeline; `ACCESS` what the code
/// needs (`Read`, `Write`, `ReadWrite`, `Send`, `Consume`, `SendConsume`, `Publish`; for a
/// `Resource`, `Actions`: the actions its `link` lists). The struct gets
/// `from_env()`, `from_lookup(f)` and `DECLARED`.
#[macro_export]
macro_rules! links {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field:ident : $kind:ident ( $block:ident , $access:ident )),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug)]
        $vis struct $name {
            $($(#[$field_meta])* pub $field: $crate::$kind,)*
        }

        #[allow(dead_code)] // a function may read its links one way only
        impl $name {
            /// Every declared link, in declaration order.
            pub const DECLARED: &'static [$crate::Declared] = &[
                $($crate::Declared {
                    field: ::core::stringify!($field),
                    block: ::core::stringify!($block),
                    kind: <$crate::$kind as $crate::Linked>::KIND,
                    access: $crate::Access::$access,
                },)*
            ];

            /// The linked resources from the process's environment (as the pipeline sets
            /// it), or every one that is missing.
            pub fn from_env() -> ::core::result::Result<Self, $crate::MissingLinks> {
                Self::from_lookup(|name| ::std::env::var(name).ok())
            }

            /// The linked resources from `lookup` (a variable's name to its value).
            #[allow(unused_mut, unused_variables)]
            pub fn from_lookup(
                lookup: impl Fn(&str) -> ::core::option::Option<::std::string::String>,
            ) -> ::core::result::Result<Self, $crate::MissingLinks> {
                let mut resolver = $crate::Resolver::new(lookup);
                let mut declared = Self::DECLARED.iter();
                let links = $name {
                    $($field: resolver.get(declared.next().expect("one declaration per field")),)*
                };
                resolver.finish(links)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    links! {
        #[allow(dead_code)] // the tests read some fields only
        struct Everything {
            orders: Table(Orders, ReadWrite),
            jobs: Queue(Jobs, Send),
            uploads: Bucket(Uploads, Read),
            events: Topic(OrderEvents, Publish),
        }
    }

    #[test]
    fn variables_name_the_block_and_its_kind() {
        let variables: Vec<String> = Everything::DECLARED
            .iter()
            .map(Declared::variable)
            .collect();
        assert_eq!(
            variables,
            [
                "ORDERS_TABLE_NAME",
                "JOBS_QUEUE_URL",
                "UPLOADS_BUCKET_NAME",
                "ORDER_EVENTS_TOPIC_ARN"
            ]
        );
        assert_eq!(screaming_snake_case("HTTPCache"), "HTTP_CACHE");
        assert_eq!(screaming_snake_case("V2Orders"), "V2_ORDERS");
        assert_eq!(screaming_snake_case("Orders2"), "ORDERS2");
    }

    #[test]
    fn every_missing_variable_is_named_and_an_empty_one_is_missing() {
        let error = Everything::from_lookup(|name| match name {
            "JOBS_QUEUE_URL" => Some("https://sqs/jobs".into()),
            "UPLOADS_BUCKET_NAME" => Some(String::new()),
            _ => None,
        })
        .unwrap_err();
        let missing: Vec<&str> = error.missing.iter().map(|d| d.field).collect();
        assert_eq!(missing, ["orders", "uploads", "events"]);
        assert!(error.to_string().starts_with(
            "missing linked resources: ORDERS_TABLE_NAME (table Orders), UPLOADS_BUCKET_NAME (bucket Uploads), ORDER_EVENTS_TOPIC_ARN (topic OrderEvents): "
        ));
    }

    #[test]
    fn values_become_typed_fields() {
        let links = Everything::from_lookup(|name| Some(format!("value of {name}"))).unwrap();
        assert_eq!(links.jobs.url, "value of JOBS_QUEUE_URL");
        assert_eq!(links.events.arn, "value of ORDER_EVENTS_TOPIC_ARN");
        assert_eq!(Everything::DECLARED[2].access, Access::Read);
    }
}
