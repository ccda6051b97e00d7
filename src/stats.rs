//! Population statistics over the MPTCP keys a scan received: is the population what real stacks
//! would send, or is it polluted by middleboxes echoing our probe?
//!
//! A conforming stack draws its 64-bit key at random, so the Hamming weight of real keys follows
//! Binomial(64, 1/2): mean 32, variance 16. Mirrored keys are copies of the probe key, so an echo
//! population piles up at the probe key's weight (16 for the 2021 study's `0x0c0c0c0c0c0c0c0c`).
//! Aschenbrenner et al. (2021, Fig. 2) showed exactly that spike on the real Internet.
//!
//! [`WeightHistogram`] counts weights in a fixed `[u64; 65]` (no allocation, mergeable across
//! threads), and [`WeightHistogram::test`] runs Pearson's chi-square goodness-of-fit test against
//! the exact Binomial(64, 1/2) probabilities, with sparse bins pooled so that every bin expects at
//! least [`MIN_EXPECTED`] keys. It reports the statistic, its degrees of freedom, the p-value, the
//! decision at [`SIGNIFICANCE`], and the weight with the largest excess over expectation (the
//! spike that names the pollution).
//!
//! The binomial probabilities are exact integer ratios rounded once, and the chi-square tail uses
//! the closed forms for integer degrees of freedom with `exp`, `sqrt` and `erfc` from `libm` (the
//! no_std port of musl's, accurate to about one ulp; `core` has none of the three).

/// Bits in an MPTCP key.
pub const KEY_BITS: usize = 64;

/// Number of possible Hamming weights of a key (0 to 64 inclusive).
pub const WEIGHTS: usize = KEY_BITS + 1;

/// The significance level of [`BinomialTest::polluted`].
///
/// A scan tests one population at a time, so multiple testing is no concern; 0.1 % keeps a clean
/// population (p uniform on [0, 1]) flagged only once in a thousand scans, while any echo share
/// large enough to matter gives p-values many orders of magnitude smaller.
pub const SIGNIFICANCE: f64 = 0.001;

/// The smallest expected count a chi-square bin may have; sparser neighbouring weights are pooled
/// (the usual rule of thumb for the chi-square approximation to hold).
pub const MIN_EXPECTED: f64 = 5.0;

/// 2^−64, exact in binary floating point.
const TWO_POW_MINUS_64: f64 = 1.0 / 18_446_744_073_709_551_616.0;

/// C(64, k) for every k, computed exactly at compile time (the largest, C(64, 32) ≈ 1.8·10^18,
/// fits a `u64`; the intermediate product needs `u128`).
const BINOMIAL_64: [u64; WEIGHTS] = {
    let mut table = [0u64; WEIGHTS];
    let mut c: u128 = 1;
    let mut k = 0;
    while k < WEIGHTS {
        table[k] = c as u64;
        // C(64, k+1) = C(64, k)·(64 − k)/(k + 1), exact: the division leaves no remainder.
        c = c * (KEY_BITS - k) as u128 / (k + 1) as u128;
        k += 1;
    }
    table
};

/// C(64, `weight`): how many 64-bit keys have that Hamming weight (0 if `weight` > 64).
pub fn binomial_coefficient(weight: usize) -> u64 {
    BINOMIAL_64.get(weight).copied().unwrap_or(0)
}

/// P(W = `weight`) for W ~ Binomial(64, 1/2), i.e. C(64, weight)/2^64, rounded once to `f64`
/// (0 if `weight` > 64).
pub fn binomial_pmf(weight: usize) -> f64 {
    binomial_coefficient(weight) as f64 * TWO_POW_MINUS_64
}

/// A histogram of the Hamming weights of received keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WeightHistogram {
    counts: [u64; WEIGHTS],
}

impl Default for WeightHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl WeightHistogram {
    /// An empty histogram.
    pub const fn new() -> Self {
        WeightHistogram {
            counts: [0; WEIGHTS],
        }
    }

    /// A histogram with the given count for each weight 0..=64.
    pub const fn from_counts(counts: [u64; WEIGHTS]) -> Self {
        WeightHistogram { counts }
    }

    /// Counts one received key.
    pub fn add(&mut self, key: u64) {
        let weight = key.count_ones() as usize;
        self.counts[weight] = self.counts[weight].saturating_add(1);
    }

    /// Adds another histogram's counts (e.g. one per scanning thread).
    pub fn merge(&mut self, other: &WeightHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine = mine.saturating_add(*theirs);
        }
    }

    /// The count for each weight 0..=64.
    pub fn counts(&self) -> &[u64; WEIGHTS] {
        &self.counts
    }

    /// How many keys had `weight` (0 if `weight` > 64).
    pub fn count(&self, weight: usize) -> u64 {
        self.counts.get(weight).copied().unwrap_or(0)
    }

    /// How many keys were counted.
    pub fn total(&self) -> u64 {
        self.counts
            .iter()
            .fold(0u64, |sum, &c| sum.saturating_add(c))
    }

    /// Σ count, Σ weight·count, Σ weight²·count, exact.
    fn moments(&self) -> (u128, u128, u128) {
        self.counts
            .iter()
            .enumerate()
            .fold((0, 0, 0), |(n, s1, s2), (weight, &c)| {
                let (w, c) = (weight as u128, u128::from(c));
                (n + c, s1 + w * c, s2 + w * w * c)
            })
    }

    /// The mean weight (32 for real keys), or `None` for an empty histogram.
    pub fn mean(&self) -> Option<f64> {
        let (n, s1, _) = self.moments();
        (n > 0).then(|| s1 as f64 / n as f64)
    }

    /// The sample variance of the weights (divisor n − 1; 16 for real keys), or `None` with fewer
    /// than two keys.
    pub fn variance(&self) -> Option<f64> {
        let (n, s1, s2) = self.moments();
        if n < 2 {
            return None;
        }
        // Σ(w − mean)² = Σw² − (Σw)²/n; the sums are exact, so only this last step rounds.
        let (n, s1, s2) = (n as f64, s1 as f64, s2 as f64);
        Some(((s2 - s1 * s1 / n) / (n - 1.0)).max(0.0))
    }

    /// How many more keys than Binomial(64, 1/2) predicts had `weight` (negative if fewer).
    pub fn excess(&self, weight: usize) -> f64 {
        self.count(weight) as f64 - self.total() as f64 * binomial_pmf(weight)
    }

    /// Pearson's chi-square test of the histogram against Binomial(64, 1/2).
    ///
    /// The sparse tails are pooled symmetrically from both ends towards the middle until every
    /// bin expects at least [`MIN_EXPECTED`] keys (the pmf is unimodal, so every weight between
    /// the pools then qualifies on its own), and the degrees of freedom are the bins minus one (no
    /// parameter is estimated). Returns `None` when the histogram is too small to form two such
    /// bins (fewer than 12 keys).
    pub fn test(&self) -> Option<BinomialTest> {
        let n = self.total() as f64;
        let expected = |weight: usize| n * binomial_pmf(weight);
        // The pools are [0..first) and (last..=64]; `first`..=`last` are bins of their own.
        let (mut first, mut last) = (0, KEY_BITS);
        let (mut low, mut high) = ((0u64, 0.0), (0u64, 0.0));
        while first < last && (low.1 < MIN_EXPECTED || expected(first) < MIN_EXPECTED) {
            low = (low.0 + self.counts[first], low.1 + expected(first));
            high = (high.0 + self.counts[last], high.1 + expected(last));
            first += 1;
            last -= 1;
        }
        if first == last && expected(first) < MIN_EXPECTED {
            // One sparse weight left in the middle: it joins the low pool.
            low = (low.0 + self.counts[first], low.1 + expected(first));
            first += 1;
        }
        if high.1 < MIN_EXPECTED {
            return None;
        }
        let mut statistic = 0.0;
        let mut bins = 0u32;
        let middle = (first..=last).map(|w| (self.counts[w], expected(w)));
        for (observed, expected) in [low, high].into_iter().chain(middle) {
            let diff = observed as f64 - expected;
            statistic += diff * diff / expected;
            bins += 1;
        }
        let (spike_excess, spike_weight) = (0..WEIGHTS)
            .map(|weight| (self.excess(weight), weight))
            .fold(
                (0.0, 0),
                |best, this| if this.0 > best.0 { this } else { best },
            );
        let dof = bins - 1;
        let p_value = chi_square_survival(statistic, dof);
        Some(BinomialTest {
            statistic,
            dof,
            p_value,
            polluted: p_value < SIGNIFICANCE,
            spike_weight: spike_weight as u8,
            spike_excess,
        })
    }
}

/// The outcome of [`WeightHistogram::test`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinomialTest {
    /// Pearson's X² = Σ (observed − expected)² / expected over the pooled bins.
    pub statistic: f64,
    /// Degrees of freedom: pooled bins − 1.
    pub dof: u32,
    /// P(X² ≥ statistic) under Binomial(64, 1/2), from the chi-square distribution with `dof`
    /// degrees of freedom.
    pub p_value: f64,
    /// `p_value` < [`SIGNIFICANCE`]: the keys are not what random stacks send.
    pub polluted: bool,
    /// The weight with the largest excess of keys over expectation (for an echo-polluted
    /// population, the probe key's weight).
    pub spike_weight: u8,
    /// How many more keys than expected had `spike_weight` (0 if no weight is in excess).
    pub spike_excess: f64,
}

/// P(X ≥ `x`) for X chi-square distributed with `dof` degrees of freedom (`dof` ≥ 1).
///
/// Uses the closed forms for integer degrees of freedom: with y = x/2,
/// Q = e^−y Σ_{i<dof/2} y^i/i! for even `dof`, and
/// Q = erfc(√y) + e^−y Σ_{i=1}^{(dof−1)/2} y^(i−½)/Γ(i+½) for odd `dof`.
/// The terms are built incrementally from e^−y, so nothing overflows; when e^−y underflows the
/// tail is below 10^−300 and 0 is returned. Accuracy: about 10^−14 relative for every `dof` (the
/// sums' rounding; `libm`'s erfc is within one ulp), far beyond what a decision at
/// [`SIGNIFICANCE`] needs. `dof` = 0 or a NaN `x` give NaN; `x` ≤ 0 gives 1.
pub fn chi_square_survival(x: f64, dof: u32) -> f64 {
    if dof == 0 || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let y = x / 2.0;
    let e = libm::exp(-y);
    if dof.is_multiple_of(2) {
        let mut term = e;
        let mut sum = term;
        for i in 1..dof / 2 {
            term *= y / f64::from(i);
            sum += term;
        }
        sum.min(1.0)
    } else {
        let root = libm::sqrt(y);
        // Γ(3/2) = √π/2.
        let mut term = e * root / (SQRT_PI / 2.0);
        let mut sum = 0.0;
        for i in 1..=(dof - 1) / 2 {
            sum += term;
            term *= y / (f64::from(i) + 0.5);
        }
        (libm::erfc(root) + sum).min(1.0)
    }
}

/// √π.
const SQRT_PI: f64 = 1.772_453_850_905_516;

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;
    use std::vec::Vec;

    /// The 2021 study's probe key: Hamming weight 16.
    const PROBE_KEY: u64 = 0x0c0c_0c0c_0c0c_0c0c;

    /// xorshift64*: a seeded generator so the "genuine" population is the same on every run.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
    }

    fn random_population(seed: u64, n: usize) -> WeightHistogram {
        let mut rng = XorShift(seed);
        let mut histogram = WeightHistogram::new();
        for _ in 0..n {
            histogram.add(rng.next());
        }
        histogram
    }

    fn close(a: f64, b: f64, relative: f64) -> bool {
        (a - b).abs() <= relative * b.abs()
    }

    #[test]
    fn binomial_coefficients_are_exact() {
        assert_eq!(binomial_coefficient(0), 1);
        assert_eq!(binomial_coefficient(1), 64);
        assert_eq!(binomial_coefficient(2), 2016);
        assert_eq!(binomial_coefficient(16), 488_526_937_079_580);
        assert_eq!(binomial_coefficient(32), 1_832_624_140_942_590_534);
        assert_eq!(binomial_coefficient(64), 1);
        assert_eq!(binomial_coefficient(65), 0);
        // Symmetric, and the row sums to 2^64.
        assert!((0..=64).all(|k| binomial_coefficient(k) == binomial_coefficient(64 - k)));
        let sum: u128 = (0..=64).map(|k| u128::from(binomial_coefficient(k))).sum();
        assert_eq!(sum, 1u128 << 64);
        assert_eq!(binomial_pmf(64), TWO_POW_MINUS_64);
        assert!(close(binomial_pmf(32), 0.099_346_753_747_966_9, 1e-15));
    }

    #[test]
    fn chi_square_tail_matches_reference_values() {
        // Reference values from mpmath (gammainc(dof/2, x/2, inf, regularized=True)).
        let cases = [
            (3.841_458_820_694_124, 1, 0.05),
            (10.0, 4, 0.040_427_681_994_512_8),
            (10.0, 5, 0.075_235_246_146_512_18),
            (40.0, 30, 0.104_864_281_107_984_67),
            (100.0, 63, 0.002_077_236_552_784_795),
            (0.5, 1, 0.479_500_122_186_953_5),
            (2000.0, 31, 0.0),
        ];
        for (x, dof, expected) in cases {
            let p = chi_square_survival(x, dof);
            if expected == 0.0 {
                assert!(p < 1e-300, "Q({x}, {dof}) = {p}");
            } else {
                assert!(
                    close(p, expected, 1e-13),
                    "Q({x}, {dof}) = {p}, not {expected}"
                );
            }
        }
        assert_eq!(chi_square_survival(0.0, 3), 1.0);
        assert!(chi_square_survival(1.0, 0).is_nan());
    }

    #[test]
    fn moments_of_a_known_histogram() {
        let mut histogram = WeightHistogram::new();
        assert_eq!(histogram.mean(), None);
        histogram.add(0);
        assert_eq!(histogram.variance(), None);
        histogram.add(u64::MAX);
        histogram.add(PROBE_KEY);
        assert_eq!(histogram.total(), 3);
        assert_eq!(histogram.count(16), 1);
        assert_eq!(histogram.mean(), Some(80.0 / 3.0));
        // Weights 0, 64, 16: Σ(w − 80/3)² / 2 = 3328/3.
        assert!(close(histogram.variance().unwrap(), 3328.0 / 3.0, 1e-12));
        assert_eq!(histogram.test(), None);
    }

    #[test]
    fn genuine_keys_pass() {
        let histogram = random_population(0x9e37_79b9_7f4a_7c15, 100_000);
        let mean = histogram.mean().unwrap();
        let variance = histogram.variance().unwrap();
        assert!((mean - 32.0).abs() < 0.05, "mean {mean}");
        assert!((variance - 16.0).abs() < 0.3, "variance {variance}");
        let test = histogram.test().unwrap();
        assert!(!test.polluted, "{test:?}");
        assert!(test.p_value > SIGNIFICANCE);
        // 100 000 keys expect 3.9 keys at weights 0..=16 and 11.3 at 0..=17: two pooled tails of
        // 18 weights each, and weights 18..=46 on their own, 31 bins.
        assert_eq!(test.dof, 30);
    }

    #[test]
    fn echo_pollution_is_flagged_at_the_probe_weight() {
        // The thesis' port-80 picture, scaled down: 4 000 real keys, 96 % of replies mirrored.
        let mut histogram = random_population(7, 4_000);
        for _ in 0..96_000 {
            histogram.add(PROBE_KEY);
        }
        let test = histogram.test().unwrap();
        assert!(test.polluted);
        assert_eq!(test.p_value, 0.0);
        assert_eq!(test.spike_weight, 16);
        assert!(test.spike_excess > 95_000.0);
        assert!(histogram.mean().unwrap() < 17.0);
    }

    #[test]
    fn a_small_echo_share_is_still_flagged() {
        // 2 % echoes hidden in 10 000 keys: weight 16 expects 0.000 26 keys, here 200.
        let mut histogram = random_population(11, 9_800);
        for _ in 0..200 {
            histogram.add(PROBE_KEY);
        }
        let test = histogram.test().unwrap();
        assert!(test.polluted, "{test:?}");
        assert_eq!(test.spike_weight, 16);
        // Weight 16 sits in the pooled low tail here, which the echoes dominate.
        assert!(test.statistic > 1_000.0);
    }

    #[test]
    fn twelve_keys_are_the_smallest_testable_population() {
        let mut histogram = random_population(3, 11);
        assert_eq!(histogram.test(), None);
        histogram.add(PROBE_KEY);
        // Two bins, weights 0..=32 and 33..=64, expecting 6.6 and 5.4 keys.
        let test = histogram.test().unwrap();
        assert_eq!(test.dof, 1);
        assert!((0.0..=1.0).contains(&test.p_value));
    }

    #[test]
    fn merged_histograms_add_up() {
        let a = random_population(1, 500);
        let b = random_population(2, 700);
        let mut merged = a.clone();
        merged.merge(&b);
        assert_eq!(merged.total(), 1_200);
        assert!((0..WEIGHTS).all(|w| merged.count(w) == a.count(w) + b.count(w)));
        let full = WeightHistogram::from_counts([u64::MAX; WEIGHTS]);
        let mut saturated = full.clone();
        saturated.merge(&full);
        assert_eq!(saturated.total(), u64::MAX);
    }

    quickcheck! {
        fn test_never_panics_and_stays_in_range(counts: Vec<u32>) -> bool {
            let mut array = [0u64; WEIGHTS];
            for (slot, c) in array.iter_mut().zip(counts) {
                *slot = u64::from(c);
            }
            let histogram = WeightHistogram::from_counts(array);
            match histogram.test() {
                None => histogram.total() < 12,
                Some(t) => t.dof >= 1 && t.dof <= 64 && (0.0..=1.0).contains(&t.p_value)
                    && t.statistic >= 0.0,
            }
        }
    }
}
