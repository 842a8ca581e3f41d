//! The header: where the console points, whether it is connected and since when, which server
//! answers, the supervisor, the API address, the refresh interval and the paused flag. The full
//! layout adds a line of JetStream totals.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, format};
use crate::model::LinkState;
use crate::theme::Role;

const SEP: &str = "  ";

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    if area.height == 0 {
        return;
    }
    // The refresh interval and the flags sit at the right of the first line, so a narrow
    // terminal cuts the connection details rather than them.
    let flags = flags_line(ctx);
    let width = (flags.width() as u16).min(area.width);
    let first = Rect { height: 1, ..area };
    let left = Rect {
        width: first.width - width,
        ..first
    };
    let right = Rect {
        x: left.x + left.width,
        width,
        ..first
    };
    frame.render_widget(Paragraph::new(connection_line(ctx, area.width)), left);
    frame.render_widget(Paragraph::new(flags), right);
    let mut lines = vec![server_line(ctx, area.width)];
    if area.height >= 3 {
        lines.push(jetstream_line(ctx));
    }
    let rest = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    frame.render_widget(Paragraph::new(lines), rest);
}

fn flags_line(ctx: &Ctx) -> Line<'static> {
    let app = ctx.app;
    let mut spans = Vec::new();
    let refresh = app.session.refresh;
    if refresh > Duration::ZERO {
        spans.push(ctx.span(
            format!("{SEP}every {}", format::duration(refresh)),
            Role::Muted,
        ));
    }
    if app.paused {
        spans.push(Span::raw(SEP));
        spans.push(ctx.span("(paused)", Role::Warn));
    }
    if app.session.read_only {
        spans.push(Span::raw(SEP));
        spans.push(ctx.span("read-only", Role::Warn));
    }
    Line::from(spans)
}

fn connection_line(ctx: &Ctx, width: u16) -> Line<'static> {
    let app = ctx.app;
    let session = &app.session;
    let mut spans = Vec::new();
    if width >= 120 {
        spans.push(ctx.span("message-broker", Role::Header));
        spans.push(Span::raw(SEP));
    }
    spans.extend([
        ctx.span(session.context.clone(), Role::Header),
        Span::raw(" "),
        ctx.span(session.url.clone(), Role::Text),
        Span::raw(SEP),
    ]);
    match &app.connection {
        None => spans.push(ctx.span("connecting…", Role::Muted)),
        Some(conn) => {
            let role = match conn.state {
                LinkState::Connected => Role::Ok,
                LinkState::Connecting | LinkState::Reconnecting => Role::Warn,
                LinkState::Stalled | LinkState::Disconnected => Role::Error,
            };
            spans.push(ctx.span(format!("● {}", conn.state), role));
            let mut since = format!(" {}", format::seconds(conn.seconds_in_state));
            if let Some(clock) = format::clock(&conn.since) {
                since.push_str(&format!(" (since {clock})"));
            }
            spans.push(ctx.span(since, Role::Muted));
            if let Some(rtt) = conn.rtt_ms.filter(|_| width >= 100) {
                spans.push(ctx.span(format!(" rtt {}", format::millis(rtt)), Role::Muted));
            }
        }
    }
    Line::from(spans)
}

fn server_line(ctx: &Ctx, width: u16) -> Line<'static> {
    let app = ctx.app;
    let mut spans = Vec::new();
    let stale = app.server.stale();
    let conn = app.connection.as_ref();
    let (name, version) = match &app.server.value {
        Some(server) => (Some(server.name.clone()), Some(server.version.clone())),
        None => (
            conn.and_then(|c| c.server_name.clone()),
            conn.and_then(|c| c.server_version.clone()),
        ),
    };
    spans.push(ctx.span("server ", Role::Muted));
    match name.filter(|n| !n.is_empty()) {
        Some(name) => spans.push(Span::styled(name, ctx.figure(stale, Role::Text))),
        None => spans.push(ctx.span("-", Role::Muted)),
    }
    if let Some(version) = version.filter(|v| !v.is_empty()) {
        spans.push(Span::styled(
            format!(" v{version}"),
            ctx.figure(stale, Role::Text),
        ));
    }
    if let Some(cluster) = app.server.value.as_ref().and_then(|s| s.cluster.clone()) {
        spans.push(ctx.span(format!("{SEP}cluster "), Role::Muted));
        spans.push(Span::styled(cluster, ctx.figure(stale, Role::Text)));
    }
    // The panes the server feeds give the reason; a narrow header only says the figures are old.
    if width >= 120 {
        if let Some(note) = ctx.source_note(&app.server) {
            spans.push(Span::raw(SEP));
            spans.extend(note.spans);
        }
    } else if app.server.stale() {
        let age = app
            .server
            .age(app.now)
            .map_or_else(String::new, |a| format!(" {}", format::ago(a)));
        spans.push(ctx.span(format!(" ⚠ stale{age}"), Role::Error));
    }
    if let Some(sup) = &app.supervisor {
        let role = match sup.state.as_str() {
            "running" => Role::Ok,
            "starting" | "restarting" => Role::Warn,
            _ => Role::Error,
        };
        spans.push(ctx.span(format!("{SEP}supervisor "), Role::Muted));
        spans.push(ctx.span(sup.state.clone(), role));
        if width >= 100 {
            let mut extra = format!(" ({} node{}", sup.nodes, plural(sup.nodes as u64));
            if sup.restarts > 0 {
                let restarts = plural(sup.restarts);
                extra.push_str(&format!(", {} restart{restarts}", sup.restarts));
            }
            extra.push(')');
            spans.push(ctx.span(extra, Role::Muted));
        } else if sup.restarts > 0 {
            spans.push(ctx.span(format!(" ↻{}", sup.restarts), Role::Muted));
        }
        if let Some(exit) = &sup.last_exit {
            spans.push(ctx.span(format!(" last exit: {exit}"), Role::Warn));
        }
    }
    if let Some(api) = &app.session.api_addr {
        spans.push(ctx.span(format!("{SEP}api "), Role::Muted));
        spans.push(ctx.span(api.clone(), Role::Accent));
    }
    Line::from(spans)
}

fn jetstream_line(ctx: &Ctx) -> Line<'static> {
    let source = &ctx.app.jetstream;
    let mut spans = vec![ctx.span("JetStream ", Role::Muted)];
    match &source.value {
        None if !source.stale() => spans.push(ctx.span("waiting for data…", Role::Muted)),
        None => {}
        Some(js) => {
            let style = ctx.figure(source.stale(), Role::Text);
            let limit = |max: i64| {
                if max > 0 {
                    format!(" / {}", format::bytes(max as u64))
                } else {
                    String::new()
                }
            };
            // The account view over NATS has no message total: say nothing rather than 0.
            let messages = js
                .messages
                .map_or_else(String::new, |m| format!(" · {} msgs", format::int(m)));
            let mut text = format!(
                "{} streams · {} consumers{messages} · file {}{} · memory {}{}",
                js.streams,
                js.consumers,
                format::bytes(js.storage),
                limit(js.max_storage),
                format::bytes(js.memory),
                limit(js.max_memory),
            );
            text.push_str(&format!(
                " · api {} req, {} err",
                format::int(js.api_total),
                format::int(js.api_errors)
            ));
            spans.push(Span::styled(text, style));
            if let Some(leader) = &js.meta_leader {
                spans.push(ctx.span(" · meta leader ", Role::Muted));
                spans.push(Span::styled(
                    leader.clone(),
                    ctx.figure(source.stale(), Role::Accent),
                ));
            }
        }
    }
    if let Some(note) = ctx.source_note(source) {
        spans.push(Span::raw(SEP));
        spans.extend(note.spans);
    }
    Line::from(spans)
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
