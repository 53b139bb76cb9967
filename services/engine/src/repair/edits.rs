//! Edits: what a repair changed, where, and why; and their algebra.
//!
//! A repair pass maps text A to text B and reports edits whose input spans
//! index A and whose output spans index B. [`compose`] chains two such lists
//! so the final edits index the caller's input and the final output;
//! [`apply`] replays edits on an input, which property tests use to prove that
//! the edits explain the output exactly.

use std::borrow::Cow;

use crate::Span;

/// The kind of one repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EditKind {
    /// An invalid byte sequence replaced with U+FFFD while decoding.
    DecodeError,
    /// UTF-8 that had been decoded as a legacy encoding, undone.
    Mojibake,
    /// Mojibake in which a byte was lost, restored by inference.
    LostByte,
    /// A C1 control character left by windows-1252, replaced.
    C1Control,
    /// An HTML entity decoded.
    HtmlEntity,
    /// A control character or NUL removed.
    ControlChar,
    /// A byte order mark inside the text removed.
    StrayBom,
    /// A lone surrogate or noncharacter replaced.
    Noncharacter,
    /// A line break made LF.
    LineBreak,
    /// A Unicode normalization form change.
    UnicodeForm,
    /// A curly quote straightened.
    Quote,
    /// A Latin ligature split.
    Ligature,
    /// A full-width or half-width form made standard width.
    Width,
    /// A lost diacritic restored.
    Diacritic,
}

impl EditKind {
    /// A short lower-case name, e.g. `mojibake`, for logs, JSON and metrics.
    pub fn name(self) -> &'static str {
        match self {
            EditKind::DecodeError => "decode_error",
            EditKind::Mojibake => "mojibake",
            EditKind::LostByte => "lost_byte",
            EditKind::C1Control => "c1_control",
            EditKind::HtmlEntity => "html_entity",
            EditKind::ControlChar => "control_char",
            EditKind::StrayBom => "stray_bom",
            EditKind::Noncharacter => "noncharacter",
            EditKind::LineBreak => "line_break",
            EditKind::UnicodeForm => "unicode_form",
            EditKind::Quote => "quote",
            EditKind::Ligature => "ligature",
            EditKind::Width => "width",
            EditKind::Diacritic => "diacritic",
        }
    }
}

/// One change: `input` in the input was replaced by `output` in the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Byte span in the input (the text, or the raw bytes when the input was
    /// bytes).
    pub input: Span,
    /// Byte span in the output text.
    pub output: Span,
    /// What kind of repair.
    pub kind: EditKind,
    /// Why, in words, e.g. "utf-8 read as windows-1252".
    pub reason: Cow<'static, str>,
}

/// Chains `first` (A → B) and `second` (B → C) into edits A → C.
///
/// Both lists must be sorted and non-overlapping. Edits that touch the same
/// stretch of B merge into one, keeping the earlier edit's kind and joining
/// the reasons.
pub fn compose(first: &[Edit], second: &[Edit]) -> Vec<Edit> {
    if first.is_empty() {
        return second.to_vec();
    }
    if second.is_empty() {
        return first.to_vec();
    }
    let mut b_to_a = Shift::new(first, |e| e.output, |e| e.input);
    compose_mapped(first, second, &mut |pos, is_end| b_to_a.map(pos, is_end))
}

/// Like [`compose`], but positions of B outside `first`'s edits map to A
/// through `b_to_a` (called with increasing positions; `is_end` says whether
/// the position closes a group) instead of by shifting. Used when A is raw
/// bytes in a legacy encoding, where B (the decoded text) differs from A
/// everywhere, not only inside edits.
pub(crate) fn compose_mapped(
    first: &[Edit],
    second: &[Edit],
    b_to_a: &mut dyn FnMut(usize, bool) -> usize,
) -> Vec<Edit> {
    // Intervals in B coordinates, tagged with their origin.
    let mut items: Vec<(Span, &Edit, bool)> = first
        .iter()
        .map(|e| (e.output, e, true))
        .chain(second.iter().map(|e| (e.input, e, false)))
        .collect();
    items.sort_by_key(|(s, _, _)| (s.start, s.end));

    let mut out = Vec::with_capacity(items.len());
    let mut b_to_c = Shift::new(second, |e| e.input, |e| e.output);
    let mut i = 0;
    while i < items.len() {
        let (mut group, e0, _) = items[i];
        let kind = e0.kind;
        let mut reason = e0.reason.clone();
        let mut j = i + 1;
        while j < items.len() {
            let (s, e, _) = items[j];
            let joins =
                s.start < group.end || (s.start == group.end && (s.is_empty() || group.is_empty()));
            if !joins {
                break;
            }
            group.end = group.end.max(s.end);
            if e.reason != reason {
                let mut joined = String::with_capacity(reason.len() + 7 + e.reason.len());
                joined.push_str(&reason);
                joined.push_str("; then ");
                joined.push_str(&e.reason);
                reason = Cow::Owned(joined);
            }
            j += 1;
        }
        // Keep the kind of the earliest-applied edit in the group.
        let kind = items[i..j]
            .iter()
            .find(|(_, _, from_first)| *from_first)
            .map_or(kind, |(_, e, _)| e.kind);
        out.push(Edit {
            input: Span::new(b_to_a(group.start, false), b_to_a(group.end, true)),
            output: Span::new(b_to_c.map(group.start, false), b_to_c.map(group.end, true)),
            kind,
            reason,
        });
        i = j;
    }
    out
}

/// Maps positions of one side of an edit list to the other side, for
/// positions that are not strictly inside an edit, visiting them in order.
struct Shift<'e, F, G> {
    edits: &'e [Edit],
    from: F,
    to: G,
    next: usize,
    delta: isize,
}

impl<'e, F: Fn(&Edit) -> Span, G: Fn(&Edit) -> Span> Shift<'e, F, G> {
    fn new(edits: &'e [Edit], from: F, to: G) -> Self {
        Shift {
            edits,
            from,
            to,
            next: 0,
            delta: 0,
        }
    }

    /// Maps `pos`; `is_end` says whether edits that are empty at `pos` lie
    /// before it (they do for the end of a group, not for its start).
    fn map(&mut self, pos: usize, is_end: bool) -> usize {
        while let Some(e) = self.edits.get(self.next) {
            let f = (self.from)(e);
            let passed = f.end < pos || (f.end == pos && (is_end || f.start < pos));
            if !passed {
                break;
            }
            let t = (self.to)(e);
            self.delta = t.end as isize - f.end as isize;
            self.next += 1;
        }
        (pos as isize + self.delta) as usize
    }
}

/// Replays `edits` on `input`, taking replacement text from `output`.
/// Returns `None` when the edits do not fit the two texts.
pub fn apply(input: &str, edits: &[Edit], output: &str) -> Option<String> {
    let mut s = String::with_capacity(output.len());
    let mut at = 0;
    for e in edits {
        s.push_str(input.get(at..e.input.start)?);
        s.push_str(e.output.get(output)?);
        at = e.input.end;
    }
    s.push_str(input.get(at..)?);
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(i: (usize, usize), o: (usize, usize), kind: EditKind) -> Edit {
        Edit {
            input: Span::new(i.0, i.1),
            output: Span::new(o.0, o.1),
            kind,
            reason: Cow::Borrowed(kind.name()),
        }
    }

    #[test]
    fn compose_disjoint_and_overlapping() {
        // A = "a\r\nb&amp;c"  --first (CRLF->LF)-->  B = "a\nb&amp;c"
        // B --second (&amp; -> &)--> C = "a\nb&c"
        let a = "a\r\nb&amp;c";
        let b = "a\nb&amp;c";
        let c = "a\nb&c";
        let first = vec![edit((1, 3), (1, 2), EditKind::LineBreak)];
        let second = vec![edit((3, 8), (3, 4), EditKind::HtmlEntity)];
        assert_eq!(apply(a, &first, b).as_deref(), Some(b));
        assert_eq!(apply(b, &second, c).as_deref(), Some(c));
        let ac = compose(&first, &second);
        assert_eq!(ac.len(), 2);
        assert_eq!(ac[1].input, Span::new(4, 9));
        assert_eq!(apply(a, &ac, c).as_deref(), Some(c));

        // overlapping: second rewrites what first produced
        // A = "cafÃ©" -> B = "café" (mojibake) -> C = "cafe\u{301}"? use a 2-step rewrite
        let a = "xÃ©y";
        let b = "xéy";
        let c = "xEy";
        let first = vec![edit((1, 5), (1, 3), EditKind::Mojibake)];
        let second = vec![edit((1, 3), (1, 2), EditKind::Width)];
        let ac = compose(&first, &second);
        assert_eq!(
            ac,
            vec![Edit {
                input: Span::new(1, 5),
                output: Span::new(1, 2),
                kind: EditKind::Mojibake,
                reason: Cow::Borrowed("mojibake; then width"),
            }]
        );
        assert_eq!(apply(a, &ac, c).as_deref(), Some(c));
        let _ = b;
    }

    #[test]
    fn compose_with_deletions_and_insertions() {
        // A = "a\0b" -> B = "ab" (delete NUL) -> C = "a-b" (insert '-')
        let first = vec![edit((1, 2), (1, 1), EditKind::ControlChar)];
        let second = vec![edit((1, 1), (1, 2), EditKind::Quote)];
        let ac = compose(&first, &second);
        assert_eq!(apply("a\0b", &ac, "a-b").as_deref(), Some("a-b"));
    }
}
