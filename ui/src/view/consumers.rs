//! The consumers of every stream (`C`, `:consumers`): one row each with its stream, kind, filter,
//! lag (coloured by the thresholds) and whether it is growing, ack-pending, redelivered, waiting
//! pulls and when it was last active; sortable and filterable like the streams. And one
//! consumer's detail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use strum::VariantArray;

use super::{Ctx, arrow, column_widths, format};
use crate::state::ConsumerDetail;
use crate::state::consumers::{ConsumerColumn, ConsumerLine};
use crate::theme::Role;

fn width(column: ConsumerColumn) -> Constraint {
    match column {
        ConsumerColumn::Stream => Constraint::Fill(2),
        ConsumerColumn::Name => Constraint::Fill(2),
        ConsumerColumn::Kind => Constraint::Length(4),
        ConsumerColumn::Filter => Constraint::Fill(2),
        ConsumerColumn::Pending => Constraint::Length(8),
        ConsumerColumn::Trend => Constraint::Length(9),
        ConsumerColumn::AckPending => Constraint::Length(8),
        ConsumerColumn::Redelivered => Constraint::Length(7),
        ConsumerColumn::Waiting => Constraint::Length(7),
        ConsumerColumn::LastActive => Constraint::Length(11),
    }
}

/// Cells a column needs at the least; the first to go when narrow are last.
fn needs(column: ConsumerColumn) -> u16 {
    match width(column) {
        Constraint::Length(n) => n,
        _ => 8,
    }
}

const DROP_ORDER: [ConsumerColumn; 5] = [
    ConsumerColumn::Waiting,
    ConsumerColumn::Kind,
    ConsumerColumn::Redelivered,
    ConsumerColumn::Filter,
    ConsumerColumn::LastActive,
];

fn numeric(column: ConsumerColumn) -> bool {
    !column.ascending_by_default() && column != ConsumerColumn::LastActive
}

/// `↑ 12/s` growing, `↓ 5/s` shrinking, `=` steady.
pub fn trend(trend: Option<f64>, style: impl Fn(Role) -> Style) -> Span<'static> {
    match trend {
        None => Span::styled("-", style(Role::Muted)),
        Some(t) if t > 0.05 => {
            Span::styled(format!("↑ {}", format::per_second(t)), style(Role::Warn))
        }
        Some(t) if t < -0.05 => {
            Span::styled(format!("↓ {}", format::per_second(-t)), style(Role::Ok))
        }
        Some(_) => Span::styled("=", style(Role::Muted)),
    }
}

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let app = ctx.app;
    let lines = app.consumer_lines();
    let mut title = vec![Span::raw(" "), ctx.span("Consumers", Role::Title)];
    if let Some(rows) = &app.consumers.value {
        let count = if lines.len() == rows.len() {
            format!(" ({})", rows.len())
        } else {
            format!(" ({} of {})", lines.len(), rows.len())
        };
        title.push(ctx.span(count, Role::Muted));
        let lagging = rows
            .iter()
            .filter(|r| r.pending >= app.session.lag.warn)
            .count();
        if lagging > 0 {
            title.push(ctx.span(format!("  {lagging} lagging"), Role::Warn));
        }
    }
    if !app.consumer_table.filter.is_empty() {
        title.push(ctx.span("  filter ", Role::Muted));
        title.push(ctx.span(format!("/{}", app.consumer_table.filter), Role::Accent));
    }
    title.push(Span::raw(" "));
    let block = ctx.block(Line::from(title), true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = ctx.note_on_top(frame, inner, &app.consumers);
    let Some(rows) = &app.consumers.value else {
        if !app.consumers.stale() {
            frame.render_widget(Paragraph::new(ctx.waiting()), inner);
        }
        return;
    };
    if lines.is_empty() {
        let text = if rows.is_empty() {
            "no consumers on any stream".to_owned()
        } else {
            format!("no consumer matches '{}'", app.consumer_table.filter)
        };
        frame.render_widget(Paragraph::new(ctx.span(text, Role::Muted)), inner);
        return;
    }
    let mut columns = ConsumerColumn::VARIANTS.to_vec();
    let needed = |columns: &[ConsumerColumn]| columns.iter().map(|c| needs(*c) + 1).sum::<u16>();
    for drop in DROP_ORDER {
        if needed(&columns) <= inner.width {
            break;
        }
        columns.retain(|c| *c != drop);
    }
    let sort = app.consumer_sort();
    let header = Row::new(columns.iter().map(|&column| {
        let (text, role) = if column == sort {
            let up = column.ascending_by_default() != app.consumer_table.reverse;
            (format!("{}{}", column.title(), arrow(up)), Role::Accent)
        } else {
            (column.title().to_owned(), Role::Header)
        };
        let line = Line::from(ctx.span(text, role));
        Cell::from(if numeric(column) {
            line.right_aligned()
        } else {
            line
        })
    }));
    let widths: Vec<Constraint> = columns.iter().map(|c| width(*c)).collect();
    let cells = column_widths(inner.width, &widths);
    let stale = app.consumers.stale();
    let now = app.wall_seconds(app.now);
    let (shown, selected) = super::window(lines.len(), app.consumer_table.selected, inner.height);
    let table_rows = lines[shown]
        .iter()
        .map(|line| row(ctx, line, &columns, &cells, stale, now));
    let table = Table::new(table_rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(ctx.style(Role::Selection));
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, inner, &mut state);
}

fn row(
    ctx: &Ctx,
    line: &ConsumerLine,
    columns: &[ConsumerColumn],
    cells: &[u16],
    stale: bool,
    now: f64,
) -> Row<'static> {
    let style = |role| ctx.figure(stale, role);
    let r = &line.row;
    let cells = columns.iter().zip(cells).map(|(&column, &cell)| {
        let text = |t: String, role| Span::styled(format::fit(&t, cell), style(role));
        let span = match column {
            ConsumerColumn::Stream => text(r.stream.clone(), Role::Muted),
            ConsumerColumn::Name => text(r.name.clone(), Role::Text),
            ConsumerColumn::Kind => text(if r.push { "push" } else { "pull" }.into(), Role::Muted),
            ConsumerColumn::Filter => {
                text(r.filter.clone().unwrap_or_else(|| "-".into()), Role::Muted)
            }
            ConsumerColumn::Pending => text(format::int(r.pending), ctx.lag_role(r.pending)),
            ConsumerColumn::Trend => trend(line.trend, style),
            ConsumerColumn::AckPending => text(format::int(r.ack_pending), Role::Text),
            ConsumerColumn::Redelivered => {
                let role = if r.redelivered > 0 {
                    Role::Warn
                } else {
                    Role::Text
                };
                text(format::int(r.redelivered), role)
            }
            ConsumerColumn::Waiting => text(format::int(r.waiting), Role::Text),
            ConsumerColumn::LastActive => text(
                r.last_active
                    .as_deref()
                    .map_or_else(|| "never".to_owned(), |t| format::since(t, now)),
                Role::Muted,
            ),
        };
        let line = Line::from(span);
        Cell::from(if numeric(column) {
            line.right_aligned()
        } else {
            line
        })
    });
    Row::new(cells.collect::<Vec<_>>())
}

/// One consumer: what it is, where it is in the stream, and its lag.
pub fn detail(frame: &mut Frame, area: Rect, ctx: &Ctx, open: &ConsumerDetail) {
    let app = ctx.app;
    let title = Line::from(vec![
        Span::raw(" "),
        ctx.span("Consumer ", Role::Title),
        ctx.span(open.name.clone(), Role::Accent),
        ctx.span(" of ", Role::Muted),
        ctx.span(open.stream.clone(), Role::Accent),
        Span::raw(" "),
    ]);
    let block = ctx.block(title, true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = ctx.note_on_top(frame, inner, &app.consumers);
    let found = app
        .consumers
        .value
        .iter()
        .flatten()
        .find(|r| r.stream == open.stream && r.name == open.name);
    let Some(r) = found else {
        let text = if app.consumers.value.is_some() {
            "this consumer is gone (deleted, or its stream was)"
        } else {
            "waiting for data…"
        };
        frame.render_widget(Paragraph::new(ctx.span(text, Role::Muted)), inner);
        return;
    };
    let stale = app.consumers.stale();
    let now = app.wall_seconds(app.now);
    let style = |role| ctx.figure(stale, role);
    let trend_span = trend(
        app.consumer_lines()
            .iter()
            .find(|l| l.row.key() == r.key())
            .and_then(|l| l.trend),
        style,
    );
    let when = |t: &Option<String>| {
        t.as_deref().map_or_else(
            || "-".to_owned(),
            |t| {
                format!(
                    "{} ({})",
                    format::datetime(t).unwrap_or_else(|| t.to_owned()),
                    format::since(t, now)
                )
            },
        )
    };
    let pairs: Vec<(&str, Vec<Span<'static>>)> = vec![
        (
            "kind",
            vec![Span::styled(
                if r.push { "push" } else { "pull" },
                style(Role::Text),
            )],
        ),
        (
            "durable",
            vec![Span::styled(
                if r.durable { "yes" } else { "no (ephemeral)" },
                style(Role::Text),
            )],
        ),
        (
            "filter",
            vec![Span::styled(
                r.filter
                    .clone()
                    .unwrap_or_else(|| "- (every subject)".into()),
                style(Role::Text),
            )],
        ),
        (
            "ack policy",
            vec![Span::styled(
                r.ack_policy.clone().unwrap_or_else(|| "-".into()),
                style(Role::Text),
            )],
        ),
        (
            "deliver policy",
            vec![Span::styled(
                r.deliver_policy.clone().unwrap_or_else(|| "-".into()),
                style(Role::Text),
            )],
        ),
        (
            "pending (lag)",
            vec![
                Span::styled(format::int(r.pending), style(ctx.lag_role(r.pending))),
                Span::raw("  "),
                trend_span,
            ],
        ),
        (
            "ack pending",
            vec![Span::styled(format::int(r.ack_pending), style(Role::Text))],
        ),
        (
            "redelivered",
            vec![Span::styled(
                format::int(r.redelivered),
                style(if r.redelivered > 0 {
                    Role::Warn
                } else {
                    Role::Text
                }),
            )],
        ),
        (
            "waiting pulls",
            vec![Span::styled(format::int(r.waiting), style(Role::Text))],
        ),
        (
            "delivered up to",
            vec![Span::styled(
                format!("stream seq {}", r.delivered_stream_seq),
                style(Role::Text),
            )],
        ),
        (
            "acked up to",
            vec![Span::styled(
                format!("stream seq {}", r.ack_floor_stream_seq),
                style(Role::Text),
            )],
        ),
        (
            "last active",
            vec![Span::styled(when(&r.last_active), style(Role::Text))],
        ),
        (
            "created",
            vec![Span::styled(when(&r.created), style(Role::Muted))],
        ),
    ];
    let key_width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let lines: Vec<Line> = pairs
        .into_iter()
        .map(|(key, value)| {
            let mut spans = vec![ctx.span(format!("{key:<key_width$}  "), Role::Muted)];
            spans.extend(value);
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
