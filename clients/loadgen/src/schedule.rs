//! Load schedules as a pure function: when is call number `k` due?
//!
//! A schedule is a rate function r(t) in requests per second (constant, a
//! staircase, or a line that levels off). Call `k` (from 0) is due at the time
//! T where the cumulative count N(T) = ∫₀ᵀ r equals `k`, so call 0 is due at
//! once. Workers claim call numbers from one atomic counter and sleep until
//! their call is due: no shared ticker task, no lock, and the pace does not
//! drift with the number of workers. The piecewise form makes N(T) = k
//! solvable in closed form per piece (linear or quadratic).
//!
//! It does not decide when a run stops; a schedule runs forever.

use std::time::Duration;

use crate::config::LoadSpec;

/// Safety cap on the pieces of an unbounded step schedule.
const MAX_PIECES: usize = 100_000;

/// One piece of the rate function: r(t) = rate + slope·(t − start) on
/// [start, start + len).
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: f64,
    len: f64,
    rate: f64,
    slope: f64,
    /// N(start): calls due before this piece.
    before: f64,
}

impl Piece {
    fn count_in(&self, dt: f64) -> f64 {
        self.rate * dt + 0.5 * self.slope * dt * dt
    }

    /// Time into this piece at which `x` more calls are due.
    fn time_for(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        if self.slope == 0.0 {
            return x / self.rate;
        }
        let disc = (self.rate * self.rate + 2.0 * self.slope * x).max(0.0);
        // Stable form of (−rate + √disc) / slope.
        2.0 * x / (self.rate + disc.sqrt())
    }
}

/// The due times of a paced run.
#[derive(Debug, Clone)]
pub struct Pacer {
    pieces: Vec<Piece>,
}

impl Pacer {
    /// The pacer of a load spec; `None` for an unlimited (closed-loop) run.
    pub fn new(spec: &LoadSpec) -> Option<Pacer> {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut push = |len: f64, rate: f64, slope: f64| {
            let (start, before) = match pieces.last() {
                Some(p) => (p.start + p.len, p.before + p.count_in(p.len)),
                None => (0.0, 0.0),
            };
            pieces.push(Piece {
                start,
                len,
                rate,
                slope,
                before,
            });
        };
        match *spec {
            LoadSpec::Unlimited => return None,
            LoadSpec::Const { rps } => push(f64::INFINITY, rps, 0.0),
            LoadSpec::Step {
                start,
                step,
                end,
                step_duration,
                max_duration,
            } => {
                let step_len = step_duration.as_secs_f64();
                let max = max_duration.map_or(f64::INFINITY, |d| d.as_secs_f64());
                let mut rate = start;
                let mut elapsed = 0.0;
                let mut steps = 0usize;
                loop {
                    let reached_end =
                        end.is_some_and(|e| (step > 0.0 && rate >= e) || (step < 0.0 && rate <= e));
                    if reached_end || elapsed + step_len >= max || steps >= MAX_PIECES {
                        let rate = end.map_or(rate, |e| if reached_end { e } else { rate });
                        let left = (max - elapsed).max(0.0);
                        if left > 0.0 && left.is_finite() && !reached_end {
                            push(left, rate, 0.0);
                        }
                        push(f64::INFINITY, rate, 0.0);
                        break;
                    }
                    push(step_len, rate, 0.0);
                    elapsed += step_len;
                    rate += step;
                    steps += 1;
                }
            }
            LoadSpec::Line {
                start,
                slope,
                end,
                max_duration,
            } => {
                let to_end = end.map_or(f64::INFINITY, |e| (e - start) / slope);
                let max = max_duration.map_or(f64::INFINITY, |d| d.as_secs_f64());
                let ramp = to_end.min(max);
                if ramp.is_infinite() {
                    push(f64::INFINITY, start, slope);
                } else {
                    push(ramp, start, slope);
                    push(f64::INFINITY, start + slope * ramp, 0.0);
                }
            }
        }
        Some(Pacer { pieces })
    }

    /// When call `k` (from 0) is due, from the start of the run. Saturates at
    /// a very large duration if the rate has fallen to zero.
    pub fn due(&self, k: u64) -> Duration {
        let x = k as f64;
        // Last piece whose `before` is <= x.
        let idx = self
            .pieces
            .partition_point(|p| p.before <= x)
            .saturating_sub(1);
        let Some(piece) = self.pieces.get(idx) else {
            return Duration::ZERO;
        };
        let t = piece.start + piece.time_for(x - piece.before).min(piece.len);
        if t.is_finite() && t >= 0.0 {
            Duration::from_secs_f64(t.min(1e9))
        } else {
            Duration::from_secs(1_000_000_000)
        }
    }

    /// The rate at time `t`, in requests per second (for reports and tests).
    pub fn rate_at(&self, t: Duration) -> f64 {
        let t = t.as_secs_f64();
        let idx = self
            .pieces
            .partition_point(|p| p.start <= t)
            .saturating_sub(1);
        self.pieces
            .get(idx)
            .map_or(0.0, |p| p.rate + p.slope * (t - p.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn close(a: Duration, b: f64) -> bool {
        (a.as_secs_f64() - b).abs() < 1e-6
    }

    #[test]
    fn unlimited_has_no_pacer() {
        assert!(Pacer::new(&LoadSpec::Unlimited).is_none());
    }

    #[test]
    fn const_rate_spaces_calls_evenly() {
        let p = Pacer::new(&LoadSpec::Const { rps: 100.0 }).expect("paced");
        for (k, t) in [(0, 0.0), (1, 0.01), (100, 1.0), (250, 2.5)] {
            assert!(close(p.due(k), t), "k={k}: {:?}", p.due(k));
        }
    }

    #[test]
    fn step_schedule_changes_rate_per_step() {
        // 10 rps for 1 s, 20 rps for 1 s, then 30 rps (the end) forever.
        let p = Pacer::new(&LoadSpec::Step {
            start: 10.0,
            step: 10.0,
            end: Some(30.0),
            step_duration: secs(1.0),
            max_duration: None,
        })
        .expect("paced");
        let cases = [
            (0, 0.0),
            (5, 0.5),
            (10, 1.0),
            (20, 1.5),
            (30, 2.0),
            (60, 3.0),
        ];
        for (k, t) in cases {
            assert!(close(p.due(k), t), "k={k}: {:?}", p.due(k));
        }
        assert!((p.rate_at(secs(0.5)) - 10.0).abs() < 1e-9);
        assert!((p.rate_at(secs(1.5)) - 20.0).abs() < 1e-9);
        assert!((p.rate_at(secs(99.0)) - 30.0).abs() < 1e-9);
    }

    #[test]
    fn step_schedule_stops_changing_at_max_duration() {
        let p = Pacer::new(&LoadSpec::Step {
            start: 10.0,
            step: 10.0,
            end: None,
            step_duration: secs(1.0),
            max_duration: Some(secs(2.0)),
        })
        .expect("paced");
        assert!((p.rate_at(secs(1.5)) - 20.0).abs() < 1e-9);
        assert!((p.rate_at(secs(50.0)) - 20.0).abs() < 1e-9);
    }

    #[test]
    fn line_schedule_integrates_the_ramp() {
        // r(t) = 10 + 20 t until 50 rps at t = 2 s; N(2) = 20 + 40 = 60.
        let p = Pacer::new(&LoadSpec::Line {
            start: 10.0,
            slope: 20.0,
            end: Some(50.0),
            max_duration: None,
        })
        .expect("paced");
        // N(1) = 10 + 10 = 20.
        assert!(close(p.due(20), 1.0), "{:?}", p.due(20));
        assert!(close(p.due(60), 2.0), "{:?}", p.due(60));
        // After the ramp: 50 rps.
        assert!(close(p.due(110), 3.0), "{:?}", p.due(110));
    }

    #[test]
    fn line_schedule_can_start_at_zero_and_go_down() {
        let up = Pacer::new(&LoadSpec::Line {
            start: 0.0,
            slope: 2.0,
            end: None,
            max_duration: None,
        })
        .expect("paced");
        // N(t) = t²: call 0 at once, call 4 at t = 2.
        assert!(close(up.due(0), 0.0), "{:?}", up.due(0));
        assert!(close(up.due(4), 2.0), "{:?}", up.due(4));
        let down = Pacer::new(&LoadSpec::Line {
            start: 100.0,
            slope: -50.0,
            end: Some(50.0),
            max_duration: None,
        })
        .expect("paced");
        // N(1) = 100 − 25 = 75, then 50 rps.
        assert!(close(down.due(75), 1.0), "{:?}", down.due(75));
        assert!(close(down.due(125), 2.0), "{:?}", down.due(125));
    }

    #[test]
    fn due_times_never_decrease() {
        let specs = [
            LoadSpec::Const { rps: 7.0 },
            LoadSpec::Step {
                start: 5.0,
                step: 3.0,
                end: Some(20.0),
                step_duration: secs(0.3),
                max_duration: None,
            },
            LoadSpec::Line {
                start: 40.0,
                slope: -5.0,
                end: None,
                max_duration: Some(secs(4.0)),
            },
        ];
        for spec in specs {
            let p = Pacer::new(&spec).expect("paced");
            let mut last = Duration::ZERO;
            for k in 0..2000 {
                let t = p.due(k);
                assert!(t >= last, "{spec:?} k={k}");
                last = t;
            }
        }
    }

    proptest::proptest! {
        /// For any valid step or line schedule, due times never decrease,
        /// stay finite, and the gap between two calls matches the rate then
        /// (within the change of rate over the gap).
        #[test]
        fn due_times_follow_the_rate(
            start in 1.0f64..500.0,
            step in -50.0f64..50.0,
            step_ms in 10u64..2000,
            max_ms in 100u64..10_000,
            line in proptest::bool::ANY,
        ) {
            let step = if step.abs() < 0.5 { 1.0 } else { step };
            let max_duration = Some(Duration::from_millis(max_ms));
            let step_duration = Duration::from_millis(step_ms);
            let lowest = if line {
                start + step.min(0.0) * (max_ms as f64 / 1000.0)
            } else {
                start + step.min(0.0) * (max_ms / step_ms) as f64
            };
            proptest::prop_assume!(lowest > 0.5);
            let spec = if line {
                LoadSpec::Line { start, slope: step, end: None, max_duration }
            } else {
                LoadSpec::Step { start, step, end: None, step_duration, max_duration }
            };
            let p = Pacer::new(&spec).expect("paced");
            let mut last = Duration::ZERO;
            for k in 0..3000u64 {
                let t = p.due(k);
                proptest::prop_assert!(t >= last, "k={} t={:?} last={:?}", k, t, last);
                proptest::prop_assert!(t < Duration::from_secs(100_000));
                let next = p.due(k + 1);
                let gap = (next - t).as_secs_f64();
                let (r0, r1) = (p.rate_at(t), p.rate_at(next));
                let (lo, hi) = (r0.min(r1), r0.max(r1));
                // Due times are whole nanoseconds: allow 2 ns of rounding.
                let slack = 2e-9 * hi + 1e-9;
                proptest::prop_assert!(gap * lo <= 1.0 + slack && gap * hi >= 1.0 - slack,
                    "k={} gap={} rates {}..{}", k, gap, lo, hi);
                last = t;
            }
        }
    }
}
