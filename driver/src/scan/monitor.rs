//! ZMap's two reasons to abort a running scan, checked as the scan goes: `--max-sendto-failures`
//! (more probes refused by the kernel than allowed) and `--min-hitrate` (after a warm-up, the hit
//! rate stayed below the floor for a while). The thresholds and windows are ZMap's
//! (`monitor.c`): 5 s of warm-up, then 5 s under the floor.

use std::time::{Duration, Instant};

/// No verdict on the hit rate before the scan is this old (ZMap's `WARMUP_PERIOD`).
pub const WARMUP: Duration = Duration::from_secs(5);

/// How long the hit rate must stay under the floor (ZMap's `MIN_HITRATE_TIME_WINDOW`).
pub const UNDER_FOR: Duration = Duration::from_secs(5);

/// The limits a scan was given.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Limits {
    /// Abort once more probes than this were refused (`None`: ZMap's -1, no limit).
    pub max_sendto_failures: Option<u64>,
    /// Abort when the hit rate, in percent, stays below this (0: never).
    pub min_hitrate: f64,
}

/// The counters the check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Probes the kernel took.
    pub sent_ok: u64,
    /// Probes the kernel refused.
    pub send_errors: u64,
    /// Distinct SYN-ACKs.
    pub synacks: u64,
}

/// Why a scan was aborted.
#[derive(Debug, Clone, PartialEq)]
pub enum Abort {
    /// `--max-sendto-failures` was exceeded.
    SendtoFailures { limit: u64, failures: u64 },
    /// `--min-hitrate` was not met for [`UNDER_FOR`] after the warm-up.
    Hitrate { floor: f64, hitrate: f64 },
}

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Abort::SendtoFailures { limit, failures } => write!(
                f,
                "scan aborted: the kernel refused {failures} probes, more than \
                 --max-sendto-failures {limit}"
            ),
            Abort::Hitrate { floor, hitrate } => write!(
                f,
                "scan aborted: the hit rate stayed below --min-hitrate {floor}% for {} s after \
                 the {} s warm-up (last {hitrate:.2}%)",
                UNDER_FOR.as_secs(),
                WARMUP.as_secs()
            ),
        }
    }
}

/// The hit rate in percent: distinct SYN-ACKs per probe the kernel took (the metadata's
/// `hitrate`).
pub fn hitrate(counts: Counts) -> f64 {
    if counts.sent_ok == 0 {
        0.0
    } else {
        100.0 * counts.synacks as f64 / counts.sent_ok as f64
    }
}

/// Watches one scan.
#[derive(Debug)]
pub struct Monitor {
    limits: Limits,
    started: Instant,
    under_since: Option<Instant>,
}

impl Monitor {
    /// A monitor for a scan that started at `started`.
    pub fn new(limits: Limits, started: Instant) -> Self {
        Monitor {
            limits,
            started,
            under_since: None,
        }
    }

    /// Looks at the counters at `now`; says why the scan must stop, if it must.
    pub fn check(&mut self, now: Instant, counts: Counts) -> Option<Abort> {
        if let Some(limit) = self.limits.max_sendto_failures {
            if counts.send_errors > limit {
                return Some(Abort::SendtoFailures {
                    limit,
                    failures: counts.send_errors,
                });
            }
        }
        let rate = hitrate(counts);
        if now.saturating_duration_since(self.started) > WARMUP && rate < self.limits.min_hitrate {
            let since = *self.under_since.get_or_insert(now);
            if now.saturating_duration_since(since) >= UNDER_FOR {
                return Some(Abort::Hitrate {
                    floor: self.limits.min_hitrate,
                    hitrate: rate,
                });
            }
        } else {
            self.under_since = None;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(sent_ok: u64, send_errors: u64, synacks: u64) -> Counts {
        Counts {
            sent_ok,
            send_errors,
            synacks,
        }
    }

    #[test]
    fn sendto_failures_abort_above_the_limit_only() {
        let t0 = Instant::now();
        let mut unlimited = Monitor::new(Limits::default(), t0);
        assert_eq!(unlimited.check(t0, counts(0, 1_000_000, 0)), None);
        let limits = Limits {
            max_sendto_failures: Some(5),
            ..Limits::default()
        };
        let mut m = Monitor::new(limits, t0);
        assert_eq!(m.check(t0, counts(10, 5, 0)), None, "5 is not more than 5");
        assert_eq!(
            m.check(t0, counts(10, 6, 0)),
            Some(Abort::SendtoFailures {
                limit: 5,
                failures: 6
            })
        );
        let mut zero = Monitor::new(
            Limits {
                max_sendto_failures: Some(0),
                ..Limits::default()
            },
            t0,
        );
        assert!(zero.check(t0, counts(10, 1, 0)).is_some());
    }

    #[test]
    fn a_low_hitrate_aborts_after_the_warmup_and_five_seconds_under() {
        let t0 = Instant::now();
        let at = |secs: f64| t0 + Duration::from_secs_f64(secs);
        let limits = Limits {
            min_hitrate: 10.0,
            ..Limits::default()
        };
        let low = counts(1000, 0, 50);
        let high = counts(1000, 0, 200);
        let mut m = Monitor::new(limits, t0);
        // The warm-up: no verdict, however low.
        for s in [0.0, 1.0, 4.9, 5.0] {
            assert_eq!(m.check(at(s), low), None, "{s}");
        }
        // Under from 5.1 s on: aborted once 5 s have passed under the floor.
        assert_eq!(m.check(at(5.1), low), None);
        assert_eq!(m.check(at(10.0), low), None);
        assert_eq!(
            m.check(at(10.1), low),
            Some(Abort::Hitrate {
                floor: 10.0,
                hitrate: 5.0
            })
        );
        // A recovery resets the window.
        let mut m = Monitor::new(limits, t0);
        assert_eq!(m.check(at(6.0), low), None);
        assert_eq!(m.check(at(9.0), high), None);
        assert_eq!(m.check(at(10.0), low), None);
        assert_eq!(m.check(at(14.9), low), None);
        assert!(m.check(at(15.0), low).is_some());
        // No floor: never.
        let mut none = Monitor::new(Limits::default(), t0);
        assert_eq!(none.check(at(100.0), counts(1000, 0, 0)), None);
    }

    #[test]
    fn the_hitrate_is_per_probe_taken() {
        assert_eq!(hitrate(counts(0, 10, 0)), 0.0);
        assert_eq!(hitrate(counts(200, 10, 50)), 25.0);
    }
}
