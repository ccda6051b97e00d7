//! Which subflow first carried each range of data sequence numbers: the basis of reinjection
//! counting (the same data-level bytes sent again on another subflow).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Disjoint data-sequence ranges, each owned by the subflow that sent it first.
///
/// At most `limit` ranges are kept; past that the lowest (oldest) ranges are forgotten, so memory
/// stays bounded on pathological traces at the price of not seeing reinjections of very old data.
#[derive(Debug, Clone)]
pub struct DataRanges {
    /// start → (end, owning subflow), end exclusive.
    ranges: BTreeMap<u64, (u64, u16)>,
    limit: usize,
    /// Bytes covered by at least one mapping.
    pub covered: u64,
    /// Bytes sent by a subflow after another subflow had sent them.
    pub reinjected: u64,
}

impl DataRanges {
    /// An empty set that keeps at most `limit` ranges.
    pub fn new(limit: usize) -> DataRanges {
        DataRanges {
            ranges: BTreeMap::new(),
            limit: limit.max(1),
            covered: 0,
            reinjected: 0,
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
        let mut gaps = Vec::new();
        let mut cursor = start;
        // The range starting at or before `start` may overlap too.
        let first = self
            .ranges
            .range(..=start)
            .next_back()
            .map(|(&s, _)| s)
            .unwrap_or(start);
        for (&s, &(e, owner)) in self.ranges.range(first..end) {
            if e <= cursor {
                continue;
            }
            if s > cursor {
                gaps.push((cursor, s));
            }
            let overlap = e.min(end).saturating_sub(s.max(cursor));
            if owner != subflow {
                reinjected += overlap;
            }
            cursor = cursor.max(e);
            if cursor >= end {
                break;
            }
        }
        if cursor < end {
            gaps.push((cursor, end));
        }
        for (s, e) in gaps {
            self.covered += e.saturating_sub(s);
            self.insert(s, e, subflow);
        }
        self.reinjected += reinjected;
        while self.ranges.len() > self.limit {
            self.ranges.pop_first();
        }
        reinjected
    }

    /// Inserts a range that overlaps nothing, merging it with same-owner neighbours it touches.
    fn insert(&mut self, mut start: u64, mut end: u64, owner: u16) {
        if let Some((&s, &(e, o))) = self.ranges.range(..start).next_back() {
            if e == start && o == owner {
                self.ranges.remove(&s);
                start = s;
            }
        }
        if let Some(&(e, o)) = self.ranges.get(&end) {
            if o == owner {
                self.ranges.remove(&end);
                end = e;
            }
        }
        self.ranges.insert(start, (end, owner));
    }

    /// How many ranges are held.
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
    fn the_limit_drops_the_oldest_ranges() {
        let mut r = DataRanges::new(4);
        for i in 0..10u64 {
            r.record(i * 100, 10, (i % 2) as u16);
        }
        assert_eq!(r.len(), 4);
        assert_eq!(r.covered, 100);
    }
}
