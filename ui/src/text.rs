//! Small text helpers the keymap and theme files share: where an offset is in a file, and which
//! known word a typo is closest to.

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    // An offset inside a multi-byte character counts as that character.
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Edit distance, with a swap of neighbours (`blod` for `bold`, `qiut` for `quit`) counting as
/// one edit: the typos people make in a file they edit by hand.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word` if it is at most `max` edits away; the first of equals wins.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "a\nbc\nd";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 2));
        assert_eq!(line_col(text, 5), (3, 1));
        assert_eq!(line_col(text, 99), (3, 2));
        // Columns count characters, not bytes.
        assert_eq!(line_col("é = x", 4), (1, 4));
        assert_eq!(line_col("é", 1), (1, 1));
    }

    #[test]
    fn edit_distance_counts_edits_and_swaps() {
        assert_eq!(edit_distance("quit", "quit"), 0);
        assert_eq!(edit_distance("qiut", "quit"), 1);
        assert_eq!(edit_distance("blod", "bold"), 1);
        assert_eq!(edit_distance("pag_down", "page_down"), 1);
        assert_eq!(edit_distance("", "up"), 2);
    }

    #[test]
    fn closest_within_a_bound() {
        let words = ["bold", "dim", "italic"];
        assert_eq!(closest("blod", words, 2), Some("bold"));
        assert_eq!(closest("underline", words, 2), None);
        assert_eq!(closest("dmi", words, 1), Some("dim"));
    }
}
