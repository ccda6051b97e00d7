//! Population statistics over received keys: a Hamming-weight histogram the host owns (a plain
//! struct, one per thread, merged at the end) and the chi-square test against Binomial(64, 1/2)
//! that tells a real population from one polluted by mirrored probe keys.

use core_lib::stats::WeightHistogram;

use crate::error::mptcpscan_result;
use crate::ffi::{self, guard, Out};

/// Possible Hamming weights of a 64-bit key (0 to 64).
pub const MPTCPSCAN_KEY_WEIGHTS: usize = 65;

/// A histogram of key Hamming weights. Zero it (`memset` or `= {0}`) to start; add keys with
/// `mptcpscan_histogram_add`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct mptcpscan_histogram {
    /// How many keys had each weight (saturating counts).
    pub counts: [u64; MPTCPSCAN_KEY_WEIGHTS],
}

/// What a histogram says about its population.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct mptcpscan_histogram_summary {
    /// How many keys were counted.
    pub total: u64,
    /// The mean weight (32 for random keys; when `total` ≥ 1).
    pub mean: f64,
    /// The sample variance of the weights (16 for random keys; when `total` ≥ 2).
    pub variance: f64,
    /// Pearson's X² against Binomial(64, 1/2) over pooled bins (when `has_test`).
    pub statistic: f64,
    /// P(X² ≥ statistic) (when `has_test`).
    pub p_value: f64,
    /// How many more keys than expected had `spike_weight` (when `has_test`).
    pub spike_excess: f64,
    /// The test's degrees of freedom (when `has_test`).
    pub dof: u32,
    /// The weight with the largest excess over expectation: for a population polluted by echoes,
    /// the probe key's weight (when `has_test`).
    pub spike_weight: u8,
    /// Non-zero when p < 0.001: the keys are not what random stacks send (when `has_test`).
    pub polluted: u8,
    /// Non-zero when the test ran (it needs about a dozen keys).
    pub has_test: u8,
}

/// Counts one received key.
///
/// Reads `key`; updates `*histogram`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_histogram_add(
    histogram: *mut mptcpscan_histogram,
    key: u64,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `histogram` as readable and writable; `handle` checks
        // NULL and alignment, and any counts are valid.
        let histogram = unsafe { ffi::handle(histogram)? };
        let weight = key.count_ones() as usize;
        histogram.counts[weight] = histogram.counts[weight].saturating_add(1);
        Ok(())
    })
}

/// Adds the counts of `*other` to `*histogram` (e.g. one histogram per scanning thread).
///
/// Reads `*other`; updates `*histogram` (`other` may be `histogram` itself: counts double).
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_histogram_merge(
    histogram: *mut mptcpscan_histogram,
    other: *const mptcpscan_histogram,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `other` is documented readable; it is copied before `histogram` is borrowed
        // mutably, so the two may be the same struct.
        let other = unsafe { *ffi::input(other)? };
        // SAFETY: the header documents `histogram` as readable and writable.
        let histogram = unsafe { ffi::handle(histogram)? };
        let mut merged = WeightHistogram::from_counts(histogram.counts);
        merged.merge(&WeightHistogram::from_counts(other.counts));
        histogram.counts = *merged.counts();
        Ok(())
    })
}

/// Summarises a histogram: size, mean, variance, and the chi-square test against
/// Binomial(64, 1/2).
///
/// Reads `*histogram`. On success writes the summary to `*summary` (fields without data are 0).
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_histogram_summarize(
    histogram: *const mptcpscan_histogram,
    summary: *mut mptcpscan_histogram_summary,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `histogram` as readable and `summary` as writable.
        let (histogram, summary) = unsafe { (ffi::input(histogram)?, Out::new(summary)?) };
        let h = WeightHistogram::from_counts(histogram.counts);
        let mut out = mptcpscan_histogram_summary {
            total: h.total(),
            mean: h.mean().unwrap_or(0.0),
            variance: h.variance().unwrap_or(0.0),
            ..Default::default()
        };
        if let Some(test) = h.test() {
            out.statistic = test.statistic;
            out.p_value = test.p_value;
            out.spike_excess = test.spike_excess;
            out.dof = test.dof;
            out.spike_weight = test.spike_weight;
            out.polluted = u8::from(test.polluted);
            out.has_test = 1;
        }
        summary.write(out);
        Ok(())
    })
}

/// How many more keys than Binomial(64, 1/2) predicts had `weight` (negative if fewer).
///
/// Reads `*histogram` and `weight` (0 to 64). On success writes the excess to `*excess`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`weight` above 64).
#[no_mangle]
pub extern "C" fn mptcpscan_histogram_excess(
    histogram: *const mptcpscan_histogram,
    weight: u32,
    excess: *mut f64,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `histogram` as readable and `excess` as writable.
        let (histogram, excess) = unsafe { (ffi::input(histogram)?, Out::new(excess)?) };
        let weight = usize::try_from(weight)
            .ok()
            .filter(|w| *w < MPTCPSCAN_KEY_WEIGHTS)
            .ok_or(mptcpscan_result::InvalidArgument)?;
        excess.write(WeightHistogram::from_counts(histogram.counts).excess(weight));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_of_the_study_key_pollute_a_random_population() {
        let mut h = mptcpscan_histogram {
            counts: [0; MPTCPSCAN_KEY_WEIGHTS],
        };
        // splitmix64: keys with the statistics of a random generator.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            assert_eq!(
                mptcpscan_histogram_add(&mut h, z ^ (z >> 31)),
                mptcpscan_result::Ok
            );
        }
        let mut summary = mptcpscan_histogram_summary::default();
        assert_eq!(
            mptcpscan_histogram_summarize(&h, &mut summary),
            mptcpscan_result::Ok
        );
        assert_eq!(
            (summary.total, summary.has_test, summary.polluted),
            (2000, 1, 0)
        );
        assert!((summary.mean - 32.0).abs() < 0.5);
        let mut echoes = mptcpscan_histogram {
            counts: [0; MPTCPSCAN_KEY_WEIGHTS],
        };
        for _ in 0..200 {
            mptcpscan_histogram_add(&mut echoes, 0x0c0c_0c0c_0c0c_0c0c);
        }
        assert_eq!(
            mptcpscan_histogram_merge(&mut h, &echoes),
            mptcpscan_result::Ok
        );
        mptcpscan_histogram_summarize(&h, &mut summary);
        assert_eq!(
            (summary.total, summary.polluted, summary.spike_weight),
            (2200, 1, 16)
        );
    }
}
