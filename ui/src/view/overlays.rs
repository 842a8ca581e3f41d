//! Boxes drawn over the dashboard: the help (built from the keymap's bindings for the mode under
//! it), a form (create stream, publish) and the confirmation of a destructive action. A form or
//! confirmation that has been sent says so until the broker answers.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Ctx, format, layout::centered};
use crate::command::{Command, Mode};
use crate::model::Action;
use crate::state::Help;
use crate::state::forms::{Form, FormKind};
use crate::theme::Role;

/// Each command bound in `mode` with all its keys: `("up, k", "move up")`.
pub fn help_entries(ctx: &Ctx, mode: Mode) -> Vec<(String, &'static str)> {
    let mut entries: Vec<(Command, String)> = Vec::new();
    for (keys, command) in ctx.keymap.bindings(mode) {
        match entries.iter_mut().find(|(c, _)| *c == command) {
            Some((_, all)) => {
                all.push_str(", ");
                all.push_str(&keys);
            }
            None => entries.push((command, keys)),
        }
    }
    entries
        .into_iter()
        .filter(|(command, _)| !(ctx.app.session.read_only && command.writes()))
        .map(|(command, keys)| (keys, command.description()))
        .collect()
}

/// The command line's own commands as the help lists them: `(":burst SUBJECT COUNT [RATE]",
/// "publish COUNT test messages …")`, from the table that parses them.
fn line_commands(ctx: &Ctx) -> Vec<(String, &'static str)> {
    crate::command_line::LINE_COMMANDS
        .iter()
        .filter(|spec| !(ctx.app.session.read_only && spec.name == "burst"))
        .map(|spec| {
            let usage = if spec.args.is_empty() {
                format!(":{}", spec.name)
            } else {
                format!(":{} {}", spec.name, spec.args)
            };
            (usage, spec.help)
        })
        .collect()
}

/// The help: the keys of the view under it in columns, then the command line's commands. What
/// does not fit scrolls.
pub fn help(frame: &mut Frame, area: Rect, ctx: &Ctx, help: &Help) {
    // The help describes the mode under it.
    let mode = ctx.app.base_mode();
    let entries = help_entries(ctx, mode);
    let commands = line_commands(ctx);
    let usage_width = commands
        .iter()
        .map(|(u, _)| u.chars().count())
        .max()
        .unwrap_or(0);
    let command_lines = commands.len() + 2;
    let max_rows = area.height.saturating_sub(2).max(1) as usize;
    let key_width = entries
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(16);
    // As many columns as the rows need, but never so many that descriptions become unreadable;
    // what does not fit then scrolls.
    let readable = key_width + 2 + 18;
    let fit = ((area.width as usize).saturating_sub(2) + 3) / (readable + 3);
    let grid_rows_wanted = max_rows.saturating_sub(command_lines).max(1);
    let columns = entries
        .len()
        .div_ceil(grid_rows_wanted)
        .clamp(1, 3)
        .min(fit.max(1));
    let rows = entries.len().div_ceil(columns).max(1);
    let column_width = key_width + 2 + 36;
    let grid_width = column_width * columns + 3 * (columns - 1) + 2;
    let width = grid_width.max(usage_width + 2 + 48 + 2) as u16;
    let total = rows + command_lines;
    let box_area = centered(area, width.max(30), total as u16 + 2);
    // Taller than the screen: scroll (the keys move `help_scroll`), and say there is more.
    let visible = box_area.height.saturating_sub(2) as usize;
    let first = help.scroll.min(total.saturating_sub(visible));
    let more_below = first + visible < total;
    let what = mode.title();
    let mut title = vec![ctx.span(format!(" Help · {what} "), Role::Title)];
    if let Some(key) = ctx.keymap.hint(Mode::Help, Command::Back) {
        title.push(ctx.span(key, Role::Key));
        title.push(ctx.span(" close ", Role::Muted));
    }
    if first > 0 || more_below {
        let arrow = match (first > 0, more_below) {
            (true, true) => "↑↓ more ",
            (true, false) => "↑ more ",
            _ => "↓ more ",
        };
        title.push(ctx.span(arrow, Role::Accent));
    }
    let block = ctx.block(Line::from(title), true);
    let inner = block.inner(box_area);
    frame.render_widget(Clear, box_area);
    frame.render_widget(block, box_area);
    let column_width = ((inner.width as usize + 3) / columns).saturating_sub(3);
    let mut lines: Vec<Line> = (0..rows)
        .map(|row| {
            let mut spans = Vec::new();
            for column in 0..columns {
                let Some((keys, description)) = entries.get(column * rows + row) else {
                    continue;
                };
                if column > 0 {
                    spans.push(Span::raw("   "));
                }
                let keys = format::truncate(keys, key_width);
                let room = column_width.saturating_sub(key_width + 2);
                spans.push(ctx.span(format!("{keys:<key_width$}  "), Role::Key));
                let description = format::truncate(description, room);
                spans.push(ctx.span(format!("{description:<room$}"), Role::Text));
            }
            Line::from(spans)
        })
        .collect();
    if entries.is_empty() {
        lines = vec![Line::from(ctx.span("no keys are bound", Role::Muted))];
    }
    lines.push(Line::default());
    lines.push(Line::from(
        ctx.span("Command line (:, Tab completes)", Role::Title),
    ));
    let room = (inner.width as usize).saturating_sub(usage_width + 2);
    for (usage, description) in commands {
        lines.push(Line::from(vec![
            ctx.span(format!("{usage:<usage_width$}  "), Role::Key),
            ctx.span(format::truncate(description, room), Role::Text),
        ]));
    }
    let shown: Vec<Line> = lines.into_iter().skip(first).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// A form: one line per field (label, value, hint), the field's validation message under it,
/// the form's own error and the keys at the bottom. The focused field is highlighted and gets
/// the terminal cursor.
pub fn form(frame: &mut Frame, area: Rect, ctx: &Ctx, form: &Form) {
    let label_width = form
        .fields
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    let width = 76.min(area.width);
    let inner_width = width.saturating_sub(2) as usize;
    let error_width = inner_width.saturating_sub(label_width).max(10);
    // Validation messages wrap under their field; the hints are cut.
    let field_errors: Vec<Vec<String>> = form
        .fields
        .iter()
        .map(|f| {
            f.error
                .as_ref()
                .map(|e| format::wrap(&format!("↳ {e}"), error_width))
                .unwrap_or_default()
        })
        .collect();
    let form_error: Vec<String> = form
        .error
        .as_ref()
        .map(|e| format::wrap(&format!("⚠ {e}"), inner_width))
        .unwrap_or_default();
    let height = form.fields.len()
        + field_errors.iter().map(Vec::len).sum::<usize>()
        + form_error.len()
        + 2
        + 2;
    let box_area = centered(area, width, height as u16);
    let block = ctx.block(
        Line::from(ctx.span(format!(" {} ", form.title()), Role::Title)),
        true,
    );
    let inner = block.inner(box_area);
    frame.render_widget(Clear, box_area);
    frame.render_widget(block, box_area);
    let longest_hint = form
        .fields
        .iter()
        .map(|f| f.hint.chars().count())
        .max()
        .unwrap_or(0);
    let input_width = inner_width
        .saturating_sub(label_width + 2 + longest_hint)
        .clamp(16, 30)
        .min(inner_width.saturating_sub(label_width).max(1));
    let focus = form.focus.min(form.fields.len().saturating_sub(1));
    let mut y = inner.y;
    let bottom = inner.y + inner.height;
    let mut cursor = None;
    let row = |y: u16| Rect {
        y,
        height: 1,
        ..inner
    };
    for (i, field) in form.fields.iter().enumerate() {
        if y >= bottom {
            break;
        }
        let focused = i == focus;
        let (marker, label_role) = if focused {
            ("›", Role::Selection)
        } else {
            (" ", Role::Text)
        };
        let scroll = field.input.visual_scroll(input_width);
        let value: String = match field.choices() {
            // A choice shows it can be cycled.
            Some(_) => format!("‹ {} ›", field.value()),
            None => field
                .input
                .value()
                .chars()
                .skip(scroll)
                .take(input_width)
                .collect(),
        };
        let input_role = if form.pending.is_some() {
            Role::Muted
        } else if field.error.is_some() {
            Role::InputInvalid
        } else {
            Role::Input
        };
        let line = Line::from(vec![
            ctx.span(marker, Role::Accent),
            ctx.span(
                format!("{:<w$}", field.label, w = label_width - 1),
                label_role,
            ),
            ctx.span(format!("{value:<input_width$}"), input_role),
            ctx.span(format!("  {}", field.hint), Role::Muted),
        ]);
        frame.render_widget(Paragraph::new(line), row(y));
        // No cursor while the form is locked, waiting for the broker, nor on a choice.
        if focused && form.pending.is_none() && field.choices().is_none() {
            let offset = field.input.visual_cursor().saturating_sub(scroll) as u16;
            let x = inner.x + label_width as u16 + offset;
            cursor = Some(Position::new(
                x.min(inner.x + inner.width.saturating_sub(1)),
                y,
            ));
        }
        y += 1;
        for text in &field_errors[i] {
            if y >= bottom {
                break;
            }
            let line = Line::from(vec![
                Span::raw(" ".repeat(label_width)),
                ctx.span(text.clone(), Role::Error),
            ]);
            frame.render_widget(Paragraph::new(line), row(y));
            y += 1;
        }
    }
    let mut tail = vec![Line::default()];
    tail.extend(
        form_error
            .into_iter()
            .map(|text| Line::from(ctx.span(text, Role::Error))),
    );
    tail.push(if form.pending.is_some() {
        waiting(ctx, Mode::Form, form_waiting(form).to_owned())
    } else {
        form_keys(ctx)
    });
    if y < bottom {
        let rest = Rect {
            y,
            height: bottom - y,
            ..inner
        };
        frame.render_widget(Paragraph::new(tail), rest);
    }
    if let Some(position) = cursor {
        frame.set_cursor_position(position);
    }
}

/// What a submitted form says until the broker answers.
fn form_waiting(form: &Form) -> &'static str {
    match form.kind {
        FormKind::CreateStream => "creating the stream…",
        FormKind::Publish => "publishing…",
        FormKind::Burst => "starting…",
    }
}

/// What a confirmation says once sent, until the broker answers.
pub fn action_waiting(action: &Action) -> String {
    match action {
        Action::DeleteStream(name) => format!("deleting '{name}'…"),
        Action::PurgeStream(name) => format!("purging '{name}'…"),
        Action::DeleteConsumer { consumer, .. } => format!("deleting consumer '{consumer}'…"),
        _ => "waiting for the broker…".to_owned(),
    }
}

/// `deleting 'orders'…  esc close`: the request is out; closing does not recall it.
pub fn waiting(ctx: &Ctx, mode: Mode, what: String) -> Line<'static> {
    let mut spans = vec![ctx.span(what, Role::Accent)];
    if let Some(key) = ctx.keymap.hint(mode, Command::Cancel) {
        spans.push(Span::raw("  "));
        spans.push(ctx.span(key, Role::Key));
        spans.push(ctx.span(" close", Role::Muted));
    }
    Line::from(spans)
}

fn form_keys(ctx: &Ctx) -> Line<'static> {
    let mut spans = Vec::new();
    for (command, label) in [
        (Command::NextField, "next field"),
        (Command::Submit, "submit"),
        (Command::Cancel, "cancel"),
    ] {
        if let Some(key) = ctx.keymap.hint(Mode::Form, command) {
            if !spans.is_empty() {
                spans.push(Span::raw("  "));
            }
            spans.push(ctx.span(key, Role::Key));
            spans.push(ctx.span(format!(" {label}"), Role::Muted));
        }
    }
    Line::from(spans)
}
