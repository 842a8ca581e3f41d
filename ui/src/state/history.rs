//! Fixed-size history and counter-to-rate conversion. Memory is bounded by capacity, never by
//! uptime.

use std::collections::VecDeque;
use std::time::Instant;

/// A ring buffer that drops its oldest entry when full.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
}

impl<T> Ring<T> {
    pub fn new(capacity: usize) -> Ring<T> {
        let capacity = capacity.max(1);
        Ring {
            items: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    pub fn push(&mut self, item: T) {
        if self.items.len() == self.capacity {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }

    pub fn last(&self) -> Option<&T> {
        self.items.back()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// Turns a monotonically increasing counter into a per-second rate using the real time between
/// samples. A counter that goes backwards (a restarted server) restarts the measurement.
#[derive(Debug, Clone, Default)]
pub struct Counter {
    last: Option<(u64, Instant)>,
}

impl Counter {
    pub fn rate(&mut self, value: u64, at: Instant) -> Option<f64> {
        let previous = self.last.replace((value, at));
        let (before, then) = previous?;
        let elapsed = at.checked_duration_since(then)?.as_secs_f64();
        if value < before || elapsed <= 0.0 {
            return None;
        }
        Some((value - before) as f64 / elapsed)
    }

    pub fn reset(&mut self) {
        self.last = None;
    }
}

/// A rate over time: the history for a chart plus current, average and peak.
#[derive(Debug, Clone)]
pub struct Series {
    counter: Counter,
    /// `(seconds since the console started, value per second)`.
    points: Ring<(f64, f64)>,
}

impl Series {
    pub fn new(capacity: usize) -> Series {
        Series {
            counter: Counter::default(),
            points: Ring::new(capacity),
        }
    }

    /// Records the counter's value at `at`; `origin` is the console's start.
    pub fn record(&mut self, value: u64, at: Instant, origin: Instant) {
        self.record_less(value, at, origin, None);
    }

    /// The same, less a rate that is not to be counted (the console's own traffic); never
    /// below zero.
    pub fn record_less(&mut self, value: u64, at: Instant, origin: Instant, less: Option<f64>) {
        if let Some(rate) = self.counter.rate(value, at) {
            let x = at.saturating_duration_since(origin).as_secs_f64();
            self.points.push((x, (rate - less.unwrap_or(0.0)).max(0.0)));
        }
    }

    pub fn points(&self) -> Vec<(f64, f64)> {
        self.points.iter().copied().collect()
    }

    pub fn current(&self) -> Option<f64> {
        self.points.last().map(|(_, v)| *v)
    }

    pub fn average(&self) -> Option<f64> {
        if self.points.is_empty() {
            return None;
        }
        Some(self.points.iter().map(|(_, v)| v).sum::<f64>() / self.points.len() as f64)
    }

    pub fn peak(&self) -> Option<f64> {
        self.points.iter().map(|(_, v)| *v).reduce(f64::max)
    }

    pub fn capacity(&self) -> usize {
        self.points.capacity()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn ring_keeps_the_newest() {
        let mut ring = Ring::new(3);
        for i in 0..10 {
            ring.push(i);
        }
        assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![7, 8, 9]);
        assert_eq!(ring.len(), 3);
    }

    #[test]
    fn rate_uses_real_elapsed_time() {
        let t0 = Instant::now();
        let mut counter = Counter::default();
        assert_eq!(counter.rate(100, t0), None);
        let rate = counter.rate(300, t0 + Duration::from_millis(500)).unwrap();
        assert!((rate - 400.0).abs() < 1e-9);
        // A restarted server's counter goes backwards: no negative rate.
        assert_eq!(counter.rate(5, t0 + Duration::from_secs(1)), None);
        let rate = counter.rate(15, t0 + Duration::from_secs(2)).unwrap();
        assert!((rate - 10.0).abs() < 1e-9);
    }

    #[test]
    fn series_stats_and_bounded_memory() {
        let t0 = Instant::now();
        let mut series = Series::new(4);
        for (i, value) in [0u64, 10, 30, 60, 100, 150, 160].into_iter().enumerate() {
            series.record(value, t0 + Duration::from_secs(i as u64), t0);
        }
        // Rates 10, 20, 30, 40, 50, 10; the ring keeps the last four.
        assert_eq!(series.len(), 4);
        assert_eq!(series.current(), Some(10.0));
        assert_eq!(series.peak(), Some(50.0));
        assert_eq!(series.average(), Some(32.5));
    }
}
