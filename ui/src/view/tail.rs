//! A live tail (`T`, `:tail SUBJECT`): the newest messages on a subject or wildcard as they
//! arrive, with the rate, how many were received and skipped, and whether it is paused. A core
//! subscription: no consumer is created and nothing is acknowledged.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, format};
use crate::state::TailView;
use crate::theme::Role;

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, tail: &TailView) {
    let mut title = vec![
        Span::raw(" "),
        ctx.span("Tail ", Role::Title),
        ctx.span(tail.subject.clone(), Role::Accent),
        ctx.span(
            format!(
                " · {} · {} received",
                format::opt(tail.rate.current(), format::msgs_rate),
                format::int(tail.received)
            ),
            Role::Muted,
        ),
    ];
    if tail.skipped > 0 {
        title.push(ctx.span(
            format!(" · {} skipped", format::int(tail.skipped)),
            Role::Warn,
        ));
    }
    if tail.paused {
        title.push(ctx.span(format!(" · PAUSED, {} held", tail.held()), Role::Warn));
    }
    title.push(Span::raw(" "));
    let block = ctx.block(Line::from(title), true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if let Some(error) = &tail.error {
        lines.push(Line::from(ctx.span(format!("⚠ {error}"), Role::Error)));
    }
    if tail.messages.is_empty() {
        lines.push(Line::from(ctx.span(
            format!(
                "waiting for messages on '{}'… (nothing is consumed)",
                tail.subject
            ),
            Role::Muted,
        )));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let room = (inner.height as usize).saturating_sub(lines.len());
    let total = tail.messages.len();
    // Newest at the bottom; scrolled back by `scroll` lines.
    let end = total.saturating_sub(tail.scroll.min(total.saturating_sub(1)));
    let start = end.saturating_sub(room);
    let width = inner.width as usize;
    for message in tail.messages.iter().skip(start).take(end - start) {
        let spans = vec![
            ctx.span(format!("{} ", message.time), Role::Muted),
            ctx.span(format!("{} ", message.subject), Role::Accent),
            ctx.span(
                format!("{:>8} ", format::bytes(message.size as u64)),
                Role::Muted,
            ),
            ctx.span(message.preview.replace(['\n', '\r'], " "), Role::Text),
        ];
        lines.push(super::fit::cut(spans, width));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
