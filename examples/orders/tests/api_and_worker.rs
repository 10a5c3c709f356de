//! The order API and the worker in-process, against DynamoDB and SQS as `moto_server`
//! emulates them on a loopback port of its own: the router answers through `tower`'s
//! `oneshot`, the worker gets the batch Lambda would deliver from the queue, and what the
//! table and the queue hold is read back through the SDK.
//!
//! Needs `moto_server` (`python3 -m pip install 'moto[server]'`; `.ci/setup` installs it).

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{Region, SdkConfig};
use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use orders::api::{self, Shop};
use orders::store::{JobsQueue, OrdersTable};
use serde_json::{json, Value};
use tower::ServiceExt;

/// A `moto_server` of the test's own, stopped when dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start moto_server ({e}): python3 -m pip install 'moto[server]'")
            });
        let mut moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited: {status}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A table and a queue on the emulator, as the stage would have them, and the API's router
/// on them.
struct Shopfront {
    _moto: Moto,
    config: SdkConfig,
    table: String,
    queue_url: String,
    shop: Shop,
}

impl Shopfront {
    async fn open() -> Shopfront {
        let moto = Moto::start();
        // The functions' own configuration chain, given what Lambda's environment would give.
        let config = orders::aws::loader()
            .endpoint_url(&moto.endpoint)
            .region(Region::new("us-west-2"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "testing", "testing", None, None, "tests",
            ))
            .load()
            .await;
        let table = "Dev-Shop-OrdersTable-TEST".to_owned();
        aws_sdk_dynamodb::Client::new(&config)
            .create_table()
            .table_name(&table)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("id")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("id")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap();
        let queue_url = aws_sdk_sqs::Client::new(&config)
            .create_queue()
            .queue_name("Dev-Shop-JobsQueue-TEST")
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let shop = Shop {
            orders: OrdersTable::new(
                &config,
                pipewright_links::Table {
                    name: table.clone(),
                },
            ),
            jobs: JobsQueue::new(
                &config,
                pipewright_links::Queue {
                    url: queue_url.clone(),
                },
            ),
        };
        Shopfront {
            _moto: moto,
            config,
            table,
            queue_url,
            shop,
        }
    }

    fn router(&self) -> Router {
        api::router(self.shop.clone())
    }

    /// The item of the table with this id, as JSON strings.
    async fn item(&self, id: &str) -> Option<Value> {
        let output = aws_sdk_dynamodb::Client::new(&self.config)
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        output.item().map(|item| {
            item.iter()
                .map(|(k, v)| (k.clone(), json!(v.as_s().unwrap())))
                .collect()
        })
    }

    /// The queue's messages, received as Lambda's mapping receives them, as the batch it
    /// would deliver to the worker.
    async fn batch(&self) -> SqsEvent {
        let received = aws_sdk_sqs::Client::new(&self.config)
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let records: Vec<Value> = received
            .messages()
            .iter()
            .map(|m| record(m.message_id().unwrap(), m.body().unwrap()))
            .collect();
        serde_json::from_value(json!({ "Records": records })).unwrap()
    }
}

/// One record of an SQS batch, in the shape Lambda delivers it.
fn record(message_id: &str, body: &str) -> Value {
    json!({
        "messageId": message_id,
        "receiptHandle": format!("handle-{message_id}"),
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-west-2:111111111111:Dev-Shop-JobsQueue-TEST",
        "awsRegion": "us-west-2"
    })
}

/// A request through the router: its status, `Location` header and JSON body.
/// `GET /api/v1/orders/{id}`, which must answer 200: the order.
async fn read_order(shopfront: &Shopfront, id: &str) -> Value {
    let uri = format!("/api/v1/orders/{id}");
    let (status, _, read) = call(shopfront.router(), Method::GET, &uri, None).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    read
}

async fn call(
    router: Router,
    method: Method,
    uri: &str,
    body: Option<(&str, &str)>,
) -> (StatusCode, Option<String>, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    let body = match body {
        Some((content_type, text)) => {
            request = request.header(header::CONTENT_TYPE, content_type);
            Body::from(text.to_owned())
        }
        None => Body::empty(),
    };
    let response = router.oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_owned());
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        content_type.as_ref().map(|c| c.to_str().unwrap()),
        Some("application/json"),
        "{status} {uri}: {}",
        String::from_utf8_lossy(&bytes)
    );
    (status, location, serde_json::from_slice(&bytes).unwrap())
}

const JSON: &str = "application/json";

#[tokio::test]
async fn an_order_is_stored_queued_processed_and_read_back() {
    let shopfront = Shopfront::open().await;
    let (status, location, created) = call(
        shopfront.router(),
        Method::POST,
        "/api/v1/orders",
        Some((JSON, r#"{"item": "a pot of tea"}"#)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created, json!({"id": id, "status": "received"}));
    assert_eq!(location.unwrap(), format!("/api/v1/orders/{id}"));

    // Stored, and a job naming it queued.
    assert_eq!(
        shopfront.item(&id).await.unwrap(),
        json!({"id": id, "item": "a pot of tea", "status": "received"})
    );
    let batch = shopfront.batch().await;
    assert_eq!(batch.records.len(), 1);
    let body: Value = serde_json::from_str(batch.records[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body, json!({"id": id}));

    assert_eq!(
        read_order(&shopfront, &id).await,
        json!({"id": id, "item": "a pot of tea", "status": "received"})
    );

    // The worker processes the job: nothing fails, and the order says so.
    let response = orders::worker::process(&shopfront.shop.orders, batch).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "{:?}",
        response.batch_item_failures
    );
    assert_eq!(
        read_order(&shopfront, &id).await,
        json!({"id": id, "item": "a pot of tea", "status": "processed"})
    );
}

#[tokio::test]
async fn every_error_is_json_bad_bodies_are_400_and_unknown_orders_404() {
    let shopfront = Shopfront::open().await;
    let router = shopfront.router();
    let (status, _, health) = call(router.clone(), Method::GET, "/api/v1/health_check", None).await;
    assert_eq!((status, health), (StatusCode::OK, json!({"message": "ok"})));

    for bad in [
        "not json",
        "{\"item\": ",
        "{}",
        "{\"item\": 7}",
        "{\"item\": \"  \"}",
        "[\"tea\"]",
    ] {
        let (status, _, error) = call(
            router.clone(),
            Method::POST,
            "/api/v1/orders",
            Some((JSON, bad)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {error}");
        assert_eq!(error["error"]["status"], 400, "{bad}: {error}");
        assert!(error["error"]["message"].is_string(), "{error}");
    }
    let (status, _, error) = call(
        router.clone(),
        Method::POST,
        "/api/v1/orders",
        Some(("text/plain", "{\"item\": \"tea\"}")),
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{error}");

    let unknown = uuid::Uuid::new_v4().to_string();
    let long = "x".repeat(3000);
    for id in [unknown.as_str(), "not-an-id", long.as_str()] {
        let (status, _, error) = call(
            router.clone(),
            Method::GET,
            &format!("/api/v1/orders/{id}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
        assert_eq!(
            error["error"]["message"],
            format!("no order with id {id:?}"),
            "{error}"
        );
    }
    let (status, _, _) = call(router.clone(), Method::GET, "/api/v1/nothing", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = call(router, Method::DELETE, "/api/v1/orders", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);

    // Nothing was stored or queued by any of them.
    assert!(shopfront.batch().await.records.is_empty());
}

#[tokio::test]
async fn failed_jobs_are_reported_and_no_order_is_made_up() {
    let shopfront = Shopfront::open().await;
    let (_, _, created) = call(
        shopfront.router(),
        Method::POST,
        "/api/v1/orders",
        Some((JSON, r#"{"item": "scones"}"#)),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let stranger = uuid::Uuid::new_v4().to_string();
    let batch: SqsEvent = serde_json::from_value(json!({"Records": [
        record("m-known", &json!({"id": id}).to_string()),
        record("m-unknown", &json!({"id": stranger}).to_string()),
        record("m-garbled", "{\"order\""),
    ]}))
    .unwrap();

    let response = orders::worker::process(&shopfront.shop.orders, batch).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["m-unknown", "m-garbled"]);
    assert_eq!(shopfront.item(id).await.unwrap()["status"], "processed");
    assert_eq!(shopfront.item(&stranger).await, None);
}
