//! Drawing the console. Every function here is a pure function of the [`App`] state, the
//! [`Theme`] and the [`Keymap`]: no I/O and no clock (ages are measured against `app.now`), so a
//! frame can be rendered on a `TestBackend` and checked cell by cell.
//!
//! [`draw`] lays the screen out ([`layout`]), draws the header, the top view (the panes, a
//! stream's detail, the consumers, a message, a tail), the footer with its key hints, status and
//! prompt, then the overlay that is open, if any (help, form, confirmation, burst).

mod burst;
mod confirm;
mod connections;
mod consumers;
mod detail;
mod errors;
mod fit;
mod footer;
pub mod format;
mod header;
pub mod layout;
mod message;
mod overlays;
mod servers;
mod streams;
mod tail;
mod throughput;

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use crate::command::{Command, Mode, Pane};
use crate::keymap::Keymap;
use crate::state::{App, Base, Overlay, Sourced};
use crate::theme::{Role, Theme};
use layout::Slot;

/// Draws the whole console for the current state.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, keymap: &Keymap) {
    let ctx = Ctx { app, theme, keymap };
    let screen = layout::screen(frame.area(), app);
    header::render(frame, screen.header, &ctx);
    match app.base() {
        Base::Detail(open) => detail::render(frame, screen.body, &ctx, open),
        Base::Consumers => consumers::render(frame, screen.body, &ctx),
        Base::Consumer(open) => consumers::detail(frame, screen.body, &ctx, open),
        Base::Message(open) => message::render(frame, screen.body, &ctx, open),
        Base::Tail(open) => tail::render(frame, screen.body, &ctx, open),
        Base::Dashboard => {
            for slot in layout::body(screen.body, app, screen.compact) {
                draw_slot(frame, &ctx, slot);
            }
        }
    }
    // The footer draws the prompt.
    footer::render(frame, screen.footer, &ctx);
    match app.overlay() {
        Some(Overlay::Help(help)) => overlays::help(frame, frame.area(), &ctx, help),
        Some(Overlay::Form(form)) => overlays::form(frame, frame.area(), &ctx, form),
        Some(Overlay::Confirm(open)) => confirm::render(frame, frame.area(), &ctx, open),
        Some(Overlay::Burst(open)) => burst::render(frame, frame.area(), &ctx, open),
        Some(Overlay::Prompt(_)) | None => {}
    }
}

fn draw_slot(frame: &mut Frame, ctx: &Ctx, slot: Slot) {
    match slot {
        Slot::Pane(pane, area) => {
            let focused = ctx.app.focus() == pane;
            match pane {
                Pane::Throughput => throughput::render(frame, area, ctx, focused),
                Pane::Streams => streams::render(frame, area, ctx, focused),
                Pane::Connections => connections::render(frame, area, ctx, focused),
                Pane::Errors => errors::render(frame, area, ctx, focused),
                Pane::Servers => servers::render(frame, area, ctx, focused),
            }
        }
        Slot::ThroughputStrip(area) => throughput::strip(frame, area, ctx),
        Slot::StreamsLine(area) => {
            frame.render_widget(Paragraph::new(streams::summary(ctx)), area);
        }
        Slot::Summary(panes, area) => {
            let mut spans = Vec::new();
            // The errors go last: their line is the one to cut when the terminal is narrow.
            let mut panes = panes;
            panes.sort_by_key(|p| *p == Pane::Errors);
            for pane in panes {
                let part = match pane {
                    Pane::Connections => connections::summary(ctx),
                    Pane::Errors => errors::summary(ctx),
                    Pane::Servers => servers::summary(ctx),
                    Pane::Throughput | Pane::Streams => continue,
                };
                if !spans.is_empty() {
                    spans.push(ctx.span(" │ ", Role::Border));
                }
                spans.extend(part);
            }
            frame.render_widget(Paragraph::new(Line::from(spans)), area);
        }
    }
}

/// What every pane draws with.
pub(crate) struct Ctx<'a> {
    pub app: &'a App,
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
}

impl Ctx<'_> {
    pub fn style(&self, role: Role) -> Style {
        self.theme.style(role)
    }

    pub fn span<'t>(&self, text: impl Into<std::borrow::Cow<'t, str>>, role: Role) -> Span<'t> {
        Span::styled(text, self.style(role))
    }

    /// `role`, or the stale role when the figure is old news.
    pub fn figure(&self, stale: bool, role: Role) -> Style {
        if stale {
            self.style(Role::Stale)
        } else {
            self.style(role)
        }
    }

    /// A pane's frame in `area`: its title with the key that focuses it, then `extra` title
    /// spans, cut with an ellipsis where the frame ends.
    pub fn pane_block(
        &self,
        pane: Pane,
        extra: Vec<Span<'static>>,
        focused: bool,
        area: Rect,
    ) -> Block<'static> {
        let mut title = vec![Span::raw(" ")];
        if let Some(key) = self.keymap.hint(Mode::Normal, Command::focus(pane)) {
            title.push(self.span(format!("{key} "), Role::Key));
        }
        title.push(self.span(pane.title(), Role::Title));
        title.extend(extra);
        let room = usize::from(area.width.saturating_sub(3));
        let mut title = fit::cut(title, room);
        title.spans.push(Span::raw(" "));
        self.block(title, focused)
    }

    pub fn block(&self, title: Line<'static>, focused: bool) -> Block<'static> {
        let (border, kind) = if focused {
            (Role::BorderFocused, BorderType::Thick)
        } else {
            (Role::Border, BorderType::Rounded)
        };
        Block::bordered()
            .border_type(kind)
            .border_style(self.style(border))
            .title(title)
    }

    /// The server the throughput and connections come from (its `/varz` and `/connz`), when
    /// the cluster has others whose figures those panes do not include.
    pub fn monitored_server(&self) -> Option<String> {
        let nodes = self.app.cluster.value.as_ref()?;
        let server = self.app.server.value.as_ref()?;
        (nodes.len() > 1 && !server.name.is_empty()).then(|| server.name.clone())
    }

    /// Why a source could not be refreshed and how old the figures shown are (`⚠ no answer for
    /// 9s · as of 14s ago`), or `None` when it is fine (or has not answered yet).
    pub fn source_note<T>(&self, source: &Sourced<T>) -> Option<Line<'static>> {
        let problem = source.problem(self.app.now)?;
        let mut spans = vec![self.span(format!("⚠ {problem}"), Role::Error)];
        if source.value.is_some() {
            let age = source
                .age(self.app.now)
                .map_or_else(String::new, |age| format!(" · as of {}", format::ago(age)));
            spans.push(self.span(age, Role::Stale));
        }
        Some(Line::from(spans))
    }

    /// The role of a consumer lag: warn and error from the session's thresholds.
    pub fn lag_role(&self, lag: u64) -> Role {
        let thresholds = self.app.session.lag;
        if lag >= thresholds.error {
            Role::Error
        } else if lag >= thresholds.warn {
            Role::Warn
        } else {
            Role::Text
        }
    }

    /// The line a pane shows before its source has answered.
    pub fn waiting(&self) -> Line<'static> {
        Line::from(self.span("waiting for data…", Role::Muted))
    }

    /// The note (if any) on the first line of `area`; returns what is left below it.
    pub fn note_on_top<T>(&self, frame: &mut Frame, area: Rect, source: &Sourced<T>) -> Rect {
        match self.source_note(source) {
            Some(note) if area.height > 0 => {
                frame.render_widget(Paragraph::new(note), Rect { height: 1, ..area });
                Rect {
                    y: area.y + 1,
                    height: area.height - 1,
                    ..area
                }
            }
            _ => area,
        }
    }
}

/// The widths a table with these column constraints gives its columns in `width` cells (one
/// cell between columns), as ratatui's `Table` lays them out: cells are cut to them with an
/// ellipsis rather than mid-word.
pub(crate) fn column_widths(width: u16, constraints: &[Constraint]) -> Vec<u16> {
    Layout::horizontal(constraints.iter().copied())
        .flex(Flex::Start)
        .spacing(1)
        .split(Rect::new(0, 0, width, 1))
        .iter()
        .map(|r| r.width)
        .collect()
}

/// The rows of a table `height` lines high (its header included) that are drawn, and where the
/// selection is among them: the selected row stays in view, at the bottom once it is past the
/// first screen, as ratatui's `Table` would place it. Only these rows are built, so a table of
/// a thousand streams costs what a screenful does.
pub(crate) fn window(len: usize, selected: usize, height: u16) -> (std::ops::Range<usize>, usize) {
    let shown = usize::from(height.saturating_sub(1)).max(1);
    let selected = selected.min(len.saturating_sub(1));
    let start = selected.saturating_sub(shown - 1);
    let end = (start + shown).min(len);
    (start..end, selected - start)
}

/// The sort arrow for a column: `▲` ascending, `▼` descending.
pub(crate) fn arrow(ascending: bool) -> &'static str {
    if ascending { "▲" } else { "▼" }
}
