//! Fitting a line of parts into its width by priority: the least important parts are left out
//! whole, never cut mid-word; only when what must stay is still too wide is the end cut, with an
//! ellipsis.

use ratatui::text::{Line, Span};

/// A piece of a line and how much it matters: rank 0 always stays, higher ranks go first.
pub struct Part {
    pub spans: Vec<Span<'static>>,
    pub rank: u8,
}

impl Part {
    pub fn new(rank: u8, spans: Vec<Span<'static>>) -> Part {
        Part { spans, rank }
    }

    fn width(&self) -> usize {
        self.spans.iter().map(Span::width).sum()
    }
}

/// The parts that fit in `width`, in their order, joined by `separator`.
pub fn fit(mut parts: Vec<Part>, separator: &Span<'static>, width: usize) -> Line<'static> {
    let total = |parts: &[Part]| -> usize {
        let gaps = parts.len().saturating_sub(1) * separator.width();
        parts.iter().map(Part::width).sum::<usize>() + gaps
    };
    while total(&parts) > width {
        // The least important part, the last of equals.
        let drop = parts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.rank > 0)
            .max_by_key(|(i, p)| (p.rank, *i))
            .map(|(i, _)| i);
        match drop {
            Some(i) => {
                parts.remove(i);
            }
            None => break,
        }
    }
    let mut spans = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(separator.clone());
        }
        spans.extend(part.spans);
    }
    cut(spans, width)
}

/// `spans` cut to `width` cells, with `…` as the last cell when anything was cut.
pub fn cut(spans: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let total: usize = spans.iter().map(Span::width).sum();
    if total <= width {
        return Line::from(spans);
    }
    let mut room = width.saturating_sub(1);
    let mut kept = Vec::new();
    for span in spans {
        if room == 0 {
            break;
        }
        let w = span.width();
        if w <= room {
            room -= w;
            kept.push(span);
        } else {
            let text: String = span.content.chars().take(room).collect();
            kept.push(Span::styled(text, span.style));
            room = 0;
        }
    }
    if width > 0 {
        let style = kept.last().map(|s: &Span| s.style).unwrap_or_default();
        kept.push(Span::styled("…", style));
    }
    Line::from(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_table_builds_only_the_rows_in_view() {
        use crate::view::window;
        // 10 lines: a header and 9 rows.
        assert_eq!(window(1000, 0, 10), (0..9, 0));
        assert_eq!(window(1000, 8, 10), (0..9, 8));
        // Past the first screen, the selection is the last row drawn.
        assert_eq!(window(1000, 500, 10), (492..501, 8));
        assert_eq!(window(3, 7, 10), (0..3, 2));
        assert_eq!(window(0, 0, 10), (0..0, 0));
        assert_eq!(window(5, 2, 0), (2..3, 0));
    }

    #[test]
    fn least_important_parts_go_first_whole() {
        let parts = || {
            vec![
                Part::new(0, vec![Span::raw("12 streams")]),
                Part::new(2, vec![Span::raw("api 5.9k requests, 0 errors")]),
                Part::new(1, vec![Span::raw("4 consumers")]),
            ]
        };
        let sep = Span::raw(" · ");
        assert_eq!(
            text(&fit(parts(), &sep, 80)),
            "12 streams · api 5.9k requests, 0 errors · 4 consumers"
        );
        assert_eq!(text(&fit(parts(), &sep, 30)), "12 streams · 4 consumers");
        assert_eq!(text(&fit(parts(), &sep, 12)), "12 streams");
        assert_eq!(text(&fit(parts(), &sep, 6)), "12 st…");
        assert_eq!(text(&fit(parts(), &sep, 0)), "");
    }
}
