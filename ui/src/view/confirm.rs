//! The confirmation of a destructive action: what it is, what will be lost, a field where the
//! name is typed, and the answer's keys. Until the name is typed the answer is No.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::overlays::{action_waiting, waiting};
use super::{Ctx, format, layout::centered};
use crate::command::{Command, Mode};
use crate::state::{Confirm, Loss};
use crate::theme::Role;

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", format::int(n), if n == 1 { one } else { many })
}

/// `1.2k messages`, `3.4 MiB`, `2 consumers`.
pub fn loss(loss: Loss) -> String {
    match loss {
        Loss::Messages(n) => count(n, "message", "messages"),
        Loss::Bytes(n) => format::bytes(n),
        Loss::Consumers(n) => count(n, "consumer", "consumers"),
        Loss::Pending(n) => format!("{} not yet delivered", count(n, "message", "messages")),
        Loss::AckPending(n) => format!("{} awaiting ack", format::int(n)),
    }
}

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx, confirm: &Confirm) {
    let width = 64.min(area.width.saturating_sub(2)).max(24);
    let text_width = width.saturating_sub(4) as usize;
    let mut lines: Vec<Line> = Vec::new();
    if !confirm.losses.is_empty() {
        let losses: Vec<String> = confirm.losses.iter().map(|l| loss(*l)).collect();
        let text = format!("Will be lost: {}", losses.join(", "));
        lines.extend(
            format::wrap(&text, text_width)
                .into_iter()
                .map(|l| Line::from(ctx.span(l, Role::Warn))),
        );
    }
    lines.extend(
        format::wrap(&confirm.warning, text_width)
            .into_iter()
            .map(|l| Line::from(ctx.span(l, Role::Text))),
    );
    lines.push(Line::default());
    let label = format!("Type '{}' to confirm: ", confirm.target);
    let label_width = label.chars().count().min(text_width / 2);
    let input_width = text_width.saturating_sub(label_width).max(1);
    let scroll = confirm.input.visual_scroll(input_width);
    let typed: String = confirm
        .input
        .value()
        .chars()
        .skip(scroll)
        .take(input_width)
        .collect();
    let role = if confirm.typed() {
        Role::Input
    } else if confirm.error.is_some() {
        Role::InputInvalid
    } else {
        Role::Input
    };
    let input_row = lines.len();
    lines.push(Line::from(vec![
        ctx.span(format::truncate(&label, label_width), Role::Text),
        ctx.span(format!("{typed:<input_width$}"), role),
    ]));
    if let Some(error) = &confirm.error {
        lines.extend(
            format::wrap(&format!("↳ {error}"), text_width)
                .into_iter()
                .map(|l| Line::from(ctx.span(l, Role::Error))),
        );
    }
    lines.push(Line::default());
    lines.push(if confirm.pending.is_some() {
        waiting(ctx, Mode::Confirm, action_waiting(&confirm.action))
    } else {
        let mut answer = Vec::new();
        let (yes, yes_role) = if confirm.typed() {
            ("confirm", Role::Error)
        } else {
            ("confirm (once typed)", Role::Muted)
        };
        for (command, label, role) in [
            (Command::Confirm, yes, yes_role),
            (Command::Cancel, "cancel", Role::Text),
        ] {
            if let Some(key) = ctx.keymap.hint(Mode::Confirm, command) {
                if !answer.is_empty() {
                    answer.push(Span::raw("   "));
                }
                answer.push(ctx.span(key, Role::Key));
                answer.push(ctx.span(format!(" {label}"), role));
            }
        }
        Line::from(answer).centered()
    });
    let box_area = centered(area, width, lines.len() as u16 + 2);
    let title = Line::from(ctx.span(format!(" {} ", confirm.title), Role::Error));
    let block = ctx.block(title, true);
    let inner = block.inner(box_area);
    frame.render_widget(Clear, box_area);
    frame.render_widget(block, box_area);
    let padded = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines), padded);
    if confirm.pending.is_none() && (input_row as u16) < padded.height {
        let cursor = confirm.input.visual_cursor().saturating_sub(scroll) as u16;
        let x =
            (padded.x + label_width as u16 + cursor).min(padded.x + padded.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, padded.y + input_row as u16));
    }
}
