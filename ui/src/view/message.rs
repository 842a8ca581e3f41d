//! One stored message (`m` in a stream, `:msg N`): its sequence, subject, time and size, its
//! headers, and the whole payload — JSON pretty-printed, text as it is, anything else as a hex
//! dump. Read without a consumer, so nothing is consumed; stepped through by sequence.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use message_broker_model::stream::{Encoding, StoredMessageView};
use serde_json::Value;

use super::{Ctx, format};
use crate::model::MessageAt;
use crate::state::MessageView;
use crate::theme::Role;

/// What was asked, for the line shown while it is read.
fn asked(at: MessageAt) -> String {
    match at {
        MessageAt::First => "the first message".to_owned(),
        MessageAt::Last => "the last message".to_owned(),
        MessageAt::Seq(seq) => format!("message {seq}"),
        MessageAt::After(seq) => format!("the message after {seq}"),
        MessageAt::Before(seq) => format!("the message before {seq}"),
    }
}

/// The payload's lines: pretty JSON, text, or a hex dump of binary.
pub fn payload_lines(message: &StoredMessageView) -> Vec<String> {
    match (message.encoding, &message.payload) {
        (Encoding::Json, value) => serde_json::to_string_pretty(value)
            .unwrap_or_else(|_| value.to_string())
            .lines()
            .map(str::to_owned)
            .collect(),
        (Encoding::Text, Value::String(text)) => text.lines().map(str::to_owned).collect(),
        (Encoding::Base64, Value::String(b64)) => match format::base64_decode(b64) {
            Some(bytes) => format::hex_dump(&bytes),
            None => vec![format!("base64 {b64}")],
        },
        (_, value) => vec![value.to_string()],
    }
}

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, view: &MessageView) {
    let mut title = vec![Span::raw(" "), ctx.span("Message", Role::Title)];
    if let Some(m) = &view.message {
        title.push(ctx.span(format!(" {}", m.seq), Role::Accent));
    }
    title.push(ctx.span(" of ", Role::Muted));
    title.push(ctx.span(view.stream.clone(), Role::Accent));
    title.push(ctx.span(" (not consumed) ", Role::Muted));
    let block = ctx.block(Line::from(title), true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    if view.pending.is_some() {
        lines.push(Line::from(
            ctx.span(format!("reading {}…", asked(view.asked)), Role::Muted),
        ));
    }
    if let Some(error) = &view.error {
        lines.push(Line::from(ctx.span(format!("⚠ {error}"), Role::Warn)));
    }
    let Some(m) = &view.message else {
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    };
    let now = ctx.app.wall_seconds(ctx.app.now);
    let time = m.time.as_deref().map_or_else(
        || "-".to_owned(),
        |t| {
            format!(
                "{} ({})",
                format::datetime(t).unwrap_or_else(|| t.to_owned()),
                format::since(t, now)
            )
        },
    );
    let encoding = match m.encoding {
        Encoding::Json => "JSON",
        Encoding::Text => "text",
        Encoding::Base64 => "binary (hex below)",
    };
    for (key, value, role) in [
        ("subject", m.subject.clone(), Role::Accent),
        ("time", time, Role::Text),
        (
            "size",
            format!(
                "{} ({} bytes), {encoding}",
                format::bytes(m.size as u64),
                m.size
            ),
            Role::Text,
        ),
    ] {
        lines.push(Line::from(vec![
            ctx.span(format!("{key:<9}"), Role::Muted),
            ctx.span(value, role),
        ]));
    }
    if m.headers.is_empty() {
        lines.push(Line::from(
            ctx.span(format!("{:<9}none", "headers"), Role::Muted),
        ));
    } else {
        lines.push(Line::from(ctx.span("headers", Role::Muted)));
        for (name, values) in &m.headers {
            for value in values {
                lines.push(Line::from(vec![
                    ctx.span(format!("  {name}: "), Role::Key),
                    ctx.span(value.clone(), Role::Text),
                ]));
            }
        }
    }
    lines.push(Line::from(ctx.span("payload", Role::Title)));
    let body = payload_lines(m);
    let room = (inner.height as usize).saturating_sub(lines.len());
    let first = view.scroll.min(body.len().saturating_sub(room.max(1)));
    let width = inner.width as usize;
    lines.extend(
        body.iter()
            .skip(first)
            .take(room)
            .map(|l| super::fit::cut(vec![ctx.span(l.clone(), Role::Text)], width)),
    );
    if first + room < body.len()
        && let Some(last) = lines.last_mut()
    {
        *last = Line::from(ctx.span(
            format!("↓ {} more lines", body.len() - first - room + 1),
            Role::Accent,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
