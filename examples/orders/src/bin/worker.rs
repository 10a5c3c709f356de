//! The `Worker` function: the batches of the `Jobs` queue, under the Lambda runtime (the
//! queue's event source mapping delivers them; there is nothing to run locally).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, LambdaEvent};
use orders::store::OrdersTable;

pipewright_links::links! {
    /// What the worker uses: the orders, read and updated. It consumes the `Jobs` queue
    /// through its event, which grants that.
    pub struct Links {
        orders: Table(Orders, ReadWrite),
    }
}

fn main() -> ExitCode {
    orders::lambda::init_logging();
    // At cold start, not at the first batch: one line naming every missing variable.
    let links = match Links::from_env() {
        Ok(links) => links,
        Err(missing) => {
            tracing::error!("{missing}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(work(links)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "the worker stopped");
            ExitCode::FAILURE
        }
    }
}

async fn work(links: Links) -> Result<(), lambda_runtime::Error> {
    let config = orders::aws::from_env().await;
    let table = OrdersTable::new(&config, links.orders);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let table = table.clone();
        async move {
            let response = orders::worker::process(&table, event.payload).await;
            Ok::<SqsBatchResponse, lambda_runtime::Error>(response)
        }
    }))
    .await
}
