//! What both functions share about where they run: under the Lambda runtime, or locally, and
//! their logs.

use axum::http::uri::PathAndQuery;
use axum::http::Uri;
use axum::Router;
use lambda_http::{Request, RequestExt};
use tower::ServiceExt;

/// The variable whose presence means the process runs under the Lambda runtime.
pub const RUNTIME_API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";

/// Whether the process runs under the Lambda runtime.
pub fn is_lambda_environment() -> bool {
    std::env::var_os(RUNTIME_API_VAR).is_some()
}

/// Logs to stderr: JSON lines on Lambda (CloudWatch keeps them whole), text locally. The
/// level comes from `RUST_LOG` when set, else `info`.
pub fn init_logging() {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|level| level.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let logs = tracing_subscriber::fmt()
        .with_max_level(filter)
        .with_writer(std::io::stderr);
    if is_lambda_environment() {
        logs.json().without_time().init();
    } else {
        logs.init();
    }
}

/// Serves `router` to API Gateway's events until the runtime stops the process.
pub async fn serve_api(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(router.map_request(event_path)).await
}

/// The request with the path of the event: `lambda_http` puts the REST API's stage in front
/// of it (`/prod/api/v1/orders`), and the routes are the ones of the local server.
fn event_path(mut request: Request) -> Request {
    let path = request.raw_http_path().to_owned();
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = request.uri().clone().into_parts();
    parts.path_and_query = PathAndQuery::try_from(path_and_query).ok();
    if let Ok(uri) = Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An API Gateway REST event, as the `prod` stage of a REST API sends it.
    const EVENT: &str = r#"{
        "resource": "/{proxy+}",
        "path": "/api/v1/orders/7",
        "httpMethod": "GET",
        "headers": {"Host": "abc.execute-api.us-west-2.amazonaws.com"},
        "multiValueHeaders": {"Host": ["abc.execute-api.us-west-2.amazonaws.com"]},
        "queryStringParameters": {"verbose": "1"},
        "multiValueQueryStringParameters": {"verbose": ["1"]},
        "pathParameters": {"proxy": "api/v1/orders/7"},
        "stageVariables": null,
        "requestContext": {
            "accountId": "111111111111", "resourceId": "r", "stage": "prod",
            "requestId": "id", "identity": {}, "resourcePath": "/{proxy+}",
            "httpMethod": "GET", "apiId": "abc", "path": "/prod/api/v1/orders/7"
        },
        "body": null,
        "isBase64Encoded": false
    }"#;

    #[test]
    fn the_stage_is_not_part_of_the_routed_path() {
        let request = lambda_http::request::from_str(EVENT).unwrap();
        assert_eq!(request.uri().path(), "/prod/api/v1/orders/7");
        let request = event_path(request);
        assert_eq!(request.uri().path(), "/api/v1/orders/7");
        assert_eq!(request.uri().query(), Some("verbose=1"));
    }
}
