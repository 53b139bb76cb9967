//! A criterion [`Measurement`] of the benchmark thread's own CPU time
//! (`CLOCK_THREAD_CPUTIME_ID` through the `cpu-time` crate; exact, unlike
//! `/proc/thread-self/schedstat`, which lags by up to a tick). On a shared
//! machine wall time counts the time other jobs hold the core; CPU
//! time does not, so "MB/s per core" figures come from this measurement.
//! It measures the calling thread only: benches that use it must not spawn.

use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter};

/// CPU time of the calling thread, in nanoseconds.
pub(crate) struct ThreadCpuTime;

fn thread_cpu_ns() -> u64 {
    let t = cpu_time::ThreadTime::try_now().expect("the thread CPU-time clock is available");
    u64::try_from(t.as_duration().as_nanos()).unwrap_or(u64::MAX)
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (div, unit) = if typical < 1e3 {
            (1.0, "ns cpu")
        } else if typical < 1e6 {
            (1e3, "µs cpu")
        } else if typical < 1e9 {
            (1e6, "ms cpu")
        } else {
            (1e9, "s cpu")
        };
        for v in values {
            *v /= div;
        }
        unit
    }

    fn scale_throughputs(
        &self,
        _typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let (amount, unit) = match *throughput {
            Throughput::Bytes(b) => (b as f64 / (1 << 20) as f64, "MiB/s per core"),
            Throughput::BytesDecimal(b) => (b as f64 / 1e6, "MB/s per core"),
            Throughput::Elements(e) => (e as f64, "elem/s per core"),
            Throughput::Bits(b) => (b as f64 / 1e6, "Mbit/s per core"),
        };
        for v in values {
            // v is nanoseconds of CPU per iteration
            *v = amount * 1e9 / *v;
        }
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}
