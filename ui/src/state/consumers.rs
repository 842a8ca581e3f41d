//! The consumers table: every consumer of every stream with its lag and whether the lag is
//! growing or shrinking, sortable by any column and filterable.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::Instant;

use strum::{IntoStaticStr, VariantArray};

use super::tables::TableState;
use crate::model::ConsumerRow;

/// The consumers table's columns, in display and sort order; the name is the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, VariantArray)]
pub enum ConsumerColumn {
    Stream,
    Name,
    Kind,
    Filter,
    /// `num_pending`: messages not yet delivered.
    #[strum(serialize = "Pending")]
    Pending,
    /// How fast the lag changes, per second.
    #[strum(serialize = "Trend")]
    Trend,
    #[strum(serialize = "Ack pend")]
    AckPending,
    #[strum(serialize = "Redeliv")]
    Redelivered,
    Waiting,
    #[strum(serialize = "Last active")]
    LastActive,
}

impl ConsumerColumn {
    pub fn title(self) -> &'static str {
        self.into()
    }

    /// Names read best A to Z; figures largest first.
    pub fn ascending_by_default(self) -> bool {
        matches!(
            self,
            ConsumerColumn::Stream
                | ConsumerColumn::Name
                | ConsumerColumn::Kind
                | ConsumerColumn::Filter
        )
    }
}

/// A consumer with how fast its lag changes.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerLine {
    pub row: ConsumerRow,
    /// Change of `num_pending` per second, smoothed: positive is falling behind.
    pub trend: Option<f64>,
}

/// How a figure moves per second, by key, smoothed over samples so one slow fetch does not read
/// as a trend. Keys that disappear are forgotten.
#[derive(Debug, Clone, Default)]
pub struct Trends {
    tracked: HashMap<String, (u64, Instant, Option<f64>)>,
}

impl Trends {
    pub fn update(&mut self, values: impl IntoIterator<Item = (String, u64)>, at: Instant) {
        let mut seen = HashMap::with_capacity(self.tracked.len());
        for (key, value) in values {
            let trend = match self.tracked.remove(&key) {
                Some((before, then, trend)) => {
                    let elapsed = at.saturating_duration_since(then).as_secs_f64();
                    if elapsed <= 0.0 {
                        trend
                    } else {
                        let now = (value as f64 - before as f64) / elapsed;
                        Some(trend.map_or(now, |t| 0.5 * t + 0.5 * now))
                    }
                }
                None => None,
            };
            seen.insert(key, (value, at, trend));
        }
        self.tracked = seen;
    }

    /// Records some keys only (consumers sampled now); the others keep their trends.
    pub fn update_some(&mut self, values: impl IntoIterator<Item = (String, u64)>, at: Instant) {
        let mut fresh = Trends::default();
        let values: Vec<(String, u64)> = values.into_iter().collect();
        for (key, _) in &values {
            if let Some(known) = self.tracked.remove(key) {
                fresh.tracked.insert(key.clone(), known);
            }
        }
        fresh.update(values, at);
        self.tracked.extend(fresh.tracked);
    }

    /// Forgets keys `keep` refuses (consumers of streams that are gone).
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.tracked.retain(|key, _| keep(key));
    }

    pub fn get(&self, key: &str) -> Option<f64> {
        self.tracked.get(key).and_then(|t| t.2)
    }
}

fn cmp_f64(a: Option<f64>, b: Option<f64>) -> Ordering {
    a.unwrap_or(f64::MIN).total_cmp(&b.unwrap_or(f64::MIN))
}

pub fn consumer_lines(
    rows: &[ConsumerRow],
    trends: &Trends,
    table: &TableState,
) -> Vec<ConsumerLine> {
    let filter = table.filter.to_lowercase();
    let matches = |row: &ConsumerRow| {
        filter.is_empty()
            || row.stream.to_lowercase().contains(&filter)
            || row.name.to_lowercase().contains(&filter)
            || row
                .filter
                .as_deref()
                .is_some_and(|f| f.to_lowercase().contains(&filter))
    };
    let mut lines: Vec<ConsumerLine> = rows
        .iter()
        .filter(|row| matches(row))
        .map(|row| ConsumerLine {
            trend: trends.get(&row.key()),
            row: row.clone(),
        })
        .collect();
    let column: ConsumerColumn = table.column();
    lines.sort_by(|a, b| {
        let (x, y) = (&a.row, &b.row);
        let ordering = match column {
            ConsumerColumn::Stream => x.stream.cmp(&y.stream),
            ConsumerColumn::Name => x.name.cmp(&y.name),
            ConsumerColumn::Kind => x.push.cmp(&y.push),
            ConsumerColumn::Filter => x.filter.cmp(&y.filter),
            ConsumerColumn::Pending => x.pending.cmp(&y.pending),
            ConsumerColumn::Trend => cmp_f64(a.trend, b.trend),
            ConsumerColumn::AckPending => x.ack_pending.cmp(&y.ack_pending),
            ConsumerColumn::Redelivered => x.redelivered.cmp(&y.redelivered),
            ConsumerColumn::Waiting => x.waiting.cmp(&y.waiting),
            ConsumerColumn::LastActive => x.last_active.cmp(&y.last_active),
        };
        let ordering = if column.ascending_by_default() {
            ordering
        } else {
            ordering.reverse()
        };
        let ordering = if table.reverse {
            ordering.reverse()
        } else {
            ordering
        };
        ordering.then_with(|| (&x.stream, &x.name).cmp(&(&y.stream, &y.name)))
    });
    lines
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn row(stream: &str, name: &str, pending: u64) -> ConsumerRow {
        ConsumerRow {
            stream: stream.into(),
            name: name.into(),
            pending,
            ..ConsumerRow::default()
        }
    }

    #[test]
    fn sorted_filtered_and_trending() {
        let t0 = Instant::now();
        let mut trends = Trends::default();
        let rows = vec![
            row("orders", "ship", 10),
            row("audit", "idle", 500),
            row("orders", "bill", 0),
        ];
        let values = |rows: &[ConsumerRow]| {
            rows.iter()
                .map(|r| (r.key(), r.pending))
                .collect::<Vec<_>>()
        };
        trends.update(values(&rows), t0);
        let later = vec![
            row("orders", "ship", 30),
            row("audit", "idle", 400),
            row("orders", "bill", 0),
        ];
        trends.update(values(&later), t0 + Duration::from_secs(2));
        assert_eq!(trends.get("orders/ship"), Some(10.0));
        assert_eq!(trends.get("audit/idle"), Some(-50.0));
        let mut table = TableState::default();
        let keys = |t: &TableState| {
            consumer_lines(&later, &trends, t)
                .into_iter()
                .map(|l| l.row.key())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&table), ["audit/idle", "orders/bill", "orders/ship"]);
        table.sort = ConsumerColumn::VARIANTS
            .iter()
            .position(|c| *c == ConsumerColumn::Pending)
            .unwrap();
        assert_eq!(keys(&table), ["audit/idle", "orders/ship", "orders/bill"]);
        table.sort = ConsumerColumn::VARIANTS
            .iter()
            .position(|c| *c == ConsumerColumn::Trend)
            .unwrap();
        assert_eq!(keys(&table), ["orders/ship", "orders/bill", "audit/idle"]);
        table.filter = "ORD".into();
        table.reverse = true;
        assert_eq!(keys(&table), ["orders/bill", "orders/ship"]);
    }
}
