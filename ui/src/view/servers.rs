//! Cluster (shown when there is more than one node): each node's health, version, route peers,
//! supervisor state and restarts, and which node is the JetStream meta leader.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use super::{Ctx, format};
use crate::command::Pane;
use crate::model::ClusterNode;
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
    let cells: Vec<[Span<'static>; 7]> = nodes
        .iter()
        .map(|node| {
            cells(
                ctx,
                node,
                leader.as_deref() == Some(node.name.as_str()),
                stale,
            )
        })
        .collect();
    // Content-sized columns; the problem takes the rest. The least useful go first when narrow.
    let content = |i: usize, title: &str| {
        cells
            .iter()
            .map(|row| row[i].width())
            .chain([title.chars().count()])
            .max()
            .unwrap_or(0) as u16
    };
    let mut columns: Vec<usize> = (0..TITLES.len()).collect();
    let needed = |columns: &[usize]| -> u16 {
        columns
            .iter()
            .map(|i| content(*i, TITLES[*i]).min(if *i == PROBLEM { 30 } else { u16::MAX }) + 1)
            .sum()
    };
    for drop in [VERSION, SUPERVISOR, ROUTES] {
        if needed(&columns) <= inner.width {
            break;
        }
        columns.retain(|c| *c != drop);
    }
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|i| {
            if *i == PROBLEM {
                Constraint::Fill(1)
            } else {
                Constraint::Length(content(*i, TITLES[*i]))
            }
        })
        .collect();
    let header = Row::new(
        columns
            .iter()
            .map(|i| Cell::from(ctx.span(TITLES[*i], Role::Header))),
    );
    let rows = cells.into_iter().map(|row| {
        Row::new(
            columns
                .iter()
                .map(|i| Cell::from(row[*i].clone()))
                .collect::<Vec<_>>(),
        )
    });
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        inner,
    );
}

const TITLES: [&str; 7] = [
    "Node",
    "Health",
    "Version",
    "Routes",
    "Meta lag",
    "Supervisor",
    "Problem",
];
const VERSION: usize = 2;
const ROUTES: usize = 3;
const SUPERVISOR: usize = 5;
const PROBLEM: usize = 6;

fn cells(ctx: &Ctx, node: &ClusterNode, leader: bool, stale: bool) -> [Span<'static>; 7] {
    let text = ctx.figure(stale, Role::Text);
    let muted = ctx.figure(stale, Role::Muted);
    let name = if leader {
        format!("{} ★", node.name)
    } else {
        node.name.clone()
    };
    let health = if node.up {
        Span::styled("up", ctx.figure(stale, Role::Ok))
    } else {
        Span::styled("down", ctx.figure(stale, Role::Error))
    };
    let routes = if node.peers.is_empty() {
        "-".to_owned()
    } else {
        format!("{} {}", node.peers.len(), node.peers.join(","))
    };
    // How far this node's copy of the JetStream meta log is behind the leader's.
    let lag = match (leader, node.lag, node.current) {
        (true, _, _) => Span::styled("leader", muted),
        (false, Some(lag), Some(false)) => {
            Span::styled(format!("{lag} behind"), ctx.figure(stale, Role::Warn))
        }
        (false, Some(lag), _) => Span::styled(format!("{lag} current"), muted),
        (false, None, _) => Span::styled("-", muted),
    };
    let supervisor = match (&node.supervisor_state, node.restarts) {
        (Some(state), Some(n)) if n > 0 => format!("{state} ↻{n}"),
        (Some(state), _) => state.clone(),
        (None, _) => "-".to_owned(),
    };
    [
        Span::styled(
            name,
            if leader {
                ctx.figure(stale, Role::Accent)
            } else {
                text
            },
        ),
        health,
        Span::styled(node.version.clone().unwrap_or_else(|| "-".into()), muted),
        Span::styled(routes, muted),
        lag,
        Span::styled(supervisor, muted),
        Span::styled(
            node.error.clone().unwrap_or_default(),
            ctx.figure(stale, Role::Error),
        ),
    ]
}

/// For the compact layout's summary line: `cluster 2/3 up · leader n1`.
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
