//! A stream's detail (Enter on a stream): its configuration and state side by side, then its
//! consumers with their lag and its newest messages. It replaces the panes until closed. The
//! broker's data arrives as it is; the wording of limits, times and payloads is decided here.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use message_broker_model::stream::{
    ConsumerView, Encoding, StoredMessageView, StreamConfigView, StreamStateView,
};
use serde_json::Value;

use super::{Ctx, format};
use crate::model::DetailData;
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
        Some(Ok(data)) => loaded(frame, inner, ctx, data, detail.scroll),
    }
}

/// Characters of a payload shown in the message list.
const PREVIEW_CHARS: usize = 200;

/// `-1` (or 0) is how JetStream says a limit is not set.
fn limit(value: i64) -> String {
    if value <= 0 {
        "unlimited".to_owned()
    } else {
        value.to_string()
    }
}

/// The configuration as `(field, value)` lines, in the order the config is usually read.
fn config_pairs(c: &StreamConfigView, created: Option<&str>) -> Vec<(&'static str, String)> {
    let max_age = if c.max_age > 0.0 {
        format!("{} s", c.max_age)
    } else {
        "unlimited".to_owned()
    };
    vec![
        ("subjects", c.subjects.join(", ")),
        ("retention", c.retention.clone()),
        ("storage", c.storage.clone()),
        ("replicas", c.replicas.to_string()),
        ("discard", c.discard.clone()),
        ("max_msgs", limit(c.max_msgs)),
        ("max_bytes", limit(c.max_bytes)),
        ("max_msg_size", limit(c.max_msg_size)),
        ("max_age", max_age),
        ("duplicate_window", format!("{} s", c.duplicate_window)),
        ("description", c.description.clone().unwrap_or_default()),
        ("created", created.unwrap_or_default().to_owned()),
    ]
}

fn state_pairs(s: &StreamStateView) -> Vec<(&'static str, String)> {
    vec![
        ("messages", s.messages.to_string()),
        ("bytes", s.bytes.to_string()),
        ("first_seq", s.first_seq.to_string()),
        ("last_seq", s.last_seq.to_string()),
        ("first_ts", s.first_ts.clone().unwrap_or_default()),
        ("last_ts", s.last_ts.clone().unwrap_or_default()),
        ("deleted", s.deleted.to_string()),
        ("subjects", s.subjects.to_string()),
        ("consumers", s.consumer_count.to_string()),
    ]
}

/// A payload as one line of text: text as it is, JSON compacted, anything else as `base64 …`;
/// cut to [`PREVIEW_CHARS`] (the cell is narrower still; this bounds what is copied).
fn preview(message: &StoredMessageView) -> String {
    let text = match (message.encoding, &message.payload) {
        (Encoding::Text, Value::String(text)) => text.clone(),
        (Encoding::Base64, Value::String(b64)) => format!("base64 {b64}"),
        (_, value) => value.to_string(),
    };
    format::truncate(&text, PREVIEW_CHARS).replace(['\n', '\r'], " ")
}

fn loaded(frame: &mut Frame, area: Rect, ctx: &Ctx, data: &DetailData, scroll: usize) {
    let stream = &data.detail.stream;
    let config = config_pairs(&stream.config, stream.created.as_deref());
    let state = state_pairs(&stream.state);
    let pairs = config.len().max(state.len()) as u16;
    let top_height = (pairs + 1).min(area.height / 2).max(area.height.min(3));
    let [top, bottom] =
        Layout::vertical([Constraint::Length(top_height), Constraint::Fill(1)]).areas(area);
    let [config_area, state_area] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)])
        .spacing(2)
        .areas(top);
    frame.render_widget(
        Paragraph::new(pairs_lines(ctx, "Config", &config)),
        config_area,
    );
    frame.render_widget(
        Paragraph::new(pairs_lines(ctx, "State", &state)),
        state_area,
    );
    // Consumers first (their lag is what on-call looks for), then the newest messages.
    let consumers_shown = &data.detail.consumers;
    let consumer_rows = consumers_shown.len().max(1) as u16 + 2;
    let [consumer_area, message_area] = Layout::vertical([
        Constraint::Length(
            consumer_rows
                .min(bottom.height / 2)
                .max(bottom.height.min(2)),
        ),
        Constraint::Fill(1),
    ])
    .areas(bottom);
    consumers(frame, consumer_area, ctx, consumers_shown, scroll);
    messages(frame, message_area, ctx, &data.messages);
}

fn messages(frame: &mut Frame, area: Rect, ctx: &Ctx, rows: &[StoredMessageView]) {
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
            Cell::from(ctx.span(preview(m), Role::Text)),
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

fn pairs_lines(ctx: &Ctx, title: &'static str, pairs: &[(&str, String)]) -> Vec<Line<'static>> {
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

fn consumers(frame: &mut Frame, area: Rect, ctx: &Ctx, rows: &[ConsumerView], scroll: usize) {
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
            Cell::from(ctx.span(
                c.filter_subject.clone().unwrap_or_else(|| "-".into()),
                Role::Muted,
            )),
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
