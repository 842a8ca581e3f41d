//! A stream's detail (Enter on a stream): its configuration and state side by side, then its
//! consumers with their lag. It replaces the panes until closed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::{Ctx, format};
use crate::model::{ConsumerRow, MessageRow, StreamDetailView};
use crate::state::Detail;
use crate::theme::Role;

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, detail: &Detail) {
    let title = Line::from(vec![
        Span::raw(" "),
        ctx.span("Stream ", Role::Title),
        ctx.span(detail.name.clone(), Role::Accent),
        Span::raw(" "),
    ]);
    let block = ctx.block(title, true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match &detail.view {
        None => {
            let text = ctx.span(format!("loading '{}'…", detail.name), Role::Muted);
            frame.render_widget(Paragraph::new(text), inner);
        }
        Some(Err(error)) => {
            let text = ctx.span(format!("⚠ {error}"), Role::Error);
            frame.render_widget(Paragraph::new(text), inner);
        }
        Some(Ok(view)) => loaded(frame, inner, ctx, view, detail.scroll),
    }
}

fn loaded(frame: &mut Frame, area: Rect, ctx: &Ctx, view: &StreamDetailView, scroll: usize) {
    let pairs = view.config.len().max(view.state.len()) as u16;
    let top_height = (pairs + 1).min(area.height / 2).max(area.height.min(3));
    let [top, bottom] =
        Layout::vertical([Constraint::Length(top_height), Constraint::Fill(1)]).areas(area);
    let [config, state] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)])
        .spacing(2)
        .areas(top);
    frame.render_widget(
        Paragraph::new(pairs_lines(ctx, "Config", &view.config)),
        config,
    );
    frame.render_widget(
        Paragraph::new(pairs_lines(ctx, "State", &view.state)),
        state,
    );
    // Consumers first (their lag is what on-call looks for), then the newest messages.
    let consumer_rows = view.consumers.len().max(1) as u16 + 2;
    let [consumer_area, message_area] = Layout::vertical([
        Constraint::Length(
            consumer_rows
                .min(bottom.height / 2)
                .max(bottom.height.min(2)),
        ),
        Constraint::Fill(1),
    ])
    .areas(bottom);
    consumers(frame, consumer_area, ctx, &view.consumers, scroll);
    messages(frame, message_area, ctx, &view.messages);
}

fn messages(frame: &mut Frame, area: Rect, ctx: &Ctx, rows: &[MessageRow]) {
    if area.height == 0 {
        return;
    }
    let [title, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            ctx.span("Recent messages", Role::Title),
            ctx.span(format!(" ({}, not consumed)", rows.len()), Role::Muted),
        ])),
        title,
    );
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(ctx.span("no messages stored", Role::Muted)),
            rest,
        );
        return;
    }
    let header = Row::new(vec![
        Cell::from(Line::from(ctx.span("Seq", Role::Header)).right_aligned()),
        Cell::from(ctx.span("Subject", Role::Header)),
        Cell::from(ctx.span("Time", Role::Header)),
        Cell::from(Line::from(ctx.span("Size", Role::Header)).right_aligned()),
        Cell::from(ctx.span("Payload", Role::Header)),
    ]);
    // Newest first, as a log reads.
    let table_rows = rows.iter().rev().map(|m| {
        Row::new(vec![
            Cell::from(Line::from(ctx.span(m.seq.to_string(), Role::Text)).right_aligned()),
            Cell::from(ctx.span(m.subject.clone(), Role::Accent)),
            Cell::from(
                ctx.span(
                    m.time
                        .as_deref()
                        .and_then(format::clock)
                        .unwrap_or("-")
                        .to_owned(),
                    Role::Muted,
                ),
            ),
            Cell::from(
                Line::from(ctx.span(format::bytes(m.size as u64), Role::Muted)).right_aligned(),
            ),
            Cell::from(ctx.span(m.preview.replace(['\n', '\r'], " "), Role::Text)),
        ])
    });
    let widths = [
        Constraint::Length(8),
        Constraint::Fill(1),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Fill(3),
    ];
    frame.render_widget(
        Table::new(table_rows, widths)
            .header(header)
            .column_spacing(1),
        rest,
    );
}

fn pairs_lines(ctx: &Ctx, title: &'static str, pairs: &[(String, String)]) -> Vec<Line<'static>> {
    let width = pairs
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines = vec![Line::from(ctx.span(title, Role::Title))];
    if pairs.is_empty() {
        lines.push(Line::from(ctx.span("-", Role::Muted)));
    }
    lines.extend(pairs.iter().map(|(key, value)| {
        Line::from(vec![
            ctx.span(format!("{key:<width$}  "), Role::Muted),
            ctx.span(value.clone(), Role::Text),
        ])
    }));
    lines
}

fn consumers(frame: &mut Frame, area: Rect, ctx: &Ctx, rows: &[ConsumerRow], scroll: usize) {
    if area.height == 0 {
        return;
    }
    let [title, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let lagging = rows.iter().filter(|c| c.num_pending > 0).count();
    let mut spans = vec![
        ctx.span("Consumers", Role::Title),
        ctx.span(format!(" ({})", rows.len()), Role::Muted),
    ];
    if let Some(max) = rows.iter().map(|c| c.num_pending).max().filter(|m| *m > 0) {
        spans.push(ctx.span(
            format!("  {lagging} lagging, max lag {}", format::int(max)),
            Role::Warn,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);
    if rows.is_empty() {
        frame.render_widget(Paragraph::new(ctx.span("no consumers", Role::Muted)), rest);
        return;
    }
    let right =
        |text: &'static str| Cell::from(Line::from(ctx.span(text, Role::Header)).right_aligned());
    let header = Row::new(vec![
        Cell::from(ctx.span("Name", Role::Header)),
        Cell::from(ctx.span("Filter", Role::Header)),
        right("Lag"),
        right("Ack pend"),
        right("Redeliv"),
        right("Waiting"),
    ]);
    let number =
        |n: u64, role| Cell::from(Line::from(ctx.span(format::int(n), role)).right_aligned());
    let table_rows = rows.iter().map(|c| {
        let lag_role = if c.num_pending > 0 {
            Role::Warn
        } else {
            Role::Text
        };
        let redelivered = if c.num_redelivered > 0 {
            Role::Warn
        } else {
            Role::Text
        };
        Row::new(vec![
            Cell::from(ctx.span(c.name.clone(), Role::Text)),
            Cell::from(ctx.span(c.filter.clone().unwrap_or_else(|| "-".into()), Role::Muted)),
            number(c.num_pending, lag_role),
            number(c.num_ack_pending, Role::Text),
            number(c.num_redelivered, redelivered),
            number(c.num_waiting, Role::Text),
        ])
    });
    let widths = [
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    let table = Table::new(table_rows, widths)
        .header(header)
        .column_spacing(1);
    // The scroll position is unbounded in the state; here it stops at the last row.
    let mut state = TableState::default().with_offset(scroll.min(rows.len() - 1));
    frame.render_stateful_widget(table, rest, &mut state);
}
