//! Printing outputs: the terminal view, one JSON document (`--json`), or one
//! JSON object per line (`--jsonl`). Every mode prints the same
//! [`Output`] whichever backend built it.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::value::RawValue;

use crate::model::{ErrorLine, ErrorOut, Offsets, Output};
use crate::{fastjson, render};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Human-readable; ANSI colors when `color`.
    View {
        /// Use ANSI colors.
        color: bool,
    },
    /// One JSON document: an object for one input, an array for several.
    Json,
    /// One compact JSON object per line.
    Jsonl,
}

/// Writes results in a [`Format`].
#[derive(Debug)]
pub(crate) struct Printer<W: Write> {
    format: Format,
    out: W,
    unit: Offsets,
    array: bool,
    written: usize,
    /// Reused buffer of one `--jsonl` line.
    line: Vec<u8>,
}

impl<W: Write> Printer<W> {
    /// A printer; `several` says whether `--json` should print an array.
    pub(crate) fn new(format: Format, out: W, unit: Offsets, several: bool) -> Self {
        Printer {
            format,
            out,
            unit,
            array: several && format == Format::Json,
            written: 0,
            line: Vec::new(),
        }
    }

    fn json<T: Serialize>(&mut self, value: &T) -> io::Result<()> {
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, value)?;
                self.out.write_all(b"\n")
            }
            _ => {
                if self.array {
                    self.out
                        .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
                }
                serde_json::to_writer_pretty(&mut self.out, value)?;
                if !self.array {
                    self.out.write_all(b"\n")?;
                }
                Ok(())
            }
        }
    }

    /// Prints one result; `base` is the text its spans index.
    pub(crate) fn doc(&mut self, o: &Output<'_>, base: &str) -> io::Result<()> {
        match self.format {
            Format::View { color } => render::render(&mut self.out, o, base, self.unit, color)?,
            Format::Jsonl => {
                self.line.clear();
                fastjson::write_output(&mut self.line, o);
                self.line.push(b'\n');
                self.out.write_all(&self.line)?;
            }
            Format::Json => self.json(o)?,
        }
        self.written += 1;
        Ok(())
    }

    /// Prints a failed document: `{"id","error"}` in JSON modes, a line on
    /// stderr in the view.
    pub(crate) fn error(&mut self, id: &RawValue, error: ErrorOut) -> io::Result<()> {
        match self.format {
            Format::View { .. } => {
                let mut line = format!(
                    "textstance: {}: {}: {}",
                    id.get(),
                    error.code,
                    error.message
                );
                if let Some(r) = &error.reason {
                    line.push_str(&format!(" [{r}]"));
                }
                for v in &error.field_violations {
                    line.push_str(&format!("; {}: {}", v.field, v.description));
                }
                self.out.flush()?;
                eprintln!("{line}");
            }
            _ => self.json(&ErrorLine { id, error })?,
        }
        self.written += 1;
        Ok(())
    }

    /// Any raw serializable value (lexicon listings, health).
    pub(crate) fn value<T: Serialize>(&mut self, v: &T) -> io::Result<()> {
        self.json(v)?;
        self.written += 1;
        Ok(())
    }

    /// The underlying writer (for views of other things than documents).
    pub(crate) fn writer(&mut self) -> &mut W {
        &mut self.out
    }

    /// The writer, consumed.
    pub(crate) fn into_inner(self) -> W {
        self.out
    }

    /// Closes the array and flushes.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        if self.array {
            if self.written == 0 {
                self.out.write_all(b"[")?;
            }
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()
    }
}
