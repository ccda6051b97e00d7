//! A keyed pseudo-random permutation of `0..n` with O(1) memory: a balanced Feistel network over
//! the smallest even number of bits that holds `n - 1`, with cycle walking back into range (the
//! format-preserving-encryption trick). Sharding takes every `shards`-th position of the
//! permutation, so shards are disjoint and together cover the space exactly once.

/// Four rounds: a Luby-Rackoff permutation, far more than enough to scatter scan order.
const ROUNDS: usize = 4;

/// A permutation of `0..n`, fixed by its seed (every vantage point of a sharded scan must share it).
#[derive(Debug, Clone)]
pub struct Permutation {
    n: u64,
    half_bits: u32,
    keys: [u64; ROUNDS],
}

impl Permutation {
    /// The permutation of `0..n` selected by `seed`.
    pub fn new(n: u64, seed: u64) -> Self {
        let bits = 64 - n.saturating_sub(1).leading_zeros();
        let half_bits = bits.div_ceil(2).max(1);
        let mut state = seed;
        let keys = core::array::from_fn(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix(state)
        });
        Permutation { n, half_bits, keys }
    }

    /// The image of `i` (below `len()`), itself below `len()`.
    pub fn apply(&self, i: u64) -> u64 {
        // Walking the cycle of `i` must come back below n, at the latest at `i` itself; the
        // domain is less than 4n, so this takes under four steps on average.
        let mut x = self.feistel(i);
        while x >= self.n {
            x = self.feistel(x);
        }
        x
    }

    fn feistel(&self, x: u64) -> u64 {
        let mask = (1u64 << self.half_bits) - 1;
        let (mut left, mut right) = (x >> self.half_bits, x & mask);
        for key in self.keys {
            let f = mix(right ^ key) & mask;
            (left, right) = (right, left ^ f);
        }
        (left << self.half_bits) | right
    }

    /// The targets of shard `shard` of `shards`, in permuted order: positions `shard`,
    /// `shard + shards`, ... of the permutation.
    pub fn shard(&self, shard: u64, shards: u64) -> impl Iterator<Item = u64> + '_ {
        (shard..self.n)
            .step_by(usize::try_from(shards.max(1)).unwrap_or(usize::MAX))
            .map(|i| self.apply(i))
    }

    /// How many targets shard `shard` of `shards` holds.
    pub fn shard_len(&self, shard: u64, shards: u64) -> u64 {
        let shards = shards.max(1);
        if shard >= self.n {
            0
        } else {
            (self.n - shard).div_ceil(shards)
        }
    }
}

/// SplitMix64's finaliser: a cheap bijective mixer with full avalanche.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_every_element_exactly_once() {
        for n in [1u64, 2, 3, 4, 5, 7, 16, 17, 100, 255, 256, 1000, 65_537] {
            for seed in [0, 1, 0xdead_beef] {
                let p = Permutation::new(n, seed);
                let mut seen = vec![false; n as usize];
                for i in 0..n {
                    let j = p.apply(i);
                    assert!(j < n, "n={n} seed={seed}: {i} -> {j}");
                    assert!(!seen[j as usize], "n={n} seed={seed}: {j} twice");
                    seen[j as usize] = true;
                }
            }
        }
    }

    #[test]
    fn order_is_shuffled_and_depends_on_the_seed() {
        let a: Vec<u64> = (0..1000)
            .map(|i| Permutation::new(1000, 1).apply(i))
            .collect();
        let b: Vec<u64> = (0..1000)
            .map(|i| Permutation::new(1000, 2).apply(i))
            .collect();
        assert_ne!(a, b);
        let in_place = a
            .iter()
            .enumerate()
            .filter(|(i, &j)| *i as u64 == j)
            .count();
        assert!(in_place < 20, "{in_place} fixed points");
        let ascending = a.windows(2).filter(|w| w[0] < w[1]).count();
        assert!((300..700).contains(&ascending), "{ascending} ascents");
    }

    #[test]
    fn shards_are_disjoint_and_cover() {
        for (n, shards) in [(1u64, 1u64), (10, 3), (1000, 7), (4097, 4), (5, 8)] {
            let p = Permutation::new(n, 42);
            let mut seen = vec![0u8; n as usize];
            for shard in 0..shards {
                let mine: Vec<u64> = p.shard(shard, shards).collect();
                assert_eq!(mine.len() as u64, p.shard_len(shard, shards));
                for j in mine {
                    seen[j as usize] += 1;
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "n={n} shards={shards}");
        }
    }

    #[test]
    fn large_domains_stay_in_range() {
        for n in [u64::MAX, 1 << 63, (1 << 40) + 3] {
            let p = Permutation::new(n, 7);
            for i in [0, 1, n / 2, n - 1] {
                assert!(p.apply(i) < n);
            }
        }
    }
}
