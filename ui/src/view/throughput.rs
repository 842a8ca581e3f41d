//! Throughput: msgs/s and bytes/s in and out over time, each with current / average / peak.
//! Full size: two time charts side by side, each with a legend, its unit and time window; the
//! vertical scale follows the usual values rather than the largest one, so a single spike does
//! not flatten everything after it (it is named in the legend instead). Compact: two sparkline
//! lines.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Sparkline};

use super::{Ctx, format};
use crate::command::Pane;
use crate::state::history::Series;
use crate::theme::Role;

/// What a pair of series measures.
#[derive(Clone, Copy)]
enum Unit {
    Msgs,
    Bytes,
}

impl Unit {
    fn rate(self, value: f64) -> String {
        match self {
            Unit::Msgs => format::msgs_rate(value),
            Unit::Bytes => format::bytes_rate(value),
        }
    }

    fn short(self, value: f64) -> String {
        match self {
            Unit::Msgs => format::count(value),
            Unit::Bytes => format::bytes_rate(value),
        }
    }

    /// The axis label of a value: with its unit.
    fn axis(self, value: f64) -> String {
        match self {
            Unit::Msgs => format!("{}/s", format::count(value)),
            Unit::Bytes => format::bytes_rate(value),
        }
    }
}

/// The top of the vertical scale: enough for the usual values (the 95th percentile) and the
/// newest ones, with headroom. A spike above it is drawn off scale and named in the legend, so
/// the chart reads again as soon as it has passed.
pub fn scale_top(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 1.0;
    }
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let p95 = sorted
        .get((sorted.len() * 95 / 100).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0);
    let recent = values.iter().rev().take(10).copied().fold(0.0, f64::max);
    let top = p95.max(recent) * 1.15;
    if top > 0.0 { top } else { 1.0 }
}

fn has_data(ctx: &Ctx) -> bool {
    let t = &ctx.app.throughput;
    !(t.in_msgs.is_empty() && t.out_msgs.is_empty())
}

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) {
    // What the charts show: the window they cover, and that the console's own requests are
    // not in them.
    let t = &ctx.app.throughput;
    let window = t.in_msgs.points();
    let extra = match (window.first(), window.last()) {
        (Some(first), Some(last)) if last.0 > first.0 => {
            let span = std::time::Duration::from_secs_f64(last.0 - first.0);
            let mut text = format!(" · last {}", format::duration(span));
            if let Some(server) = ctx.monitored_server() {
                text.push_str(&format!(" · {server} only"));
            }
            if let Some((own_in, own_out)) = ctx.app.own.msgs.filter(|_| ctx.app.own.on_monitored) {
                text.push_str(&format!(
                    " · this console's {} not counted",
                    format::msgs_rate(own_in + own_out)
                ));
            }
            vec![ctx.span(text, Role::Muted)]
        }
        _ => Vec::new(),
    };
    let block = ctx.pane_block(Pane::Throughput, extra, focused, area);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let inner = ctx.note_on_top(frame, inner, &ctx.app.server);
    if !has_data(ctx) {
        if !ctx.app.server.stale() {
            let text = Line::from(vec![
                ctx.span("waiting for data… ", Role::Muted),
                ctx.span("(rates need two samples)", Role::Muted),
            ]);
            frame.render_widget(Paragraph::new(text), inner);
        }
        return;
    }
    let t = &ctx.app.throughput;
    let halves = [Constraint::Fill(1), Constraint::Fill(1)];
    if inner.width >= 110 {
        // Side by side: each unit's legend over its chart.
        let [left, right] = Layout::horizontal(halves).spacing(1).areas(inner);
        half(frame, left, ctx, Unit::Msgs, &t.in_msgs, &t.out_msgs);
        half(frame, right, ctx, Unit::Bytes, &t.in_bytes, &t.out_bytes);
    } else if inner.height >= 12 {
        // Stacked.
        let [top, bottom] = Layout::vertical(halves).areas(inner);
        half(frame, top, ctx, Unit::Msgs, &t.in_msgs, &t.out_msgs);
        half(frame, bottom, ctx, Unit::Bytes, &t.in_bytes, &t.out_bytes);
    } else {
        // Short and narrow: the four legends, then the messages chart.
        let mut legend = legends(ctx, Unit::Msgs, &t.in_msgs, &t.out_msgs);
        legend.extend(legends(ctx, Unit::Bytes, &t.in_bytes, &t.out_bytes));
        let [top, rest] =
            Layout::vertical([Constraint::Length(4), Constraint::Fill(1)]).areas(inner);
        frame.render_widget(Paragraph::new(legend), top);
        chart(frame, rest, ctx, Unit::Msgs, &t.in_msgs, &t.out_msgs);
    }
}

fn legends(ctx: &Ctx, unit: Unit, inbound: &Series, outbound: &Series) -> Vec<Line<'static>> {
    let values: Vec<f64> = inbound
        .points()
        .into_iter()
        .chain(outbound.points())
        .map(|p| p.1)
        .collect();
    let top = Some(scale_top(&values));
    vec![
        legend_line(ctx, unit, "in ", Role::ChartIn, inbound, top),
        legend_line(ctx, unit, "out", Role::ChartOut, outbound, top),
    ]
}

/// One unit: a legend line per direction, then a chart of both.
fn half(frame: &mut Frame, area: Rect, ctx: &Ctx, unit: Unit, inbound: &Series, outbound: &Series) {
    let [top, rest] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(legends(ctx, unit, inbound, outbound)), top);
    chart(frame, rest, ctx, unit, inbound, outbound);
}

/// Both directions of one unit over the kept history; nothing when the area is too small.
fn chart(
    frame: &mut Frame,
    area: Rect,
    ctx: &Ctx,
    unit: Unit,
    inbound: &Series,
    outbound: &Series,
) {
    if area.height < 5 || area.width < 20 {
        // Too small for axes: a sparkline per direction.
        let rows = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).split(area);
        for (row, (label, role, series)) in rows.iter().zip([
            ("in  ", Role::ChartIn, inbound),
            ("out ", Role::ChartOut, outbound),
        ]) {
            let [label_area, spark_area] =
                Layout::horizontal([Constraint::Length(4), Constraint::Fill(1)]).areas(*row);
            frame.render_widget(Paragraph::new(ctx.span(label, role)), label_area);
            spark(frame, spark_area, ctx, role, series);
        }
        return;
    }
    let stale = ctx.app.server.stale();
    let all: Vec<(f64, f64)> = inbound
        .points()
        .into_iter()
        .chain(outbound.points())
        .collect();
    let x_max = all.iter().map(|p| p.0).fold(f64::MIN, f64::max);
    let x_min = all.iter().map(|p| p.0).fold(f64::MAX, f64::min);
    let x_min = if x_min < x_max { x_min } else { x_max - 1.0 };
    let values: Vec<f64> = all.iter().map(|p| p.1).collect();
    let y_top = scale_top(&values);
    // Off-scale points are drawn at the top edge, so the line stays continuous.
    let clip = |series: &Series| -> Vec<(f64, f64)> {
        series
            .points()
            .into_iter()
            .map(|(x, y)| (x, y.min(y_top)))
            .collect()
    };
    let (in_points, out_points) = (clip(inbound), clip(outbound));
    let line_style = |role| ctx.figure(stale, role);
    let datasets = vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(line_style(Role::ChartIn))
            .data(&in_points),
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(line_style(Role::ChartOut))
            .data(&out_points),
    ];
    let axis = ctx.style(Role::ChartAxis);
    let span_secs = std::time::Duration::from_secs_f64((x_max - x_min).max(0.0));
    let chart = Chart::new(datasets)
        .legend_position(None)
        .x_axis(Axis::default().style(axis).bounds([x_min, x_max]).labels([
            Span::styled(format!("-{}", format::duration(span_secs)), axis),
            Span::styled("now", axis),
        ]))
        .y_axis(Axis::default().style(axis).bounds([0.0, y_top]).labels([
            Span::styled("0", axis),
            Span::styled(unit.axis(y_top), axis),
        ]));
    frame.render_widget(chart, area);
}

/// `━ in  12.3k msgs/s  avg 12.1k  peak 15.0k`: the line's colour, its direction and figures;
/// a peak above the chart's scale is marked off scale.
fn legend_line(
    ctx: &Ctx,
    unit: Unit,
    label: &'static str,
    role: Role,
    series: &Series,
    top: Option<f64>,
) -> Line<'static> {
    let stale = ctx.app.server.stale();
    let value = ctx.figure(stale, Role::Text);
    let muted = ctx.style(Role::Muted);
    let mut spans = vec![
        ctx.span(format!("━ {label} "), role),
        Span::styled(format::opt(series.current(), |v| unit.rate(v)), value),
        Span::styled("  avg ", muted),
        Span::styled(format::opt(series.average(), |v| unit.short(v)), value),
        Span::styled("  peak ", muted),
        Span::styled(format::opt(series.peak(), |v| unit.short(v)), value),
    ];
    if let (Some(peak), Some(top)) = (series.peak(), top)
        && peak > top
    {
        spans.push(ctx.span(" ▲ off scale", Role::Accent));
    }
    Line::from(spans)
}

/// The compact form: `in ▁▂▅▇ 12.3k msgs/s 1.2 MiB/s peak 15.0k`, then the same for out (or the
/// reason the figures are stale).
pub fn strip(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let server = &ctx.app.server;
    if !has_data(ctx) {
        let line = match ctx.source_note(server) {
            Some(note) => {
                let mut spans = vec![ctx.span("throughput ", Role::Title)];
                spans.extend(note.spans);
                Line::from(spans)
            }
            None => Line::from(vec![
                ctx.span("throughput ", Role::Title),
                ctx.span("waiting for data…", Role::Muted),
            ]),
        };
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let t = &ctx.app.throughput;
    let rows = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).split(area);
    strip_line(
        frame,
        rows[0],
        ctx,
        "in ",
        Role::ChartIn,
        &t.in_msgs,
        &t.in_bytes,
    );
    match ctx.source_note(server) {
        Some(note) => frame.render_widget(Paragraph::new(note), rows[1]),
        None => strip_line(
            frame,
            rows[1],
            ctx,
            "out",
            Role::ChartOut,
            &t.out_msgs,
            &t.out_bytes,
        ),
    }
}

fn strip_line(
    frame: &mut Frame,
    area: Rect,
    ctx: &Ctx,
    label: &'static str,
    role: Role,
    msgs: &Series,
    bytes: &Series,
) {
    let stale = ctx.app.server.stale();
    let value = ctx.figure(stale, Role::Text);
    let muted = ctx.style(Role::Muted);
    let stats = Line::from(vec![
        Span::styled(
            format!(" {}", format::opt(msgs.current(), format::msgs_rate)),
            value,
        ),
        Span::styled(
            format!("  {}", format::opt(bytes.current(), format::bytes_rate)),
            value,
        ),
        Span::styled("  peak ", muted),
        Span::styled(format::opt(msgs.peak(), format::count), value),
    ]);
    let label = Span::styled(format!("{label} "), ctx.style(role));
    let [label_area, spark_area, stats_area] = Layout::horizontal([
        Constraint::Length(label.width() as u16),
        Constraint::Fill(1),
        Constraint::Length(stats.width() as u16),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(Line::from(label)), label_area);
    frame.render_widget(Paragraph::new(stats), stats_area);
    spark(frame, spark_area, ctx, role, msgs);
}

/// The newest rates of `series` that fit, as a one-line sparkline.
fn spark(frame: &mut Frame, area: Rect, ctx: &Ctx, role: Role, series: &Series) {
    let width = area.width as usize;
    let points = series.points();
    let recent = &points[points.len().saturating_sub(width)..];
    let peak = recent.iter().map(|p| p.1).fold(0.0, f64::max);
    // Scaled to 0..=1000 so fractional rates still draw.
    let data: Vec<u64> = recent
        .iter()
        .map(|p| {
            if peak > 0.0 {
                (p.1 / peak * 1000.0).round() as u64
            } else {
                0
            }
        })
        .collect();
    let style: Style = ctx.figure(ctx.app.server.stale(), role);
    frame.render_widget(
        Sparkline::default().data(&data).max(1000).style(style),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::scale_top;

    #[test]
    fn the_scale_follows_usual_values_not_a_spike() {
        assert_eq!(scale_top(&[]), 1.0);
        assert_eq!(scale_top(&[0.0, 0.0]), 1.0);
        let mut values = vec![100.0; 50];
        values[10] = 10_000.0;
        let top = scale_top(&values);
        assert!((100.0..200.0).contains(&top), "{top}");
        // What is happening now is always on scale.
        values.push(5_000.0);
        assert!(scale_top(&values) >= 5_000.0);
    }
}
