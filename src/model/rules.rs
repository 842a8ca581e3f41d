//! NATS naming rules, written once and used by config loading, the API, provisioning and the
//! console forms.

/// JetStream refuses longer stream names.
pub const MAX_STREAM_NAME_LEN: usize = 255;
/// Longest subject accepted. A subject travels in the protocol's control line, which nats-server
/// caps at 4 KiB by default: a longer one makes the server drop the whole connection.
pub const MAX_SUBJECT_LEN: usize = 1024;
/// JetStream refuses a message whose header block is larger.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Longest message id accepted; JetStream keeps every id for the duplicate window.
pub const MAX_MSG_ID_LEN: usize = 1024;

/// Characters a stream name may hold besides letters and digits (of any script): printable ASCII
/// punctuation except what NATS gives meaning to in subjects (`.`, `*`, `>`) and path separators.
/// Invisible and non-printing code points are refused: a name that cannot be read cannot be
/// typed back, and some of them do not survive the server's JSON.
const NAME_PUNCTUATION: &str = "!\"#$%&'()+,-:;<=?@[]^_`{|}~";

/// Checks a stream name: what it accepts works end to end (create, publish, read, purge, delete).
pub fn stream_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("stream name must not be empty".into());
    }
    if name.len() > MAX_STREAM_NAME_LEN {
        return Err(format!(
            "stream name is {} bytes long; the limit is {MAX_STREAM_NAME_LEN}",
            name.len()
        ));
    }
    if let Some(c) = name.chars().find(|c| !stream_name_char(*c)) {
        return Err(format!(
            "stream name '{}' contains {}; names are letters, digits and printable punctuation \
             other than '.', '*', '>', '/' and '\\'",
            name.escape_debug(),
            describe_char(c)
        ));
    }
    Ok(())
}

/// Whether `c` may appear in a stream name.
pub fn stream_name_char(c: char) -> bool {
    c.is_alphanumeric() || NAME_PUNCTUATION.contains(c)
}

/// Why publishing to `subject` is refused by default, if it is: subjects whose first token starts
/// with `$` belong to the server (`$JS.API` manages streams, `$SYS` the system account, `$KV`
/// key-value buckets), and `_INBOX` ones carry other clients' replies.
pub fn reserved_subject(subject: &str) -> Option<&'static str> {
    let first = subject.split('.').next().unwrap_or_default();
    if first.starts_with('$') {
        Some(
            "its first token starts with '$': such subjects belong to the server (JetStream API, system account, key-value and object stores)",
        )
    } else if first == "_INBOX" {
        Some("_INBOX subjects carry other clients' replies")
    } else {
        None
    }
}

/// Checks a subject filter a stream may capture: wildcards allowed where NATS allows them.
pub fn subject_filter(subject: &str) -> Result<(), String> {
    check_subject(subject, true)
}

/// Checks a subject a message is published to: no wildcards.
pub fn publish_subject(subject: &str) -> Result<(), String> {
    check_subject(subject, false)
}

fn check_subject(subject: &str, wildcards: bool) -> Result<(), String> {
    if subject.is_empty() {
        return Err("subject must not be empty".into());
    }
    if subject.len() > MAX_SUBJECT_LEN {
        return Err(format!(
            "subject is {} bytes long; the limit is {MAX_SUBJECT_LEN}",
            subject.len()
        ));
    }
    if let Some(c) = subject
        .chars()
        .find(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "subject '{}' contains {}",
            subject.escape_debug(),
            describe_char(c)
        ));
    }
    let tokens: Vec<&str> = subject.split('.').collect();
    let last = tokens.len() - 1;
    for (i, token) in tokens.iter().enumerate() {
        if token.is_empty() {
            return Err(format!(
                "subject '{subject}' has an empty token (a leading, trailing or doubled '.')"
            ));
        }
        let has_wildcard = token.contains('*') || token.contains('>');
        if !has_wildcard {
            continue;
        }
        if !wildcards {
            return Err(format!(
                "subject '{subject}' contains a wildcard; messages are published to concrete subjects"
            ));
        }
        match *token {
            "*" => {}
            ">" if i == last => {}
            ">" => {
                return Err(format!(
                    "subject '{subject}' has '>' before its last token; '>' may only end a subject"
                ));
            }
            _ => {
                return Err(format!(
                    "subject '{subject}' has token '{token}'; a wildcard must be a whole token"
                ));
            }
        }
    }
    Ok(())
}

/// Whether some concrete subject would match both filters.
pub fn subjects_overlap(a: &str, b: &str) -> bool {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return true,
            (Some(">"), Some(_)) | (Some(_), Some(">")) => return true,
            (Some(x), Some(y)) if x == "*" || y == "*" || x == y => continue,
            _ => return false,
        }
    }
}

/// A subject of ours that some concrete subject would also send to another stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    pub ours: String,
    pub stream: String,
    pub theirs: String,
}

impl std::fmt::Display for Overlap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "subject '{}' overlaps subject '{}' of stream '{}'",
            self.ours, self.theirs, self.stream
        )
    }
}

/// Every stream among `others` (name, subjects) that would capture a subject `subjects` capture,
/// each with its first overlapping pair, in the order given. JetStream refuses a stream whose
/// subjects overlap another's, so this is checked before asking it.
pub fn overlaps<'a>(
    subjects: &[String],
    others: impl IntoIterator<Item = (&'a str, &'a [String])>,
) -> Vec<Overlap> {
    others
        .into_iter()
        .filter_map(|(stream, theirs)| {
            subjects.iter().find_map(|ours| {
                theirs
                    .iter()
                    .find(|theirs| subjects_overlap(ours, theirs))
                    .map(|theirs| Overlap {
                        ours: ours.clone(),
                        stream: stream.to_owned(),
                        theirs: theirs.clone(),
                    })
            })
        })
        .collect()
}

fn describe_char(c: char) -> String {
    if c.is_whitespace() {
        "whitespace".to_owned()
    } else if c.is_control() {
        format!("a control character (U+{:04X})", c as u32)
    } else if c.is_ascii_graphic() || c.is_alphanumeric() {
        format!("'{c}'")
    } else {
        // Invisible or unusual: name it so the operator can find it.
        format!("the code point U+{:04X}", c as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names() {
        assert!(stream_name("market_data").is_ok());
        assert!(stream_name("ORDERS-1").is_ok());
        for bad in [
            "",
            "a b",
            "a.b",
            "a*",
            "a>",
            "a/b",
            "a\\b",
            "tab\there",
            "zero\u{200b}width",
            "bom\u{feff}",
            "non\u{10ffff}char",
            "emoji\u{1f600}",
        ] {
            assert!(stream_name(bad).is_err(), "{bad:?} should be rejected");
        }
        for good in ["café", "中文", "a$b", "x-y_z", "(1)", "a@b#c"] {
            assert!(stream_name(good).is_ok(), "{good:?} should be accepted");
        }
        assert!(stream_name(&"x".repeat(256)).is_err());
        assert!(stream_name(&"x".repeat(255)).is_ok());
    }

    #[test]
    fn filters() {
        for ok in ["a", "a.b", "a.*", "a.>", ">", "*", "a.*.c", "market.>"] {
            assert!(subject_filter(ok).is_ok(), "{ok:?} should be accepted");
        }
        for bad in ["", "a..b", ".a", "a.", "a.>.b", "a.b*", "a b", "a.>x"] {
            assert!(subject_filter(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn long_subjects_are_refused_before_they_reach_the_protocol() {
        assert!(publish_subject(&"a".repeat(MAX_SUBJECT_LEN)).is_ok());
        assert!(publish_subject(&"a".repeat(MAX_SUBJECT_LEN + 1)).is_err());
    }

    #[test]
    fn reserved_subjects() {
        for reserved in [
            "$JS.API.STREAM.DELETE.x",
            "$SYS.REQ.SERVER.PING",
            "$KV.b.k",
            "_INBOX.abc",
        ] {
            assert!(reserved_subject(reserved).is_some(), "{reserved}");
        }
        for open in ["orders.new", "a.$JS", "_INBOXES.x", "inbox"] {
            assert!(reserved_subject(open).is_none(), "{open}");
        }
    }

    #[test]
    fn publish_subjects_have_no_wildcards() {
        assert!(publish_subject("market.btc.price").is_ok());
        for bad in ["a.*", "a.>", "", "a..b", "a b"] {
            assert!(publish_subject(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn overlap() {
        assert!(subjects_overlap("a.>", "a.b"));
        assert!(subjects_overlap("a.*", "a.b"));
        assert!(subjects_overlap("a.*.c", "a.b.*"));
        assert!(subjects_overlap(">", "x"));
        assert!(!subjects_overlap("a.>", "a"));
        assert!(!subjects_overlap("a.*", "a.b.c"));
        assert!(!subjects_overlap("a.b", "a.c"));
        assert!(!subjects_overlap("market.>", "trades.>"));
    }

    #[test]
    fn overlaps_name_every_stream_in_the_way() {
        let a = ["orders.>".to_owned()];
        let b = ["orders.eu".to_owned(), "x".to_owned()];
        let c = ["trades.>".to_owned()];
        let d = [">".to_owned()];
        let found = overlaps(
            &["orders.*".to_owned()],
            [("A", &a[..]), ("B", &b[..]), ("C", &c[..]), ("D", &d[..])],
        );
        let streams: Vec<&str> = found.iter().map(|o| o.stream.as_str()).collect();
        assert_eq!(streams, ["A", "B", "D"]);
        assert_eq!(
            found[1].to_string(),
            "subject 'orders.*' overlaps subject 'orders.eu' of stream 'B'"
        );
    }
}
