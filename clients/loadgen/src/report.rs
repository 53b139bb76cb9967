//! Results: per-worker recording, and ghz's summary and JSON report.
//!
//! Each worker owns a [`Recorder`] (an auto-resizing HDR histogram of
//! successful latencies in nanoseconds, 3 significant digits, plus exact
//! count, sum, min and max, status counts and error strings), so the hot loop
//! takes no lock; recorders are merged once at the end. As in ghz, `average`
//! covers every call, while fastest, slowest, the histogram and the latency
//! distribution cover successful calls only. Percentiles come from the HDR
//! histogram (within 0.1 % of the exact value), clamped to the exact min/max.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hdrhistogram::Histogram;
use serde::Serialize;
use tonic::{Code, Status};

use crate::config::OptionsEcho;

/// ghz's percentiles, plus 99.9 (reported separately in JSON).
const PERCENTILES: [u32; 7] = [10, 25, 50, 75, 90, 95, 99];

/// Go's name of a gRPC status code, as ghz prints it.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "Canceled",
        Code::Unknown => "Unknown",
        Code::InvalidArgument => "InvalidArgument",
        Code::DeadlineExceeded => "DeadlineExceeded",
        Code::NotFound => "NotFound",
        Code::AlreadyExists => "AlreadyExists",
        Code::PermissionDenied => "PermissionDenied",
        Code::ResourceExhausted => "ResourceExhausted",
        Code::FailedPrecondition => "FailedPrecondition",
        Code::Aborted => "Aborted",
        Code::OutOfRange => "OutOfRange",
        Code::Unimplemented => "Unimplemented",
        Code::Internal => "Internal",
        Code::Unavailable => "Unavailable",
        Code::DataLoss => "DataLoss",
        Code::Unauthenticated => "Unauthenticated",
    }
}

/// The results of one worker (or, merged, of the run).
#[derive(Debug)]
pub struct Recorder {
    ok_latencies: Histogram<u64>,
    count: u64,
    sum_ns: u128,
    ok_min_ns: u64,
    ok_max_ns: u64,
    codes: [u64; 17],
    errors: HashMap<String, u64>,
    ok_request_bytes: u64,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Recorder {
        Recorder {
            // 3 significant digits, resizing as latencies grow.
            ok_latencies: Histogram::new(3).expect("3 significant digits is a valid precision"),
            count: 0,
            sum_ns: 0,
            ok_min_ns: u64::MAX,
            ok_max_ns: 0,
            codes: [0; 17],
            errors: HashMap::new(),
            ok_request_bytes: 0,
        }
    }

    /// Records a successful call and the request bytes it carried.
    pub fn record_ok(&mut self, latency: Duration, request_bytes: u64) {
        let ns = (latency.as_nanos() as u64).max(1);
        self.count += 1;
        self.sum_ns += u128::from(ns);
        self.ok_min_ns = self.ok_min_ns.min(ns);
        self.ok_max_ns = self.ok_max_ns.max(ns);
        self.codes[0] += 1;
        self.ok_request_bytes += request_bytes;
        // Auto-resizing: recording cannot fail for a value >= 1.
        let _ = self.ok_latencies.record(ns);
    }

    /// Records a failed call.
    pub fn record_error(&mut self, latency: Duration, status: &Status) {
        let ns = latency.as_nanos() as u64;
        self.count += 1;
        self.sum_ns += u128::from(ns);
        self.codes[status.code() as usize] += 1;
        let text = format!(
            "rpc error: code = {} desc = {}",
            code_name(status.code()),
            status.message()
        );
        *self.errors.entry(text).or_insert(0) += 1;
    }

    /// Adds another recorder's results to this one.
    pub fn merge(&mut self, other: Recorder) {
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        self.ok_min_ns = self.ok_min_ns.min(other.ok_min_ns);
        self.ok_max_ns = self.ok_max_ns.max(other.ok_max_ns);
        for (a, b) in self.codes.iter_mut().zip(other.codes) {
            *a += b;
        }
        for (k, v) in other.errors {
            *self.errors.entry(k).or_insert(0) += v;
        }
        self.ok_request_bytes += other.ok_request_bytes;
        // Both histograms auto-resize, so adding cannot overflow their range.
        let _ = self.ok_latencies.add(&other.ok_latencies);
    }

    /// Number of recorded calls.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Number of successful calls.
    pub fn ok_count(&self) -> u64 {
        self.codes[0]
    }

    fn ok_quantile(&self, q: f64) -> u64 {
        self.ok_latencies
            .value_at_quantile(q)
            .clamp(self.ok_min_ns, self.ok_max_ns)
    }
}

/// Why the run ended, as ghz names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EndReason {
    /// The total was reached, or the duration ran out.
    Normal,
    /// `max-duration` ran out before the total was reached.
    Timeout,
}

/// One line of the latency distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyDistribution {
    /// Percentile; whole percentiles are written as integers, as ghz does.
    #[serde(serialize_with = "whole_as_integer")]
    pub percentage: f64,
    /// Latency in nanoseconds.
    pub latency: u64,
}

fn whole_as_integer<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && *v >= 0.0 && *v <= f64::from(u32::MAX) {
        s.serialize_u32(*v as u32)
    } else {
        s.serialize_f64(*v)
    }
}

/// One bucket of the response-time histogram.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// Upper mark of the bucket, in seconds.
    pub mark: f64,
    /// Successful calls in the bucket.
    pub count: u64,
    /// Fraction of successful calls in the bucket.
    pub frequency: f64,
}

/// ghz's JSON report, plus three fields of our own (`latencyDistributionExtra`,
/// `requestBytes`, `requestMBps`). Durations are nanoseconds.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Name of the run.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Why the run ended.
    pub end_reason: EndReason,
    /// The settings of the run.
    pub options: OptionsEcho,
    /// When the report was made, RFC 3339 UTC.
    pub date: String,
    /// Completed calls, successful or not.
    pub count: u64,
    /// Wall time of the run, ns.
    pub total: u64,
    /// Mean latency of all calls, ns.
    pub average: u64,
    /// Fastest successful call, ns.
    pub fastest: u64,
    /// Slowest successful call, ns.
    pub slowest: u64,
    /// `count / total`.
    pub rps: f64,
    /// Error text → count.
    pub error_distribution: BTreeMap<String, u64>,
    /// Status name → count.
    pub status_code_distribution: BTreeMap<String, u64>,
    /// p10 … p99 of successful calls (integers, as ghz).
    pub latency_distribution: Vec<LatencyDistribution>,
    /// p99.9 of successful calls (not in ghz).
    pub latency_distribution_extra: Vec<LatencyDistribution>,
    /// Ten linear buckets from fastest to slowest, plus the slowest mark.
    pub histogram: Vec<Bucket>,
    /// Protobuf request bytes of successful calls (not in ghz).
    pub request_bytes: u64,
    /// `request_bytes / total` in MB/s, 10^6 bytes (not in ghz).
    #[serde(rename = "requestMBps")]
    pub request_mbps: f64,
}

impl Report {
    /// Builds the report from merged results.
    pub fn build(
        rec: &Recorder,
        total: Duration,
        end_reason: EndReason,
        options: OptionsEcho,
        date: SystemTime,
    ) -> Report {
        let total_ns = total.as_nanos() as u64;
        let secs = total.as_secs_f64();
        let ok = rec.ok_count() > 0;
        let (fastest, slowest) = if ok {
            (rec.ok_min_ns, rec.ok_max_ns)
        } else {
            (0, 0)
        };
        let latency_distribution = if ok {
            PERCENTILES
                .iter()
                .map(|&p| LatencyDistribution {
                    percentage: f64::from(p),
                    latency: rec.ok_quantile(f64::from(p) / 100.0),
                })
                .collect()
        } else {
            Vec::new()
        };
        let latency_distribution_extra = if ok {
            vec![LatencyDistribution {
                percentage: 99.9,
                latency: rec.ok_quantile(0.999),
            }]
        } else {
            Vec::new()
        };
        let mut status_code_distribution = BTreeMap::new();
        for (i, &n) in rec.codes.iter().enumerate() {
            if n > 0 {
                status_code_distribution.insert(code_name(Code::from(i as i32)).to_owned(), n);
            }
        }
        Report {
            name: options.name.clone(),
            end_reason,
            options,
            date: rfc3339(date),
            count: rec.count,
            total: total_ns,
            average: if rec.count > 0 {
                (rec.sum_ns / u128::from(rec.count)) as u64
            } else {
                0
            },
            fastest,
            slowest,
            rps: if secs > 0.0 {
                rec.count as f64 / secs
            } else {
                0.0
            },
            error_distribution: rec.errors.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            status_code_distribution,
            latency_distribution,
            latency_distribution_extra,
            histogram: if ok { histogram(rec) } else { Vec::new() },
            request_bytes: rec.ok_request_bytes,
            request_mbps: if secs > 0.0 {
                rec.ok_request_bytes as f64 / secs / 1e6
            } else {
                0.0
            },
        }
    }

    /// ghz's human-readable summary.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\nSummary:");
        if !self.name.is_empty() {
            let _ = writeln!(out, "  Name:\t\t{}", self.name);
        }
        let _ = writeln!(out, "  Count:\t\t{}", self.count);
        let _ = writeln!(out, "  Total:\t\t{}", format_ns(self.total));
        let _ = writeln!(out, "  Slowest:\t\t{}", format_ns(self.slowest));
        let _ = writeln!(out, "  Fastest:\t\t{}", format_ns(self.fastest));
        let _ = writeln!(out, "  Average:\t\t{}", format_ns(self.average));
        let _ = writeln!(out, "  Requests/sec:\t{:.2}", self.rps);
        let _ = writeln!(out, "  Request MB/s:\t{:.2}", self.request_mbps);
        let _ = writeln!(out, "\nResponse time histogram:");
        let max_count = self.histogram.iter().map(|b| b.count).max().unwrap_or(0);
        let marks: Vec<String> = self
            .histogram
            .iter()
            .map(|b| format!("{:.3}", b.mark * 1000.0))
            .collect();
        let mark_w = marks.iter().map(String::len).max().unwrap_or(0);
        let count_w = max_count.to_string().len();
        for (b, mark) in self.histogram.iter().zip(&marks) {
            let bar = (b.count * 40 + max_count / 2)
                .checked_div(max_count)
                .unwrap_or(0) as usize;
            let _ = writeln!(
                out,
                "  {mark:<mark_w$} [{count:<count_w$}]\t|{bars}",
                count = b.count,
                bars = "∎".repeat(bar)
            );
        }
        let _ = write!(out, "\nLatency distribution:");
        for l in self
            .latency_distribution
            .iter()
            .chain(&self.latency_distribution_extra)
        {
            let _ = write!(out, "\n  {} % in {} ", l.percentage, format_ns(l.latency));
        }
        let _ = writeln!(out, "\n");
        if !self.status_code_distribution.is_empty() {
            let _ = writeln!(out, "Status code distribution:");
            let w = self
                .status_code_distribution
                .keys()
                .map(|k| k.len() + 2)
                .max()
                .unwrap_or(0);
            for (status, n) in &self.status_code_distribution {
                let _ = writeln!(out, "  {:<w$}   {n} responses", format!("[{status}]"));
            }
        }
        if !self.error_distribution.is_empty() {
            let _ = writeln!(out, "\nError distribution:");
            let w = self
                .error_distribution
                .values()
                .map(|n| n.to_string().len() + 2)
                .max()
                .unwrap_or(0);
            for (err, n) in &self.error_distribution {
                let _ = writeln!(out, "  {:<w$}   {err}", format!("[{n}]"));
            }
        }
        out
    }
}

/// ghz's ten linear buckets between fastest and slowest (plus the slowest).
fn histogram(rec: &Recorder) -> Vec<Bucket> {
    const BUCKETS: usize = 10;
    let (lo, hi) = (rec.ok_min_ns as f64, rec.ok_max_ns as f64);
    let width = (hi - lo) / BUCKETS as f64;
    let mut marks: Vec<f64> = (0..BUCKETS).map(|i| lo + width * i as f64).collect();
    marks.push(hi);
    let mut counts = vec![0u64; marks.len()];
    for v in rec.ok_latencies.iter_recorded() {
        // The lowest value of the HDR bucket, so the fastest call lands in
        // the first bucket as in ghz.
        let value =
            (rec.ok_latencies.lowest_equivalent(v.value_iterated_to()) as f64).clamp(lo, hi);
        let i = marks.iter().position(|&m| value <= m).unwrap_or(BUCKETS);
        counts[i] += v.count_at_value();
    }
    let total = rec.ok_count().max(1) as f64;
    marks
        .into_iter()
        .zip(counts)
        .map(|(mark, count)| Bucket {
            mark: mark / 1e9,
            count,
            frequency: count as f64 / total,
        })
        .collect()
}

/// ghz's duration format: `123 ns` below 10 µs, else `1.23 ms` or `1.23 s`.
pub fn format_ns(ns: u64) -> String {
    if ns < 10_000 {
        return format!("{ns} ns");
    }
    let ms = ns as f64 / 1e6;
    if ms < 1000.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a system time (UTC).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations_like_ghz() {
        let cases = [
            (0, "0 ns"),
            (9_999, "9999 ns"),
            (10_000, "0.01 ms"),
            (1_234_567, "1.23 ms"),
            (999_990_000, "999.99 ms"),
            (2_500_000_000, "2.50 s"),
        ];
        for (ns, want) in cases {
            assert_eq!(format_ns(ns), want, "{ns}");
        }
    }

    #[test]
    fn formats_dates() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_795_822_089, "2026-11-27T23:28:09Z"),
        ];
        for (secs, want) in cases {
            assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(secs)), want);
        }
    }

    #[test]
    fn names_codes_as_go_does() {
        assert_eq!(code_name(Code::Cancelled), "Canceled");
        assert_eq!(code_name(Code::from(14)), "Unavailable");
    }

    fn sample() -> Recorder {
        let mut a = Recorder::new();
        let mut b = Recorder::new();
        for ms in 1..=100u64 {
            let rec = if ms % 2 == 0 { &mut a } else { &mut b };
            rec.record_ok(Duration::from_millis(ms), 10);
        }
        b.record_error(Duration::from_millis(500), &Status::internal("boom"));
        b.record_error(Duration::from_millis(500), &Status::internal("boom"));
        a.record_error(Duration::from_millis(7), &Status::unavailable("down"));
        a.merge(b);
        a
    }

    #[test]
    fn report_mirrors_ghz_statistics() {
        let rec = sample();
        let r = Report::build(
            &rec,
            Duration::from_secs(2),
            EndReason::Normal,
            OptionsEcho::default(),
            UNIX_EPOCH,
        );
        assert_eq!(r.count, 103);
        assert_eq!(r.rps, 51.5);
        assert_eq!(r.fastest, 1_000_000);
        assert_eq!(r.slowest, 100_000_000);
        // Average over all 103 calls: (5050 + 1000 + 7) ms / 103.
        assert_eq!(r.average, (6057u64 * 1_000_000) / 103);
        assert_eq!(r.status_code_distribution.get("OK"), Some(&100));
        assert_eq!(r.status_code_distribution.get("Internal"), Some(&2));
        assert_eq!(r.status_code_distribution.get("Unavailable"), Some(&1));
        assert_eq!(
            r.error_distribution
                .get("rpc error: code = Internal desc = boom"),
            Some(&2)
        );
        let p50 = r
            .latency_distribution
            .iter()
            .find(|l| l.percentage == 50.0)
            .expect("p50");
        assert!((49_900_000..=50_100_000).contains(&p50.latency), "{p50:?}");
        let p99 = r
            .latency_distribution
            .iter()
            .find(|l| l.percentage == 99.0)
            .expect("p99");
        assert!((98_900_000..=99_100_000).contains(&p99.latency), "{p99:?}");
        assert_eq!(r.latency_distribution.len(), 7);
        assert_eq!(r.histogram.len(), 11);
        assert_eq!(r.histogram.iter().map(|b| b.count).sum::<u64>(), 100);
        // The fastest call is in the first bucket, the slowest in the last.
        assert!(r.histogram[0].count >= 1, "{:?}", r.histogram);
        assert!(r.histogram[10].count >= 1, "{:?}", r.histogram);
        assert!((r.histogram[0].mark - 0.001).abs() < 1e-12);
        assert!((r.histogram[10].mark - 0.1).abs() < 1e-12);
        assert_eq!(r.request_bytes, 1000);
        let text = r.summary();
        for needle in [
            "Count:\t\t103",
            "Requests/sec:\t51.50",
            "99.9 % in",
            "[OK]",
            "[2]   rpc error: code = Internal desc = boom",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
    }

    #[test]
    fn empty_run_reports_zeroes() {
        let r = Report::build(
            &Recorder::new(),
            Duration::ZERO,
            EndReason::Normal,
            OptionsEcho::default(),
            UNIX_EPOCH,
        );
        assert_eq!((r.count, r.rps, r.fastest), (0, 0.0, 0));
        assert!(r.histogram.is_empty() && r.latency_distribution.is_empty());
    }
}
