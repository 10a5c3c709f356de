//! The functions of pipewright's orders example (the program: `examples/orders.rs`): an order
//! API and the worker that processes its orders, sharing the `Orders` table and the `Jobs`
//! queue their `lambda` blocks link.
//!
//! - `GET /api/v1/health_check` → `200 {"message":"ok"}`.
//! - `POST /api/v1/orders {"item": "..."}` stores the order as `received` and queues a job
//!   naming it → `201 {"id": "...", "status": "received"}`.
//! - The worker takes each job off the queue and marks its order `processed`.
//! - `GET /api/v1/orders/{id}` → `200 {"id", "item", "status"}`.
//!
//! Every error is JSON, `{"error": {"status": N, "message": "..."}}`, as in the example
//! service (service/): a body that is not an order is a 400, an unknown id a 404.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod aws;
pub mod error;
pub mod lambda;
pub mod order;
pub mod store;
pub mod worker;
