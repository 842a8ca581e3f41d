//! The footer: the `:` command line or `/` filter when open (with suggestions or its error),
//! otherwise the status line; below it the key hints for the current mode, generated from the
//! keymap so they always name the keys that work.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Ctx;
use crate::command::{Command, Mode};
use crate::state::{Prompt, PromptKind};
use crate::theme::Role;

pub fn render(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    if area.height == 0 {
        return;
    }
    let hints = Rect {
        y: area.y + area.height - 1,
        height: 1,
        ..area
    };
    frame.render_widget(Paragraph::new(hint_line(ctx, area.width)), hints);
    if area.height < 2 {
        return;
    }
    let top = Rect { height: 1, ..area };
    if let Some(prompt) = ctx.app.prompt() {
        prompt_line(frame, top, ctx, prompt);
    } else if let Some(status) = ctx.app.status() {
        let role = if status.ok { Role::Ok } else { Role::Error };
        frame.render_widget(Paragraph::new(ctx.span(status.text.clone(), role)), top);
    }
}

/// The commands worth a hint in each mode, with a short label and a priority (lower stays
/// longer when the line is too narrow).
fn hinted(ctx: &Ctx, mode: Mode) -> Vec<(Command, &'static str, u8)> {
    let app = ctx.app;
    let pause = if app.paused { "resume" } else { "pause" };
    let mut list = match mode {
        Mode::Normal => vec![
            (Command::Help, "help", 0),
            (Command::CommandLine, "cmd", 1),
            (Command::Filter, "filter", 2),
            (Command::NextPane, "pane", 6),
            (Command::Select, "open", 5),
            (Command::SortNext, "sort", 5),
            (Command::Consumers, "consumers", 5),
            (Command::Pause, pause, 4),
            (Command::CreateStream, "create", 3),
            (Command::Publish, "publish", 3),
            (Command::Quit, "quit", 0),
        ],
        Mode::Detail => vec![
            (Command::Back, "back", 0),
            (Command::Messages, "messages", 1),
            (Command::Tail, "tail", 2),
            (Command::Consumers, "consumers", 3),
            (Command::Refresh, "refresh", 4),
            (Command::DeleteStream, "delete", 2),
            (Command::PurgeStream, "purge", 2),
            (Command::Publish, "publish", 3),
            (Command::Burst, "burst", 3),
            (Command::Help, "help", 1),
        ],
        Mode::Consumers => vec![
            (Command::Back, "back", 0),
            (Command::Select, "open", 1),
            (Command::Filter, "filter", 2),
            (Command::SortNext, "sort", 2),
            (Command::SortReverse, "reverse", 4),
            (Command::DeleteConsumer, "delete", 3),
            (Command::Help, "help", 1),
        ],
        Mode::Consumer => vec![
            (Command::Back, "back", 0),
            (Command::Select, "its stream", 2),
            (Command::DeleteConsumer, "delete", 1),
            (Command::Help, "help", 1),
        ],
        Mode::Message => vec![
            (Command::Back, "back", 0),
            (Command::PrevMessage, "previous", 1),
            (Command::NextMessage, "next", 1),
            (Command::FirstMessage, "first", 2),
            (Command::LastMessage, "last", 2),
            (Command::GoToMessage, "go to seq", 1),
            (Command::Down, "scroll", 4),
            (Command::Help, "help", 3),
        ],
        Mode::Tail => {
            let paused = matches!(app.base(), crate::state::Base::Tail(t) if t.paused);
            vec![
                (Command::Back, "stop", 0),
                (Command::Pause, if paused { "resume" } else { "pause" }, 0),
                (Command::Up, "scroll back", 2),
                (Command::Help, "help", 1),
            ]
        }
        // Sent and waiting for the broker: closing is all there is to do.
        Mode::Form if app.form().is_some_and(|f| f.pending.is_some()) => {
            vec![(Command::Cancel, "close", 0)]
        }
        Mode::Confirm if app.confirm().is_some_and(|c| c.pending.is_some()) => {
            vec![(Command::Cancel, "close", 0)]
        }
        Mode::Form => vec![
            (Command::NextField, "next field", 1),
            (Command::PrevField, "prev field", 2),
            (Command::Submit, "submit", 0),
            (Command::Cancel, "cancel", 0),
        ],
        Mode::Confirm => vec![
            (Command::Confirm, "confirm (type the name)", 0),
            (Command::Cancel, "cancel", 0),
        ],
        Mode::Burst => {
            let finished = matches!(app.overlay(), Some(crate::state::Overlay::Burst(b)) if b.progress.finished);
            vec![(
                Command::Cancel,
                if finished {
                    "close"
                } else {
                    "cancel the burst"
                },
                0,
            )]
        }
        Mode::Help => vec![(Command::Back, "close help", 0)],
        Mode::Prompt => {
            let complete = app
                .prompt()
                .is_some_and(|p| p.kind == PromptKind::CommandLine);
            let mut list = vec![(Command::Submit, "run", 0)];
            if complete {
                list.push((Command::Complete, "complete", 1));
            } else {
                list[0].1 = "apply";
            }
            list.push((Command::Cancel, "cancel", 0));
            list
        }
    };
    if app.session.read_only {
        list.retain(|(command, _, _)| !command.writes());
    }
    list
}

/// `? help  : cmd  / filter  c create  P publish  q quit`, fitted to `width` by dropping the
/// least important hints first.
pub fn hint_line(ctx: &Ctx, width: u16) -> Line<'static> {
    let mode = ctx.app.mode();
    let mut hints: Vec<(String, &'static str, u8)> = hinted(ctx, mode)
        .into_iter()
        .filter_map(|(command, label, rank)| Some((ctx.keymap.hint(mode, command)?, label, rank)))
        .collect();
    let len = |hints: &[(String, &str, u8)]| -> usize {
        hints
            .iter()
            .map(|(key, label, _)| key.chars().count() + 1 + label.chars().count() + 2)
            .sum()
    };
    while len(&hints) > width as usize && !hints.is_empty() {
        let worst = hints
            .iter()
            .enumerate()
            .max_by_key(|(i, h)| (h.2, *i))
            .map(|(i, _)| i)
            .unwrap_or(0);
        hints.remove(worst);
    }
    let mut spans = Vec::new();
    for (i, (key, label, _)) in hints.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(ctx.span(key, Role::Key));
        spans.push(ctx.span(format!(" {label}"), Role::Footer));
    }
    Line::from(spans)
}

/// `:create_st  create_stream` — the prompt, its input, then its error or the suggestions. The
/// terminal cursor goes where the next character is typed.
fn prompt_line(frame: &mut Frame, area: Rect, ctx: &Ctx, prompt: &Prompt) {
    let symbol = match prompt.kind {
        PromptKind::CommandLine => ":",
        PromptKind::Filter(_) => "/",
    };
    let input_width = (area.width as usize).saturating_sub(2).clamp(1, 40);
    let scroll = prompt.input.visual_scroll(input_width);
    let value: String = prompt.input.value().chars().skip(scroll).collect();
    let value: String = value.chars().take(input_width).collect();
    let shown = value.chars().count();
    let input_role = if prompt.error.is_some() {
        Role::InputInvalid
    } else {
        Role::Input
    };
    let mut spans = vec![
        ctx.span(symbol, Role::Accent),
        ctx.span(value, input_role),
        Span::raw(" ".repeat(input_width.saturating_sub(shown).min(2))),
    ];
    match &prompt.error {
        Some(error) => spans.push(ctx.span(error.clone(), Role::Error)),
        None => {
            let suggestions = ctx.app.suggestions();
            match prompt.kind {
                PromptKind::CommandLine if !prompt.input.value().is_empty() => {
                    spans.push(ctx.span(suggestions.join("  "), Role::Muted));
                }
                PromptKind::CommandLine => {}
                PromptKind::Filter(target) => {
                    let mut text = format!("filter {}", target.name());
                    if !prompt.previous.is_empty() {
                        text.push_str(&format!(" (Esc: back to /{})", prompt.previous));
                    }
                    spans.push(ctx.span(text, Role::Muted));
                }
            }
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let cursor = prompt.input.visual_cursor().saturating_sub(scroll) as u16;
    let x = (area.x + 1 + cursor).min(area.x + area.width.saturating_sub(1));
    frame.set_cursor_position(Position::new(x, area.y));
}
