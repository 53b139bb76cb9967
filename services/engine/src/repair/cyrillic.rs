//! Russian-specific repairs that ftfy does not make, judged by a plausibility
//! score for Russian letter sequences (written for this crate: letter
//! frequencies plus a list of common letter pairs, and word case patterns).
//!
//! - UTF-8 read as KOI8-R: each Cyrillic letter became a letter `п`/`я`
//!   followed by a box-drawing or math symbol (`п╟п╡п╣`); runs of such pairs
//!   are decoded back.
//! - windows-1251 read as windows-1252 (`Ðûíîê` for `Рынок`): words made only
//!   of accented Latin letters are re-read when the result is plausible
//!   Russian.
//! - KOI8-R read as windows-1251 (`рТЙЧЕФ` for `Привет`): Cyrillic words
//!   whose letters are implausible as Russian are re-read when the result is
//!   plausible.
//!
//! Correct Russian is never touched: a re-reading must score well *and* the
//! original must score badly. Won't: guess other Cyrillic languages.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::EditKind;
use super::codecs::{self, CODECS, KOI8_R, WINDOWS_1251, WINDOWS_1252};
use super::mojibake::PassOutput;
use super::passes::Rewriter;
use crate::Span;

/// Common Russian letter pairs (lower case), written for this crate.
const COMMON_PAIRS: &str = "ст но то на ен ов ни ра во ко ро ал пр ре по ет ер ор ос ли ла ан ес ол ва \
от ел ит ат не ле ка ри ог од го ом де та ть ся ая ие ые ый ий ой ей ую ию ми ма ны мо ди ск ки тв за \
со се си са сл см сп св сь ме ти тр ту ты те тс тн тк нн нт нс нь нд ак ам ас ар ав аз ай ах аш ач \
ащ ба бо бы бу бе би бл бр ве ви ву вы вн вс вл вр вт вп вз вш га ге гл гд гр гу да до ду ды дн др \
дл дв же жи жн жд жа зв зд зн зо зы зы ив иг ид иж из ик ил им ин ио ип ир ис иц ич иш их ищ йс йн \
кл кр ку кт кц лу лы лю ль лк лн лс лт мы мн му мм мп мс ну нц об ое ож оз ои ок оп оч ош ох ощ оц \
ою оя па пе пи пл пп пу пы пь ру ры рт рс рн рм рк рг рд рь рх рш сш сс су сх сч сы тя тю уб ув уг \
уд уе уж уз ук ул ум ун уп ур ус ут уч уш фе фи фо фр фа ха хи хо хр ху хн ца це цо ци ча че чи чн \
чт чк ша ше ши шл шн шь ще щи ща ъе ым ых ыв ыл ын ыс ыт ьк ьн ьс ьт ью ья ьш эк эл эн эт эф юб юд \
юз юр юс ющ яв яд яе яз як ял ям ян яр яс ят ях яч ящ ев ег ед ее еж ез ек ем еп еч еш ещ ею ея еб \
зи зе за зм нг ем ам им ум нк нз иа ия иу мя мн бъ въ съ ъя жу шу чу щу цы кс кв гн дс дк тщ сд жб он ло ии ля ыр дд рж нф юч вк бщ ня рв ги аб";

/// Approximate frequency (per thousand letters) of а..я in Russian text.
const FREQ: [u8; 32] = [
    80, 16, 45, 17, 30, 85, 9, 16, 74, 12, 35, 44, 32, 67, 110, 28, 47, 55, 63, 26, 3, 10, 5, 14,
    7, 4, 1, 19, 17, 3, 6, 20,
];

fn letter_index(c: char) -> Option<usize> {
    let l = match c {
        'А'..='Я' => (c as u32 - 'А' as u32) as usize,
        'а'..='я' => (c as u32 - 'а' as u32) as usize,
        'ё' | 'Ё' => 5,
        _ => return None,
    };
    Some(l)
}

fn pairs() -> &'static [[bool; 32]; 32] {
    static P: OnceLock<[[bool; 32]; 32]> = OnceLock::new();
    P.get_or_init(|| {
        let mut p = [[false; 32]; 32];
        for pair in COMMON_PAIRS.split_whitespace() {
            let mut it = pair.chars().filter_map(letter_index);
            if let (Some(a), Some(b)) = (it.next(), it.next()) {
                p[a][b] = true;
            }
        }
        p
    })
}

/// Plausibility of Cyrillic words as Russian.
#[derive(Debug, Default, Clone, Copy)]
struct Score {
    letters: usize,
    pairs: usize,
    pair_hits: usize,
    freq: usize,
    bad_case: usize,
    words: usize,
}

impl Score {
    fn add_word(&mut self, word: &str) {
        let p = pairs();
        let mut prev: Option<usize> = None;
        let mut uppers = 0;
        let mut n = 0;
        let mut first_upper = false;
        for c in word.chars() {
            let Some(i) = letter_index(c) else {
                prev = None;
                continue;
            };
            let upper = c.is_uppercase();
            if n == 0 {
                first_upper = upper;
            }
            uppers += usize::from(upper);
            n += 1;
            self.freq += usize::from(FREQ[i]);
            if let Some(a) = prev {
                self.pairs += 1;
                self.pair_hits += usize::from(p[a][i]);
            }
            prev = Some(i);
        }
        self.letters += n;
        self.words += 1;
        let case_ok = uppers == 0 || uppers == n || (uppers == 1 && first_upper);
        if !case_ok {
            self.bad_case += 1;
        }
    }

    fn hit_rate(&self) -> f64 {
        if self.pairs == 0 {
            return 0.0;
        }
        self.pair_hits as f64 / self.pairs as f64
    }

    fn mean_freq(&self) -> f64 {
        if self.letters == 0 {
            return 0.0;
        }
        self.freq as f64 / self.letters as f64
    }

    /// Reads as Russian.
    fn plausible(&self) -> bool {
        self.letters >= 5
            && self.hit_rate() >= 0.75
            && self.mean_freq() >= 38.0
            && self.bad_case * 4 <= self.words
    }

    /// Does not read as Russian.
    fn implausible(&self) -> bool {
        self.hit_rate() <= 0.6 || self.mean_freq() < 30.0 || self.bad_case * 3 > self.words
    }
}

/// Runs the three repairs on one line; the caller's scan says which can
/// apply (`boxes`: box-drawing characters present; `accented_run`: three
/// accented Latin letters in a row; `many_capitals`: at least a third of the
/// Russian letters are capitals, as KOI8-R read as windows-1251 makes them).
pub(super) fn fix(text: &str, boxes: bool, accented_run: bool, many_capitals: bool) -> PassOutput {
    boxes
        .then(|| koi8_utf8(text))
        .flatten()
        .or_else(|| {
            accented_run
                .then(|| remap_words(text, Mixup::Cp1251AsCp1252))
                .flatten()
        })
        .or_else(|| {
            many_capitals
                .then(|| remap_words(text, Mixup::Koi8AsCp1251))
                .flatten()
        })
}

/// UTF-8 read as KOI8-R.
fn koi8_utf8(text: &str) -> PassOutput {
    let koi = &CODECS[KOI8_R];
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let lead = |c: char| -> usize {
        match codecs::encode_char(c, KOI8_R) {
            Some(0xC2..=0xDF) => 1,
            Some(0xE0..=0xEF) => 2,
            Some(0xF0..=0xF4) => 3,
            _ => 0,
        }
    };
    // Continuation bytes read as KOI8-R are box-drawing and maths symbols,
    // plus `ё`/`Ё`; a run must hold at least one symbol.
    let cont = |c: char| -> bool { matches!(codecs::encode_char(c, KOI8_R), Some(0x80..=0xBF)) };
    let mut rw: Option<Rewriter<'_>> = None;
    let mut p = 0;
    while p < chars.len() {
        let mut q = p;
        let mut units = 0;
        while q < chars.len() {
            let need = lead(chars[q].1);
            if need == 0 || !(1..=need).all(|k| chars.get(q + k).is_some_and(|x| cont(x.1))) {
                break;
            }
            q += need + 1;
            units += 1;
        }
        if units == 0 {
            p += 1;
            continue;
        }
        let start = chars[p].0;
        let end = chars.get(q).map_or(text.len(), |x| x.0);
        let run = &chars[p..q];
        // `Ё` after a lower-case letter (`пЁ` is `г`) is as telling.
        let has_symbol = run
            .iter()
            .any(|x| (!x.1.is_alphabetic() || x.1 == 'Ё') && cont(x.1));
        if has_symbol {
            let bytes: Option<Vec<u8>> = text[start..end]
                .chars()
                .map(|c| codecs::encode_char(c, KOI8_R))
                .collect();
            if let Some(fixed) = bytes.and_then(|b| String::from_utf8(b).ok()) {
                let rw = rw.get_or_insert_with(|| Rewriter::new(text));
                rw.replace(
                    Span::new(start, end),
                    &fixed,
                    EditKind::Mojibake,
                    Cow::Borrowed("utf-8 read as koi8-r"),
                );
            }
        }
        p = q;
    }
    let _ = koi;
    rw.and_then(Rewriter::finish)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mixup {
    Cp1251AsCp1252,
    Koi8AsCp1251,
}

impl Mixup {
    /// Whether `c` can be part of a damaged word.
    fn candidate(self, c: char) -> bool {
        match self {
            Mixup::Cp1251AsCp1252 => matches!(c, 'À'..='ÿ' | '¨' | '¸') && c != '×' && c != '÷',
            Mixup::Koi8AsCp1251 => letter_index(c).is_some(),
        }
    }

    fn map(self, c: char) -> Option<char> {
        let (from, to) = match self {
            Mixup::Cp1251AsCp1252 => (WINDOWS_1252, WINDOWS_1251),
            Mixup::Koi8AsCp1251 => (WINDOWS_1251, KOI8_R),
        };
        let b = codecs::encode_char(c, from)?;
        let d = CODECS[to].decode(b);
        letter_index(d).map(|_| d)
    }

    fn reason(self) -> &'static str {
        match self {
            Mixup::Cp1251AsCp1252 => "windows-1251 read as windows-1252",
            Mixup::Koi8AsCp1251 => "koi8-r read as windows-1251",
        }
    }
}

/// Words (maximal runs of letters) of `text` whose letters are all
/// candidates of `m`.
fn candidate_words(text: &str, m: Mixup) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let mut ok = true;
    let close = |s: usize, e: usize, ok: bool, words: &mut Vec<(usize, usize)>| {
        if ok && e > s {
            words.push((s, e));
        }
    };
    for (i, c) in text.char_indices() {
        if c.is_alphabetic() || matches!(c, '¨' | '¸') {
            if start.is_none() {
                start = Some(i);
                ok = true;
            }
            ok &= m.candidate(c);
        } else if let Some(s) = start.take() {
            close(s, i, ok, &mut words);
        }
    }
    if let Some(s) = start {
        close(s, text.len(), ok, &mut words);
    }
    words
}

fn remap_words(text: &str, m: Mixup) -> PassOutput {
    let words = candidate_words(text, m);
    if words.is_empty() {
        return None;
    }
    let mut before = Score::default();
    let mut after = Score::default();
    let mut mapped: Vec<Option<String>> = Vec::with_capacity(words.len());
    for &(s, e) in &words {
        let w = &text[s..e];
        let r: Option<String> = w.chars().map(|c| m.map(c)).collect();
        if let Some(r) = &r {
            after.add_word(r);
            before.add_word(w);
        }
        mapped.push(r);
    }
    if m == Mixup::Cp1251AsCp1252 {
        // Western words made only of accented letters are rare; demand
        // enough of them that the decision rests on real evidence.
        let long = words
            .iter()
            .filter(|(s, e)| text[*s..*e].chars().count() >= 3)
            .count();
        if after.letters < 6 || long == 0 || !after.plausible() {
            return None;
        }
    } else if after.letters < 8 || !after.plausible() || !before.implausible() {
        return None;
    }
    let mut rw = Rewriter::new(text);
    for (&(s, e), r) in words.iter().zip(&mapped) {
        if let Some(r) = r {
            rw.replace(
                Span::new(s, e),
                r,
                EditKind::Mojibake,
                Cow::Borrowed(m.reason()),
            );
        }
    }
    rw.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn koi8_as_1251(s: &str) -> String {
        s.chars()
            .map(|c| {
                let b = codecs::encode_char(c, KOI8_R).expect("koi8");
                CODECS[WINDOWS_1251].decode(b)
            })
            .collect()
    }

    #[test]
    fn russian_scores_plausible() {
        let mut s = Score::default();
        for w in "Рынок акций вырос на фоне новостей о переговорах".split(' ')
        {
            s.add_word(w);
        }
        assert!(s.plausible(), "{s:?}");
        let mut t = Score::default();
        for w in koi8_as_1251("Рынок акций вырос на фоне новостей о переговорах").split(' ')
        {
            t.add_word(w);
        }
        assert!(t.implausible(), "{t:?}");
    }
}
