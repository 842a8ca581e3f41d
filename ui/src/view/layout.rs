//! Where things go. Two layouts: the full dashboard (every pane, the focused one larger) and a
//! compact one for small terminals (80x24): the focused pane fills the body and the others
//! shrink to one- or two-line summaries.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::command::Pane;
use crate::state::App;

/// Below either size the compact layout is used.
pub const FULL_MIN_WIDTH: u16 = 100;
pub const FULL_MIN_HEIGHT: u16 = 32;

/// The screen's three bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    pub header: Rect,
    pub body: Rect,
    pub footer: Rect,
    pub compact: bool,
}

/// What goes into one area of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// A pane drawn in full.
    Pane(Pane, Rect),
    /// Throughput as two sparkline lines (compact layout).
    ThroughputStrip(Rect),
    /// The streams as one line (compact layout).
    StreamsLine(Rect),
    /// One line summing up these panes (compact layout).
    Summary(Vec<Pane>, Rect),
}

pub fn is_compact(area: Rect) -> bool {
    area.width < FULL_MIN_WIDTH || area.height < FULL_MIN_HEIGHT
}

/// Lines the header takes: 2 when compact, 3 otherwise.
pub fn header_height(compact: bool) -> u16 {
    if compact { 2 } else { 3 }
}

/// Lines the footer takes: key hints, plus a line for the prompt or the status when there is one.
pub fn footer_height(app: &App) -> u16 {
    if app.prompt().is_some() || app.status().is_some() {
        2
    } else {
        1
    }
}

pub fn screen(area: Rect, app: &App) -> Screen {
    let compact = is_compact(area);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(header_height(compact)),
        Constraint::Fill(1),
        Constraint::Length(footer_height(app)),
    ])
    .areas(area);
    Screen {
        header,
        body,
        footer,
        compact,
    }
}

/// The body's slots for the dashboard (not the detail view).
pub fn body(area: Rect, app: &App, compact: bool) -> Vec<Slot> {
    let panes = app.visible_panes();
    // A focus on a pane that is not shown (a cluster that shrank to one node) falls back.
    let focus = if panes.contains(&app.focus()) {
        app.focus()
    } else {
        Pane::Streams
    };
    if compact {
        compact_body(area, &panes, focus)
    } else {
        full_body(area, &panes, focus, streams_wanted(app))
    }
}

/// Lines the streams pane can use: borders, the header row, the rows and the source's note.
fn streams_wanted(app: &App) -> u16 {
    let rows = app.stream_lines().len().max(1) as u16;
    let note = u16::from(app.streams.stale());
    rows.saturating_add(3 + note)
}

fn compact_body(area: Rect, panes: &[Pane], focus: Pane) -> Vec<Slot> {
    enum Part {
        Strip,
        StreamsLine,
        Focus,
        Summary(Vec<Pane>),
    }
    let mut parts = Vec::new();
    if focus == Pane::Throughput {
        parts.push(Part::Focus);
    } else {
        parts.push(Part::Strip);
    }
    match focus {
        Pane::Streams => parts.push(Part::Focus),
        Pane::Throughput => parts.push(Part::StreamsLine),
        _ => {
            parts.push(Part::StreamsLine);
            parts.push(Part::Focus);
        }
    }
    let rest: Vec<Pane> = panes
        .iter()
        .copied()
        .filter(|p| matches!(p, Pane::Connections | Pane::Errors | Pane::Servers) && *p != focus)
        .collect();
    if !rest.is_empty() {
        parts.push(Part::Summary(rest));
    }
    let constraints = parts.iter().map(|part| match part {
        Part::Strip => Constraint::Length(2),
        Part::StreamsLine | Part::Summary(_) => Constraint::Length(1),
        Part::Focus => Constraint::Fill(1),
    });
    let areas = Layout::vertical(constraints).split(area);
    parts
        .into_iter()
        .zip(areas.iter().copied())
        .map(|(part, rect)| match part {
            Part::Strip => Slot::ThroughputStrip(rect),
            Part::StreamsLine => Slot::StreamsLine(rect),
            Part::Focus => Slot::Pane(focus, rect),
            Part::Summary(panes) => Slot::Summary(panes, rect),
        })
        .collect()
}

/// Three rows: throughput, streams, then connections, errors and cluster side by side. Each
/// row's share grows when it holds the focus; the streams row takes no more than it can fill.
fn full_body(area: Rect, panes: &[Pane], focus: Pane, streams_wanted: u16) -> Vec<Slot> {
    let bottom: Vec<Pane> = panes
        .iter()
        .copied()
        .filter(|p| matches!(p, Pane::Connections | Pane::Errors | Pane::Servers))
        .collect();
    let weight = |base: u32, focused: bool| if focused { base + 2 } else { base };
    let weights = [
        weight(2, focus == Pane::Throughput),
        weight(3, focus == Pane::Streams),
        weight(3, bottom.contains(&focus)),
    ];
    let total: u32 = weights.iter().sum();
    let share = (u32::from(area.height) * weights[1] / total) as u16;
    let streams = share.min(streams_wanted.max(5));
    let [top, middle, low] = Layout::vertical([
        Constraint::Fill(weights[0] as u16),
        Constraint::Length(streams),
        Constraint::Fill(weights[2] as u16),
    ])
    .areas(area);
    let mut slots = vec![
        Slot::Pane(Pane::Throughput, top),
        Slot::Pane(Pane::Streams, middle),
    ];
    let columns = Layout::horizontal(
        bottom
            .iter()
            .map(|p| Constraint::Fill(if *p == focus { 2 } else { 1 })),
    )
    .split(low);
    slots.extend(
        bottom
            .into_iter()
            .zip(columns.iter().copied())
            .map(|(pane, rect)| Slot::Pane(pane, rect)),
    );
    slots
}

/// A `width` x `height` box centred in `area`, shrunk to fit.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

#[cfg(test)]
mod tests {
    use strum::VariantArray;

    use super::*;

    #[test]
    fn compact_gives_the_focused_pane_the_body() {
        let area = Rect::new(0, 0, 80, 20);
        let panes = [
            Pane::Throughput,
            Pane::Streams,
            Pane::Connections,
            Pane::Errors,
        ];
        let slots = compact_body(area, &panes, Pane::Streams);
        assert_eq!(slots[0], Slot::ThroughputStrip(Rect::new(0, 0, 80, 2)));
        assert_eq!(slots[1], Slot::Pane(Pane::Streams, Rect::new(0, 2, 80, 17)));
        assert_eq!(
            slots[2],
            Slot::Summary(
                vec![Pane::Connections, Pane::Errors],
                Rect::new(0, 19, 80, 1)
            )
        );
        let slots = compact_body(area, &panes, Pane::Errors);
        assert!(slots.contains(&Slot::Pane(Pane::Errors, Rect::new(0, 3, 80, 16))));
        assert!(matches!(&slots[3], Slot::Summary(p, _) if p == &[Pane::Connections]));
    }

    #[test]
    fn full_shows_every_visible_pane_focus_larger() {
        let area = Rect::new(0, 0, 160, 40);
        let slots = full_body(area, Pane::VARIANTS, Pane::Connections, 100);
        assert_eq!(slots.len(), 5);
        let width = |pane| {
            slots.iter().find_map(|s| match s {
                Slot::Pane(p, r) if *p == pane => Some(r.width),
                _ => None,
            })
        };
        assert!(width(Pane::Connections) > width(Pane::Errors));
        assert_eq!(
            centered(Rect::new(0, 0, 80, 24), 100, 10),
            Rect::new(0, 7, 80, 10)
        );
    }
}
