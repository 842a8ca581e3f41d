//! Connections: current and total, slow consumers, and the top clients by msgs/s or pending
//! bytes (name, ip, lang, subscriptions, rtt).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::{Ctx, arrow, format};
use crate::command::Pane;
use crate::state::tables::{ClientColumn, ClientLine};
use crate::theme::Role;

/// `12 current / 340 total · slow consumers 2`.
fn totals(ctx: &Ctx) -> Vec<Span<'static>> {
    let app = ctx.app;
    let mut spans = Vec::new();
    if let Some(view) = &app.connections.value {
        let style = ctx.figure(app.connections.stale(), Role::Text);
        spans.push(Span::styled(
            format!(
                "{} current / {} total",
                view.current,
                format::int(view.total)
            ),
            style,
        ));
    }
    if let Some(server) = &app.server.value {
        let role = if server.slow_consumers > 0 {
            Role::Warn
        } else {
            Role::Text
        };
        spans.push(ctx.span(" · slow consumers ", Role::Muted));
        spans.push(Span::styled(
            server.slow_consumers.to_string(),
            ctx.figure(app.server.stale(), role),
        ));
    }
    spans
}

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) {
    let app = ctx.app;
    let lines = app.client_lines();
    let mut extra = Vec::new();
    if !app.client_table.filter.is_empty() {
        extra.push(ctx.span("  filter ", Role::Muted));
        extra.push(ctx.span(format!("/{}", app.client_table.filter), Role::Accent));
    }
    let block = ctx.pane_block(Pane::Connections, extra, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = ctx.note_on_top(frame, inner, &app.connections);
    let Some(view) = &app.connections.value else {
        if app.connections.error.is_none() {
            frame.render_widget(Paragraph::new(ctx.waiting()), inner);
        }
        return;
    };
    let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(Paragraph::new(Line::from(totals(ctx))), top);
    if lines.is_empty() {
        let text = if view.clients.is_empty() {
            "no clients".to_owned()
        } else {
            format!("no client matches '{}'", app.client_table.filter)
        };
        frame.render_widget(Paragraph::new(ctx.span(text, Role::Muted)), rest);
        return;
    }
    let sort = app.client_sort();
    let ascending = (sort == ClientColumn::Name) != app.client_table.reverse;
    let sort_title = |column: ClientColumn| {
        if column == sort {
            ctx.span(
                format!("{}{}", column.title(), arrow(ascending)),
                Role::Accent,
            )
        } else {
            ctx.span(column.title(), Role::Header)
        }
    };
    let right = |span: Span<'static>| Cell::from(Line::from(span).right_aligned());
    let header = Row::new(vec![
        Cell::from(sort_title(ClientColumn::Name)),
        Cell::from(ctx.span("IP", Role::Header)),
        Cell::from(ctx.span("Lang", Role::Header)),
        right(sort_title(ClientColumn::Subscriptions)),
        right(ctx.span("RTT", Role::Header)),
        right(sort_title(ClientColumn::Pending)),
        right(sort_title(ClientColumn::Rate)),
    ]);
    let stale = app.connections.stale();
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(15),
        Constraint::Length(6),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Length(7),
    ];
    let rows = lines.iter().map(|line| row(ctx, line, stale));
    let mut table = Table::new(rows, widths).header(header).column_spacing(1);
    if focused {
        table = table.row_highlight_style(ctx.style(Role::Selection));
    }
    let mut state = TableState::default().with_selected(Some(app.client_table.selected));
    frame.render_stateful_widget(table, rest, &mut state);
}

fn row(ctx: &Ctx, line: &ClientLine, stale: bool) -> Row<'static> {
    let text = ctx.figure(stale, Role::Text);
    let muted = ctx.figure(stale, Role::Muted);
    let r = &line.row;
    let number = |s: String, style| Cell::from(Line::from(Span::styled(s, style)).right_aligned());
    let name = if r.name.is_empty() {
        format!("cid {}", r.cid)
    } else {
        r.name.clone()
    };
    let pending = if r.pending_bytes > 0 {
        ctx.figure(stale, Role::Warn)
    } else {
        text
    };
    Row::new(vec![
        Cell::from(Span::styled(name, text)),
        Cell::from(Span::styled(r.ip.clone(), muted)),
        Cell::from(Span::styled(r.lang.clone(), muted)),
        number(r.subscriptions.to_string(), text),
        number(r.rtt.clone(), muted),
        number(format::bytes(r.pending_bytes), pending),
        number(format::opt(line.rate, format::count), text),
    ])
}

/// For the compact layout's summary line.
pub fn summary(ctx: &Ctx) -> Vec<Span<'static>> {
    let app = ctx.app;
    let mut spans = vec![ctx.span("conns ", Role::Title)];
    let figures = totals(ctx);
    if figures.is_empty() && app.connections.error.is_none() {
        spans.push(ctx.span("waiting…", Role::Muted));
    }
    spans.extend(figures);
    if let Some(error) = &app.connections.error {
        spans.push(ctx.span(format!(" ⚠ {error}"), Role::Error));
    }
    spans
}
