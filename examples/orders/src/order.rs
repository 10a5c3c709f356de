//! An order, as the table stores it and the API shows it, and the job that asks the worker to
//! process it.

use serde::{Deserialize, Serialize};

/// Where an order is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Stored by the API; its job is queued.
    Received,
    /// The worker has processed its job.
    Processed,
}

impl Status {
    /// The status as the table and the API write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Processed => "processed",
        }
    }

    /// The status of its written form, if it is one.
    pub fn parse(text: &str) -> Option<Status> {
        [Status::Received, Status::Processed]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// One order: `{"id", "item", "status"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Order {
    /// Its id, a UUID the API gives it.
    pub id: String,
    /// What was ordered.
    pub item: String,
    /// Where it is.
    pub status: Status,
}

impl Order {
    /// A new order of `item`, with a fresh id, just received.
    pub fn received(item: String) -> Order {
        Order {
            id: uuid::Uuid::new_v4().to_string(),
            item,
            status: Status::Received,
        }
    }
}

/// The message the API queues for each new order: `{"id": "..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The order to process.
    pub id: String,
}
