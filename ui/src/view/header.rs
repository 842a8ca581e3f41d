//! The header: where the console points, whether it is connected and since when, which server
//! answers, the supervisor, the API address, the refresh interval and the paused flag. The full
//! layout adds a line of JetStream totals.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fit::{Part, fit};
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
    frame.render_widget(Paragraph::new(connection_line(ctx, left.width)), left);
    frame.render_widget(Paragraph::new(flags), right);
    let mut lines = vec![server_line(ctx, area.width)];
    if area.height >= 3 {
        lines.push(jetstream_line(ctx, area.width));
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
    let mut parts = vec![
        Part::new(4, vec![ctx.span("message-broker", Role::Header)]),
        Part::new(3, vec![ctx.span(session.context.clone(), Role::Header)]),
        Part::new(2, vec![ctx.span(session.url.clone(), Role::Text)]),
    ];
    match &app.connection {
        None => parts.push(Part::new(0, vec![ctx.span("connecting…", Role::Muted)])),
        Some(conn) => {
            let role = match conn.state {
                LinkState::Connected => Role::Ok,
                LinkState::Connecting | LinkState::Reconnecting => Role::Warn,
                LinkState::Stalled | LinkState::Disconnected => Role::Error,
            };
            // The state word stands alone and says how long: `● connected for 12m`.
            parts.push(Part::new(
                0,
                vec![
                    ctx.span(format!("● {}", conn.state), role),
                    ctx.span(
                        format!(" for {}", format::seconds(conn.seconds_in_state)),
                        Role::Muted,
                    ),
                ],
            ));
            let why = match conn.state {
                LinkState::Stalled => Some("server not answering".to_owned()),
                LinkState::Reconnecting | LinkState::Disconnected => conn.last_error.clone(),
                _ => None,
            };
            if let Some(why) = why {
                parts.push(Part::new(1, vec![ctx.span(why, role)]));
            }
            if let Some(clock) = format::clock(&conn.since) {
                parts.push(Part::new(
                    3,
                    vec![ctx.span(format!("since {clock}Z"), Role::Muted)],
                ));
            }
            if let Some(rtt) = conn.rtt_ms.filter(|_| conn.connected()) {
                parts.push(Part::new(
                    2,
                    vec![ctx.span(format!("rtt {}", format::millis(rtt)), Role::Muted)],
                ));
            }
        }
    }
    fit(parts, &Span::raw(SEP), usize::from(width))
}

fn server_line(ctx: &Ctx, width: u16) -> Line<'static> {
    let app = ctx.app;
    let stale = app.server.stale();
    let conn = app.connection.as_ref();
    let (name, version) = match &app.server.value {
        Some(server) => (Some(server.name.clone()), Some(server.version.clone())),
        None => (
            conn.and_then(|c| c.server_name.clone()),
            conn.and_then(|c| c.server_version.clone()),
        ),
    };
    let mut server = vec![ctx.span("server ", Role::Muted)];
    match name.filter(|n| !n.is_empty()) {
        Some(name) => server.push(Span::styled(name, ctx.figure(stale, Role::Text))),
        None => server.push(ctx.span("-", Role::Muted)),
    }
    if let Some(version) = version.filter(|v| !v.is_empty()) {
        server.push(Span::styled(
            format!(" v{version}"),
            ctx.figure(stale, Role::Text),
        ));
    }
    let mut parts = vec![Part::new(0, server)];
    if let Some(cluster) = app.server.value.as_ref().and_then(|s| s.cluster.clone()) {
        parts.push(Part::new(
            3,
            vec![
                ctx.span("cluster ", Role::Muted),
                Span::styled(cluster, ctx.figure(stale, Role::Text)),
            ],
        ));
    }
    // The panes the server feeds give the reason; here, that the figures are old and how old.
    if stale {
        let age = app
            .server
            .age(app.now)
            .map_or_else(String::new, |a| format!(" as of {}", format::ago(a)));
        parts.push(Part::new(
            1,
            vec![ctx.span(format!("⚠ /varz stale{age}"), Role::Error)],
        ));
    }
    if let Some(sup) = &app.supervisor {
        let role = match sup.state.as_str() {
            "running" => Role::Ok,
            "starting" | "restarting" => Role::Warn,
            _ => Role::Error,
        };
        let mut spans = vec![
            ctx.span("supervisor ", Role::Muted),
            ctx.span(sup.state.clone(), role),
        ];
        let mut extra = format!(" ({} node{}", sup.nodes, plural(sup.nodes as u64));
        if sup.restarts > 0 {
            extra.push_str(&format!(
                ", {} restart{}",
                sup.restarts,
                plural(sup.restarts)
            ));
        }
        extra.push(')');
        spans.push(ctx.span(extra, Role::Muted));
        parts.push(Part::new(1, spans));
        if let Some(exit) = &sup.last_exit {
            parts.push(Part::new(
                2,
                vec![ctx.span(format!("last exit: {exit}"), Role::Warn)],
            ));
        }
    }
    if let Some(api) = &app.session.api_addr {
        parts.push(Part::new(
            2,
            vec![
                ctx.span("api ", Role::Muted),
                ctx.span(api.clone(), Role::Accent),
            ],
        ));
    }
    fit(parts, &Span::raw(SEP), usize::from(width))
}

fn jetstream_line(ctx: &Ctx, width: u16) -> Line<'static> {
    let source = &ctx.app.jetstream;
    let label = || match &ctx.app.session.jetstream_domain {
        Some(domain) => ctx.span(format!("JetStream (domain {domain}) "), Role::Muted),
        None => ctx.span("JetStream ", Role::Muted),
    };
    let mut parts = Vec::new();
    match &source.value {
        None if !source.stale() => {
            parts.push(Part::new(
                0,
                vec![label(), ctx.span("waiting for data…", Role::Muted)],
            ));
        }
        None => parts.push(Part::new(0, vec![label()])),
        Some(js) => {
            let style = ctx.figure(source.stale(), Role::Text);
            let text = |t: String| Span::styled(t, style);
            let limit = |max: i64| {
                if max > 0 {
                    format!(" of {}", format::bytes(max as u64))
                } else {
                    String::new()
                }
            };
            parts.push(Part::new(
                0,
                vec![label(), text(format::counted(js.streams, "stream"))],
            ));
            parts.push(Part::new(
                1,
                vec![text(format::counted(js.consumers, "consumer"))],
            ));
            // The account view over NATS has no message total: say nothing rather than 0.
            if let Some(messages) = js.messages {
                parts.push(Part::new(2, vec![text(format::counted(messages, "msg"))]));
            }
            parts.push(Part::new(
                2,
                vec![text(format!(
                    "file {}{}",
                    format::bytes(js.storage),
                    limit(js.max_storage)
                ))],
            ));
            parts.push(Part::new(
                4,
                vec![text(format!(
                    "memory {}{}",
                    format::bytes(js.memory),
                    limit(js.max_memory)
                ))],
            ));
            let errors = if js.api_errors > 0 {
                Role::Warn
            } else {
                Role::Muted
            };
            parts.push(Part::new(
                3,
                vec![
                    text(format!(
                        "API {}, ",
                        format::counted(js.api_total, "request")
                    )),
                    ctx.span(format::counted(js.api_errors, "error"), errors),
                ],
            ));
            if let Some(leader) = &js.meta_leader {
                parts.push(Part::new(
                    2,
                    vec![
                        ctx.span("meta leader ", Role::Muted),
                        Span::styled(leader.clone(), ctx.figure(source.stale(), Role::Accent)),
                    ],
                ));
            }
        }
    }
    if let Some(note) = ctx.source_note(source) {
        parts.push(Part::new(1, note.spans));
    }
    fit(parts, &Span::raw(" · "), usize::from(width))
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}
