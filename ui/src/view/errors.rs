//! Errors: rates of client reconnects, JetStream API errors, slow consumers and API errors (with
//! the API's errors by code), then the recent events, newest first: scrolled with the keys when
//! the pane has the focus, filtered with `/`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, format};
use crate::command::Pane;
use crate::model::{EventLevel, EventRecord};
use crate::state::Sourced;
use crate::state::history::Series;
use crate::theme::Role;

const LABEL_WIDTH: usize = 16;
/// API error codes listed one per line; the rest are summed.
const CODES_SHOWN: usize = 3;

struct Rate<'a> {
    label: &'static str,
    short: &'static str,
    series: &'a Series,
    total: Option<u64>,
    stale: bool,
}

fn rates<'a>(ctx: &Ctx<'a>) -> Vec<Rate<'a>> {
    let app = ctx.app;
    let e = &app.errors;
    let mut rates = vec![
        Rate {
            label: "reconnects",
            short: "reconnects",
            series: &e.reconnects,
            total: app.connection.as_ref().map(|c| c.reconnects),
            stale: false,
        },
        Rate {
            label: "JetStream API",
            short: "js api",
            series: &e.jetstream_api_errors,
            total: app.jetstream.value.as_ref().map(|j| j.api_errors),
            stale: app.jetstream.stale(),
        },
        Rate {
            label: "slow consumers",
            short: "slow",
            series: &e.slow_consumers,
            total: app.server.value.as_ref().map(|s| s.slow_consumers),
            stale: app.server.stale(),
        },
    ];
    let api_known = app.session.api_addr.is_some() || app.api.value.is_some() || app.api.stale();
    if api_known {
        rates.push(Rate {
            label: "API errors",
            short: "api",
            series: &e.api_errors,
            total: app.api.value.as_ref().map(|a| a.errors),
            stale: app.api.stale(),
        });
    }
    rates
}

fn rate_role(series: &Series) -> Role {
    if series.current().is_some_and(|v| v > 0.0) {
        Role::Warn
    } else {
        Role::Text
    }
}

fn note<T>(ctx: &Ctx, what: &'static str, source: &Sourced<T>) -> Option<Line<'static>> {
    let note = ctx.source_note(source)?;
    let mut spans = vec![ctx.span(format!("{what}: "), Role::Muted)];
    spans.extend(note.spans);
    Some(Line::from(spans))
}

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) {
    let app = ctx.app;
    let block = ctx.pane_block(Pane::Errors, Vec::new(), focused, area);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    for rate in rates(ctx) {
        let value = match rate.series.current() {
            Some(v) => format::per_second(v),
            None if rate.total.is_some() => "-".to_owned(),
            None => "waiting…".to_owned(),
        };
        let mut spans = vec![
            ctx.span(format!("{:<LABEL_WIDTH$}", rate.label), Role::Muted),
            Span::styled(
                format!("{value:>8}"),
                ctx.figure(rate.stale, rate_role(rate.series)),
            ),
        ];
        if let Some(total) = rate.total {
            spans.push(ctx.span("  total ", Role::Muted));
            spans.push(Span::styled(
                format::int(total),
                ctx.figure(rate.stale, Role::Text),
            ));
        }
        lines.push(Line::from(spans));
    }
    if let Some(api) = &app.api.value
        && !api.errors_by_code.is_empty()
    {
        // Most frequent first; the rest are summed up on the last line.
        let mut codes: Vec<(&String, &u64)> = api.errors_by_code.iter().collect();
        codes.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let style = ctx.figure(app.api.stale(), Role::Error);
        for (i, (code, count)) in codes.iter().take(CODES_SHOWN).enumerate() {
            let label = if i == 0 { "  by code" } else { "" };
            lines.push(Line::from(vec![
                ctx.span(format!("{label:<LABEL_WIDTH$}"), Role::Muted),
                Span::styled(format!("{:>8}", format!("×{count}")), style),
                Span::styled(format!("  {code}"), style),
            ]));
        }
        if codes.len() > CODES_SHOWN {
            let more: u64 = codes[CODES_SHOWN..].iter().map(|(_, n)| **n).sum();
            let text = format!(
                "{:LABEL_WIDTH$}{:>8}  {} more codes",
                "",
                format!("×{more}"),
                codes.len() - CODES_SHOWN
            );
            lines.push(Line::from(ctx.span(text, Role::Muted)));
        }
    }
    lines.extend(
        [
            note(ctx, "/varz", &app.server),
            note(ctx, "jetstream", &app.jetstream),
            note(ctx, "api", &app.api),
        ]
        .into_iter()
        .flatten(),
    );
    let events = app.event_lines();
    let first = app.event_table.selected.min(events.len().saturating_sub(1));
    let mut title = vec![
        ctx.span("recent events", Role::Title),
        ctx.span(format!(" ({})", events.len()), Role::Muted),
    ];
    if !app.event_table.filter.is_empty() {
        title.push(ctx.span(format!("  /{}", app.event_table.filter), Role::Accent));
    }
    if first > 0 {
        title.push(ctx.span(format!("  ↑ {first} newer"), Role::Accent));
    }
    lines.push(Line::from(title));
    if events.is_empty() {
        let none = if app.event_table.filter.is_empty() {
            "none yet"
        } else {
            "none match the filter"
        };
        lines.push(Line::from(ctx.span(none, Role::Muted)));
    }
    let room = (inner.height as usize).saturating_sub(lines.len());
    lines.extend(
        events
            .iter()
            .skip(first)
            .take(room)
            .map(|e| event_line(ctx, e)),
    );
    // Every line ends with an ellipsis where the pane cuts it.
    let width = inner.width as usize;
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|line| super::fit::cut(line.spans, width))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn event_line(ctx: &Ctx, event: &EventRecord) -> Line<'static> {
    let (tag, role) = match event.level {
        EventLevel::Info => ("info ", Role::Text),
        EventLevel::Warn => ("warn ", Role::Warn),
        EventLevel::Error => ("error", Role::Error),
    };
    Line::from(vec![
        ctx.span(format!("{} ", event.time), Role::Muted),
        ctx.span(format!("{tag} "), role),
        ctx.span(event.text.clone(), role),
    ])
}

/// For the compact layout's summary line: the error rates that are not zero (or "none"), then
/// the latest event: `errors js api 3/s api 4/s · slow consumer ingest`.
pub fn summary(ctx: &Ctx) -> Vec<Span<'static>> {
    let mut spans = vec![ctx.span("errors", Role::Title)];
    let mut any = false;
    for rate in rates(ctx) {
        let Some(value) = rate.series.current().filter(|v| *v > 0.0) else {
            continue;
        };
        any = true;
        spans.push(ctx.span(format!(" {} ", rate.short), Role::Muted));
        spans.push(Span::styled(
            format::per_second(value),
            ctx.figure(rate.stale, Role::Warn),
        ));
    }
    if !any {
        spans.push(ctx.span(" none", Role::Muted));
    }
    if let Some(last) = ctx.app.events.last() {
        let role = match last.level {
            EventLevel::Info => Role::Muted,
            EventLevel::Warn => Role::Warn,
            EventLevel::Error => Role::Error,
        };
        spans.push(ctx.span(" · ", Role::Muted));
        spans.push(ctx.span(last.text.clone(), role));
    }
    spans
}
