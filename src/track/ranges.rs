//! Which subflow first carried each range of data sequence numbers: the basis of reinjection
//! counting (the same data-level bytes sent again on another subflow).

use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Disjoint data-sequence ranges, each owned by the subflow that sent it first.
///
/// At most `limit` ranges are kept; past that the lowest (oldest) ranges are forgotten, so memory
/// stays bounded on pathological traces at the price of not seeing reinjections of very old data.
///
/// The ranges are a deque sorted by start: data mostly arrives in order, so a new range goes at
/// the back (or extends the last one) and the oldest leaves at the front, with a binary search
/// to find the place of the rest.
#[derive(Debug, Clone)]
pub struct DataRanges {
    /// (start, end, owning subflow), end exclusive, sorted by start, disjoint.
    ranges: VecDeque<Range>,
    limit: usize,
    /// Bytes covered by at least one mapping.
    pub covered: u64,
    /// Bytes sent by a subflow after another subflow had sent them.
    pub reinjected: u64,
    /// The new parts of the range being recorded (kept to reuse its allocation).
    gaps: Vec<(u64, u64)>,
}

/// How many ranges at the end are compared one by one before a binary search.
const NEAR_END: usize = 8;

#[derive(Debug, Clone, Copy)]
struct Range {
    start: u64,
    end: u64,
    owner: u16,
}

impl DataRanges {
    /// An empty set that keeps at most `limit` ranges.
    pub fn new(limit: usize) -> DataRanges {
        DataRanges {
            ranges: VecDeque::new(),
            limit: limit.max(1),
            covered: 0,
            reinjected: 0,
            gaps: Vec::new(),
        }
    }

    /// Records that `subflow` sent data `[start, start + len)`; returns the bytes of it that other
    /// subflows had already sent.
    pub fn record(&mut self, start: u64, len: u64, subflow: u16) -> u64 {
        let end = start.saturating_add(len);
        if len == 0 || end == start {
            return 0;
        }
        let mut reinjected = 0;
        self.gaps.clear();
        let mut cursor = start;
        // The range starting at or before `start` may overlap too.
        let first = self.split(|r| r.start <= start).saturating_sub(1);
        for r in self.ranges.range(first..) {
            if r.start >= end {
                break;
            }
            if r.end <= cursor {
                continue;
            }
            if r.start > cursor {
                self.gaps.push((cursor, r.start));
            }
            let overlap = r.end.min(end).saturating_sub(r.start.max(cursor));
            if r.owner != subflow {
                reinjected += overlap;
            }
            cursor = cursor.max(r.end);
            if cursor >= end {
                break;
            }
        }
        if cursor < end {
            self.gaps.push((cursor, end));
        }
        for i in 0..self.gaps.len() {
            let (s, e) = self.gaps[i];
            self.covered += e.saturating_sub(s);
            self.insert(s, e, subflow);
        }
        self.reinjected += reinjected;
        while self.ranges.len() > self.limit {
            self.ranges.pop_front();
        }
        reinjected
    }

    /// Adds `[start, end)`, which overlaps no range, merged with the ranges of the same owner it
    /// touches.
    fn insert(&mut self, start: u64, end: u64, owner: u16) {
        let at = self.split(|r| r.start < start);
        let before = at
            .checked_sub(1)
            .filter(|&i| self.ranges[i].end == start && self.ranges[i].owner == owner);
        let after = Some(at)
            .filter(|&i| i < self.ranges.len())
            .filter(|&i| self.ranges[i].start == end && self.ranges[i].owner == owner);
        match (before, after) {
            (Some(b), Some(a)) => {
                self.ranges[b].end = self.ranges[a].end;
                self.ranges.remove(a);
            }
            (Some(b), None) => self.ranges[b].end = end,
            (None, Some(a)) => self.ranges[a].start = start,
            (None, None) => self.ranges.insert(at, Range { start, end, owner }),
        }
    }

    /// The number of ranges `before` holds for (a prefix of the ranges, as for
    /// `partition_point`), looked for from the back first: new data lands at the end or, from
    /// subflows running a little apart, near it.
    fn split(&self, before: impl Fn(&Range) -> bool) -> usize {
        let n = self.ranges.len();
        for back in 1..=NEAR_END.min(n) {
            if before(&self.ranges[n - back]) {
                return n - back + 1;
            }
        }
        if n <= NEAR_END {
            return 0;
        }
        self.ranges.partition_point(before)
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.ranges.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_data_on_one_subflow_is_one_range() {
        let mut r = DataRanges::new(16);
        for i in 0..100 {
            assert_eq!(r.record(1000 + i * 10, 10, 0), 0);
        }
        assert_eq!(r.len(), 1);
        assert_eq!(r.covered, 1000);
        assert_eq!(r.reinjected, 0);
    }

    #[test]
    fn retransmission_on_the_same_subflow_is_not_reinjection() {
        let mut r = DataRanges::new(16);
        r.record(0, 100, 0);
        assert_eq!(r.record(50, 100, 0), 0);
        assert_eq!(r.covered, 150);
    }

    #[test]
    fn overlap_on_another_subflow_counts_only_the_overlap() {
        let mut r = DataRanges::new(16);
        r.record(0, 100, 0);
        r.record(200, 100, 1);
        // 50..100 owned by 0, 100..200 new, 200..250 owned by 1 (same subflow 1: not counted).
        assert_eq!(r.record(50, 200, 1), 50);
        assert_eq!(r.covered, 300);
        assert_eq!(r.reinjected, 50);
        // Everything again from subflow 2: all 300 bytes are reinjections.
        assert_eq!(r.record(0, 300, 2), 300);
    }

    #[test]
    fn counts_match_a_byte_by_byte_model() {
        // Every byte's first sender, against random records (reordered, overlapping, repeated).
        let mut owners = alloc::vec![None::<u16>; 200_000];
        let mut r = DataRanges::new(usize::MAX);
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) % bound
        };
        let (mut covered, mut reinjected) = (0, 0);
        for _ in 0..20_000 {
            let start = next(199_900);
            let len = next(100);
            let subflow = next(3) as u16;
            let mut again = 0;
            for owner in &mut owners[start as usize..(start + len) as usize] {
                match *owner {
                    None => {
                        *owner = Some(subflow);
                        covered += 1;
                    }
                    Some(o) if o != subflow => again += 1,
                    Some(_) => {}
                }
            }
            reinjected += again;
            assert_eq!(r.record(start, len, subflow), again);
            assert_eq!((r.covered, r.reinjected), (covered, reinjected));
        }
        // Ranges of one owner that touch are one range.
        let runs = owners
            .windows(2)
            .filter(|w| w[0] != w[1] && w[1].is_some())
            .count()
            + usize::from(owners[0].is_some());
        assert_eq!(r.len(), runs);
    }

    #[test]
    fn the_limit_drops_the_oldest_ranges() {
        let mut r = DataRanges::new(4);
        for i in 0..10u64 {
            r.record(i * 100, 10, (i % 2) as u16);
        }
        assert_eq!(r.len(), 4);
        assert_eq!(r.covered, 100);
    }
}
