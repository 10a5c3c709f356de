//! The `Api` function: the order API, under the Lambda runtime behind API Gateway, or
//! locally on `127.0.0.1:$PORT` (default 3000) when the Lambda runtime is not there (with
//! `AWS_ENDPOINT_URL` naming an emulator, and the link variables naming its table and queue).
#![forbid(unsafe_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use orders::api::{self, Shop};
use orders::lambda::{self, is_lambda_environment};
use orders::store::{JobsQueue, OrdersTable};

pipewright_links::links! {
    /// What the API uses: the orders, written and read, and the queue it sends their jobs to.
    pub struct Links {
        orders: Table(Orders, ReadWrite),
        jobs: Queue(Jobs, Send),
    }
}

/// The local server's port when `PORT` is not set.
const DEFAULT_PORT: u16 = 3000;

fn main() -> ExitCode {
    lambda::init_logging();
    // At cold start, not at the first request: one line naming every missing variable.
    let links = match Links::from_env() {
        Ok(links) => links,
        Err(missing) => {
            tracing::error!("{missing}");
            return ExitCode::FAILURE;
        }
    };
    // One invocation at a time per execution environment on Lambda: one thread is enough.
    let runtime = match is_lambda_environment() {
        true => tokio::runtime::Builder::new_current_thread(),
        false => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()
    .expect("a tokio runtime");
    match runtime.block_on(serve(links)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "the API stopped");
            ExitCode::FAILURE
        }
    }
}

async fn serve(links: Links) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let config = orders::aws::from_env().await;
    let router = api::router(Shop {
        orders: OrdersTable::new(&config, links.orders),
        jobs: JobsQueue::new(&config, links.jobs),
    });
    if is_lambda_environment() {
        return lambda::serve_api(router).await;
    }
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, local_port()?));
    let listener = tokio::net::TcpListener::bind(address).await?;
    tracing::info!(%address, "serving the order API");
    axum::serve(listener, router).await?;
    Ok(())
}

/// `PORT`, or [`DEFAULT_PORT`].
fn local_port() -> Result<u16, String> {
    match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| format!("PORT is not a port number: {port:?}")),
        Err(_) => Ok(DEFAULT_PORT),
    }
}
