//! The stateful blocks of a `stack`: `table`, `queue`, `bucket` and `topic`, and `resource`
//! (any other registry type). Each is
//! `keyword NAME { field: value, ... }` with doc comments; what the fields mean is checked
//! by lowering.

use syn::parse::{Parse, ParseStream};
use syn::Ident;

use super::docs::Docs;
use super::fields::FieldList;
use super::keywords::kw;
use super::names::block_name;

/// Declares the syntax-tree type of one stateful block and its `impl Parse`.
macro_rules! state_block {
    ($(#[$doc:meta])* $name:ident, $keyword:ident) => {
        $(#[$doc])*
        pub struct $name {
            /// Doc comments.
            pub docs: Docs,
            /// The keyword.
            pub keyword: kw::$keyword,
            /// The block's name.
            pub name: Ident,
            /// Its fields.
            pub fields: FieldList,
        }

        impl Parse for $name {
            fn parse(input: ParseStream) -> syn::Result<Self> {
                Ok($name {
                    docs: input.parse()?,
                    keyword: input.parse()?,
                    name: block_name(input, stringify!($keyword))?,
                    fields: input.parse()?,
                })
            }
        }
    };
}

state_block! {
    /// `table NAME { partition_key: { name, type }, ... }`: a DynamoDB table.
    TableBlock, table
}

state_block! {
    /// `queue NAME { visibility_timeout, retention, fifo, dead_letter }`: an SQS queue.
    QueueBlock, queue
}

state_block! {
    /// `bucket NAME { versioned, expire_after, removal }`: an S3 bucket.
    BucketBlock, bucket
}

state_block! {
    /// `topic NAME { fifo }`: an SNS topic.
    TopicBlock, topic
}

state_block! {
    /// `resource NAME { type, properties, removal, depends_on }`: a resource of any
    /// CloudFormation registry type.
    ResourceBlock, resource
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docs_keyword_name_and_fields() {
        let table: TableBlock = syn::parse_str(
            r#"/// Orders by id.
            table Orders { partition_key: { name: "pk", type: String }, ttl: "expires_at" }"#,
        )
        .unwrap();
        assert_eq!(table.docs.text().as_deref(), Some("Orders by id."));
        assert_eq!(table.name, "Orders");
        let fields: Vec<String> = table.fields.fields.iter().map(|f| f.name.text()).collect();
        assert_eq!(fields, ["partition_key", "ttl"]);

        let queue: QueueBlock = syn::parse_str("queue Jobs { retention: 4d }").unwrap();
        assert_eq!(queue.fields.fields[0].value.describe(), "a duration");
        let topic: TopicBlock = syn::parse_str("topic OrderEvents {}").unwrap();
        assert!(topic.fields.fields.is_empty());
        let missing_name = syn::parse_str::<BucketBlock>("bucket { versioned: true }");
        let message = missing_name.err().unwrap().to_string();
        assert!(
            message.contains("expected a name after `bucket`"),
            "{message}"
        );
    }
}
