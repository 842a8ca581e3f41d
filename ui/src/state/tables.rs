//! The streams and connections tables: derived figures (rates, fullness), sorting by any column,
//! filtering and selection.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::Instant;

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamColumn {
    Name,
    Subjects,
    Storage,
    Replicas,
    Messages,
    Bytes,
    Fullness,
    Rate,
    Consumers,
    Lag,
}

impl StreamColumn {
    pub const ALL: [StreamColumn; 10] = [
        StreamColumn::Name,
        StreamColumn::Subjects,
        StreamColumn::Storage,
        StreamColumn::Replicas,
        StreamColumn::Messages,
        StreamColumn::Bytes,
        StreamColumn::Fullness,
        StreamColumn::Rate,
        StreamColumn::Consumers,
        StreamColumn::Lag,
    ];

    pub fn title(self) -> &'static str {
        match self {
            StreamColumn::Name => "Name",
            StreamColumn::Subjects => "Subjects",
            StreamColumn::Storage => "Store",
            StreamColumn::Replicas => "R",
            StreamColumn::Messages => "Msgs",
            StreamColumn::Bytes => "Bytes",
            StreamColumn::Fullness => "Full",
            StreamColumn::Rate => "Msg/s",
            StreamColumn::Consumers => "Cons",
            StreamColumn::Lag => "Lag",
        }
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

/// Rates per stream, keyed by name so they survive reordering.
#[derive(Debug, Clone, Default)]
pub struct StreamRates {
    counters: HashMap<String, Counter>,
    last: HashMap<String, f64>,
}

impl StreamRates {
    pub fn update(&mut self, rows: &[StreamRow], at: Instant) {
        self.counters
            .retain(|name, _| rows.iter().any(|r| &r.name == name));
        self.last
            .retain(|name, _| rows.iter().any(|r| &r.name == name));
        for row in rows {
            let counter = self.counters.entry(row.name.clone()).or_default();
            if let Some(rate) = counter.rate(row.last_seq, at) {
                self.last.insert(row.name.clone(), rate);
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.last.get(name).copied()
    }
}

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
    let column = StreamColumn::ALL[table.sort % StreamColumn::ALL.len()];
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientColumn {
    Rate,
    Pending,
    Name,
    Subscriptions,
}

impl ClientColumn {
    pub const ALL: [ClientColumn; 4] = [
        ClientColumn::Rate,
        ClientColumn::Pending,
        ClientColumn::Name,
        ClientColumn::Subscriptions,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ClientColumn::Rate => "Msg/s",
            ClientColumn::Pending => "Pending",
            ClientColumn::Name => "Name",
            ClientColumn::Subscriptions => "Subs",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientLine {
    pub row: ClientRow,
    /// Messages in plus out per second.
    pub rate: Option<f64>,
}

/// Rates per connection id.
#[derive(Debug, Clone, Default)]
pub struct ClientRates {
    counters: HashMap<u64, Counter>,
    last: HashMap<u64, f64>,
}

impl ClientRates {
    pub fn update(&mut self, rows: &[ClientRow], at: Instant) {
        self.counters
            .retain(|cid, _| rows.iter().any(|r| r.cid == *cid));
        self.last
            .retain(|cid, _| rows.iter().any(|r| r.cid == *cid));
        for row in rows {
            let counter = self.counters.entry(row.cid).or_default();
            if let Some(rate) = counter.rate(row.in_msgs + row.out_msgs, at) {
                self.last.insert(row.cid, rate);
            }
        }
    }

    pub fn get(&self, cid: u64) -> Option<f64> {
        self.last.get(&cid).copied()
    }
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
            rate: rates.get(row.cid),
            row: row.clone(),
        })
        .collect();
    let column = ClientColumn::ALL[table.sort % ClientColumn::ALL.len()];
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
        rates.update(&rows, t0);
        let later = vec![
            row("orders", 20, 100, 20),
            row("audit", 500, -1, 500),
            row("trades", 90, 100, 90),
        ];
        rates.update(&later, t0 + Duration::from_secs(2));
        let mut table = TableState::default();
        let names = |t: &TableState| {
            stream_lines(&later, &rates, t)
                .into_iter()
                .map(|l| l.row.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&table), ["audit", "orders", "trades"]);
        table.sort = StreamColumn::ALL
            .iter()
            .position(|c| *c == StreamColumn::Rate)
            .unwrap();
        assert_eq!(names(&table), ["trades", "orders", "audit"]);
        assert_eq!(rates.get("trades"), Some(10.0));
        table.sort = StreamColumn::ALL
            .iter()
            .position(|c| *c == StreamColumn::Fullness)
            .unwrap();
        assert_eq!(names(&table), ["trades", "orders", "audit"]);
        table.reverse = true;
        assert_eq!(names(&table), ["audit", "orders", "trades"]);
        table.filter = "ORD".into();
        assert_eq!(names(&table), ["orders"]);
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
