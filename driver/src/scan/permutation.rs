//! A keyed pseudo-random permutation of `0..n` with O(1) memory: a balanced Feistel network over
//! the smallest even number of bits that holds `n - 1`, with cycle walking back into range (the
//! format-preserving-encryption trick). Sharding takes every `shards`-th position of the
//! permutation, so shards are disjoint and together cover the space exactly once. A sending
//! thread's part of a shard is the shard sharded again the same way ([`Permutation::part`]).

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
    pub fn shard(&self, shard: u64, shards: u64) -> Shard<'_> {
        Shard {
            permutation: self,
            next: shard,
            step: shards.max(1),
            images: [0; LANES],
            at: 0,
            filled: 0,
        }
    }

    /// The targets sending thread `part` of `parts` walks in shard `shard` of `shards`:
    /// positions `shard + shards * part`, then every `shards * parts`-th. The threads' parts are
    /// disjoint and together make the shard; the first `k` targets of part `part` are exactly
    /// the shard's `j`-th targets for `j < k * parts` with `j % parts == part`, so the first
    /// [`share`]`(n, part, parts)` of every part together are the shard's first `n` (`-n`).
    /// Which positions a shard holds does not depend on `parts`: vantage points may run
    /// different numbers of threads.
    pub fn part(&self, shard: u64, shards: u64, part: u64, parts: u64) -> Shard<'_> {
        let shards = shards.max(1);
        // Saturating: a first position past the end (above `n`) gives an empty part, and a
        // step past the end gives one element at most, both as they should.
        self.shard(
            shard.saturating_add(shards.saturating_mul(part)),
            shards.saturating_mul(parts.max(1)),
        )
    }

    /// The images of `LANES` positions at once: the rounds of independent positions overlap in
    /// the processor (one position's rounds are a chain of dependent multiplications), which
    /// makes the sending thread's permutation several times cheaper per probe. Lanes already
    /// in range keep their value while the others walk on.
    fn apply_lanes(&self, positions: &mut [u64; LANES]) {
        let mut walking = [true; LANES];
        let mut any = true;
        while any {
            any = false;
            for lane in 0..LANES {
                if walking[lane] {
                    let x = self.feistel(positions[lane]);
                    positions[lane] = x;
                    walking[lane] = x >= self.n;
                    any |= walking[lane];
                }
            }
        }
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

/// Part `part`'s share of `total` things dealt round-robin to `parts` parts (the first parts
/// take one more when `parts` does not divide `total`): how `-n` is split over shards, then over
/// sending threads, as ZMap splits it.
pub fn share(total: u64, part: u64, parts: u64) -> u64 {
    let parts = parts.max(1);
    total / parts + u64::from(part < total % parts)
}

/// Positions permuted together by [`Shard`].
const LANES: usize = 8;

/// The iterator of [`Permutation::shard`]: the same images as `apply` on each position, computed
/// `LANES` at a time.
#[derive(Debug, Clone)]
pub struct Shard<'a> {
    permutation: &'a Permutation,
    /// The next position to permute.
    next: u64,
    step: u64,
    /// Images computed ahead, `images[at..filled]` not yet handed out.
    images: [u64; LANES],
    at: usize,
    filled: usize,
}

impl Iterator for Shard<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.at == self.filled {
            let n = self.permutation.n;
            let mut filled = 0;
            while filled < LANES && self.next < n {
                self.images[filled] = self.next;
                filled += 1;
                // Saturating: past the end (n is at most u64::MAX) iteration stops.
                self.next = self.next.saturating_add(self.step);
            }
            if filled == 0 {
                return None;
            }
            if filled == LANES {
                self.permutation.apply_lanes(&mut self.images);
            } else {
                for image in &mut self.images[..filled] {
                    *image = self.permutation.apply(*image);
                }
            }
            self.at = 0;
            self.filled = filled;
        }
        let image = self.images[self.at];
        self.at += 1;
        Some(image)
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
    fn thread_parts_split_each_shard_exactly_once() {
        // (targets, shards, threads): fewer targets than threads or shards included.
        let cases = [
            (1u64, 1u64, 1u64),
            (1, 1, 4),
            (3, 1, 8),
            (10, 3, 2),
            (10, 3, 3),
            (5, 8, 3),
            (1000, 7, 4),
            (4097, 4, 3),
            (65_537, 2, 5),
        ];
        for (n, shards, threads) in cases {
            let p = Permutation::new(n, 9);
            let mut seen = vec![0u8; n as usize];
            for shard in 0..shards {
                let whole: Vec<u64> = p.shard(shard, shards).collect();
                let mut mine = Vec::new();
                for part in 0..threads {
                    let items: Vec<u64> = p.part(shard, shards, part, threads).collect();
                    assert_eq!(
                        items.len() as u64,
                        share(whole.len() as u64, part, threads),
                        "n={n} shard={shard}/{shards} part={part}/{threads}"
                    );
                    mine.extend(items);
                }
                for &j in &mine {
                    seen[j as usize] += 1;
                }
                mine.sort_unstable();
                let mut whole_sorted = whole.clone();
                whole_sorted.sort_unstable();
                assert_eq!(
                    mine, whole_sorted,
                    "n={n} shard={shard}/{shards} T={threads}"
                );
                // `-n`: the first share(k) of each part are the shard's first k targets.
                for k in [0, 1, 2, 7, whole.len() as u64 / 2, whole.len() as u64] {
                    let mut capped: Vec<u64> = (0..threads)
                        .flat_map(|part| {
                            p.part(shard, shards, part, threads)
                                .take(share(k, part, threads) as usize)
                        })
                        .collect();
                    capped.sort_unstable();
                    let mut first: Vec<u64> = whole.iter().copied().take(k as usize).collect();
                    first.sort_unstable();
                    assert_eq!(
                        capped, first,
                        "n={n} shard={shard}/{shards} T={threads} k={k}"
                    );
                }
            }
            assert!(
                seen.iter().all(|&c| c == 1),
                "n={n} shards={shards} T={threads}"
            );
        }
        // Near the top of the domain parts stop instead of wrapping around.
        let p = Permutation::new(u64::MAX, 7);
        assert_eq!(p.part(u64::MAX - 3, 4, 2, 3).count(), 0);
        assert_eq!(p.part(2, u64::MAX, 1, 2).count(), 0);
        assert_eq!(p.part(2, u64::MAX, 0, 2).count(), 1);
    }

    #[test]
    fn shares_deal_round_robin() {
        let shares: Vec<u64> = (0..3).map(|i| share(10, i, 3)).collect();
        assert_eq!(shares, [4, 3, 3]);
        assert_eq!(
            (0..4).map(|i| share(2, i, 4)).collect::<Vec<_>>(),
            [1, 1, 0, 0]
        );
        assert_eq!(share(5, 0, 0), 5, "no parts counts as one");
    }

    #[test]
    fn the_batched_shard_gives_the_images_of_apply() {
        for (n, shards) in [(1u64, 1u64), (7, 1), (8, 1), (9, 2), (1000, 3), (65_537, 5)] {
            for seed in [0, 3, 0xdead_beef] {
                let p = Permutation::new(n, seed);
                for shard in 0..shards {
                    let expected: Vec<u64> = (shard..n)
                        .step_by(shards as usize)
                        .map(|i| p.apply(i))
                        .collect();
                    let batched: Vec<u64> = p.shard(shard, shards).collect();
                    assert_eq!(
                        batched, expected,
                        "n={n} seed={seed} shard={shard}/{shards}"
                    );
                }
            }
        }
        // Near the top of the domain the positions must stop, not wrap around.
        let p = Permutation::new(u64::MAX, 7);
        let last: Vec<u64> = p.shard(u64::MAX - 20, 4).collect();
        assert_eq!(last.len(), 5);
        assert!(last.iter().all(|&x| x < u64::MAX));
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
