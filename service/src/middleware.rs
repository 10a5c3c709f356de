//! The middleware stack shared by the Lambda and the local server: request ids, request
//! logging, CORS, panic catching and the body limit.

use std::any::Any;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use tower::util::MapRequestLayer;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowHeaders, Any as AnyOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::{Level, Span};

use crate::body::BodyLimits;
use crate::config::ServiceConfig;
use crate::error::ApiError;

/// The header that carries the request id, in requests (honoured if present) and responses.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id kept from a client. A longer one (or one with anything but visible
/// ASCII) is replaced by a new id rather than echoed and logged: a client must not be able to
/// make every log line and response carry hundreds of kilobytes or control characters.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// How long browsers may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// Wraps `router` in the middleware stack. Outermost first:
/// 1. the request id (kept from `x-request-id` if it is a sane one, else a new UUID), so every
///    later layer sees it;
/// 2. request logging in a span that carries that id, so handler logs are tagged with it;
/// 3. the request id copied onto the response;
/// 4. CORS for any origin, outside the panic catcher so that error responses carry it too;
/// 5. the panic catcher, which turns a panicking handler into a JSON 500;
/// 6. the body limits: `ParsedBody` reads them from the `BodyLimits` extension, and axum's own
///    body extractors the size limit from `DefaultBodyLimit`.
pub(crate) fn apply(router: Router, config: &ServiceConfig) -> Router {
    let middleware = ServiceBuilder::new()
        .layer(MapRequestLayer::new(drop_unusable_request_id))
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
        .layer(cors())
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(Extension(BodyLimits {
            bytes: config.body_limit_bytes,
            read_timeout: config.body_read_timeout,
        }))
        .layer(DefaultBodyLimit::max(config.body_limit_bytes));
    router.layer(middleware)
}

/// Removes the client's `x-request-id` if any of its values is not a usable id (see
/// [`MAX_REQUEST_ID_LEN`]), so that the next layer makes a new one.
fn drop_unusable_request_id<B>(mut request: Request<B>) -> Request<B> {
    let headers = request.headers();
    if !headers
        .get_all(REQUEST_ID_HEADER)
        .iter()
        .all(is_usable_request_id)
    {
        request.headers_mut().remove(REQUEST_ID_HEADER);
    }
    request
}

/// Whether a client's request id may be kept: 1 to [`MAX_REQUEST_ID_LEN`] visible ASCII
/// characters.
fn is_usable_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty() && bytes.len() <= MAX_REQUEST_ID_LEN && bytes.iter().all(u8::is_ascii_graphic)
}

/// CORS like the original `cors({origin: '*'})`: any origin, the usual methods, and whatever
/// request headers the preflight asks for.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AnyOrigin)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::PATCH,
            Method::POST,
            Method::DELETE,
        ])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([REQUEST_ID_HEADER])
        .max_age(PREFLIGHT_MAX_AGE)
}

/// The span of one request: method, path and request id.
fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}

/// The answer to a caught panic. The panic itself was logged by the hook that
/// [`crate::telemetry::init`] installs; its message is never sent to the client.
fn panic_response(_panic: Box<dyn Any + Send + 'static>) -> Response {
    ApiError::internal_without_cause().into_response()
}
