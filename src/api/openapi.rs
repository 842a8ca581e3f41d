//! The OpenAPI 3.1 document of the REST API, generated (utoipa) from the handlers' annotations and
//! the types they answer with, and served at `GET /api/v1/openapi.json`. The envelope and the
//! error table are described here once; every operation lists the errors it can answer with.

use std::sync::OnceLock;

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::Ref;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToSchema};

use super::error::ErrorCode;
use crate::model::status::{ClusterStatus, JetStreamStatus, ServerStatus};

/// `success`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SuccessStatus {
    Success,
}

/// `error`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ErrorStatus {
    Error,
}

/// The envelope of every successful answer (except `/metrics` and this document). Answers are
/// built by `api::ok` from `envelope::Envelope`; a test checks the two serialize alike.
#[derive(Debug, Serialize, ToSchema)]
pub struct Success<T> {
    pub status: SuccessStatus,
    pub message: String,
    pub data: T,
    /// UTC, RFC 3339 with milliseconds and `Z`.
    pub timestamp: String,
}

/// The envelope of every error answer: unknown routes, wrong methods, bad bodies and panics
/// included.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub status: ErrorStatus,
    pub error_code: ErrorCode,
    pub message: String,
    /// Always `null`.
    #[schema(schema_with = null)]
    pub data: (),
    /// UTC, RFC 3339 with milliseconds and `Z`.
    pub timestamp: String,
}

fn null() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Null)
}

fn boolean(value: bool) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Boolean)
        .enum_values(Some([value]))
}

/// A status section that may be unavailable: `{"available": true, …T}` or
/// `{"available": false, "error": "…"}`.
pub fn section<T: ToSchema>() -> OneOfBuilder {
    OneOfBuilder::new()
        .item(
            AllOfBuilder::new()
                .item(Ref::from_schema_name(T::name()))
                .item(
                    ObjectBuilder::new()
                        .property("available", boolean(true))
                        .required("available"),
                ),
        )
        .item(
            ObjectBuilder::new()
                .property("available", boolean(false))
                .required("available")
                .property("error", ObjectBuilder::new().schema_type(Type::String))
                .required("error"),
        )
}

/// The stream's name (`{name}` in the path).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct Name {
    /// The stream's name.
    #[allow(dead_code)]
    name: String,
}

/// Which stored messages: `seq` or `last` (not both; default `last=10`).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Selector {
    /// The message at this sequence (1 or more).
    #[allow(dead_code)]
    seq: Option<u64>,
    /// The newest K messages, 1 to 100.
    #[allow(dead_code)]
    last: Option<u64>,
}

// The errors an operation can answer with, in sets the operations list.

#[derive(IntoResponses)]
pub enum BadRequest {
    /// A bad body, query, content type or stream name.
    #[response(status = 400)]
    BadRequest(ErrorEnvelope),
}

#[derive(IntoResponses)]
pub enum Guarded {
    /// A token is set and the request has none, or a wrong one (`UNAUTHORIZED`).
    #[response(status = 401)]
    Unauthorized(ErrorEnvelope),
}

#[derive(IntoResponses)]
pub enum Change {
    /// A read token, a change from another host while no token is set (`FORBIDDEN`), or
    /// `--read-only` (`READ_ONLY`).
    #[response(status = 403)]
    Forbidden(ErrorEnvelope),
}

#[derive(IntoResponses)]
pub enum NotFound {
    /// No such stream, no stream for the subject, or no message at the sequence.
    #[response(status = 404)]
    NotFound(ErrorEnvelope),
}

#[derive(IntoResponses)]
pub enum Conflict {
    /// The name or subjects are taken, or the stream refuses the message as it is now.
    #[response(status = 409)]
    Conflict(ErrorEnvelope),
}

#[derive(IntoResponses)]
pub enum Body {
    /// The declared body did not arrive within `api.body_timeout`.
    #[response(status = 408)]
    Timeout(ErrorEnvelope),
    /// The body is larger than `api.max_body_bytes`.
    #[response(status = 413)]
    TooLarge(ErrorEnvelope),
}

#[derive(IntoResponses)]
pub enum Unavailable {
    /// NATS is not connected, JetStream is off or not answering, or no acknowledgement came in
    /// time.
    #[response(status = 503)]
    Unavailable(ErrorEnvelope),
}

#[derive(IntoResponses)]
pub enum Internal {
    /// NATS or JetStream failed, or a bug (details are logged, not returned).
    #[response(status = 500)]
    Internal(ErrorEnvelope),
}

/// Bearer tokens, when the service has them (`api.token`, `api.read_token`); without any, reads
/// need none and changes are taken from this host only.
struct BearerTokens;

impl Modify for BearerTokens {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A write token (api.token) or, for GET, a read token (api.read_token); \
                         needed only when the service has tokens",
                    ))
                    .build(),
            ),
        );
        openapi.security = Some(vec![
            SecurityRequirement::new("bearer", Vec::<String>::new()),
            SecurityRequirement::default(),
        ]);
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "message-broker",
        description = "REST service for NATS JetStream: status and health, stream management, \
                       reading stored messages and publishing with JetStream acknowledgement. \
                       Every answer but /metrics and this document is the envelope; errors carry \
                       an error_code from the table."
    ),
    paths(
        super::status::liveness,
        super::status::service_status,
        super::status::broker_status,
        super::status::broker_health,
        super::streams::list,
        super::streams::create,
        super::streams::detail,
        super::streams::delete,
        super::streams::purge,
        super::streams::messages,
        super::publish::publish,
        super::publish::publish_batch,
        super::metrics::metrics,
        openapi_json,
    ),
    components(schemas(ErrorEnvelope, ErrorCode, ServerStatus, JetStreamStatus, ClusterStatus)),
    modifiers(&BearerTokens),
    tags(
        (name = "service", description = "Liveness, status and health"),
        (name = "streams", description = "Create, list, inspect, purge and delete streams"),
        (name = "messages", description = "Publish and read stored messages"),
    )
)]
struct ApiDoc;

/// The document, as served.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /api/v1/openapi.json`: this document (OpenAPI 3.1), not in the envelope.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "service",
    responses((status = 200, description = "The OpenAPI document", body = Object),
        Guarded, Internal))]
pub async fn openapi_json() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(|| document().to_json().unwrap_or_else(|_| "{}".to_owned()));
    ([(CONTENT_TYPE, "application/json")], json.as_str()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::envelope::Envelope;

    #[test]
    fn the_documented_envelopes_serialize_as_the_real_ones() {
        let documented = serde_json::to_value(Success {
            status: SuccessStatus::Success,
            message: "m".into(),
            data: 1,
            timestamp: "t".into(),
        })
        .unwrap();
        let mut real = serde_json::to_value(Envelope::success("m", 1)).unwrap();
        real["timestamp"] = "t".into();
        assert_eq!(documented, real);
        let documented = serde_json::to_value(ErrorEnvelope {
            status: ErrorStatus::Error,
            error_code: ErrorCode::ReadOnly,
            message: "m".into(),
            data: (),
            timestamp: "t".into(),
        })
        .unwrap();
        let mut real = serde_json::to_value(Envelope::error(ErrorCode::ReadOnly, "m")).unwrap();
        real["timestamp"] = "t".into();
        assert_eq!(documented, real);
    }

    #[test]
    fn the_document_is_openapi_3_1_with_every_error_code() {
        let doc = serde_json::to_value(document()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
        let listed: Vec<&str> = codes
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, all);
        assert!(doc["paths"]["/api/v1/broker/streams/{name}/messages"]["get"].is_object());
    }
}
