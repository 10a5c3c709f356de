//! The worker's work: each job of a batch of the `Jobs` queue marks its order processed.
//! A job that fails is reported in the batch response (the queue's mapping asks for partial
//! batch responses), so Lambda deletes the others and only that one comes back; after the
//! queue's `max_receives` failures it moves to the dead-letter queue, whose alarm rolls back a
//! deployment of the worker.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};

use crate::order::Job;
use crate::store::{OrdersTable, StoreError};

/// Processes a batch: the response names every message that failed.
pub async fn process(orders: &OrdersTable, batch: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in batch.records {
        let id = message.message_id.clone().unwrap_or_default();
        if let Err(error) = process_message(orders, &message).await {
            tracing::error!(message_id = %id, %error, "job failed");
            response.add_failure(id);
        }
    }
    response
}

/// Why a job failed.
#[derive(Debug)]
enum JobError {
    /// The message is not a job.
    NotAJob(String),
    /// The table refused or failed.
    Store(StoreError),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::NotAJob(why) => write!(f, "the message is not a job: {why}"),
            JobError::Store(error) => error.fmt(f),
        }
    }
}

async fn process_message(orders: &OrdersTable, message: &SqsMessage) -> Result<(), JobError> {
    let body = message.body.as_deref().unwrap_or_default();
    let job: Job = serde_json::from_str(body).map_err(|e| JobError::NotAJob(e.to_string()))?;
    orders
        .mark_processed(&job.id)
        .await
        .map_err(JobError::Store)?;
    tracing::info!(order = %job.id, "processed");
    Ok(())
}
