//! The recent events list: newest first, filtered as typed, scrolled with the keys when the
//! errors pane has the focus. While scrolled away from the top, new events do not move the lines
//! being read.

use super::App;
use crate::model::EventRecord;

impl App {
    /// The events as listed: newest first, those matching the filter (any word of the line,
    /// its time or its level).
    pub fn event_lines(&self) -> Vec<&EventRecord> {
        let filter = self.event_table.filter.to_lowercase();
        self.events
            .iter()
            .rev()
            .filter(|e| filter.is_empty() || matches(e, &filter))
            .collect()
    }

    /// A new event arrived: when the list is scrolled, the same lines stay in view.
    pub(super) fn follow_events(&mut self) {
        let table = &mut self.event_table;
        if table.selected == 0 {
            return;
        }
        let newest_shown = self
            .events
            .last()
            .is_some_and(|e| table.filter.is_empty() || matches(e, &table.filter.to_lowercase()));
        if newest_shown {
            table.selected += 1;
        }
        // The ring dropped the oldest: nothing below to keep in place.
        table.selected = table.selected.min(self.events.len().saturating_sub(1));
    }

    /// Scrolls the events list by `delta` lines.
    pub(super) fn scroll_events(&mut self, delta: isize) {
        let rows = self.event_lines().len();
        let target = self.event_table.selected as isize + delta;
        self.event_table.selected = target.clamp(0, rows.saturating_sub(1) as isize) as usize;
    }
}

fn matches(event: &EventRecord, filter: &str) -> bool {
    let level: &str = match event.level {
        crate::model::EventLevel::Info => "info",
        crate::model::EventLevel::Warn => "warn",
        crate::model::EventLevel::Error => "error",
    };
    event.text.to_lowercase().contains(filter) || event.time.contains(filter) || level == filter
}
