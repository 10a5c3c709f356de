//! The Lambda side: the router behind `lambda_http`, for API Gateway REST (v1), HTTP API (v2),
//! Lambda function URLs and ALB events.
//!
//! Each event is read as raw JSON and checked ([`event`]) before `lambda_http` converts it into
//! an `http::Request`: an event it cannot convert (it would panic, or fail the invocation) is
//! answered with the service's JSON 400 instead, and the function goes on serving.
//!
//! `lambda_http` puts the API Gateway stage into the path (`/prod/api/v1/health_check`), so
//! before the router sees a request this module takes the stage prefix off again: the routes
//! are then the same as locally. It also tags the request with the Lambda invocation's request
//! id, so the logs of a request can be matched with the runtime's own START/END/REPORT lines.

mod event;

use axum::http::uri::PathAndQuery;
use axum::http::{HeaderValue, Uri};
use axum::{Extension, Router};
use lambda_http::lambda_runtime::{self, service_fn, Context, LambdaEvent};
use lambda_http::request::RequestContext;
use lambda_http::{Adapter, Request, RequestExt};
use serde_json::value::RawValue;
use tower::util::MapRequest;
use tower::ServiceExt;

use crate::error::ApiError;
use crate::middleware::REQUEST_ID_HEADER;
use crate::ServiceConfig;

/// The environment variable whose presence means the process runs under the Lambda runtime.
pub const RUNTIME_API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";

/// Whether the Lambda runtime environment is present.
pub fn is_lambda_environment() -> bool {
    std::env::var_os(RUNTIME_API_VAR).is_some()
}

/// The router as the service that `lambda_http` drives: each request's path has its stage
/// prefix removed and its `x-request-id` set to the invocation's request id.
pub type LambdaService = MapRequest<Router, fn(Request) -> Request>;

/// Wraps `router` for `lambda_http` (see [`LambdaService`]).
pub fn handler(router: Router) -> LambdaService {
    router.map_request(adapt_request as fn(Request) -> Request)
}

/// Serves `router` under the Lambda runtime API until the runtime stops the process.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    let runtime_api = std::env::var(RUNTIME_API_VAR).unwrap_or_default();
    tracing::info!(runtime_api = %runtime_api, "polling the Lambda runtime API");
    let function = LambdaFunction::new(router);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let function = function.clone();
        async move {
            let response = function.invoke(event.payload.get(), event.context).await;
            Ok::<_, lambda_http::Error>(response)
        }
    }))
    .await
}

/// The function: the router for the events that convert into requests, and a router with the
/// same middleware (request id, logging, CORS) that answers the others with a JSON 400.
#[derive(Clone)]
pub struct LambdaFunction {
    router: Router,
    rejection: Router,
}

/// Why an event was rejected, for the rejection router's handler.
#[derive(Debug, Clone)]
struct InvalidEvent(event::Reason);

impl LambdaFunction {
    /// The function serving `router`.
    pub fn new(router: Router) -> Self {
        let rejection = Router::new().fallback(reject_event);
        Self {
            router,
            rejection: crate::middleware::apply(rejection, &ServiceConfig::default()),
        }
    }

    /// Answers one invocation whose payload is the JSON `event`: what the runtime sends back to
    /// Lambda, in the response shape of the event's source.
    pub async fn invoke(&self, event: &str, context: Context) -> impl serde::Serialize + use<> {
        let (request, service) = match event::read(event) {
            Ok(request) => (request, handler(self.router.clone())),
            Err(rejected) => (
                rejected.source.empty_event(),
                self.rejecting(rejected.reason),
            ),
        };
        let answer = Adapter::from(service)
            .oneshot(LambdaEvent::new(request, context))
            .await;
        match answer {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    /// The rejection router for one event, told why through a request extension.
    fn rejecting(&self, reason: event::Reason) -> LambdaService {
        let rejection = self
            .rejection
            .clone()
            .layer(Extension(InvalidEvent(reason)));
        handler(rejection)
    }
}

/// The rejection router's only handler: 400 with the reason the event was rejected.
async fn reject_event(invalid: Option<Extension<InvalidEvent>>) -> ApiError {
    let reason = invalid.map_or_else(
        || "the event is not a valid HTTP request".into(),
        |Extension(InvalidEvent(reason))| reason,
    );
    tracing::warn!(%reason, "event rejected");
    ApiError::bad_request(reason)
}

/// Takes the stage prefix off the path and tags the request with the invocation's id.
fn adapt_request(mut request: Request) -> Request {
    if let Some(path) = path_without_stage(&request) {
        let query = request.uri().query().map(str::to_owned);
        let path_and_query = match query {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        if let Ok(path_and_query) = PathAndQuery::try_from(path_and_query) {
            let mut parts = request.uri().clone().into_parts();
            parts.path_and_query = Some(path_and_query);
            if let Ok(uri) = Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    }
    let invocation_id = request
        .lambda_context_ref()
        .map(|context| context.request_id.as_str())
        .filter(|id| !id.is_empty())
        .and_then(|id| HeaderValue::from_str(id).ok());
    if let Some(invocation_id) = invocation_id {
        request
            .headers_mut()
            .insert(REQUEST_ID_HEADER, invocation_id);
    }
    request
}

/// The request's path without its API Gateway stage, or `None` to keep the path as it is.
///
/// - REST API (v1): the event's `path` never has the stage; `lambda_http` prepends
///   `/{stage}` unless the path already starts with it (or `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH`
///   is set), so the prefix is removed exactly when `lambda_http` added it.
/// - HTTP API (v2) and function URLs: `rawPath` has the stage for a named stage reached through
///   the execute-api host, and `lambda_http` adds it otherwise; the `$default` stage has none. A
///   leading `/{stage}` segment is removed.
/// - ALB and anything else: the path is kept.
fn path_without_stage(request: &Request) -> Option<String> {
    let (stage, added_by_adapter_only) = match request.request_context_ref()? {
        RequestContext::ApiGatewayV1(context) => (context.stage.as_deref()?, true),
        RequestContext::ApiGatewayV2(context) => (context.stage.as_deref()?, false),
        _ => return None,
    };
    if stage.is_empty() || stage == "$default" {
        return None;
    }
    if added_by_adapter_only && has_segment_prefix(request.raw_http_path(), stage) {
        return None;
    }
    let path = request.uri().path();
    if !has_segment_prefix(path, stage) {
        return None;
    }
    let rest = &path[1 + stage.len()..];
    Some(if rest.is_empty() {
        "/".to_owned()
    } else {
        rest.to_owned()
    })
}

/// Whether `path` is `/{segment}` or starts with `/{segment}/`.
fn has_segment_prefix(path: &str, segment: &str) -> bool {
    path.strip_prefix('/')
        .and_then(|rest| rest.strip_prefix(segment))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::has_segment_prefix;

    #[test]
    fn segment_prefixes_are_whole_segments() {
        assert!(has_segment_prefix("/prod/api", "prod"));
        assert!(has_segment_prefix("/prod", "prod"));
        assert!(!has_segment_prefix("/production/api", "prod"));
        assert!(!has_segment_prefix("/api/prod", "prod"));
    }
}
