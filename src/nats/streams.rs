//! Stream management over `$JS.API.STREAM.*` and the views the API and console show.

use serde::Serialize;
use serde_json::{Value, json};

use super::wire::{
    ConsumerListPage, PurgeResponse, StreamListPage, SuccessResponse, WireConsumerInfo,
    WireStreamInfo, codes,
};
use super::{JsError, Nats};
use crate::error::{ApiError, ErrorCode};
use crate::stream_spec::{StreamSpec, WireSpec, nanos_to_seconds};
use crate::validate;

/// Stream listing pages are bounded so a broken server cannot keep us looping.
const MAX_LIST_PAGES: usize = 1_000;

/// A stream as the API returns it: its configuration in the spec's terms, and its state.
#[derive(Debug, Clone, Serialize)]
pub struct StreamView {
    pub name: String,
    pub created: Option<String>,
    pub config: StreamConfigView,
    pub state: StreamStateView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamConfigView {
    pub subjects: Vec<String>,
    pub retention: String,
    pub storage: String,
    pub replicas: i64,
    pub discard: String,
    /// `-1` means unlimited, as JetStream reports it.
    pub max_msgs: i64,
    pub max_bytes: i64,
    pub max_msg_size: i64,
    /// Seconds; 0 means unlimited.
    pub max_age: f64,
    /// Seconds.
    pub duplicate_window: f64,
    pub description: Option<String>,
    pub allow_direct: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamStateView {
    pub messages: u64,
    pub bytes: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
    pub consumer_count: u64,
    pub deleted: u64,
    pub subjects: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsumerView {
    pub name: String,
    pub created: Option<String>,
    pub durable: bool,
    pub filter_subject: Option<String>,
    pub ack_policy: Option<String>,
    pub deliver_policy: Option<String>,
    pub delivered_stream_seq: u64,
    pub ack_floor_stream_seq: u64,
    pub num_pending: u64,
    pub num_ack_pending: u64,
    pub num_redelivered: u64,
    pub num_waiting: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StreamDetail {
    #[serde(flatten)]
    pub stream: StreamView,
    pub consumers: Vec<ConsumerView>,
}

impl From<WireStreamInfo> for StreamView {
    fn from(info: WireStreamInfo) -> Self {
        let c = info.config;
        let s = info.state;
        StreamView {
            name: c.name,
            created: info.created,
            config: StreamConfigView {
                subjects: c.subjects,
                retention: c.retention,
                storage: c.storage,
                replicas: c.num_replicas.max(1),
                discard: c.discard,
                max_msgs: c.max_msgs,
                max_bytes: c.max_bytes,
                max_msg_size: c.max_msg_size,
                max_age: nanos_to_seconds(c.max_age),
                duplicate_window: nanos_to_seconds(c.duplicate_window),
                description: c.description,
                allow_direct: c.allow_direct,
            },
            state: StreamStateView {
                messages: s.messages,
                bytes: s.bytes,
                first_seq: s.first_seq,
                last_seq: s.last_seq,
                first_ts: s.first_ts.filter(|_| s.first_seq > 0 && s.messages > 0),
                last_ts: s.last_ts.filter(|_| s.last_seq > 0),
                consumer_count: s.consumer_count,
                deleted: s.num_deleted,
                subjects: s.num_subjects,
            },
            cluster: info.cluster,
        }
    }
}

impl From<WireConsumerInfo> for ConsumerView {
    fn from(info: WireConsumerInfo) -> Self {
        let text = |key: &str| {
            info.config
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        ConsumerView {
            durable: text("durable_name").is_some(),
            filter_subject: text("filter_subject"),
            ack_policy: text("ack_policy"),
            deliver_policy: text("deliver_policy"),
            created: info.created.clone(),
            delivered_stream_seq: info.delivered.stream_seq,
            ack_floor_stream_seq: info.ack_floor.stream_seq,
            num_pending: info.num_pending,
            num_ack_pending: info.num_ack_pending,
            num_redelivered: info.num_redelivered,
            num_waiting: info.num_waiting,
            name: info.name,
        }
    }
}

/// A name from a URL path: checked before it is put into a NATS subject.
pub fn checked_name(name: &str) -> Result<(), ApiError> {
    validate::stream_name(name).map_err(ApiError::invalid_stream)
}

fn not_found_or(err: JsError, name: &str) -> ApiError {
    if err.err_code() == Some(codes::STREAM_NOT_FOUND) {
        ApiError::stream_not_found(name)
    } else {
        err.into()
    }
}

impl Nats {
    /// Every stream with its config and state, sorted by name.
    pub async fn list_streams(&self) -> Result<Vec<StreamView>, ApiError> {
        Ok(self
            .list_stream_infos()
            .await?
            .into_iter()
            .map(StreamView::from)
            .collect())
    }

    pub(super) async fn list_stream_infos(&self) -> Result<Vec<WireStreamInfo>, JsError> {
        let mut streams = Vec::new();
        for _ in 0..MAX_LIST_PAGES {
            let page: StreamListPage = self
                .js_request("STREAM.LIST", Some(&json!({ "offset": streams.len() })))
                .await?;
            let batch = page.streams.unwrap_or_default();
            let done = batch.is_empty() || streams.len() + batch.len() >= page.total;
            streams.extend(batch);
            if done {
                break;
            }
        }
        streams.sort_by(|a, b| a.config.name.cmp(&b.config.name));
        Ok(streams)
    }

    pub(super) async fn stream_info(&self, name: &str) -> Result<WireStreamInfo, ApiError> {
        checked_name(name)?;
        self.js_request(&format!("STREAM.INFO.{name}"), None)
            .await
            .map_err(|e| not_found_or(e, name))
    }

    /// One stream with its consumers and their lag.
    pub async fn stream_detail(&self, name: &str) -> Result<StreamDetail, ApiError> {
        let info = self.stream_info(name).await?;
        let consumers = self.consumers(name).await?;
        Ok(StreamDetail {
            stream: info.into(),
            consumers,
        })
    }

    /// A stream's consumers with their lag, sorted by name.
    pub async fn consumers(&self, name: &str) -> Result<Vec<ConsumerView>, ApiError> {
        checked_name(name)?;
        let mut consumers: Vec<ConsumerView> = Vec::new();
        for _ in 0..MAX_LIST_PAGES {
            let page: ConsumerListPage = self
                .js_request(
                    &format!("CONSUMER.LIST.{name}"),
                    Some(&json!({ "offset": consumers.len() })),
                )
                .await
                .map_err(|e| not_found_or(e, name))?;
            let batch = page.consumers.unwrap_or_default();
            let done = batch.is_empty() || consumers.len() + batch.len() >= page.total;
            consumers.extend(batch.into_iter().map(ConsumerView::from));
            if done {
                break;
            }
        }
        consumers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(consumers)
    }

    /// Creates a stream after checking, against the streams that exist, that neither its name nor
    /// its subjects are taken — so a conflict can say which stream it is with.
    pub async fn create_stream(&self, spec: &StreamSpec) -> Result<StreamView, ApiError> {
        spec.validate()
            .map_err(|e| ApiError::invalid_stream(e.to_string()))?;
        let existing = self.list_stream_infos().await?;
        if existing.iter().any(|s| s.config.name == spec.name) {
            return Err(ApiError::new(
                ErrorCode::StreamCreationError,
                format!("stream '{}' already exists", spec.name),
            ));
        }
        let subjects = spec.effective_subjects();
        for other in &existing {
            for theirs in &other.config.subjects {
                if let Some(ours) = subjects
                    .iter()
                    .find(|ours| validate::subjects_overlap(ours, theirs))
                {
                    return Err(ApiError::new(
                        ErrorCode::StreamCreationError,
                        format!(
                            "subject '{ours}' overlaps subject '{theirs}' of stream '{}'",
                            other.config.name
                        ),
                    ));
                }
            }
        }
        let body = serde_json::to_value(spec.to_wire())
            .map_err(|e| ApiError::new(ErrorCode::InternalError, e.to_string()))?;
        let created: WireStreamInfo = self
            .js_request(&format!("STREAM.CREATE.{}", spec.name), Some(&body))
            .await
            .map_err(|err| match err.err_code() {
                // Lost a race with another creator between our check and the create.
                Some(codes::STREAM_NAME_EXISTS) | Some(codes::STREAM_SUBJECT_OVERLAP) => {
                    ApiError::new(ErrorCode::StreamCreationError, err.to_string())
                }
                // The server judged the definition itself invalid (e.g. replicas beyond the
                // cluster's size): the caller's data is at fault.
                Some(code)
                    if code == codes::STREAM_REPLICAS_NOT_SUPPORTED
                        || matches!(&err, JsError::Api(body) if body.code == 400) =>
                {
                    ApiError::invalid_stream(format!(
                        "JetStream refused the stream: {}",
                        match &err {
                            JsError::Api(body) => body.description.clone(),
                            other => other.to_string(),
                        }
                    ))
                }
                Some(_) => ApiError::new(ErrorCode::StreamCreationError, err.to_string())
                    .with_status(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
                None => err.into(),
            })?;
        tracing::info!(stream = %spec.name, subjects = ?subjects, "stream created");
        Ok(created.into())
    }

    pub async fn delete_stream(&self, name: &str) -> Result<(), ApiError> {
        checked_name(name)?;
        let response: SuccessResponse = self
            .js_request(&format!("STREAM.DELETE.{name}"), None)
            .await
            .map_err(|e| not_found_or(e, name))?;
        if !response.success {
            return Err(ApiError::new(
                ErrorCode::JetstreamError,
                format!("JetStream did not confirm deleting stream '{name}'"),
            ));
        }
        tracing::info!(stream = %name, "stream deleted");
        Ok(())
    }

    /// Removes every message from a stream; returns how many were removed.
    pub async fn purge_stream(&self, name: &str) -> Result<u64, ApiError> {
        checked_name(name)?;
        let response: PurgeResponse = self
            .js_request(&format!("STREAM.PURGE.{name}"), None)
            .await
            .map_err(|e| not_found_or(e, name))?;
        if !response.success {
            return Err(ApiError::new(
                ErrorCode::JetstreamError,
                format!("JetStream did not confirm purging stream '{name}'"),
            ));
        }
        tracing::info!(stream = %name, purged = response.purged, "stream purged");
        Ok(response.purged)
    }
}
