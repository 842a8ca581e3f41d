//! The streams and connections tables: derived figures (rates, fullness), sorting by any column,
//! filtering and selection.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::Hash;
use std::time::Instant;

use strum::{IntoStaticStr, VariantArray};

use super::history::Counter;
use crate::model::{ClientRow, StreamRow};

/// Selection, sort and filter of one table.
#[derive(Debug, Clone, Default)]
pub struct TableState {
    pub selected: usize,
    pub sort: usize,
    pub reverse: bool,
    pub filter: String,
}

impl TableState {
    pub fn clamp(&mut self, rows: usize) {
        self.selected = self.selected.min(rows.saturating_sub(1));
    }

    pub fn move_by(&mut self, delta: isize, rows: usize) {
        if rows == 0 {
            self.selected = 0;
            return;
        }
        let target = self.selected as isize + delta;
        self.selected = target.clamp(0, rows as isize - 1) as usize;
    }

    /// The column this table is sorted by: `sort` counts presses, so it wraps around.
    pub fn column<C: VariantArray + Copy>(&self) -> C {
        C::VARIANTS[self.sort % C::VARIANTS.len()]
    }
}

/// The streams table's columns, in display and sort order; the name is the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, VariantArray)]
pub enum StreamColumn {
    Name,
    Subjects,
    #[strum(serialize = "Store")]
    Storage,
    #[strum(serialize = "R")]
    Replicas,
    #[strum(serialize = "Msgs")]
    Messages,
    Bytes,
    #[strum(serialize = "Full")]
    Fullness,
    #[strum(serialize = "Msg/s")]
    Rate,
    #[strum(serialize = "Cons")]
    Consumers,
    Lag,
}

impl StreamColumn {
    pub fn title(self) -> &'static str {
        self.into()
    }
}

/// A stream with what the console derives from it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamLine {
    pub row: StreamRow,
    /// Messages stored per second (from `last_seq`).
    pub rate: Option<f64>,
    /// The larger of messages vs `max_msgs` and bytes vs `max_bytes`, 0..=1; `None` if unlimited.
    pub fullness: Option<f64>,
}

pub fn fullness(row: &StreamRow) -> Option<f64> {
    let ratio = |used: u64, max: i64| (max > 0).then(|| used as f64 / max as f64);
    match (
        ratio(row.messages, row.max_msgs),
        ratio(row.bytes, row.max_bytes),
    ) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn cmp_f64(a: Option<f64>, b: Option<f64>) -> Ordering {
    a.unwrap_or(-1.0)
        .partial_cmp(&b.unwrap_or(-1.0))
        .unwrap_or(Ordering::Equal)
}

/// A per-second rate for each of a set of rows, keyed so it survives reordering (a stream by
/// name, a client by connection id). Rows that disappear are forgotten.
#[derive(Debug, Clone)]
pub struct Rates<K> {
    tracked: HashMap<K, Tracked>,
}

#[derive(Debug, Clone, Default)]
struct Tracked {
    counter: Counter,
    rate: Option<f64>,
}

impl<K> Default for Rates<K> {
    fn default() -> Self {
        Rates {
            tracked: HashMap::new(),
        }
    }
}

impl<K: Eq + Hash> Rates<K> {
    /// Records each row's counter, taken at `at`.
    pub fn update(&mut self, counters: impl IntoIterator<Item = (K, u64)>, at: Instant) {
        let mut seen = HashMap::with_capacity(self.tracked.len());
        for (key, value) in counters {
            let mut tracked = self.tracked.remove(&key).unwrap_or_default();
            if let Some(rate) = tracked.counter.rate(value, at) {
                tracked.rate = Some(rate);
            }
            seen.insert(key, tracked);
        }
        self.tracked = seen;
    }

    pub fn get<Q>(&self, key: &Q) -> Option<f64>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.tracked.get(key).and_then(|t| t.rate)
    }
}

/// Messages stored per second, by stream name (from `last_seq`).
pub type StreamRates = Rates<String>;

/// Messages in plus out per second, by connection id.
pub type ClientRates = Rates<u64>;

pub fn stream_lines(
    rows: &[StreamRow],
    rates: &StreamRates,
    table: &TableState,
) -> Vec<StreamLine> {
    let filter = table.filter.to_lowercase();
    let mut lines: Vec<StreamLine> = rows
        .iter()
        .filter(|row| {
            filter.is_empty()
                || row.name.to_lowercase().contains(&filter)
                || row
                    .subjects
                    .iter()
                    .any(|s| s.to_lowercase().contains(&filter))
        })
        .map(|row| StreamLine {
            rate: rates.get(&row.name),
            fullness: fullness(row),
            row: row.clone(),
        })
        .collect();
    let column: StreamColumn = table.column();
    lines.sort_by(|a, b| {
        let ordering = match column {
            StreamColumn::Name => a.row.name.cmp(&b.row.name),
            StreamColumn::Subjects => a.row.subjects.cmp(&b.row.subjects),
            StreamColumn::Storage => a.row.storage.cmp(&b.row.storage),
            StreamColumn::Replicas => a.row.replicas.cmp(&b.row.replicas),
            StreamColumn::Messages => a.row.messages.cmp(&b.row.messages),
            StreamColumn::Bytes => a.row.bytes.cmp(&b.row.bytes),
            StreamColumn::Fullness => cmp_f64(a.fullness, b.fullness),
            StreamColumn::Rate => cmp_f64(a.rate, b.rate),
            StreamColumn::Consumers => a.row.consumers.cmp(&b.row.consumers),
            StreamColumn::Lag => a.row.max_consumer_lag.cmp(&b.row.max_consumer_lag),
        }
        .then_with(|| a.row.name.cmp(&b.row.name));
        // Numbers read best largest first; names alphabetically.
        let ordering = if matches!(
            column,
            StreamColumn::Name | StreamColumn::Subjects | StreamColumn::Storage
        ) {
            ordering
        } else {
            ordering.reverse()
        };
        if table.reverse {
            ordering.reverse()
        } else {
            ordering
        }
    });
    lines
}

/// The connections table's sort columns, in sort order; the name is the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, VariantArray)]
pub enum ClientColumn {
    #[strum(serialize = "Msg/s")]
    Rate,
    Pending,
    Name,
    #[strum(serialize = "Subs")]
    Subscriptions,
}

impl ClientColumn {
    pub fn title(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientLine {
    pub row: ClientRow,
    /// Messages in plus out per second.
    pub rate: Option<f64>,
}

pub fn client_lines(
    rows: &[ClientRow],
    rates: &ClientRates,
    table: &TableState,
) -> Vec<ClientLine> {
    let filter = table.filter.to_lowercase();
    let mut lines: Vec<ClientLine> = rows
        .iter()
        .filter(|row| {
            filter.is_empty()
                || row.name.to_lowercase().contains(&filter)
                || row.ip.contains(&filter)
                || row.lang.to_lowercase().contains(&filter)
        })
        .map(|row| ClientLine {
            rate: rates.get(&row.cid),
            row: row.clone(),
        })
        .collect();
    let column: ClientColumn = table.column();
    lines.sort_by(|a, b| {
        let ordering = match column {
            ClientColumn::Rate => cmp_f64(b.rate, a.rate),
            ClientColumn::Pending => b.row.pending_bytes.cmp(&a.row.pending_bytes),
            ClientColumn::Name => a.row.name.cmp(&b.row.name),
            ClientColumn::Subscriptions => b.row.subscriptions.cmp(&a.row.subscriptions),
        }
        .then_with(|| a.row.cid.cmp(&b.row.cid));
        if table.reverse {
            ordering.reverse()
        } else {
            ordering
        }
    });
    lines
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn row(name: &str, messages: u64, max_msgs: i64, last_seq: u64) -> StreamRow {
        StreamRow {
            name: name.into(),
            subjects: vec![format!("{name}.>")],
            messages,
            max_msgs,
            last_seq,
            max_bytes: -1,
            ..StreamRow::default()
        }
    }

    #[test]
    fn fullness_is_the_tighter_limit() {
        let mut r = row("a", 50, 100, 0);
        assert_eq!(fullness(&r), Some(0.5));
        r.bytes = 900;
        r.max_bytes = 1000;
        assert_eq!(fullness(&r), Some(0.9));
        assert_eq!(fullness(&row("b", 5, -1, 0)), None);
    }

    #[test]
    fn sorting_filtering_and_rates() {
        let t0 = Instant::now();
        let rows = vec![
            row("orders", 10, 100, 10),
            row("audit", 500, -1, 500),
            row("trades", 70, 100, 70),
        ];
        let mut rates = StreamRates::default();
        let counters = |rows: &[StreamRow]| {
            rows.iter()
                .map(|r| (r.name.clone(), r.last_seq))
                .collect::<Vec<_>>()
        };
        rates.update(counters(&rows), t0);
        let later = vec![
            row("orders", 20, 100, 20),
            row("audit", 500, -1, 500),
            row("trades", 90, 100, 90),
        ];
        rates.update(counters(&later), t0 + Duration::from_secs(2));
        let mut table = TableState::default();
        let names = |t: &TableState| {
            stream_lines(&later, &rates, t)
                .into_iter()
                .map(|l| l.row.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&table), ["audit", "orders", "trades"]);
        table.sort = StreamColumn::VARIANTS
            .iter()
            .position(|c| *c == StreamColumn::Rate)
            .unwrap();
        assert_eq!(names(&table), ["trades", "orders", "audit"]);
        assert_eq!(rates.get("trades"), Some(10.0));
        table.sort = StreamColumn::VARIANTS
            .iter()
            .position(|c| *c == StreamColumn::Fullness)
            .unwrap();
        assert_eq!(table.column::<StreamColumn>(), StreamColumn::Fullness);
        assert_eq!(names(&table), ["trades", "orders", "audit"]);
        table.reverse = true;
        assert_eq!(names(&table), ["audit", "orders", "trades"]);
        table.filter = "ORD".into();
        assert_eq!(names(&table), ["orders"]);

        // A stream that goes away is forgotten; one that comes back starts over.
        rates.update(counters(&later[..1]), t0 + Duration::from_secs(3));
        assert_eq!(rates.get("trades"), None);
        rates.update(counters(&later), t0 + Duration::from_secs(4));
        assert_eq!(rates.get("trades"), None);
        assert!(rates.get("orders").is_some());
    }

    #[test]
    fn selection_stays_in_range() {
        let mut table = TableState::default();
        table.move_by(5, 3);
        assert_eq!(table.selected, 2);
        table.move_by(-10, 3);
        assert_eq!(table.selected, 0);
        table.selected = 7;
        table.clamp(2);
        assert_eq!(table.selected, 1);
    }
}
