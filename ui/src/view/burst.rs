//! A burst under way: a progress bar, sent / acknowledged / failed, the achieved rate and the
//! acknowledgement latency (p50, p99), and the last error. Esc cancels it; once finished, closes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Gauge, Paragraph};

use super::{Ctx, format, layout::centered};
use crate::command::{Command, Mode};
use crate::state::BurstView;
use crate::theme::Role;

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, burst: &BurstView) {
    let p = &burst.progress;
    let width = 64.min(area.width.saturating_sub(2)).max(30);
    let box_area = centered(area, width, 9);
    let target = burst.rate.map_or_else(
        || "as fast as acks allow".to_owned(),
        |r| format!("at {}", format::msgs_rate(r)),
    );
    let title = Line::from(vec![
        ctx.span(" Burst ", Role::Title),
        ctx.span(
            format!("{} × {} {target} ", format::int(burst.count), burst.subject),
            Role::Muted,
        ),
    ]);
    let block = ctx.block(title, true);
    let inner = block.inner(box_area);
    frame.render_widget(Clear, box_area);
    frame.render_widget(block, box_area);
    let [bar, counts, speed, error, _, keys] =
        Layout::vertical([Constraint::Length(1); 6]).areas(inner);
    let ratio = if burst.count > 0 {
        (p.acked + p.errors) as f64 / burst.count as f64
    } else {
        0.0
    };
    let gauge_role = if p.errors > 0 {
        Role::GaugeFull
    } else {
        Role::Gauge
    };
    frame.render_widget(
        Gauge::default()
            .gauge_style(ctx.style(gauge_role))
            .ratio(ratio.clamp(0.0, 1.0))
            .label(format!(
                "{} of {}",
                format::int(p.acked + p.errors),
                format::int(burst.count)
            )),
        bar,
    );
    let error_role = if p.errors > 0 {
        Role::Error
    } else {
        Role::Text
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            ctx.span("sent ", Role::Muted),
            ctx.span(format::int(p.sent), Role::Text),
            ctx.span("  acked ", Role::Muted),
            ctx.span(format::int(p.acked), Role::Ok),
            ctx.span("  errors ", Role::Muted),
            ctx.span(format::int(p.errors), error_role),
            ctx.span(format!("  in {}", format::seconds(p.elapsed)), Role::Muted),
        ])),
        counts,
    );
    let rate = (p.elapsed > 0.0).then(|| p.acked as f64 / p.elapsed);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            ctx.span("achieved ", Role::Muted),
            ctx.span(format::opt(rate, format::msgs_rate), Role::Text),
            ctx.span("  ack p50 ", Role::Muted),
            ctx.span(format::opt(p.ack_p50_ms, format::millis), Role::Text),
            ctx.span("  p99 ", Role::Muted),
            ctx.span(format::opt(p.ack_p99_ms, format::millis), Role::Text),
        ])),
        speed,
    );
    if let Some(last) = &p.last_error {
        let text = format::fit(&format!("last error: {last}"), error.width);
        frame.render_widget(Paragraph::new(ctx.span(text, Role::Error)), error);
    }
    let (state, role) = match (p.finished, p.cancelled, burst.cancelling) {
        (true, true, _) => ("cancelled", Role::Warn),
        (true, false, _) if p.errors > 0 => ("finished with errors", Role::Error),
        (true, false, _) => ("done", Role::Ok),
        (false, _, true) => ("cancelling…", Role::Warn),
        (false, _, false) => ("publishing…", Role::Accent),
    };
    let mut spans = vec![ctx.span(state, role)];
    let label = if p.finished { " close" } else { " cancel" };
    if let Some(key) = ctx.keymap.hint(Mode::Burst, Command::Cancel) {
        spans.push(Span::raw("   "));
        spans.push(ctx.span(key, Role::Key));
        spans.push(ctx.span(label, Role::Muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), keys);
}
