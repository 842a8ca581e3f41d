//! What is read at scrape time, as an owned snapshot, and how it is written out. Rendering is a
//! pure function of the snapshot, so every figure is tested without a server.

use std::fmt;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use strum::IntoEnumIterator;

use crate::model::status::{ClientStatus, LinkState};
use crate::status::StreamSample;
use crate::supervisor::{NodeState, SupervisorStatus};

const NODE_STATES: [NodeState; 5] = [
    NodeState::Starting,
    NodeState::Running,
    NodeState::Restarting,
    NodeState::Stopped,
    NodeState::Failed,
];

/// The streams as one sample saw them, and how long the sample took.
#[derive(Debug, Clone)]
pub struct StreamsSample {
    pub streams: Result<Vec<StreamSample>, String>,
    pub seconds: f64,
}

/// Everything `/metrics` reports besides requests, read once per scrape.
#[derive(Debug, Clone)]
pub struct Scrape {
    pub published: u64,
    pub duplicates: u64,
    pub consumed: u64,
    pub client: ClientStatus,
    /// `None` when this process supervises no server.
    pub supervisor: Option<SupervisorStatus>,
    pub streams: StreamsSample,
}

/// Registers metrics of one scrape on a throwaway registry.
struct Writer(Registry);

type FloatGauge = Gauge<f64, AtomicU64>;

impl Writer {
    fn counter(&mut self, name: &str, help: &str, value: u64) {
        let counter = Counter::<u64>::default();
        counter.inc_by(value);
        self.0.register(name, help, counter);
    }

    fn gauge(&mut self, name: &str, help: &str, value: i64) {
        let gauge = Gauge::<i64>::default();
        gauge.set(value);
        self.0.register(name, help, gauge);
    }

    fn seconds(&mut self, name: &str, help: &str, value: f64) {
        let gauge = FloatGauge::default();
        gauge.set(value);
        self.0.register(name, help, gauge);
    }

    fn gauges<L>(&mut self, name: &str, help: &str, values: impl IntoIterator<Item = (L, i64)>)
    where
        L: EncodeLabelSet + Clone + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static,
    {
        let family = Family::<L, Gauge<i64>>::default();
        for (labels, value) in values {
            family.get_or_create(&labels).set(value);
        }
        self.0.register(name, help, family);
    }

    fn counters<L>(&mut self, name: &str, help: &str, values: impl IntoIterator<Item = (L, u64)>)
    where
        L: EncodeLabelSet + Clone + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static,
    {
        let family = Family::<L, Counter<u64>>::default();
        for (labels, value) in values {
            family.get_or_create(&labels).inc_by(value);
        }
        self.0.register(name, help, family);
    }
}

fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Scrape {
    /// Appends this scrape's metrics (without the closing `# EOF`).
    pub fn encode(&self, out: &mut String) -> fmt::Result {
        let mut w = Writer(Registry::with_prefix(super::PREFIX));
        self.messages(&mut w);
        self.connection(&mut w);
        self.supervised(&mut w);
        self.streams(&mut w);
        prometheus_client::encoding::text::encode_registry(out, &w.0)
    }

    fn messages(&self, w: &mut Writer) {
        w.counter(
            "messages_published",
            "Messages this service published that JetStream stored (duplicates not counted)",
            self.published,
        );
        w.counter(
            "messages_duplicate",
            "Publishes JetStream acknowledged as duplicates of a stored message (same msg_id \
             within the stream's duplicate window)",
            self.duplicates,
        );
        w.counter(
            "messages_consumed",
            "Stored messages this service handed out through the messages endpoint",
            self.consumed,
        );
    }

    fn connection(&self, w: &mut Writer) {
        let c = &self.client;
        w.gauge(
            "nats_connected",
            "1 while the NATS client is connected and the server answers, else 0",
            i64::from(c.connected()),
        );
        w.gauges(
            "nats_connection_state",
            "The NATS client's state: 1 for the current one",
            LinkState::iter()
                .map(|state| ([("state", state.to_string())], i64::from(state == c.state))),
        );
        w.counter(
            "nats_reconnects",
            "Times the NATS client connected again after losing the server",
            c.reconnects,
        );
        w.counter(
            "nats_disconnects",
            "Times the NATS client lost its server",
            c.disconnects,
        );
        w.counter(
            "nats_stalls",
            "Times the NATS server stopped answering while connected",
            c.stalls,
        );
        w.counter(
            "nats_failed_connection_attempts",
            "Connection attempts to NATS that failed",
            c.failed_attempts,
        );
        w.counter(
            "nats_connection_errors",
            "Disconnects, failed connection attempts and client errors",
            c.connection_errors,
        );
        w.counter(
            "nats_slow_consumer_events",
            "Times the NATS client fell behind a subscription",
            c.slow_consumers,
        );
        if let Some(rtt) = c.rtt_ms {
            w.seconds(
                "nats_rtt_seconds",
                "Last measured round trip to the NATS server",
                rtt / 1000.0,
            );
        }
    }

    fn supervised(&self, w: &mut Writer) {
        let Some(status) = &self.supervisor else {
            return;
        };
        w.gauges(
            "supervised_node_state",
            "Each supervised nats-server's state: 1 for the current one",
            status.nodes.iter().flat_map(|node| {
                NODE_STATES.iter().map(|state| {
                    (
                        [("node", node.name.clone()), ("state", state.to_string())],
                        i64::from(*state == node.state),
                    )
                })
            }),
        );
        w.counters(
            "supervised_node_restarts",
            "Times the supervisor restarted each nats-server",
            status
                .nodes
                .iter()
                .map(|node| ([("node", node.name.clone())], node.restarts)),
        );
    }

    fn streams(&self, w: &mut Writer) {
        w.gauge(
            "streams_sample_success",
            "1 when the streams and consumers could be listed for this scrape, else 0 (the \
             stream and consumer figures are then left out)",
            i64::from(self.streams.streams.is_ok()),
        );
        w.seconds(
            "streams_sample_duration_seconds",
            "How long listing the streams and consumers took for this scrape",
            self.streams.seconds,
        );
        let Ok(samples) = &self.streams.streams else {
            return;
        };
        let per_stream = |f: fn(&StreamSample) -> i64| {
            samples
                .iter()
                .map(move |s| ([("stream", s.stream.name.clone())], f(s)))
        };
        w.gauges(
            "stream_messages",
            "Messages stored in each stream",
            per_stream(|s| int(s.stream.state.messages)),
        );
        w.gauges(
            "stream_bytes",
            "Bytes stored in each stream",
            per_stream(|s| int(s.stream.state.bytes)),
        );
        w.gauges(
            "stream_last_sequence",
            "Sequence number of each stream's last message",
            per_stream(|s| int(s.stream.state.last_seq)),
        );
        w.gauges(
            "stream_consumers",
            "Consumers of each stream",
            per_stream(|s| int(s.stream.state.consumer_count)),
        );
        let limited = |f: fn(&StreamSample) -> i64| {
            samples
                .iter()
                .map(move |s| ([("stream", s.stream.name.clone())], f(s)))
                .filter(|(_, limit)| *limit > 0)
        };
        w.gauges(
            "stream_max_messages",
            "Message limit of each stream that has one",
            limited(|s| s.stream.config.max_msgs),
        );
        w.gauges(
            "stream_max_bytes",
            "Byte limit of each stream that has one",
            limited(|s| s.stream.config.max_bytes),
        );
        // Replication: only clustered streams have replicas, only mirrors and sourced streams
        // an origin.
        let clustered = || {
            samples.iter().filter_map(|s| {
                let cluster = s.stream.cluster.as_ref()?;
                Some(([("stream", s.stream.name.clone())], &s.stream, cluster))
            })
        };
        w.gauges(
            "stream_replicas_behind",
            "Replicas of each clustered stream that are offline or not current with its leader",
            clustered().map(|(l, stream, _)| (l, stream.replicas_behind() as i64)),
        );
        w.gauges(
            "stream_has_leader",
            "1 when each clustered stream has a leader, 0 during an election",
            clustered().map(|(l, _, cluster)| (l, i64::from(cluster.leader.is_some()))),
        );
        let origins = || {
            samples.iter().flat_map(|s| {
                s.stream
                    .mirror
                    .iter()
                    .chain(&s.stream.sources)
                    .map(move |o| {
                        (
                            [
                                ("stream", s.stream.name.clone()),
                                ("origin", o.name.clone()),
                            ],
                            o,
                        )
                    })
            })
        };
        w.gauges(
            "stream_source_lag",
            "Messages each mirror or sourced stream is behind each stream it copies from",
            origins().map(|(l, o)| (l, int(o.lag))),
        );
        w.gauges(
            "stream_source_failing",
            "1 when copying from the origin fails (the server reports an error), else 0",
            origins().map(|(l, o)| (l, i64::from(o.error.is_some()))),
        );
        w.gauges(
            "stream_consumer_lag_max",
            "The largest number of messages any consumer of the stream has yet to be delivered",
            per_stream(|s| int(s.consumers.iter().map(|c| c.num_pending).max().unwrap_or(0))),
        );
        let consumers = || {
            samples.iter().flat_map(|s| {
                s.consumers.iter().map(move |c| {
                    (
                        [
                            ("stream", s.stream.name.clone()),
                            ("consumer", c.name.clone()),
                        ],
                        c,
                    )
                })
            })
        };
        w.gauges(
            "consumer_pending",
            "Messages each consumer has yet to be delivered (its lag)",
            consumers().map(|(l, c)| (l, int(c.num_pending))),
        );
        w.gauges(
            "consumer_ack_pending",
            "Messages each consumer was delivered and has not acknowledged",
            consumers().map(|(l, c)| (l, int(c.num_ack_pending))),
        );
        w.gauges(
            "consumer_redelivered",
            "Messages each consumer has had delivered more than once",
            consumers().map(|(l, c)| (l, int(c.num_redelivered))),
        );
        w.gauges(
            "consumer_waiting",
            "Pull requests waiting at each consumer",
            consumers().map(|(l, c)| (l, int(c.num_waiting))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stream::{ConsumerView, StreamView};

    fn scrape(streams: Result<Vec<StreamSample>, String>) -> Scrape {
        Scrape {
            published: 7,
            duplicates: 2,
            consumed: 3,
            client: ClientStatus {
                state: LinkState::Connected,
                reconnects: 4,
                stalls: 1,
                rtt_ms: Some(1.5),
                ..ClientStatus::default()
            },
            supervisor: None,
            streams: StreamsSample {
                streams,
                seconds: 0.01,
            },
        }
    }

    fn text(scrape: &Scrape) -> String {
        let mut out = String::new();
        scrape.encode(&mut out).unwrap();
        out
    }

    #[test]
    fn messages_and_the_connection() {
        let out = text(&scrape(Ok(Vec::new())));
        for line in [
            "message_broker_messages_published_total 7",
            "message_broker_messages_duplicate_total 2",
            "message_broker_nats_connected 1",
            "message_broker_nats_connection_state{state=\"connected\"} 1",
            "message_broker_nats_connection_state{state=\"reconnecting\"} 0",
            "message_broker_nats_reconnects_total 4",
            "message_broker_nats_stalls_total 1",
            "message_broker_nats_rtt_seconds 0.0015",
            "message_broker_streams_sample_success 1",
        ] {
            assert!(out.contains(line), "{line} in\n{out}");
        }
        assert!(!out.contains("supervised_node"), "{out}");
    }

    #[test]
    fn streams_and_consumer_lag() {
        let mut stream = StreamView {
            name: "orders".into(),
            ..StreamView::default()
        };
        stream.state.messages = 10;
        stream.state.bytes = 640;
        stream.state.consumer_count = 2;
        stream.config.max_msgs = 100;
        stream.config.max_bytes = -1;
        let consumer = |name: &str, pending| ConsumerView {
            name: name.into(),
            num_pending: pending,
            num_ack_pending: 1,
            ..ConsumerView::default()
        };
        let out = text(&scrape(Ok(vec![StreamSample {
            stream,
            consumers: vec![consumer("billing", 4), consumer("audit", 9)],
            error: None,
        }])));
        for line in [
            "message_broker_stream_messages{stream=\"orders\"} 10",
            "message_broker_stream_bytes{stream=\"orders\"} 640",
            "message_broker_stream_max_messages{stream=\"orders\"} 100",
            "message_broker_stream_consumer_lag_max{stream=\"orders\"} 9",
            "message_broker_consumer_pending{stream=\"orders\",consumer=\"billing\"} 4",
            "message_broker_consumer_ack_pending{stream=\"orders\",consumer=\"audit\"} 1",
        ] {
            assert!(out.contains(line), "{line} in\n{out}");
        }
        assert!(!out.contains("stream_max_bytes{"), "{out}");
        // Not clustered and copying from nothing: no replication series.
        assert!(!out.contains("stream_replicas_behind{"), "{out}");
        assert!(!out.contains("stream_source_lag{"), "{out}");
    }

    #[test]
    fn replication_of_clustered_and_copying_streams() {
        use crate::model::stream::{ReplicaView, SourceView, StreamCluster};
        let replica = |name: &str, current| ReplicaView {
            name: name.into(),
            current,
            ..ReplicaView::default()
        };
        let stream = StreamView {
            name: "orders".into(),
            cluster: Some(StreamCluster {
                name: "c1".into(),
                leader: Some("n1".into()),
                replicas: vec![replica("n2", true), replica("n3", false)],
            }),
            mirror: Some(SourceView {
                name: "orders_eu".into(),
                lag: 42,
                error: Some("stream not found".into()),
                ..SourceView::default()
            }),
            ..StreamView::default()
        };
        let out = text(&scrape(Ok(vec![StreamSample {
            stream,
            consumers: Vec::new(),
            error: None,
        }])));
        for line in [
            "message_broker_stream_replicas_behind{stream=\"orders\"} 1",
            "message_broker_stream_has_leader{stream=\"orders\"} 1",
            "message_broker_stream_source_lag{stream=\"orders\",origin=\"orders_eu\"} 42",
            "message_broker_stream_source_failing{stream=\"orders\",origin=\"orders_eu\"} 1",
        ] {
            assert!(out.contains(line), "{line} in\n{out}");
        }
    }

    #[test]
    fn a_failed_sample_says_so_and_leaves_the_figures_out() {
        let out = text(&scrape(Err("not connected".into())));
        assert!(
            out.contains("message_broker_streams_sample_success 0"),
            "{out}"
        );
        assert!(!out.contains("message_broker_stream_messages"), "{out}");
    }
}
