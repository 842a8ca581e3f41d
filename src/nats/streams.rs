//! Stream management over `$JS.API.STREAM.*`: list, inspect, create, update, purge and delete,
//! each checked against the shared rules before JetStream is asked.

use serde_json::{Value, json};

use super::stream_config::{WireSpec, nanos_to_seconds};
use super::wire::{
    ConsumerListPage, PurgeResponse, StreamListPage, SuccessResponse, WireConsumerInfo,
    WireStreamInfo, codes,
};
use super::{Nats, NatsError};
use crate::model::rules;
use crate::model::spec::StreamSpec;
use crate::model::stream::{
    ConsumerView, StreamConfigView, StreamDetail, StreamStateView, StreamView,
};

/// Stream listing pages are bounded so a broken server cannot keep us looping.
const MAX_LIST_PAGES: usize = 1_000;

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

/// A stream name from outside (a URL path, a key press): checked before it goes into a subject.
pub fn checked_name(name: &str) -> Result<(), NatsError> {
    rules::stream_name(name).map_err(NatsError::InvalidStream)
}

/// A refusal naming no stream becomes "stream `name` does not exist" when that is what it says.
fn about_stream(err: NatsError, name: &str) -> NatsError {
    if err.err_code() == Some(codes::STREAM_NOT_FOUND) {
        NatsError::StreamNotFound(name.to_owned())
    } else {
        err
    }
}

impl Nats {
    /// Every stream with its config and state, sorted by name.
    pub async fn list_streams(&self) -> Result<Vec<StreamView>, NatsError> {
        Ok(self
            .list_stream_infos()
            .await?
            .into_iter()
            .map(StreamView::from)
            .collect())
    }

    pub(super) async fn list_stream_infos(&self) -> Result<Vec<WireStreamInfo>, NatsError> {
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

    pub(super) async fn stream_info(&self, name: &str) -> Result<WireStreamInfo, NatsError> {
        checked_name(name)?;
        self.js_request(&format!("STREAM.INFO.{name}"), None::<&()>)
            .await
            .map_err(|e| about_stream(e, name))
    }

    /// One stream's configuration and state (`STREAM.INFO`): one request, for a view that reads
    /// it often and lists its consumers only when it has some.
    pub async fn stream(&self, name: &str) -> Result<StreamView, NatsError> {
        Ok(self.stream_info(name).await?.into())
    }

    /// One stream with its consumers and their lag.
    pub async fn stream_detail(&self, name: &str) -> Result<StreamDetail, NatsError> {
        let info = self.stream_info(name).await?;
        let consumers = self.consumers(name).await?;
        Ok(StreamDetail {
            stream: info.into(),
            consumers,
        })
    }

    /// A stream's consumers with their lag, sorted by name.
    pub async fn consumers(&self, name: &str) -> Result<Vec<ConsumerView>, NatsError> {
        Ok(self
            .consumer_infos(name)
            .await?
            .into_iter()
            .map(ConsumerView::from)
            .collect())
    }

    /// A stream's consumers as JetStream describes them (config, delivery and ack positions with
    /// their times), sorted by name: for views that need more than [`ConsumerView`] carries.
    pub async fn consumer_infos(&self, name: &str) -> Result<Vec<WireConsumerInfo>, NatsError> {
        checked_name(name)?;
        let mut consumers: Vec<WireConsumerInfo> = Vec::new();
        for _ in 0..MAX_LIST_PAGES {
            let page: ConsumerListPage = self
                .js_request(
                    &format!("CONSUMER.LIST.{name}"),
                    Some(&json!({ "offset": consumers.len() })),
                )
                .await
                .map_err(|e| about_stream(e, name))?;
            let batch = page.consumers.unwrap_or_default();
            let done = batch.is_empty() || consumers.len() + batch.len() >= page.total;
            consumers.extend(batch);
            if done {
                break;
            }
        }
        consumers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(consumers)
    }

    /// Deletes one consumer of a stream (`$JS.API.CONSUMER.DELETE`); the stream's messages stay.
    pub async fn delete_consumer(&self, stream: &str, consumer: &str) -> Result<(), NatsError> {
        checked_name(stream)?;
        rules::stream_name(consumer)
            .map_err(|problem| NatsError::InvalidStream(format!("consumer name: {problem}")))?;
        let response: SuccessResponse = self
            .js_request(&format!("CONSUMER.DELETE.{stream}.{consumer}"), None::<&()>)
            .await
            .map_err(|e| about_stream(e, stream))?;
        if !response.success {
            return Err(NatsError::NotConfirmed(format!(
                "deleting consumer '{consumer}' of stream '{stream}'"
            )));
        }
        tracing::info!(stream, consumer, "consumer deleted");
        Ok(())
    }

    /// Creates a stream after checking, against the streams that exist, that neither its name nor
    /// its subjects are taken — so a conflict can say which stream it is with.
    pub async fn create_stream(&self, spec: &StreamSpec) -> Result<StreamView, NatsError> {
        spec.validate()
            .map_err(|e| NatsError::InvalidStream(e.to_string()))?;
        let existing = self.list_stream_infos().await?;
        if existing.iter().any(|s| s.config.name == spec.name) {
            return Err(NatsError::StreamExists(spec.name.clone()));
        }
        let subjects = spec.effective_subjects();
        let others = existing
            .iter()
            .map(|s| (s.config.name.as_str(), s.config.subjects.as_slice()));
        if let Some(overlap) = rules::overlaps(&subjects, others).into_iter().next() {
            return Err(NatsError::SubjectsTaken(overlap.to_string()));
        }
        let created: WireStreamInfo = self
            .js_request(
                &format!("STREAM.CREATE.{}", spec.name),
                Some(&spec.to_wire()),
            )
            .await
            .map_err(|err| match err {
                // A race with another creator lost between our check and the create, or the
                // server judging the definition itself.
                NatsError::Refused(refusal) => NatsError::refused_stream(&spec.name, refusal),
                other => other,
            })?;
        tracing::info!(stream = %spec.name, subjects = ?subjects, "stream created");
        Ok(created.into())
    }

    /// Brings an existing stream in line with `spec`, keeping every setting the spec does not
    /// manage; returns what changed (`field: old -> new`), empty when nothing differed.
    pub async fn update_stream(
        &self,
        spec: &StreamSpec,
        current: &WireStreamInfo,
    ) -> Result<Vec<String>, NatsError> {
        spec.validate()
            .map_err(|e| NatsError::InvalidStream(e.to_string()))?;
        let changes = spec.differences(&current.config);
        if changes.is_empty() {
            return Ok(changes);
        }
        let _: Value = self
            .js_request(
                &format!("STREAM.UPDATE.{}", spec.name),
                Some(&spec.apply_to(&current.config)),
            )
            .await
            .map_err(|e| {
                tracing::warn!(stream = %spec.name, changes = %changes.join(", "), error = %e, "stream update refused");
                match about_stream(e, &spec.name) {
                    NatsError::Refused(refusal) => NatsError::refused_stream(&spec.name, refusal),
                    other => other,
                }
            })?;
        tracing::info!(stream = %spec.name, changes = %changes.join(", "), "stream updated");
        Ok(changes)
    }

    pub async fn delete_stream(&self, name: &str) -> Result<(), NatsError> {
        let response: SuccessResponse = self.stream_change("DELETE", name).await?;
        if !response.success {
            return Err(NatsError::NotConfirmed(format!("deleting stream '{name}'")));
        }
        tracing::info!(stream = %name, "stream deleted");
        Ok(())
    }

    /// Removes every message from a stream; returns how many were removed.
    pub async fn purge_stream(&self, name: &str) -> Result<u64, NatsError> {
        let response: PurgeResponse = self.stream_change("PURGE", name).await?;
        if !response.success {
            return Err(NatsError::NotConfirmed(format!("purging stream '{name}'")));
        }
        tracing::info!(stream = %name, purged = response.purged, "stream purged");
        Ok(response.purged)
    }

    /// `$JS.API.STREAM.<verb>.<name>` for a checked name, with "no such stream" named.
    async fn stream_change<T: serde::de::DeserializeOwned>(
        &self,
        verb: &str,
        name: &str,
    ) -> Result<T, NatsError> {
        checked_name(name)?;
        self.js_request(&format!("STREAM.{verb}.{name}"), None::<&()>)
            .await
            .map_err(|e| about_stream(e, name))
    }
}
