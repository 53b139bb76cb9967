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
    /// `--jsonl` lines not yet handed to `out`: they go in blocks of
    /// [`PENDING_BYTES`] or more, which a `BufWriter` of that capacity
    /// passes straight through, so each line is copied once.
    line: Vec<u8>,
}

/// Bytes of `--jsonl` lines gathered before they are written.
const PENDING_BYTES: usize = 1 << 16;

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

    /// Writes the gathered `--jsonl` lines.
    fn flush_lines(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.out.write_all(&self.line)?;
            self.line.clear();
        }
        Ok(())
    }

    fn json<T: Serialize>(&mut self, value: &T) -> io::Result<()> {
        self.flush_lines()?;
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
                fastjson::write_output(&mut self.line, o);
                self.line.push(b'\n');
                if self.line.len() >= PENDING_BYTES {
                    self.flush_lines()?;
                }
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
                self.flush_lines()?;
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

    /// The underlying writer (for views of other things than documents),
    /// after the lines gathered so far.
    pub(crate) fn writer(&mut self) -> io::Result<&mut W> {
        self.flush_lines()?;
        Ok(&mut self.out)
    }

    /// The writer with every line written, consumed.
    pub(crate) fn into_inner(mut self) -> io::Result<W>
    where
        W: Default,
    {
        self.flush_lines()?;
        Ok(std::mem::take(&mut self.out))
    }

    /// Closes the array and flushes.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        self.flush_lines()?;
        if self.array {
            if self.written == 0 {
                self.out.write_all(b"[")?;
            }
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()
    }
}

impl<W: Write> Drop for Printer<W> {
    /// Lines gathered when a run stops early still go out, as a
    /// `BufWriter` flushes on drop (errors ignored the same way).
    fn drop(&mut self) {
        let _ = self.flush_lines();
    }
}
