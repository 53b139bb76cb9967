//! Lost diacritics: words in which an accented letter became `·`, `?` or
//! U+FFFD (`na·ve`, `caf�`, `Gda?sk`) are restored from a built-in word list
//! of common English loanwords and frequent European names and places.
//!
//! Matching uses no regular expressions: every list word is stored under its
//! skeleton (lower case, each non-ASCII letter replaced by `*`) in a hash
//! map; a damaged word is looked up by its own skeleton (each damage mark,
//! or pair of marks for the two bytes of a UTF-8 letter, becomes one `*`),
//! and candidates must agree with the word's intact letters. A word is
//! restored only when exactly one candidate fits.
//!
//! Won't: restore words that are not in the list, touch `?` or `·` that
//! are not between letters (questions, Catalan `l·l` stays: it is not a
//! list word), or guess between two candidates.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::EditKind;
use super::mojibake::PassOutput;
use super::passes::Rewriter;
use crate::Span;

/// The word list, written for this crate.
const WORDS: &str = "\
café cafés naïve naïveté résumé résumés fiancé fiancée déjà décor débris début débutante détente \
élite éclair entrée entrées façade fête flambé frappé crème crêpe crêpes brûlée cliché clichés communiqué \
consommé coupé exposé habitué matinée mêlée négligée passé pâté protégé protégée purée risqué sauté \
soirée soufflé touché attaché blasé canapé née glacé rosé piñata jalapeño jalapeños señor señora \
señorita mañana niño niña doppelgänger über jäger smörgåsbord noël zoë chloë brontë beyoncé renée \
andré zoé rené hélène clémence frédéric émile émilie jérôme gérard céline amélie thérèse françoise \
françois ségolène étienne eugène gaël joël raphaël anaïs héloïse loïc citroën nestlé hermès moët \
gdańsk kraków łódź wrocław poznań toruń białystok wałęsa świątek łukasz paweł michał rafał józef \
mikołaj zürich genève malmö göteborg västerås linköping jönköping örebro umeå århus københavn \
tromsø bodø ålesund søren bjørn sørensen jørgensen øresund são brasília belém goiânia maceió paraná \
ceará bogotá medellín méxico mérida querétaro cancún québec montréal köln münchen düsseldorf \
nürnberg saarbrücken lübeck göttingen tübingen würzburg österreich mönchengladbach besançon \
orléans nîmes béziers sète compiègne curaçao reykjavík škoda dvořák janáček plzeň košice tomáš \
jiří miloš babiš erdoğan türkiye muğla eskişehir şanlıurfa çanakkale diyarbakır gündoğan özil \
götze löw müller schröder schäuble gómez pérez garcía martínez rodríguez hernández lópez \
gonzález sánchez ramírez josé jesús chávez núñez muñoz peña ibáñez méndez domínguez vázquez \
jiménez álvarez gutiérrez fernández benítez díaz suárez nicolás andrés tomás martín adrián \
julián sebastián iñaki iñigo simón ramón asunción concepción perú panamá córdoba málaga cádiz \
almería cáceres león logroño alcalá aragón gijón coruña valència açores élysées côte réunion \
orbán győr pécs székesfehérvár đoković dončić modrić perišić vučić tadić kovačević ivanović \
ibrahimović mbappé hernández antónio joão conceição guimarães gonçalves simões magalhães \
fátima luís inês patrícia lúcia mónica sílvia estévez";

fn index() -> &'static HashMap<String, Vec<&'static str>> {
    static INDEX: OnceLock<HashMap<String, Vec<&'static str>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m: HashMap<String, Vec<&'static str>> = HashMap::new();
        for w in WORDS.split_whitespace() {
            let key: String = w
                .chars()
                .map(|c| if c.is_ascii() { c } else { '*' })
                .collect();
            let v = m.entry(key).or_default();
            if !v.contains(&w) {
                v.push(w);
            }
        }
        m
    })
}

fn is_mark(c: char) -> bool {
    matches!(c, '·' | '?' | '\u{FFFD}')
}

/// Restores lost diacritics in list words.
pub(super) fn restore(text: &str) -> PassOutput {
    if !text.contains(is_mark) {
        return None;
    }
    let mut rw: Option<Rewriter<'_>> = None;
    let mut start: Option<usize> = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if c.is_alphabetic() || is_mark(c) {
            start.get_or_insert(i);
            continue;
        }
        if let Some((ws, we, w)) = start
            .take()
            .and_then(|s| restore_word(&text[s..i]).map(|(ws, we, w)| (s + ws, s + we, w)))
        {
            {
                rw.get_or_insert_with(|| Rewriter::new(text)).replace(
                    Span::new(ws, we),
                    &w,
                    EditKind::Diacritic,
                    Cow::Borrowed("lost diacritic restored from the word list"),
                );
            }
        }
    }
    rw.and_then(Rewriter::finish)
}

/// For a token of letters and marks, the restored word and its span inside
/// the token.
fn restore_word(token: &str) -> Option<(usize, usize, String)> {
    // A trailing `?` is a question mark (`touch?` must not become
    // `touché`); a trailing `·` or U+FFFD is a lost letter. Leading marks
    // are not part of words.
    let trimmed_end = token.trim_end_matches('?');
    let trimmed = trimmed_end.trim_start_matches(is_mark);
    let off = trimmed_end.len() - trimmed.len();
    if !trimmed.contains(is_mark) {
        return None;
    }
    // Split into units: letters, or runs of one or two marks (one lost
    // letter may have left one mark per UTF-8 byte).
    let chars: Vec<char> = trimmed.chars().collect();
    let mut units: Vec<(Option<char>, bool)> = Vec::new(); // (letter, is_wildcard)
    let mut k = 0;
    while k < chars.len() {
        if is_mark(chars[k]) {
            let mut n = 1;
            while k + n < chars.len() && is_mark(chars[k + n]) {
                n += 1;
            }
            if n > 2 {
                return None;
            }
            units.push((None, true));
            k += n;
        } else {
            units.push((Some(chars[k]), false));
            k += 1;
        }
    }
    let letters = units.iter().filter(|u| u.0.is_some()).count();
    if letters < 2 {
        return None;
    }
    let key: String = units
        .iter()
        .map(|u| match u.0 {
            Some(c) if c.is_ascii() => c.to_ascii_lowercase(),
            _ => '*',
        })
        .collect();
    let cands = index().get(&key)?;
    let fits: Vec<&&str> = cands
        .iter()
        .filter(|w| {
            w.chars().zip(&units).all(|(wc, u)| match u.0 {
                Some(c) if !c.is_ascii() => c.to_lowercase().eq(wc.to_lowercase()),
                _ => true,
            })
        })
        .collect();
    let [word] = fits.as_slice() else {
        return None;
    };
    let ascii_letters: Vec<char> = units
        .iter()
        .filter_map(|u| u.0)
        .filter(char::is_ascii_alphabetic)
        .collect();
    let all_caps = ascii_letters.len() >= 2 && ascii_letters.iter().all(char::is_ascii_uppercase);
    let mut out = String::with_capacity(trimmed.len() + 2);
    for (i, (wc, u)) in word.chars().zip(&units).enumerate() {
        match u.0 {
            Some(c) => out.push(c),
            None if all_caps
                || (i == 0
                    && units
                        .get(1)
                        .and_then(|u| u.0)
                        .is_some_and(char::is_uppercase)) =>
            {
                out.extend(wc.to_uppercase());
            }
            None => out.push(wc),
        }
    }
    Some((off, off + trimmed.len(), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restores_only_unique_list_words() {
        let cases = [
            ("a na·ve idea", Some("a naïve idea")),
            ("the caf\u{FFFD} opened", Some("the café opened")),
            ("in Gda?sk today", Some("in Gdańsk today")),
            ("CAF\u{FFFD} OPEN", Some("CAFÉ OPEN")),
            ("Rodr??guez", Some("Rodríguez")),
            ("col·lecció i paral·lel", None),
            ("is it a caf?", None),
            ("what?no", None),
            ("index.php?id=3", None),
        ];
        for (input, want) in cases {
            let got = restore(input).map(|(s, _)| s);
            assert_eq!(got.as_deref(), want, "{input}");
        }
    }
}
