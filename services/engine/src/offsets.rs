//! Byte spans and their conversion to other offset units.
//!
//! Inside the engine every span is a half-open byte range `[start, end)` into
//! one named text (the input, the decoded text or the normalized text). Only
//! adapters convert spans to UTF-16 code units or code points, with
//! [`OffsetMapper`], which is linear for spans visited in order.

/// A half-open byte range `[start, end)` into one text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// First byte inside the span.
    pub start: usize,
    /// First byte after the span.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// Length in bytes.
    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    /// True for an empty span.
    pub const fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The text the span selects, or `None` when it is out of bounds or not on
    /// character boundaries.
    pub fn get<'t>(&self, text: &'t str) -> Option<&'t str> {
        text.get(self.start..self.end)
    }
}

/// How offsets count when they leave the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OffsetUnit {
    /// UTF-8 bytes (the engine's own unit).
    #[default]
    Utf8,
    /// UTF-16 code units.
    Utf16,
    /// Unicode scalar values.
    CodePoint,
}

/// Converts byte offsets of one text into another unit.
///
/// Keeps a cursor, so offsets asked for in increasing order cost time linear
/// in the text overall; an offset behind the cursor restarts from the nearest
/// of the cursor and the start. Offsets that are not on a character boundary
/// count the character they fall in as not yet reached.
#[derive(Debug, Clone)]
pub struct OffsetMapper<'t> {
    text: &'t str,
    unit: OffsetUnit,
    byte: usize,
    units: usize,
}

impl<'t> OffsetMapper<'t> {
    /// A mapper over `text` producing `unit` offsets.
    pub fn new(text: &'t str, unit: OffsetUnit) -> Self {
        OffsetMapper {
            text,
            unit,
            byte: 0,
            units: 0,
        }
    }

    /// The unit this mapper produces.
    pub fn unit(&self) -> OffsetUnit {
        self.unit
    }

    /// The offset, in this mapper's unit, of byte offset `byte`.
    /// Offsets past the end map to the end.
    pub fn map(&mut self, byte: usize) -> usize {
        if self.unit == OffsetUnit::Utf8 {
            return byte.min(self.text.len());
        }
        let byte = byte.min(self.text.len());
        if byte < self.byte {
            self.byte = 0;
            self.units = 0;
        }
        let bytes = self.text.as_bytes();
        // ASCII run fast path: one unit per byte in both UTF-16 and code points.
        while self.byte < byte {
            let b = bytes[self.byte];
            if b < 0x80 {
                self.byte += 1;
                self.units += 1;
                continue;
            }
            let width = utf8_width(b);
            if self.byte + width > byte {
                break;
            }
            self.units += match self.unit {
                OffsetUnit::Utf16 if width == 4 => 2,
                _ => 1,
            };
            self.byte += width;
        }
        self.units
    }

    /// Maps both ends of a span.
    pub fn map_span(&mut self, span: Span) -> (usize, usize) {
        let start = self.map(span.start);
        let end = self.map(span.end);
        (start, end)
    }
}

fn utf8_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_each_unit() {
        // "a" (1 byte), "é" (2), "я" (2), "😀" (4, two UTF-16 units), "e\u{301}" (1+2)
        let text = "aéя😀e\u{301}!";
        let cases: &[(OffsetUnit, &[(usize, usize)])] = &[
            (
                OffsetUnit::Utf8,
                &[(0, 0), (3, 3), (5, 5), (9, 9), (13, 13)],
            ),
            (
                OffsetUnit::Utf16,
                &[(0, 0), (3, 2), (5, 3), (9, 5), (10, 6), (12, 7), (13, 8)],
            ),
            (
                OffsetUnit::CodePoint,
                &[(0, 0), (3, 2), (5, 3), (9, 4), (10, 5), (12, 6), (13, 7)],
            ),
        ];
        for (unit, pairs) in cases {
            let mut m = OffsetMapper::new(text, *unit);
            for &(byte, want) in pairs.iter() {
                assert_eq!(m.map(byte), want, "{unit:?} at byte {byte}");
            }
            // and again out of order
            for &(byte, want) in pairs.iter().rev() {
                assert_eq!(m.map(byte), want, "{unit:?} at byte {byte}, reversed");
            }
        }
    }

    #[test]
    fn past_end_clamps() {
        let mut m = OffsetMapper::new("жж", OffsetUnit::CodePoint);
        assert_eq!(m.map(100), 2);
    }
}
