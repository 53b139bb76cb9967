//! The terminal view of one [`Output`]: sentences with cues highlighted by
//! category (ANSI colors, or `[cue|category]` marks without color), edits
//! and tags listed, scores. Spans shown are in the user's unit; positions
//! inside the text are found with [`UnitIndex`].

use std::io::{self, Write};

use crate::model::{Offsets, Output, UnitIndex};

const RESET: &str = "\x1b[0m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";

fn category_color(c: &str) -> &'static str {
    match c {
        "hedge" => "\x1b[1;33m",
        "pessimism" => "\x1b[1;31m",
        "booster" => "\x1b[1;32m",
        _ => "\x1b[1;35m",
    }
}

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_owned()
        }
    }
}

/// Cue byte ranges inside `base`, with their category.
fn cue_bytes<'o>(o: &'o Output<'_>, base: &str, unit: Offsets) -> Vec<(usize, usize, &'o str)> {
    let mut idx = UnitIndex::new(base, unit);
    let mut v = Vec::new();
    for t in o.tags.iter().flatten() {
        if let (Some(b), Some(e)) = (idx.byte_of(t.start), idx.byte_of(t.end)) {
            v.push((b, e, t.category));
        }
    }
    v.sort_by_key(|&(b, e, _)| (b, std::cmp::Reverse(e)));
    v
}

/// `base[from..to]` with the cues inside it highlighted. Overlapping cues
/// are shown by their first (longest) one.
fn highlight(
    base: &str,
    from: usize,
    to: usize,
    cues: &[(usize, usize, &str)],
    style: &Style,
) -> String {
    let mut out = String::new();
    let mut pos = from;
    for &(b, e, cat) in cues {
        if b < pos || e > to || b >= e {
            continue;
        }
        out.push_str(&base[pos..b]);
        let cue = &base[b..e];
        if style.color {
            out.push_str(&style.paint(category_color(cat), cue));
        } else {
            out.push_str(&format!("[{cue}|{cat}]"));
        }
        pos = e;
    }
    out.push_str(&base[pos..to]);
    out
}

fn indent(s: &str) -> String {
    s.replace('\n', "\n     ")
}

/// Writes the view of `o`, whose spans index `base`.
pub(crate) fn render(
    w: &mut impl Write,
    o: &Output<'_>,
    base: &str,
    unit: Offsets,
    color: bool,
) -> io::Result<()> {
    let st = Style { color };
    writeln!(w, "{}", st.paint(BOLD, &format!("== {} ==", o.id.get())))?;
    let mut facts = Vec::new();
    if let Some(l) = o.language {
        facts.push(format!("language {l}"));
    }
    if let Some(e) = &o.encoding {
        facts.push(format!(
            "encoding {} ({}, {} replaced)",
            e.name, e.evidence, e.replaced_sequences
        ));
    }
    facts.push(format!("offsets {unit:?}").to_lowercase());
    writeln!(w, "{}", st.paint(DIM, &facts.join(" · ")))?;

    let cues = cue_bytes(o, base, unit);
    match (&o.spans, &o.kinds) {
        (Some(spans), kinds) => {
            writeln!(w, "sentences ({}):", spans.len())?;
            let mut idx = UnitIndex::new(base, unit);
            for (i, s) in spans.iter().enumerate() {
                let (Some(b), Some(e)) = (idx.byte_of(s[0]), idx.byte_of(s[1])) else {
                    continue;
                };
                let kind = kinds
                    .as_ref()
                    .and_then(|k| k.get(i))
                    .filter(|k| **k != "sentence")
                    .map(|k| st.paint(DIM, &format!("[{k}] ")))
                    .unwrap_or_default();
                let body = indent(highlight(base, b, e, &cues, &st).trim_end());
                writeln!(w, "{:>3}. {kind}{body}", i + 1)?;
            }
        }
        (None, _) => {
            if o.tags.is_some() || o.text.is_some() {
                writeln!(w, "text:")?;
                writeln!(
                    w,
                    "     {}",
                    indent(highlight(base, 0, base.len(), &cues, &st).trim_end())
                )?;
            }
        }
    }
    if let Some(edits) = &o.edits {
        writeln!(w, "edits ({}):", edits.len())?;
        for e in edits {
            writeln!(
                w,
                "  {:<13} in [{},{}) → out [{},{})  {}",
                e.kind, e.input[0], e.input[1], e.output[0], e.output[1], e.reason
            )?;
        }
    }
    if let Some(tags) = &o.tags {
        writeln!(w, "tags ({}):", tags.len())?;
        for t in tags {
            let mut flags = String::new();
            if t.negated {
                flags.push_str(" negated");
            }
            if t.in_quotation {
                flags.push_str(" quoted");
            }
            writeln!(
                w,
                "  {}  [{},{})  {:?}  {}{}",
                st.paint(category_color(t.category), &format!("{:<9}", t.category)),
                t.start,
                t.end,
                t.text,
                st.paint(DIM, t.entry_id),
                flags
            )?;
        }
    }
    if let Some(s) = &o.scores {
        writeln!(
            w,
            "scores: hedge {:.3} · pessimism {:.3} · booster {:.3}",
            s.hedge, s.pessimism, s.booster
        )?;
    }
    if let Some(v) = &o.lexicon_version {
        writeln!(
            w,
            "{}",
            st.paint(DIM, &format!("lexicons {} ({})", v.version, v.content_hash))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_without_color() {
        let st = Style { color: false };
        let base = "Ну, вероятно, да. It may rain.";
        let b = base.find("вероятно").expect("cue");
        let cues = [(b, b + "вероятно".len(), "hedge")];
        assert_eq!(
            highlight(base, 0, base.len(), &cues, &st),
            "Ну, [вероятно|hedge], да. It may rain."
        );
        let st = Style { color: true };
        let h = highlight(base, 0, base.len(), &cues, &st);
        assert!(h.contains("\x1b[1;33mвероятно\x1b[0m"), "{h}");
    }
}
