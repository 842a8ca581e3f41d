//! Streams: one row per stream with its subjects, storage, replicas, messages, bytes, fullness
//! against its limits (a full stream with discard new reads `FULL`: it refuses messages), message
//! rate, consumers and the largest consumer lag (coloured by the lag thresholds). The header row
//! marks the sort column and direction; the title shows the active filter.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use strum::VariantArray;

use super::{Ctx, arrow, column_widths, format};
use crate::command::{Command, Mode, Pane};
use crate::state::tables::{StreamColumn, StreamLine};
use crate::theme::Role;

/// Whether a column reads best in ascending order (names) rather than largest first.
fn ascending_by_default(column: StreamColumn) -> bool {
    matches!(
        column,
        StreamColumn::Name | StreamColumn::Subjects | StreamColumn::Storage
    )
}

fn width(column: StreamColumn) -> Constraint {
    match column {
        StreamColumn::Name => Constraint::Fill(3),
        StreamColumn::Subjects => Constraint::Fill(2),
        StreamColumn::Storage => Constraint::Length(6),
        StreamColumn::Replicas => Constraint::Length(2),
        StreamColumn::Messages => Constraint::Length(7),
        StreamColumn::Bytes => Constraint::Length(10),
        StreamColumn::Fullness => Constraint::Length(5),
        StreamColumn::Rate => Constraint::Length(7),
        StreamColumn::Consumers => Constraint::Length(5),
        StreamColumn::Lag => Constraint::Length(6),
    }
}

fn numeric(column: StreamColumn) -> bool {
    !matches!(
        column,
        StreamColumn::Name | StreamColumn::Subjects | StreamColumn::Storage
    )
}

/// Whether a stream refuses new messages: full, with discard new.
pub fn refusing(line: &StreamLine) -> bool {
    line.row.discard_new && line.fullness.is_some_and(|f| f >= 0.999)
}

/// The spans after the pane title: the count, streams refusing messages, and the filter.
fn title_extra(ctx: &Ctx, shown: usize) -> Vec<Span<'static>> {
    let app = ctx.app;
    let mut spans = Vec::new();
    if let Some(rows) = &app.streams.value {
        let count = if shown == rows.len() {
            format!(" ({})", rows.len())
        } else {
            format!(" ({shown} of {})", rows.len())
        };
        spans.push(ctx.span(count, Role::Muted));
    }
    // On a large deployment the full listing comes every several seconds (the selected row
    // every interval): say how old the rest is.
    let refresh = app.session.refresh.max(std::time::Duration::from_secs(1));
    if let Some(age) = app.streams.age(app.now).filter(|age| *age > refresh * 2)
        && !app.streams.stale()
    {
        spans.push(ctx.span(format!(" · listed {}", format::ago(age)), Role::Muted));
    }
    let refusing = app.stream_lines().iter().filter(|l| refusing(l)).count();
    if refusing > 0 {
        spans.push(ctx.span(format!("  ✖ {refusing} refusing messages"), Role::Error));
    }
    let filter = &app.stream_table.filter;
    if !filter.is_empty() {
        spans.push(ctx.span("  filter ", Role::Muted));
        spans.push(ctx.span(format!("/{filter}"), Role::Accent));
    }
    spans
}

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) {
    let app = ctx.app;
    let lines = app.stream_lines();
    let block = ctx.pane_block(Pane::Streams, title_extra(ctx, lines.len()), focused, area);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = ctx.note_on_top(frame, inner, &app.streams);
    let Some(rows) = &app.streams.value else {
        if !app.streams.stale() {
            frame.render_widget(Paragraph::new(ctx.waiting()), inner);
        }
        return;
    };
    if lines.is_empty() {
        let text = if rows.is_empty() {
            let mut spans = vec![ctx.span("no streams yet", Role::Muted)];
            if let Some(key) = ctx.keymap.hint(Mode::Normal, Command::CreateStream)
                && !app.session.read_only
            {
                spans.push(ctx.span(" — press ", Role::Muted));
                spans.push(ctx.span(key, Role::Key));
                spans.push(ctx.span(" to create one", Role::Muted));
            }
            Line::from(spans)
        } else {
            Line::from(ctx.span(
                format!("no stream matches '{}'", app.stream_table.filter),
                Role::Muted,
            ))
        };
        frame.render_widget(Paragraph::new(text), inner);
        return;
    }
    let sort = app.stream_sort();
    let header = Row::new(StreamColumn::VARIANTS.iter().map(|&column| {
        let mut text = column.title().to_owned();
        let role = if column == sort {
            text.push_str(arrow(
                ascending_by_default(column) != app.stream_table.reverse,
            ));
            Role::Accent
        } else {
            Role::Header
        };
        let line = Line::from(ctx.span(text, role));
        Cell::from(if numeric(column) {
            line.right_aligned()
        } else {
            line
        })
    }));
    let stale = app.streams.stale();
    let widths: Vec<Constraint> = StreamColumn::VARIANTS.iter().map(|&c| width(c)).collect();
    let cells = column_widths(inner.width, &widths);
    let (shown, selected) = super::window(lines.len(), app.stream_table.selected, inner.height);
    let table_rows = lines[shown]
        .iter()
        .map(|line| row(ctx, line, stale, &cells));
    let mut table = Table::new(table_rows, widths)
        .header(header)
        .column_spacing(1);
    if focused {
        table = table.row_highlight_style(ctx.style(Role::Selection));
    }
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, inner, &mut state);
}

/// One stream's row; names and subjects cut to their column with an ellipsis.
fn row(ctx: &Ctx, line: &StreamLine, stale: bool, cells: &[u16]) -> Row<'static> {
    let text = ctx.figure(stale, Role::Text);
    let muted = ctx.figure(stale, Role::Muted);
    let r = &line.row;
    let number = |s: String| Cell::from(Line::from(Span::styled(s, text)).right_aligned());
    let full = match line.fullness {
        None => Cell::from(Line::from(Span::styled("-", muted)).right_aligned()),
        // Refusing every new message: the one state here that loses data for publishers.
        Some(_) if refusing(line) => Cell::from(
            Line::from(Span::styled("FULL", ctx.figure(stale, Role::Error))).right_aligned(),
        ),
        Some(ratio) => {
            let role = if ratio >= 0.9 {
                Role::GaugeFull
            } else {
                Role::Gauge
            };
            let style = ctx.figure(stale, role);
            Cell::from(Line::from(Span::styled(format::percent(ratio), style)).right_aligned())
        }
    };
    let cell = |i: usize| cells.get(i).copied().unwrap_or(0);
    let lag = r.max_consumer_lag;
    // Lag read a while ago (large deployments read it in turns) is dimmed.
    let refresh = ctx.app.session.refresh.as_secs_f64().max(1.0);
    let lag_stale = stale || r.lag_age.is_some_and(|age| age > 3.0 * refresh);
    Row::new(vec![
        Cell::from(Span::styled(format::fit(&r.name, cell(0)), text)),
        Cell::from(Span::styled(
            format::fit(&r.subjects.join(","), cell(1)),
            muted,
        )),
        Cell::from(Span::styled(r.storage.clone(), muted)),
        number(r.replicas.to_string()),
        number(format::int(r.messages)),
        number(format::bytes(r.bytes)),
        full,
        number(format::opt(line.rate, format::count)),
        number(r.consumers.to_string()),
        Cell::from(
            Line::from(Span::styled(
                format::int(lag),
                ctx.figure(lag_stale, ctx.lag_role(lag)),
            ))
            .right_aligned(),
        ),
    ])
}

/// One line for the compact layout: `streams 5 · 1.2M msgs · 3.4 MiB · fullest orders 91%`.
pub fn summary(ctx: &Ctx) -> Line<'static> {
    let app = ctx.app;
    let mut spans = vec![ctx.span("streams ", Role::Title)];
    match &app.streams.value {
        None if !app.streams.stale() => spans.push(ctx.span("waiting for data…", Role::Muted)),
        None => {}
        Some(rows) => {
            let stale = app.streams.stale();
            let style = ctx.figure(stale, Role::Text);
            let messages: u64 = rows.iter().map(|r| r.messages).sum();
            let bytes: u64 = rows.iter().map(|r| r.bytes).sum();
            spans.push(Span::styled(
                format!(
                    "{} · {} msgs · {}",
                    rows.len(),
                    format::int(messages),
                    format::bytes(bytes)
                ),
                style,
            ));
            let fullest = app
                .stream_lines()
                .iter()
                .filter_map(|l| l.fullness.map(|f| (f, l.row.name.clone())))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((ratio, name)) = fullest {
                let role = if ratio >= 0.9 {
                    Role::GaugeFull
                } else {
                    Role::Gauge
                };
                spans.push(ctx.span(" · fullest ", Role::Muted));
                spans.push(Span::styled(
                    format!("{name} {}", format::percent(ratio)),
                    ctx.figure(stale, role),
                ));
            }
            if !app.stream_table.filter.is_empty() {
                spans.push(ctx.span(format!("  /{}", app.stream_table.filter), Role::Accent));
            }
        }
    }
    if let Some(note) = ctx.source_note(&app.streams) {
        spans.push(Span::raw("  "));
        spans.extend(note.spans);
    }
    Line::from(spans)
}
