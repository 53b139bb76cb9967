//! Retry policy: which failures are retried, how long to wait, and the
//! budget that stops retries from multiplying load during an outage.
//!
//! Every textstance RPC is a pure function of its request, so a unary call
//! that failed with `UNAVAILABLE` or a transport failure is retried (on the
//! next endpoint in rotation, since the failed one is ejected). Waits grow
//! exponentially with full jitter and are capped. The [`RetryBudget`] is a
//! token bucket: every call deposits `ratio` tokens (up to `max_tokens`),
//! every retry takes one, so sustained retries stay below `ratio` of calls
//! while a fresh client can still ride out a short outage. Broken streams
//! are resumed under the same policy (see the `stream` module).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How unary calls are retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// Upper bound of the first wait.
    pub initial_backoff: Duration,
    /// Cap of any wait.
    pub max_backoff: Duration,
    /// Growth factor of the wait bound per attempt.
    pub multiplier: f64,
    /// Retry tokens each call earns (0.2: retries up to 20% of calls).
    pub budget_ratio: f64,
    /// Size of the token bucket (and its initial fill): the burst of
    /// retries allowed before calls have earned any.
    pub budget_max_tokens: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_secs(1),
            multiplier: 2.0,
            budget_ratio: 0.2,
            budget_max_tokens: 20.0,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1 for the first retry): a
    /// uniformly random duration up to `initial * multiplier^(retry-1)`,
    /// capped at `max_backoff`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .multiplier
            .max(1.0)
            .powi(retry.saturating_sub(1).min(30) as i32);
        let bound = self.initial_backoff.as_secs_f64() * exp;
        let bound = bound.min(self.max_backoff.as_secs_f64()).max(0.0);
        Duration::from_secs_f64(bound * jitter_fraction())
    }
}

/// A uniform fraction in [0, 1), from std's randomly keyed hasher.
fn jitter_fraction() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Token bucket limiting retries to a fraction of calls.
#[derive(Debug)]
pub struct RetryBudget {
    ratio: f64,
    max: f64,
    tokens: Mutex<f64>,
}

impl RetryBudget {
    /// A full bucket for `policy`.
    pub fn new(policy: &RetryPolicy) -> Self {
        let max = policy.budget_max_tokens.max(0.0);
        RetryBudget {
            ratio: policy.budget_ratio.max(0.0),
            max,
            tokens: Mutex::new(max),
        }
    }

    /// Credits one call.
    pub fn deposit(&self) {
        let mut t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        *t = (*t + self.ratio).min(self.max);
    }

    /// Takes a token for one retry; false when the budget is spent.
    pub fn try_withdraw(&self) -> bool {
        let mut t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if *t >= 1.0 {
            *t -= 1.0;
            true
        } else {
            false
        }
    }

    /// Tokens left (for tests and metrics).
    pub fn tokens(&self) -> f64 {
        *self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_grows() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            ..RetryPolicy::default()
        };
        let bounds = [(1, 10), (2, 20), (3, 40), (4, 50), (40, 50)];
        for (retry, ms) in bounds {
            for _ in 0..200 {
                let d = p.backoff(retry);
                assert!(d <= Duration::from_millis(ms), "retry {retry}: {d:?}");
            }
        }
        // Jitter actually varies.
        let samples: Vec<_> = (0..50).map(|_| p.backoff(3)).collect();
        assert!(samples.iter().any(|d| *d != samples[0]));
    }

    #[test]
    fn budget_limits_retries_to_ratio() {
        let p = RetryPolicy {
            budget_ratio: 0.1,
            budget_max_tokens: 2.0,
            ..RetryPolicy::default()
        };
        let b = RetryBudget::new(&p);
        // The initial burst.
        assert!(b.try_withdraw());
        assert!(b.try_withdraw());
        assert!(!b.try_withdraw());
        // 100 calls earn 10 retries, no more (cap 2 at any moment).
        let mut granted = 0;
        for _ in 0..100 {
            b.deposit();
            if b.try_withdraw() {
                granted += 1;
            }
        }
        assert!((9..=10).contains(&granted), "{granted}");
        for _ in 0..1000 {
            b.deposit();
        }
        assert!(b.tokens() <= 2.0);
    }
}
