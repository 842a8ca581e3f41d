//! A stream's detail (Enter on a stream, `:stream NAME`), read again every interval: when it was
//! read, its configuration and state side by side (limits against what is used), whether it is
//! refusing messages, its replicas and the streams it copies from with how far behind each is,
//! then its consumers with their lag and its newest messages. It replaces the
//! panes until closed. The wording of limits, times and payloads is decided here.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use message_broker_model::stream::{
    ConsumerView, Encoding, SourceView, StoredMessageView, StreamConfigView, StreamStateView,
    StreamView,
};
use serde_json::Value;

use super::{Ctx, column_widths, format};
use crate::command::{Command, Mode};
use crate::model::DetailData;
use crate::state::Detail;
use crate::theme::Role;

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, detail: &Detail) {
    let app = ctx.app;
    let source = &detail.data;
    let mut title = vec![
        Span::raw(" "),
        ctx.span("Stream ", Role::Title),
        ctx.span(detail.name.clone(), Role::Accent),
    ];
    if let Some(at) = source.updated {
        let age = format::ago(app.now.saturating_duration_since(at));
        title.push(ctx.span(format!(" · read {} ({age})", app.clock(at)), Role::Muted));
    }
    title.push(Span::raw(" "));
    let block = ctx.block(Line::from(title), true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = ctx.note_on_top(frame, inner, source);
    match &source.value {
        None if source.error.is_none() => {
            let text = ctx.span(format!("reading '{}'…", detail.name), Role::Muted);
            frame.render_widget(Paragraph::new(text), inner);
        }
        None => {}
        Some(data) => loaded(frame, inner, ctx, data, detail.scroll, source.stale()),
    }
}

/// Characters of a payload shown in the message list.
const PREVIEW_CHARS: usize = 200;

/// `-1` (or 0) is how JetStream says a limit is not set.
fn limit(value: i64, show: impl Fn(u64) -> String) -> String {
    if value <= 0 {
        "unlimited".to_owned()
    } else {
        show(value as u64)
    }
}

fn seconds(secs: f64) -> String {
    if secs > 0.0 {
        format::seconds(secs)
    } else {
        "unlimited".to_owned()
    }
}

/// The configuration as `(field, value)` lines, in the order the config is usually read.
fn config_pairs(c: &StreamConfigView, created: Option<&str>) -> Vec<(&'static str, String)> {
    let discard = match c.discard.as_str() {
        "new" => "new (refuse when full)".to_owned(),
        "old" => "old (drop oldest when full)".to_owned(),
        other => other.to_owned(),
    };
    vec![
        ("subjects", c.subjects.join(", ")),
        ("retention", c.retention.clone()),
        ("storage", c.storage.clone()),
        ("replicas", c.replicas.to_string()),
        ("discard", discard),
        ("max msg size", limit(c.max_msg_size, format::bytes)),
        ("max age", seconds(c.max_age)),
        ("dedup window", format::seconds(c.duplicate_window)),
        (
            "description",
            c.description.clone().unwrap_or_else(|| "-".into()),
        ),
        (
            "created",
            created
                .and_then(format::datetime)
                .unwrap_or_else(|| "-".into()),
        ),
    ]
}

/// `1.2k / 10.0k (12%)`, or the figure alone when unlimited.
fn used(value: u64, max: i64, show: impl Fn(u64) -> String) -> String {
    if max > 0 {
        let ratio = value as f64 / max as f64;
        format!(
            "{} / {} ({})",
            show(value),
            show(max as u64),
            format::percent(ratio)
        )
    } else {
        format!("{} (no limit)", show(value))
    }
}

fn state_pairs(s: &StreamStateView, c: &StreamConfigView, now: f64) -> Vec<(&'static str, String)> {
    let when = |ts: &Option<String>| {
        ts.as_deref().map_or_else(
            || "-".to_owned(),
            |t| {
                let at = format::datetime(t).unwrap_or_else(|| t.to_owned());
                format!("{at} ({})", format::since(t, now))
            },
        )
    };
    vec![
        ("messages", used(s.messages, c.max_msgs, format::int)),
        ("bytes", used(s.bytes, c.max_bytes, format::bytes)),
        ("sequences", format!("{} to {}", s.first_seq, s.last_seq)),
        ("first message", when(&s.first_ts)),
        ("last message", when(&s.last_ts)),
        ("deleted", format::int(s.deleted)),
        ("subjects", format::int(s.subjects)),
        ("consumers", s.consumer_count.to_string()),
    ]
}

/// A payload as one line of text: text as it is, JSON compacted, anything else as `base64 …`;
/// cut to [`PREVIEW_CHARS`] (the cell is narrower still; this bounds what is copied).
pub fn preview(message: &StoredMessageView) -> String {
    let text = match (message.encoding, &message.payload) {
        (Encoding::Text, Value::String(text)) => text.clone(),
        (Encoding::Base64, Value::String(b64)) => format!("base64 {b64}"),
        (_, value) => value.to_string(),
    };
    format::truncate(&text, PREVIEW_CHARS).replace(['\n', '\r'], " ")
}

/// Whether the stream is at its limits, and what it does about it: `Some(true)` refusing new
/// messages (discard new), `Some(false)` dropping its oldest.
pub fn at_limit(c: &StreamConfigView, s: &StreamStateView) -> Option<bool> {
    let full = |used: u64, max: i64| max > 0 && used >= max as u64;
    // By bytes, a stream is full when one more message of the usual size would not fit.
    let average = s.bytes.checked_div(s.messages).unwrap_or(0);
    (full(s.messages, c.max_msgs) || full(s.bytes.saturating_add(average), c.max_bytes))
        .then_some(c.discard == "new")
}

fn loaded(frame: &mut Frame, area: Rect, ctx: &Ctx, data: &DetailData, scroll: usize, stale: bool) {
    let stream = &data.detail.stream;
    let now = ctx.app.wall_seconds(ctx.app.now);
    let config = config_pairs(&stream.config, stream.created.as_deref());
    let state = state_pairs(&stream.state, &stream.config, now);
    let banner = match at_limit(&stream.config, &stream.state) {
        Some(true) => Some(Line::from(ctx.span(
            "✖ full, with discard new: the stream is refusing new messages",
            Role::Error,
        ))),
        Some(false) => Some(Line::from(ctx.span(
            "at its limit: rolling, each new message drops the oldest (discard old)",
            Role::Warn,
        ))),
        None => None,
    };
    let area = match banner {
        Some(line) if area.height > 4 => {
            let [top, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
            frame.render_widget(Paragraph::new(line), top);
            rest
        }
        _ => area,
    };
    let pairs = config.len().max(state.len()) as u16;
    let top_height = (pairs + 1).min(area.height / 2).max(area.height.min(3));
    let [top, bottom] =
        Layout::vertical([Constraint::Length(top_height), Constraint::Fill(1)]).areas(area);
    let [config_area, state_area] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)])
        .spacing(2)
        .areas(top);
    frame.render_widget(
        Paragraph::new(pairs_lines(
            ctx,
            "Config",
            &config,
            config_area.width,
            stale,
        )),
        config_area,
    );
    frame.render_widget(
        Paragraph::new(pairs_lines(ctx, "State", &state, state_area.width, stale)),
        state_area,
    );
    // Replication next, when there is any: a replica or a copy falling behind is an incident.
    let replication = replication_lines(ctx, stream, stale, usize::from(bottom.width));
    let bottom = if replication.is_empty() || bottom.height <= replication.len() as u16 + 2 {
        bottom
    } else {
        let [lines, rest] = Layout::vertical([
            Constraint::Length(replication.len() as u16),
            Constraint::Fill(1),
        ])
        .areas(bottom);
        let width = usize::from(lines.width);
        let cut: Vec<Line> = replication
            .into_iter()
            .map(|line| super::fit::cut(line.spans, width))
            .collect();
        frame.render_widget(Paragraph::new(cut), lines);
        rest
    };
    // Consumers first (their lag is what on-call looks for), then the newest messages.
    let shown = &data.detail.consumers;
    let consumer_rows = shown.len().max(1) as u16 + 2;
    let [consumer_area, message_area] = Layout::vertical([
        Constraint::Length(
            consumer_rows
                .min(bottom.height / 2)
                .max(bottom.height.min(2)),
        ),
        Constraint::Fill(1),
    ])
    .areas(bottom);
    consumers(frame, consumer_area, ctx, shown, scroll, stale);
    messages(frame, message_area, ctx, &data.messages, stale);
}

/// Cells of the label before a replication line's figures.
const LABEL: usize = 14;

/// A replica not current and not heard from for this long is silent rather than catching up
/// (the leader hears from a healthy one several times a second).
const SILENT_REPLICA_SECS: f64 = 5.0;

/// A clustered stream's leader and replicas, and the streams it mirrors or sources from, each
/// with how far behind it is: `Replicas  leader n1 · n2 current · n3 ✖ offline, 1.2k behind`.
fn replication_lines(
    ctx: &Ctx,
    stream: &StreamView,
    stale: bool,
    width: usize,
) -> Vec<Line<'static>> {
    let text = ctx.figure(stale, Role::Text);
    let muted = ctx.figure(stale, Role::Muted);
    let warn = ctx.figure(stale, Role::Warn);
    let error = ctx.figure(stale, Role::Error);
    let ok = ctx.figure(stale, Role::Ok);
    let label =
        |name: &str| Span::styled(format!("{name:<LABEL$}"), ctx.figure(stale, Role::Title));
    let mut lines = Vec::new();
    if let Some(cluster) = &stream.cluster {
        // The leader, then one part a replica; parts go whole onto as many lines as they need.
        let mut parts: Vec<Vec<Span<'static>>> = vec![match &cluster.leader {
            Some(leader) => vec![
                Span::styled("leader ", muted),
                Span::styled(leader.clone(), ok),
            ],
            None => vec![Span::styled("✖ no leader (electing)", error)],
        }];
        for replica in &cluster.replicas {
            let mut part = vec![Span::styled(format!("{} ", replica.name), text)];
            let behind = format!("{} behind", format::int(replica.lag));
            let seen = format::seconds(replica.active);
            if replica.offline {
                part.push(Span::styled(format!("✖ offline, {behind}"), error));
            } else if !replica.current && replica.active >= SILENT_REPLICA_SECS {
                // Not current and not heard from: stopped or cut off, not catching up.
                part.push(Span::styled(
                    format!("✖ silent for {seen}, {behind}"),
                    error,
                ));
            } else if !replica.current {
                part.push(Span::styled(format!("⚠ catching up, {behind}"), warn));
            } else {
                part.push(Span::styled("current", ok));
            }
            // A healthy replica is heard from several times a second: only a gap is news.
            if !replica.offline && (1.0..SILENT_REPLICA_SECS).contains(&replica.active) {
                part.push(Span::styled(format!(" (seen {seen} ago)"), muted));
            }
            parts.push(part);
        }
        let mut line = vec![label("Replicas")];
        let mut used = LABEL;
        for part in parts {
            let part_width: usize = part.iter().map(Span::width).sum();
            let first = used == LABEL;
            if !first && used + 3 + part_width > width {
                lines.push(Line::from(std::mem::take(&mut line)));
                line.push(Span::raw(" ".repeat(LABEL)));
                used = LABEL;
            } else if !first {
                line.push(Span::styled(" · ", muted));
                used += 3;
            }
            used += part_width;
            line.extend(part);
        }
        lines.push(Line::from(line));
    }
    let copies = stream
        .mirror
        .iter()
        .map(|m| ("Mirror of", m))
        .chain(stream.sources.iter().map(|s| ("Source", s)));
    for (what, source) in copies {
        lines.push(Line::from(source_spans(ctx, label(what), source, stale)));
    }
    lines
}

fn source_spans(
    ctx: &Ctx,
    label: Span<'static>,
    source: &SourceView,
    stale: bool,
) -> Vec<Span<'static>> {
    let muted = ctx.figure(stale, Role::Muted);
    let lag_role = if source.error.is_some() {
        Role::Error
    } else {
        ctx.lag_role(source.lag)
    };
    let mut spans = vec![
        label,
        Span::styled(source.name.clone(), ctx.figure(stale, Role::Text)),
    ];
    if let Some(api) = &source.external {
        spans.push(Span::styled(format!(" (via {api})"), muted));
    }
    spans.push(Span::styled("  ", muted));
    spans.push(Span::styled(
        format!("{} behind", format::int(source.lag)),
        ctx.figure(stale, lag_role),
    ));
    let active = source.active.map_or_else(
        || "nothing received yet".to_owned(),
        |secs| format!("last received {} ago", format::seconds(secs)),
    );
    spans.push(Span::styled(format!(" · {active}"), muted));
    if let Some(error) = &source.error {
        spans.push(Span::styled(
            format!("  ✖ {error}"),
            ctx.figure(stale, Role::Error),
        ));
    }
    spans
}

fn messages(frame: &mut Frame, area: Rect, ctx: &Ctx, rows: &[StoredMessageView], stale: bool) {
    if area.height == 0 {
        return;
    }
    let [title, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let mut spans = vec![
        ctx.span("Recent messages", Role::Title),
        ctx.span(format!(" ({}, not consumed)", rows.len()), Role::Muted),
    ];
    for (command, label) in [(Command::Messages, "browse"), (Command::Tail, "tail")] {
        if let Some(key) = ctx.keymap.hint(Mode::Detail, command) {
            spans.push(ctx.span("  ", Role::Muted));
            spans.push(ctx.span(key, Role::Key));
            spans.push(ctx.span(format!(" {label}"), Role::Muted));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);
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
    let widths = [
        Constraint::Length(8),
        Constraint::Fill(1),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Fill(3),
    ];
    let cells = column_widths(rest.width, &widths);
    let text = ctx.figure(stale, Role::Text);
    let muted = ctx.figure(stale, Role::Muted);
    // Newest first, as a log reads.
    let table_rows = rows.iter().rev().map(|m| {
        let time = m.time.as_deref().and_then(format::clock).unwrap_or("-");
        Row::new(vec![
            Cell::from(Line::from(Span::styled(m.seq.to_string(), text)).right_aligned()),
            Cell::from(Span::styled(
                format::fit(&m.subject, cells[1]),
                ctx.figure(stale, Role::Accent),
            )),
            Cell::from(Span::styled(format!("{time}Z"), muted)),
            Cell::from(
                Line::from(Span::styled(format::bytes(m.size as u64), muted)).right_aligned(),
            ),
            Cell::from(Span::styled(format::fit(&preview(m), cells[4]), text)),
        ])
    });
    frame.render_widget(
        Table::new(table_rows, widths)
            .header(header)
            .column_spacing(1),
        rest,
    );
}

fn pairs_lines(
    ctx: &Ctx,
    title: &'static str,
    pairs: &[(&str, String)],
    width: u16,
    stale: bool,
) -> Vec<Line<'static>> {
    let key_width = pairs
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let room = (width as usize).saturating_sub(key_width + 2);
    let mut lines = vec![Line::from(ctx.span(title, Role::Title))];
    lines.extend(pairs.iter().map(|(key, value)| {
        Line::from(vec![
            ctx.span(format!("{key:<key_width$}  "), Role::Muted),
            Span::styled(format::truncate(value, room), ctx.figure(stale, Role::Text)),
        ])
    }));
    lines
}

fn consumers(
    frame: &mut Frame,
    area: Rect,
    ctx: &Ctx,
    rows: &[ConsumerView],
    scroll: usize,
    stale: bool,
) {
    if area.height == 0 {
        return;
    }
    let [title, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let warn = ctx.app.session.lag.warn;
    let lagging = rows.iter().filter(|c| c.num_pending >= warn).count();
    let mut spans = vec![
        ctx.span("Consumers", Role::Title),
        ctx.span(format!(" ({})", rows.len()), Role::Muted),
    ];
    if let Some(max) = rows.iter().map(|c| c.num_pending).max().filter(|m| *m > 0) {
        spans.push(ctx.span(format!("  max lag {}", format::int(max)), ctx.lag_role(max)));
        if lagging > 0 {
            spans.push(ctx.span(
                format!(", {lagging} past {}", format::int(warn)),
                Role::Warn,
            ));
        }
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
        right("Pending"),
        right("Ack pend"),
        right("Redeliv"),
        right("Waiting"),
    ]);
    let widths = [
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    let cells = column_widths(rest.width, &widths);
    let number = |n: u64, role| {
        Cell::from(
            Line::from(Span::styled(format::int(n), ctx.figure(stale, role))).right_aligned(),
        )
    };
    let table_rows = rows.iter().map(|c| {
        let redelivered = if c.num_redelivered > 0 {
            Role::Warn
        } else {
            Role::Text
        };
        let filter = c.filter_subject.clone().unwrap_or_else(|| "-".into());
        Row::new(vec![
            Cell::from(Span::styled(
                format::fit(&c.name, cells[0]),
                ctx.figure(stale, Role::Text),
            )),
            Cell::from(Span::styled(
                format::fit(&filter, cells[1]),
                ctx.figure(stale, Role::Muted),
            )),
            number(c.num_pending, ctx.lag_role(c.num_pending)),
            number(c.num_ack_pending, Role::Text),
            number(c.num_redelivered, redelivered),
            number(c.num_waiting, Role::Text),
        ])
    });
    let table = Table::new(table_rows, widths)
        .header(header)
        .column_spacing(1);
    // The scroll position is unbounded in the state; here it stops at the last row.
    let mut state = TableState::default().with_offset(scroll.min(rows.len() - 1));
    frame.render_stateful_widget(table, rest, &mut state);
}
