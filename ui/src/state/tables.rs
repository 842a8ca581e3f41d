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

/// Selection, sort and filter of one table. The selection follows its row's key (a stream's
/// name, a connection id, `stream/consumer`), not its position: a re-sort, a row inserted above
/// or one deleted elsewhere leaves it on the same item.
#[derive(Debug, Clone, Default)]
pub struct TableState {
    /// Where the selected row is among the rows shown.
    pub selected: usize,
    /// The selected row's key; `None` until there is a row.
    pub key: Option<String>,
    pub sort: usize,
    pub reverse: bool,
    pub filter: String,
}

impl TableState {
    /// Moves the selection by `delta` rows among `keys` (the rows as shown, in order).
    pub fn move_by(&mut self, delta: isize, keys: &[&str]) {
        if keys.is_empty() {
            self.selected = 0;
            self.key = None;
            return;
        }
        let target = self.selected as isize + delta;
        self.selected = target.clamp(0, keys.len() as isize - 1) as usize;
        self.key = Some(keys[self.selected].to_owned());
    }

    /// Finds the selected row again after the rows changed. When its key is no longer shown,
    /// the selection stays at the same place (the row that followed it, or the last) and the
    /// key that was lost is returned.
    pub fn follow(&mut self, keys: &[&str]) -> Option<String> {
        if let Some(key) = &self.key
            && let Some(i) = keys.iter().position(|k| k == key)
        {
            self.selected = i;
            return None;
        }
        self.selected = self.selected.min(keys.len().saturating_sub(1));
        let lost = std::mem::replace(
            &mut self.key,
            keys.get(self.selected).map(|k| (*k).to_owned()),
        );
        lost.filter(|lost| self.key.as_deref() != Some(lost))
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

    /// Records the counters of some rows only; the others keep their rates.
    pub fn update_some(&mut self, counters: impl IntoIterator<Item = (K, u64)>, at: Instant) {
        for (key, value) in counters {
            let tracked = self.tracked.entry(key).or_default();
            if let Some(rate) = tracked.counter.rate(value, at) {
                tracked.rate = Some(rate);
            }
        }
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
    fn selection_stays_in_range_and_follows_its_key() {
        let mut table = TableState::default();
        table.move_by(5, &["a", "b", "c"]);
        assert_eq!((table.selected, table.key.as_deref()), (2, Some("c")));
        table.move_by(-10, &["a", "b", "c"]);
        assert_eq!((table.selected, table.key.as_deref()), (0, Some("a")));
        table.move_by(1, &["a", "b", "c"]);
        // A row inserted above, a re-sort: the selection stays on "b".
        assert_eq!(table.follow(&["z", "a", "b", "c"]), None);
        assert_eq!(table.selected, 2);
        assert_eq!(table.follow(&["c", "b", "a"]), None);
        assert_eq!(table.selected, 1);
        // "b" goes: the selection stays in place, on the row that took its place, and says so.
        assert_eq!(table.follow(&["c", "a"]), Some("b".to_owned()));
        assert_eq!((table.selected, table.key.as_deref()), (1, Some("a")));
        assert_eq!(table.follow(&[]), Some("a".to_owned()));
        assert_eq!((table.selected, table.key.as_deref()), (0, None));
        // Nothing selected yet: the first row is.
        assert_eq!(table.follow(&["x", "y"]), None);
        assert_eq!(table.key.as_deref(), Some("x"));
    }
}
