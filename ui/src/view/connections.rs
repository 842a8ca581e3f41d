//! Connections: current and total, slow consumers, and the top clients by msgs/s or pending
//! bytes (name, ip, lang, subscriptions, rtt).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use strum::VariantArray;

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
    slow_consumers(ctx, " · slow consumers ", &mut spans);
    spans
}

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) {
    let app = ctx.app;
    let lines = app.client_lines();
    let mut extra = Vec::new();
    if let Some(server) = ctx.monitored_server() {
        extra.push(ctx.span(format!(" · on {server}"), Role::Muted));
    }
    if !app.client_table.filter.is_empty() {
        extra.push(ctx.span("  filter ", Role::Muted));
        extra.push(ctx.span(format!("/{}", app.client_table.filter), Role::Accent));
    }
    let block = ctx.pane_block(Pane::Connections, extra, focused, area);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = ctx.note_on_top(frame, inner, &app.connections);
    let Some(view) = &app.connections.value else {
        if !app.connections.stale() {
            frame.render_widget(Paragraph::new(ctx.waiting()), inner);
        }
        return;
    };
    let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    let totals = super::fit::cut(totals(ctx), usize::from(top.width));
    frame.render_widget(Paragraph::new(totals), top);
    if lines.is_empty() {
        let text = if view.clients.is_empty() {
            "no clients".to_owned()
        } else {
            format!("no client matches '{}'", app.client_table.filter)
        };
        frame.render_widget(Paragraph::new(ctx.span(text, Role::Muted)), rest);
        return;
    }
    let columns = fitting_columns(rest.width);
    let sort = app.client_sort();
    let ascending = (sort == ClientColumn::Name) != app.client_table.reverse;
    let header = Row::new(columns.iter().map(|column| {
        let span = match column.sorts_by() {
            Some(by) if by == sort => ctx.span(
                format!("{}{}", column.title(), arrow(ascending)),
                Role::Accent,
            ),
            _ => ctx.span(column.title(), Role::Header),
        };
        align(*column, Line::from(span))
    }));
    let stale = app.connections.stale();
    let widths: Vec<Constraint> = columns.iter().map(|c| c.width()).collect();
    let cells = super::column_widths(rest.width, &widths);
    let (shown, selected) = super::window(lines.len(), app.client_table.selected, rest.height);
    let rows = lines[shown]
        .iter()
        .map(|line| row(ctx, line, &columns, &cells, stale));
    let mut table = Table::new(rows, widths).header(header).column_spacing(1);
    if focused {
        table = table.row_highlight_style(ctx.style(Role::Selection));
    }
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, rest, &mut state);
}

/// The client table's columns, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, VariantArray)]
enum Column {
    Name,
    Ip,
    Lang,
    Subs,
    Rtt,
    Pending,
    Rate,
}

impl Column {
    fn title(self) -> &'static str {
        match self {
            Column::Name => ClientColumn::Name.title(),
            Column::Ip => "IP",
            Column::Lang => "Lang",
            Column::Subs => ClientColumn::Subscriptions.title(),
            Column::Rtt => "RTT",
            Column::Pending => ClientColumn::Pending.title(),
            Column::Rate => ClientColumn::Rate.title(),
        }
    }

    fn sorts_by(self) -> Option<ClientColumn> {
        match self {
            Column::Name => Some(ClientColumn::Name),
            Column::Subs => Some(ClientColumn::Subscriptions),
            Column::Pending => Some(ClientColumn::Pending),
            Column::Rate => Some(ClientColumn::Rate),
            Column::Ip | Column::Lang | Column::Rtt => None,
        }
    }

    /// Cells wide; the name takes what is left, at least this.
    fn cells(self) -> u16 {
        match self {
            Column::Name => 8,
            Column::Ip => 15,
            Column::Lang => 6,
            Column::Subs => 5,
            Column::Rtt => 7,
            Column::Pending => 10,
            Column::Rate => 7,
        }
    }

    fn width(self) -> Constraint {
        match self {
            Column::Name => Constraint::Fill(1),
            other => Constraint::Length(other.cells()),
        }
    }

    /// Lower stays longer in a narrow pane.
    fn priority(self) -> u8 {
        match self {
            Column::Name | Column::Rate => 0,
            Column::Pending => 1,
            Column::Subs => 2,
            Column::Ip => 3,
            Column::Rtt => 4,
            Column::Lang => 5,
        }
    }

    fn numeric(self) -> bool {
        matches!(
            self,
            Column::Subs | Column::Rtt | Column::Pending | Column::Rate
        )
    }
}

/// The columns that fit in `width`, dropping the least useful first.
fn fitting_columns(width: u16) -> Vec<Column> {
    let mut columns = Column::VARIANTS.to_vec();
    let needed = |columns: &[Column]| -> u16 {
        columns
            .iter()
            .map(|c| c.cells() + 1)
            .sum::<u16>()
            .saturating_sub(1)
    };
    while needed(&columns) > width && columns.len() > 2 {
        let drop = columns
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| c.priority())
            .map(|(i, _)| i);
        if let Some(i) = drop {
            columns.remove(i);
        }
    }
    columns
}

fn align(column: Column, line: Line<'static>) -> Cell<'static> {
    Cell::from(if column.numeric() {
        line.right_aligned()
    } else {
        line
    })
}

/// One client's row; text cut to its column (`cells` wide) with an ellipsis.
fn row(
    ctx: &Ctx,
    line: &ClientLine,
    columns: &[Column],
    cells: &[u16],
    stale: bool,
) -> Row<'static> {
    let text = ctx.figure(stale, Role::Text);
    let muted = ctx.figure(stale, Role::Muted);
    let r = &line.row;
    let cells = columns.iter().zip(cells).map(|(column, &cells)| {
        let span = match column {
            Column::Name if r.name.is_empty() => Span::styled(format!("cid {}", r.cid), muted),
            Column::Name => Span::styled(format::fit(&r.name, cells), text),
            Column::Ip => Span::styled(format::fit(&r.ip, cells), muted),
            Column::Lang => Span::styled(format::fit(&r.lang, cells), muted),
            Column::Subs => Span::styled(r.subscriptions.to_string(), text),
            Column::Rtt => Span::styled(r.rtt.clone(), muted),
            Column::Pending => {
                let role = if r.pending_bytes > 0 {
                    Role::Warn
                } else {
                    Role::Text
                };
                Span::styled(format::bytes(r.pending_bytes), ctx.figure(stale, role))
            }
            Column::Rate => Span::styled(format::opt(line.rate, format::count), text),
        };
        align(*column, Line::from(span))
    });
    Row::new(cells)
}

/// For the compact layout's summary line: `conns 3/40 · slow 2`.
pub fn summary(ctx: &Ctx) -> Vec<Span<'static>> {
    let app = ctx.app;
    let mut spans = vec![ctx.span("conns ", Role::Title)];
    match &app.connections.value {
        Some(view) => spans.push(Span::styled(
            format!("{}/{}", view.current, format::int(view.total)),
            ctx.figure(app.connections.stale(), Role::Text),
        )),
        None if !app.connections.stale() => spans.push(ctx.span("waiting…", Role::Muted)),
        None => {}
    }
    slow_consumers(ctx, " · slow ", &mut spans);
    if let Some(error) = &app.connections.error {
        spans.push(ctx.span(format!(" ⚠ {error}"), Role::Error));
    }
    spans
}

/// The server's slow-consumer count, in the warn role when there are any.
fn slow_consumers(ctx: &Ctx, label: &'static str, spans: &mut Vec<Span<'static>>) {
    let app = ctx.app;
    if let Some(server) = &app.server.value {
        let role = if server.slow_consumers > 0 {
            Role::Warn
        } else {
            Role::Text
        };
        spans.push(ctx.span(label, Role::Muted));
        spans.push(Span::styled(
            server.slow_consumers.to_string(),
            ctx.figure(app.server.stale(), role),
        ));
    }
}
