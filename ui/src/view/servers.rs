//! Servers (`5`, `:servers`): every node of the deployment — through `$SYS` when given, the
//! supervised nodes, or the monitored server and the peers its routes reach — with its health,
//! CPU, memory, connections and slow consumers, its JetStream use (memory, file storage against
//! its limit, streams, consumers, messages, API errors: what `nats server report jetstream`
//! shows), version, routes, meta-log lag and supervisor state. Columns go, least useful first,
//! when the pane is narrow; the problem takes what is left and is cut with an ellipsis.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{Ctx, format};
use crate::command::Pane;
use crate::model::{ClusterNode, NodeJetStream};
use crate::theme::Role;

/// The meta leader as the nodes report it, or as JetStream does.
fn meta_leader(ctx: &Ctx) -> Option<String> {
    let app = ctx.app;
    app.cluster
        .value
        .iter()
        .flatten()
        .find_map(|n| n.meta_leader.clone())
        .or_else(|| app.jetstream.value.as_ref()?.meta_leader.clone())
}

fn title_extra(ctx: &Ctx) -> Vec<Span<'static>> {
    let Some(nodes) = &ctx.app.cluster.value else {
        return Vec::new();
    };
    let up = nodes.iter().filter(|n| n.up).count();
    let role = if up == nodes.len() {
        Role::Ok
    } else {
        Role::Warn
    };
    let mut spans = vec![
        ctx.span(
            format!(
                " {} node{} · ",
                nodes.len(),
                if nodes.len() == 1 { "" } else { "s" }
            ),
            Role::Muted,
        ),
        ctx.span(format!("{up} up"), role),
    ];
    if let Some(leader) = meta_leader(ctx) {
        spans.push(ctx.span(" · meta leader ", Role::Muted));
        spans.push(ctx.span(leader, Role::Accent));
    }
    spans
}

/// The columns, in display order; `DROP` says which go first when narrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Node,
    Health,
    Cpu,
    Mem,
    Conns,
    Slow,
    JsMem,
    JsFile,
    Streams,
    Consumers,
    Msgs,
    ApiErr,
    Version,
    Routes,
    MetaLag,
    Supervisor,
    Problem,
}

const COLUMNS: [Column; 17] = [
    Column::Node,
    Column::Health,
    Column::Cpu,
    Column::Mem,
    Column::Conns,
    Column::Slow,
    Column::JsMem,
    Column::JsFile,
    Column::Streams,
    Column::Consumers,
    Column::Msgs,
    Column::ApiErr,
    Column::Version,
    Column::Routes,
    Column::MetaLag,
    Column::Supervisor,
    Column::Problem,
];

const DROP: [Column; 12] = [
    Column::Version,
    Column::Routes,
    Column::Msgs,
    Column::ApiErr,
    Column::Supervisor,
    Column::Consumers,
    Column::JsMem,
    Column::Slow,
    Column::MetaLag,
    Column::Streams,
    Column::Mem,
    Column::Conns,
];

impl Column {
    fn title(self) -> &'static str {
        match self {
            Column::Node => "Node",
            Column::Health => "Health",
            Column::Cpu => "CPU",
            Column::Mem => "Mem",
            Column::Conns => "Conns",
            Column::Slow => "Slow",
            Column::JsMem => "JS mem",
            Column::JsFile => "JS file",
            Column::Streams => "Strms",
            Column::Consumers => "Cons",
            Column::Msgs => "Msgs",
            Column::ApiErr => "API err",
            Column::Version => "Version",
            Column::Routes => "Routes",
            Column::MetaLag => "Meta lag",
            Column::Supervisor => "Supervisor",
            Column::Problem => "Problem",
        }
    }

    fn numeric(self) -> bool {
        matches!(
            self,
            Column::Cpu
                | Column::Mem
                | Column::Conns
                | Column::Slow
                | Column::JsMem
                | Column::JsFile
                | Column::Streams
                | Column::Consumers
                | Column::Msgs
                | Column::ApiErr
        )
    }
}

/// `3.4 MiB of 10.0 GiB 34%`, or the figure alone when unlimited.
fn of_limit(used: u64, max: i64) -> String {
    if max > 0 {
        let ratio = used as f64 / max as f64;
        format!("{} {}", format::bytes(used), format::percent(ratio))
    } else {
        format::bytes(used)
    }
}

fn cell(ctx: &Ctx, node: &ClusterNode, column: Column, leader: bool, stale: bool) -> Span<'static> {
    let style = |role| ctx.figure(stale, role);
    let usage = node.usage.as_ref();
    let js: Option<&NodeJetStream> = usage.and_then(|u| u.jetstream.as_ref());
    let dash = || Span::styled("-", style(Role::Muted));
    let number = |n: Option<u64>, role: Role| match n {
        Some(n) => Span::styled(format::int(n), style(role)),
        None => dash(),
    };
    match column {
        Column::Node => {
            let (name, role) = if leader {
                (format!("{} ★", node.name), Role::Accent)
            } else {
                (node.name.clone(), Role::Text)
            };
            Span::styled(name, style(role))
        }
        Column::Health if node.up => Span::styled("up", style(Role::Ok)),
        Column::Health => Span::styled("down", style(Role::Error)),
        Column::Cpu => match usage {
            Some(u) => {
                let role = if u.cpu >= 90.0 {
                    Role::Warn
                } else {
                    Role::Text
                };
                Span::styled(format!("{:.0}%", u.cpu), style(role))
            }
            None => dash(),
        },
        Column::Mem => usage.map_or_else(dash, |u| {
            Span::styled(format::bytes(u.mem), style(Role::Text))
        }),
        Column::Conns => number(usage.map(|u| u.connections), Role::Text),
        Column::Slow => {
            let slow = usage.map(|u| u.slow_consumers);
            let role = if slow.unwrap_or(0) > 0 {
                Role::Warn
            } else {
                Role::Text
            };
            number(slow, role)
        }
        Column::JsMem => js.map_or_else(dash, |j| {
            Span::styled(of_limit(j.memory, j.max_memory), style(Role::Text))
        }),
        Column::JsFile => js.map_or_else(dash, |j| {
            let full = j.max_storage > 0 && j.storage as f64 >= 0.9 * j.max_storage as f64;
            let role = if full { Role::GaugeFull } else { Role::Text };
            Span::styled(of_limit(j.storage, j.max_storage), style(role))
        }),
        Column::Streams => number(js.map(|j| j.streams), Role::Text),
        Column::Consumers => number(js.map(|j| j.consumers), Role::Text),
        Column::Msgs => number(js.map(|j| j.messages), Role::Text),
        Column::ApiErr => {
            let errors = js.map(|j| j.api_errors);
            let role = if errors.unwrap_or(0) > 0 {
                Role::Warn
            } else {
                Role::Text
            };
            number(errors, role)
        }
        Column::Version => Span::styled(
            node.version.clone().unwrap_or_else(|| "-".into()),
            style(Role::Muted),
        ),
        Column::Routes if node.peers.is_empty() => dash(),
        Column::Routes => Span::styled(
            format!("{} {}", node.peers.len(), node.peers.join(",")),
            style(Role::Muted),
        ),
        // How far this node's copy of the JetStream meta log is behind the leader's.
        Column::MetaLag => match (leader, node.lag, node.current) {
            (true, _, _) => Span::styled("leader", style(Role::Muted)),
            (false, Some(lag), Some(false)) => {
                Span::styled(format!("{lag} behind"), style(Role::Warn))
            }
            (false, Some(lag), _) => Span::styled(format!("{lag} current"), style(Role::Muted)),
            (false, None, _) => dash(),
        },
        Column::Supervisor => Span::styled(
            match (&node.supervisor_state, node.restarts) {
                (Some(state), Some(n)) if n > 0 => format!("{state} ↻{n}"),
                (Some(state), _) => state.clone(),
                (None, _) => "-".to_owned(),
            },
            style(Role::Muted),
        ),
        Column::Problem => Span::styled(node.error.clone().unwrap_or_default(), style(Role::Error)),
    }
}

/// The cluster's totals, as the last row, when more than one node reports its use.
fn totals(
    ctx: &Ctx,
    nodes: &[ClusterNode],
    columns: &[Column],
    stale: bool,
) -> Option<Vec<Span<'static>>> {
    let usages: Vec<_> = nodes.iter().filter_map(|n| n.usage.as_ref()).collect();
    if usages.len() < 2 {
        return None;
    }
    let js: Vec<&NodeJetStream> = usages.iter().filter_map(|u| u.jetstream.as_ref()).collect();
    let sum = |f: &dyn Fn(&NodeJetStream) -> u64| js.iter().map(|j| f(j)).sum::<u64>();
    let style = ctx.figure(stale, Role::Header);
    let text = |t: String| Span::styled(t, style);
    Some(
        columns
            .iter()
            .map(|column| match column {
                Column::Node => text("total".into()),
                Column::Conns => text(format::int(usages.iter().map(|u| u.connections).sum())),
                Column::Slow => text(format::int(usages.iter().map(|u| u.slow_consumers).sum())),
                Column::Mem => text(format::bytes(usages.iter().map(|u| u.mem).sum())),
                Column::JsMem => text(format::bytes(sum(&|j| j.memory))),
                Column::JsFile => text(format::bytes(sum(&|j| j.storage))),
                Column::ApiErr => text(format::int(sum(&|j| j.api_errors))),
                _ => Span::raw(""),
            })
            .collect(),
    )
}

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) {
    let app = ctx.app;
    let block = ctx.pane_block(Pane::Servers, title_extra(ctx), focused, area);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = ctx.note_on_top(frame, inner, &app.cluster);
    let Some(nodes) = &app.cluster.value else {
        if !app.cluster.stale() {
            frame.render_widget(Paragraph::new(ctx.waiting()), inner);
        }
        return;
    };
    if nodes.is_empty() {
        frame.render_widget(Paragraph::new(ctx.span("no nodes", Role::Muted)), inner);
        return;
    }
    let leader = meta_leader(ctx);
    let stale = app.cluster.stale();
    let rows: Vec<Vec<Span<'static>>> = nodes
        .iter()
        .map(|node| {
            let is_leader = leader.as_deref() == Some(node.name.as_str());
            COLUMNS
                .iter()
                .map(|c| cell(ctx, node, *c, is_leader, stale))
                .collect()
        })
        .collect();
    // Content-sized columns; the problem takes the rest. The least useful go first when narrow.
    let content = |i: usize| {
        let width = rows
            .iter()
            .map(|row| row[i].width())
            .chain([COLUMNS[i].title().chars().count()])
            // Room for the totals row's label.
            .chain([if COLUMNS[i] == Column::Node { 5 } else { 0 }])
            .max()
            .unwrap_or(0) as u16;
        // A server named by its 56-character id gets a share, not the pane.
        let cap = if COLUMNS[i] == Column::Node {
            20
        } else {
            u16::MAX
        };
        width.min(cap)
    };
    let mut shown: Vec<usize> = (0..COLUMNS.len()).collect();
    let needed = |shown: &[usize]| -> u16 {
        shown
            .iter()
            .map(|i| if COLUMNS[*i] == Column::Problem { content(*i).min(12) } else { content(*i) } + 1)
            .sum()
    };
    for drop in DROP {
        if needed(&shown) <= inner.width {
            break;
        }
        shown.retain(|i| COLUMNS[*i] != drop);
    }
    let widths: Vec<Constraint> = shown
        .iter()
        .map(|i| {
            if COLUMNS[*i] == Column::Problem {
                Constraint::Fill(1)
            } else {
                Constraint::Length(content(*i))
            }
        })
        .collect();
    let cells = super::column_widths(inner.width, &widths);
    let align = |column: Column, span: Span<'static>, width: u16| {
        let span = Span::styled(format::fit(&span.content, width), span.style);
        let line = Line::from(span);
        Cell::from(if column.numeric() {
            line.right_aligned()
        } else {
            line
        })
    };
    let header = Row::new(
        shown
            .iter()
            .zip(&cells)
            .map(|(i, w)| align(COLUMNS[*i], ctx.span(COLUMNS[*i].title(), Role::Header), *w)),
    );
    let mut table_rows: Vec<Row> = rows
        .into_iter()
        .map(|row| {
            Row::new(
                shown
                    .iter()
                    .zip(&cells)
                    .map(|(i, w)| align(COLUMNS[*i], row[*i].clone(), *w))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let columns: Vec<Column> = shown.iter().map(|i| COLUMNS[*i]).collect();
    if let Some(total) = totals(ctx, nodes, &columns, stale) {
        let style: Style = ctx.style(Role::Header);
        table_rows.push(
            Row::new(
                columns
                    .iter()
                    .zip(total)
                    .zip(&cells)
                    .map(|((c, s), w)| align(*c, s, *w))
                    .collect::<Vec<_>>(),
            )
            .style(style),
        );
    }
    frame.render_widget(
        Table::new(table_rows, widths)
            .header(header)
            .column_spacing(1),
        inner,
    );
}

/// For the compact layout's summary line: `servers 2/3 up · leader n1`.
pub fn summary(ctx: &Ctx) -> Vec<Span<'static>> {
    let app = ctx.app;
    let mut spans = vec![ctx.span("servers ", Role::Title)];
    if app.cluster.value.is_none() && !app.cluster.stale() {
        spans.push(ctx.span("waiting…", Role::Muted));
    }
    if let Some(nodes) = &app.cluster.value {
        let up = nodes.iter().filter(|n| n.up).count();
        let role = if up == nodes.len() {
            Role::Ok
        } else {
            Role::Warn
        };
        spans.push(Span::styled(
            format!("{up}/{} up", nodes.len()),
            ctx.figure(app.cluster.stale(), role),
        ));
        if let Some(leader) = meta_leader(ctx) {
            spans.push(ctx.span(format!(" · leader {leader}"), Role::Muted));
        }
    }
    if let Some(error) = app.cluster.problem(app.now) {
        let age = app
            .cluster
            .age(app.now)
            .map_or_else(String::new, |a| format!(" ({})", format::ago(a)));
        spans.push(ctx.span(format!(" ⚠ {error}{age}"), Role::Error));
    }
    spans
}
