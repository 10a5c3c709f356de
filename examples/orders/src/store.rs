//! The `Orders` table and the `Jobs` queue, through the AWS SDK: what the functions do with
//! them, nothing more.

use std::collections::HashMap;
use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use pipewright_links::{Queue, Table};

use crate::order::{Job, Order, Status};

/// Why a call to the table or the queue failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// No order has this id.
    NoSuchOrder(String),
    /// An item of the table is not an order: an attribute is missing or not a string.
    NotAnOrder(String),
    /// AWS answered with an error, or could not be reached: the SDK's error and its causes.
    Aws(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NoSuchOrder(id) => write!(f, "no order with id {id:?}"),
            StoreError::NotAnOrder(why) => write!(f, "an item of the table is not an order: {why}"),
            StoreError::Aws(error) => f.write_str(error),
        }
    }
}

impl std::error::Error for StoreError {}

/// An SDK error with every cause (the SDK's own `Display` says only "service error").
fn aws_error(error: impl std::error::Error) -> StoreError {
    StoreError::Aws(DisplayErrorContext(error).to_string())
}

/// The orders, in the table the pipeline links: one item per order, keyed by `id`.
#[derive(Clone, Debug)]
pub struct OrdersTable {
    client: aws_sdk_dynamodb::Client,
    name: String,
}

impl OrdersTable {
    /// The linked table, through a client of `config`.
    pub fn new(config: &SdkConfig, table: Table) -> OrdersTable {
        OrdersTable {
            client: aws_sdk_dynamodb::Client::new(config),
            name: table.name,
        }
    }

    /// Stores a new order. Its id is new: the condition makes sure it never replaces one.
    pub async fn insert(&self, order: &Order) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.name)
            .item("id", text(&order.id))
            .item("item", text(&order.item))
            .item("status", text(order.status.as_str()))
            .condition_expression("attribute_not_exists(id)")
            .send()
            .await
            .map_err(aws_error)?;
        Ok(())
    }

    /// The order with this id, if there is one. A strongly consistent read: an order is
    /// found right after the API answered its creation.
    pub async fn get(&self, id: &str) -> Result<Option<Order>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.name)
            .key("id", text(id))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws_error)?;
        output.item().map(order_of).transpose()
    }

    /// Marks an existing order processed; an id of no order is an error, not a new item.
    pub async fn mark_processed(&self, id: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.name)
            .key("id", text(id))
            .update_expression("SET #status = :status")
            .condition_expression("attribute_exists(id)")
            // `status` is one of DynamoDB's reserved words.
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", text(Status::Processed.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::NoSuchOrder(id.to_owned()))
            }
            Err(error) => Err(aws_error(error)),
        }
    }
}

fn text(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

/// An item of the table as an order.
fn order_of(item: &HashMap<String, AttributeValue>) -> Result<Order, StoreError> {
    let string = |name: &str| {
        item.get(name)
            .and_then(|value| value.as_s().ok())
            .cloned()
            .ok_or_else(|| StoreError::NotAnOrder(format!("no string attribute {name:?}")))
    };
    let status = string("status")?;
    Ok(Order {
        id: string("id")?,
        item: string("item")?,
        status: Status::parse(&status)
            .ok_or_else(|| StoreError::NotAnOrder(format!("unknown status {status:?}")))?,
    })
}

/// The jobs for the worker, on the queue the pipeline links.
#[derive(Clone, Debug)]
pub struct JobsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl JobsQueue {
    /// The linked queue, through a client of `config`.
    pub fn new(config: &SdkConfig, queue: Queue) -> JobsQueue {
        JobsQueue {
            client: aws_sdk_sqs::Client::new(config),
            url: queue.url,
        }
    }

    /// Queues a job, as JSON.
    pub async fn send(&self, job: &Job) -> Result<(), StoreError> {
        let body = serde_json::to_string(job).expect("a job serializes");
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
            .map_err(aws_error)?;
        Ok(())
    }
}
