//! Outages in the events list: when the NATS link or a source of figures stops answering, one
//! event when it starts (with the reason) and one when it ends, with start, end and duration —
//! what an on-call engineer writes in the incident timeline.

use std::time::{Duration, Instant};

use message_broker_ui::model::{ClientStatus, EventLevel, LinkState, Update};
use message_broker_ui::view::format;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::samplers::{clock, event};

/// `12:00:01Z` of an RFC 3339 time, or the time now when it cannot be read.
fn clock_of(rfc3339: &str) -> String {
    format::clock(rfc3339).map_or_else(clock, |t| format!("{t}Z"))
}

/// The NATS connection: an outage runs from the moment it stops being `connected` (stalled,
/// reconnecting, closed) until it is connected again, however many states it passes through.
#[derive(Default)]
pub struct LinkOutage {
    last: Option<LinkState>,
    /// The state the outage began with and when (the tracker's own time of the change).
    down: Option<(LinkState, String)>,
}

impl LinkOutage {
    pub fn observe(&mut self, status: &ClientStatus) -> Option<Update> {
        let state = status.state;
        let previous = self.last.replace(state);
        let previous = previous.filter(|p| *p != state)?;
        let connected = state == LinkState::Connected;
        Some(match (&self.down, connected) {
            (None, false) => {
                let reason = match state {
                    LinkState::Stalled => "the server is not answering".to_owned(),
                    _ => status
                        .last_error
                        .clone()
                        .unwrap_or_else(|| "connection lost".to_owned()),
                };
                self.down = Some((state, status.since.clone()));
                event(
                    EventLevel::Error,
                    format!(
                        "NATS {state} since {} ({}): {reason}",
                        clock_of(&status.since),
                        status.url
                    ),
                )
            }
            (Some(_), false) => event(EventLevel::Warn, format!("NATS {previous} → {state}")),
            (Some((first, start)), true) => {
                let lasted = match (
                    OffsetDateTime::parse(start, &Rfc3339),
                    OffsetDateTime::parse(&status.since, &Rfc3339),
                ) {
                    (Ok(a), Ok(b)) => Duration::try_from(b - a).unwrap_or_default(),
                    _ => Duration::ZERO,
                };
                let text = format!(
                    "NATS connected again: {first} for {} ({}–{})",
                    format::duration(lasted),
                    clock_of(start),
                    clock_of(&status.since)
                );
                self.down = None;
                event(EventLevel::Info, text)
            }
            (None, true) => event(EventLevel::Info, format!("NATS {previous} → {state}")),
        })
    }
}

/// One source of figures (a monitoring endpoint, the stream listing): failing from its first
/// failed sample until its next good one.
pub struct SourceOutage {
    what: &'static str,
    since: Option<(String, Instant)>,
}

impl SourceOutage {
    pub fn new(what: &'static str) -> SourceOutage {
        SourceOutage { what, since: None }
    }

    /// Whether an outage has begun and not yet ended.
    pub fn open(&self) -> bool {
        self.since.is_some()
    }

    pub fn observe(&mut self, error: Option<&str>) -> Option<Update> {
        let what = self.what;
        match (&self.since, error) {
            (None, Some(error)) => {
                let start = clock();
                let text = format!("{what} failing since {start}: {error}");
                self.since = Some((start, Instant::now()));
                Some(event(EventLevel::Warn, text))
            }
            (Some((start, at)), None) => {
                let text = format!(
                    "{what} answering again after {} ({start}–{})",
                    format::duration(Duration::from_secs(at.elapsed().as_secs())),
                    clock()
                );
                self.since = None;
                Some(event(EventLevel::Info, text))
            }
            _ => None,
        }
    }
}

/// Which source an update comes from, and its error if it failed.
pub fn source_of(update: &Update) -> Option<(&'static str, Option<&str>)> {
    fn err<T>(result: &Result<T, String>) -> Option<&str> {
        result.as_ref().err().map(String::as_str)
    }
    Some(match update {
        Update::Server(r) => ("monitoring /varz", err(r)),
        Update::JetStream(r) => ("JetStream figures", err(r)),
        Update::Streams(r) => ("stream listing", err(r)),
        Update::Connections(r) => ("monitoring /connz", err(r)),
        Update::Cluster(r) => ("server list", err(r)),
        Update::Api(r) => ("--api statistics", err(r)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: LinkState, since: &str) -> ClientStatus {
        ClientStatus {
            state,
            since: since.to_owned(),
            url: "nats://127.0.0.1:4222".to_owned(),
            ..ClientStatus::default()
        }
    }

    fn text(update: Option<Update>) -> String {
        match update {
            Some(Update::Event(e)) => e.text,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    #[test]
    fn an_outage_is_logged_once_at_each_end_with_its_duration() {
        let mut link = LinkOutage::default();
        assert!(
            link.observe(&status(LinkState::Connected, "2024-05-01T12:00:00Z"))
                .is_none()
        );
        let start = text(link.observe(&status(LinkState::Stalled, "2024-05-01T12:00:01.2Z")));
        assert_eq!(
            start,
            "NATS stalled since 12:00:01Z (nats://127.0.0.1:4222): the server is not answering"
        );
        assert!(
            link.observe(&status(LinkState::Stalled, "2024-05-01T12:00:01.2Z"))
                .is_none()
        );
        let moved = text(link.observe(&status(LinkState::Reconnecting, "2024-05-01T12:00:05Z")));
        assert_eq!(moved, "NATS stalled → reconnecting");
        let end = text(link.observe(&status(LinkState::Connected, "2024-05-01T12:02:06.2Z")));
        assert_eq!(
            end,
            "NATS connected again: stalled for 2m05s (12:00:01Z–12:02:06Z)"
        );
    }

    #[test]
    fn a_source_outage_has_a_start_and_an_end() {
        let mut source = SourceOutage::new("monitoring /varz");
        assert!(source.observe(None).is_none());
        let start = text(source.observe(Some("connection refused")));
        assert!(
            start.starts_with("monitoring /varz failing since "),
            "{start}"
        );
        assert!(start.ends_with(": connection refused"), "{start}");
        assert!(source.observe(Some("connection refused")).is_none());
        let end = text(source.observe(None));
        assert!(
            end.starts_with("monitoring /varz answering again after 0s ("),
            "{end}"
        );
    }
}
