//! Go-style durations (`10s`, `1m30s`, `250ms`, `1.5h`) as ghz writes them in
//! configs and flags. A bare `0` means zero; a bare number other than zero is
//! rejected, as Go's `time.ParseDuration` rejects it.

use std::time::Duration;

/// Why a duration string was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid duration {value:?}: {reason}")]
pub struct DurationError {
    value: String,
    reason: &'static str,
}

/// Parses a Go duration such as `20s`, `1m30s`, `1.5ms` or `0`.
pub fn parse_go_duration(value: &str) -> Result<Duration, DurationError> {
    let err = |reason| DurationError {
        value: value.to_owned(),
        reason,
    };
    let s = value.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(err("empty"));
    }
    if s.starts_with('-') {
        return Err(err("negative"));
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let mut total_ns: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| err("missing unit"))?;
        if num_len == 0 {
            return Err(err("expected a number"));
        }
        let number: f64 = rest[..num_len].parse().map_err(|_| err("bad number"))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(err("unknown unit")),
        };
        rest = &rest[unit_len..];
        total_ns += number * scale;
    }
    if !total_ns.is_finite() || total_ns > u64::MAX as f64 {
        return Err(err("too large"));
    }
    Ok(Duration::from_nanos(total_ns.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        let cases: &[(&str, Option<u64>)] = &[
            ("0", Some(0)),
            ("20s", Some(20_000_000_000)),
            ("1m30s", Some(90_000_000_000)),
            ("250ms", Some(250_000_000)),
            ("1.5ms", Some(1_500_000)),
            ("10us", Some(10_000)),
            ("10µs", Some(10_000)),
            ("7ns", Some(7)),
            ("1h", Some(3_600_000_000_000)),
            ("", None),
            ("10", None),
            ("-1s", None),
            ("5x", None),
            ("s", None),
        ];
        for (input, want) in cases {
            let got = parse_go_duration(input).ok().map(|d| d.as_nanos() as u64);
            assert_eq!(got, *want, "input {input:?}");
        }
    }
}
