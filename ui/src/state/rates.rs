//! Rates the panes chart: broker throughput (less this console's own traffic), this console's
//! own traffic, and error rates, each from counter deltas over the real time between samples.

use std::time::Instant;

use super::history::{Counter, Series};
use crate::model::{OwnTraffic, ServerStatus};

/// Msgs/s and bytes/s in and out, from `/varz` counter deltas.
#[derive(Debug, Clone)]
pub struct Throughput {
    pub in_msgs: Series,
    pub out_msgs: Series,
    pub in_bytes: Series,
    pub out_bytes: Series,
}

impl Throughput {
    /// Keeping `history` samples of each.
    pub(super) fn new(history: usize) -> Throughput {
        Throughput {
            in_msgs: Series::new(history),
            out_msgs: Series::new(history),
            in_bytes: Series::new(history),
            out_bytes: Series::new(history),
        }
    }

    /// One `/varz` sample, less this console's own traffic when that server counts it: what
    /// the server received includes what this console sent, and the other way round.
    pub(super) fn record(
        &mut self,
        server: &ServerStatus,
        own: &OwnRates,
        at: Instant,
        origin: Instant,
    ) {
        let counted = own.on_monitored;
        let (own_in, own_out) = own.msgs.filter(|_| counted).unzip();
        let (own_in_bytes, own_out_bytes) = own.bytes.filter(|_| counted).unzip();
        self.in_msgs
            .record_less(server.in_msgs, at, origin, own_out);
        self.out_msgs
            .record_less(server.out_msgs, at, origin, own_in);
        self.in_bytes
            .record_less(server.in_bytes, at, origin, own_out_bytes);
        self.out_bytes
            .record_less(server.out_bytes, at, origin, own_in_bytes);
    }
}

/// This console's own traffic per second, as its client counts it: left out of the
/// throughput (it would otherwise count its own sampling as broker traffic).
#[derive(Debug, Clone, Default)]
pub struct OwnRates {
    counters: [Counter; 4],
    /// In and out messages per second, as last measured.
    pub msgs: Option<(f64, f64)>,
    /// In and out bytes per second.
    pub bytes: Option<(f64, f64)>,
    /// Whether the throughput's server counts this traffic (the console is connected to it).
    pub on_monitored: bool,
}

impl OwnRates {
    pub(super) fn record(&mut self, own: OwnTraffic, at: Instant) {
        self.on_monitored = own.on_monitored;
        let [a, b, c, d] = &mut self.counters;
        let rates = (
            a.rate(own.in_msgs, at),
            b.rate(own.out_msgs, at),
            c.rate(own.in_bytes, at),
            d.rate(own.out_bytes, at),
        );
        if let (Some(i), Some(o), Some(ib), Some(ob)) = rates {
            self.msgs = Some((i, o));
            self.bytes = Some((ib, ob));
        }
    }
}

/// Error rates per second, from counter deltas.
#[derive(Debug, Clone)]
pub struct ErrorRates {
    pub reconnects: Series,
    pub jetstream_api_errors: Series,
    pub slow_consumers: Series,
    pub api_errors: Series,
}

impl ErrorRates {
    /// Keeping `history` samples of each.
    pub(super) fn new(history: usize) -> ErrorRates {
        ErrorRates {
            reconnects: Series::new(history),
            jetstream_api_errors: Series::new(history),
            slow_consumers: Series::new(history),
            api_errors: Series::new(history),
        }
    }
}
