//! The order API: its routes, mounted under [`API_PREFIX`], and their handlers.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::{self, ApiError};
use crate::order::{Job, Order, Status};
use crate::store::{JobsQueue, OrdersTable};

/// The path prefix of every route, as in the example service.
pub const API_PREFIX: &str = "/api/v1";

/// The longest item an order may name, in characters: an order names a thing, it does not
/// hold a document (and a DynamoDB item is at most 400 KB).
pub const MAX_ITEM_CHARS: usize = 200;

/// What the handlers use: the table the orders are kept in and the queue of their jobs.
#[derive(Clone, Debug)]
pub struct Shop {
    /// The `Orders` table.
    pub orders: OrdersTable,
    /// The `Jobs` queue.
    pub jobs: JobsQueue,
}

/// The API's router, with JSON answers for unknown paths and methods.
pub fn router(shop: Shop) -> Router {
    let api = Router::new()
        .route("/health_check", get(health_check))
        .route("/orders", post(create_order))
        .route("/orders/{id}", get(order))
        .with_state(shop);
    Router::new()
        .nest(API_PREFIX, api)
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
}

/// `GET /api/v1/health_check` → `200 {"message":"ok"}`.
async fn health_check() -> Json<Value> {
    Json(json!({"message": "ok"}))
}

/// The answer to a new order.
#[derive(Serialize)]
struct Received {
    id: String,
    status: Status,
}

/// `POST /api/v1/orders {"item": "..."}` → `201 {"id", "status": "received"}`, with the
/// order's URL in `Location`: the order is stored, then its job queued. Should the job not
/// be queued, the client gets a 500 and the order stays `received`.
async fn create_order(
    State(shop): State<Shop>,
    body: Result<Json<Map<String, Value>>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let order = Order::received(item_of(&body)?);
    shop.orders
        .insert(&order)
        .await
        .map_err(ApiError::internal)?;
    let job = Job {
        id: order.id.clone(),
    };
    shop.jobs.send(&job).await.map_err(ApiError::internal)?;
    let location = format!("{API_PREFIX}/orders/{}", order.id);
    let received = Received {
        id: order.id,
        status: order.status,
    };
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(received),
    ))
}

/// The item a new order's body names: its `item`, a string, not blank, at most
/// [`MAX_ITEM_CHARS`] characters. (The body is read as a JSON object, not deserialized into a
/// struct: serde would take `["tea"]` for `{"item": "tea"}`.)
fn item_of(body: &Map<String, Value>) -> Result<String, ApiError> {
    let Some(Value::String(item)) = body.get("item") else {
        return Err(ApiError::bad_request("the body has no string `item`"));
    };
    if item.trim().is_empty() {
        return Err(ApiError::bad_request("`item` is empty"));
    }
    if item.chars().count() > MAX_ITEM_CHARS {
        return Err(ApiError::bad_request(format!(
            "`item` is longer than {MAX_ITEM_CHARS} characters"
        )));
    }
    Ok(item.clone())
}

/// `GET /api/v1/orders/{id}` → `200 {"id", "item", "status"}`, or a 404.
async fn order(
    State(shop): State<Shop>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Order>, ApiError> {
    let Path(id) = id?;
    // The API gives UUIDs: anything else is no order, found without asking DynamoDB (which
    // refuses a key over 2 KB with an error).
    if uuid::Uuid::parse_str(&id).is_err() {
        return Err(ApiError::no_order(&id));
    }
    match shop.orders.get(&id).await {
        Ok(Some(order)) => Ok(Json(order)),
        Ok(None) => Err(ApiError::no_order(&id)),
        Err(error) => Err(ApiError::internal(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(body: Value) -> Result<String, ApiError> {
        item_of(body.as_object().unwrap())
    }

    #[test]
    fn items_are_strings_not_blank_nor_long() {
        assert_eq!(item(json!({"item": "tea", "note": "hot"})).unwrap(), "tea");
        assert_eq!(item(json!({"item": " \t"})).unwrap_err().status(), 400);
        assert_eq!(item(json!({"item": ["tea"]})).unwrap_err().status(), 400);
        assert_eq!(item(json!({"name": "tea"})).unwrap_err().status(), 400);
        assert!(item(json!({"item": "é".repeat(MAX_ITEM_CHARS)})).is_ok());
        let long = item(json!({"item": "é".repeat(MAX_ITEM_CHARS + 1)})).unwrap_err();
        assert_eq!(long.message(), "`item` is longer than 200 characters");
    }
}
