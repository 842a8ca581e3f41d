//! A figure's provenance: its last good value, when it arrived, and why it is old news — its
//! source failed, or has not answered for longer than a few refresh intervals.

use std::time::{Duration, Instant};

/// How long a source may stay silent before its figures are shown as stale: three refresh
/// intervals, and never less than five seconds (a sample may take a moment to answer).
pub fn late_after(refresh: Duration) -> Duration {
    (refresh * 3).max(Duration::from_secs(5))
}

#[derive(Debug, Clone)]
pub struct Sourced<T> {
    pub value: Option<T>,
    /// Why the last refresh failed; cleared by the next good one.
    pub error: Option<String>,
    pub updated: Option<Instant>,
    /// No answer at all (good or bad) for longer than [`late_after`].
    pub late: bool,
    answered: Option<Instant>,
}

impl<T> Default for Sourced<T> {
    fn default() -> Self {
        Sourced {
            value: None,
            error: None,
            updated: None,
            late: false,
            answered: None,
        }
    }
}

impl<T> Sourced<T> {
    pub fn set(&mut self, result: Result<T, String>, at: Instant) {
        self.answered = Some(at);
        self.late = false;
        match result {
            Ok(value) => {
                self.value = Some(value);
                self.error = None;
                self.updated = Some(at);
            }
            Err(error) => self.error = Some(error),
        }
    }

    /// The source answered, without new figures for the whole (part of them came another
    /// way): it is not late, and its figures keep their age.
    pub fn touch(&mut self, at: Instant) {
        self.answered = Some(at);
        self.late = false;
    }

    /// Marks the source late when it has not answered within `limit` of its last answer, or of
    /// `started` when it never has (a sampler stuck on a server that accepts requests and never
    /// replies).
    pub fn check_late(&mut self, now: Instant, started: Instant, limit: Duration) {
        let since = self.answered.unwrap_or(started);
        self.late = now.saturating_duration_since(since) > limit;
    }

    /// Whether the source has answered at all, well or not.
    pub fn answered(&self) -> bool {
        self.answered.is_some()
    }

    /// The value is old news: the last refresh failed, or none has come back for a while.
    pub fn stale(&self) -> bool {
        self.error.is_some() || self.late
    }

    /// Why the value is old news, when it is.
    pub fn problem(&self, now: Instant) -> Option<String> {
        match (&self.error, self.answered) {
            (Some(error), _) => Some(error.clone()),
            (None, Some(at)) if self.late => Some(format!(
                "no answer for {}s",
                now.saturating_duration_since(at).as_secs()
            )),
            (None, None) if self.late => Some("no answer yet".to_owned()),
            _ => None,
        }
    }

    pub fn age(&self, now: Instant) -> Option<Duration> {
        self.updated.map(|at| now.saturating_duration_since(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_source_turns_late_and_an_answer_clears_it() {
        let t0 = Instant::now();
        let limit = late_after(Duration::from_secs(1));
        let mut source = Sourced::default();
        source.check_late(t0 + Duration::from_secs(6), t0, limit);
        assert_eq!(source.problem(t0).as_deref(), Some("no answer yet"));
        source.set(Ok(1), t0);
        source.check_late(t0 + Duration::from_secs(4), t0, limit);
        assert!(!source.stale());
        source.check_late(t0 + Duration::from_secs(6), t0, limit);
        assert!(source.stale());
        assert_eq!(
            source.problem(t0 + Duration::from_secs(6)).as_deref(),
            Some("no answer for 6s")
        );
        source.set(Ok(2), t0 + Duration::from_secs(7));
        assert!(!source.stale());
        source.set(Err("refused".into()), t0 + Duration::from_secs(8));
        assert_eq!(source.value, Some(2));
        assert_eq!(source.problem(t0).as_deref(), Some("refused"));
    }
}
