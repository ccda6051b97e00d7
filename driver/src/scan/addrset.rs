//! Sets of addresses as sorted, disjoint inclusive intervals: targets and blocklists are whole
//! prefixes, so interval arithmetic keeps a /8 or an IPv6 /48 as one entry instead of expanding it.

use std::net::IpAddr;

use ipnet::IpNet;

/// Which address family an interval belongs to; IPv4 and IPv6 never merge with each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// IPv4: values are the 32-bit address.
    V4,
    /// IPv6: values are the 128-bit address.
    V6,
}

/// An inclusive range of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    /// The family both ends belong to.
    pub family: Family,
    /// The first address, as an integer.
    pub first: u128,
    /// The last address, as an integer (inclusive, so a full /0 fits).
    pub last: u128,
}

impl Interval {
    /// The interval covering every address of `net`, network and broadcast addresses included
    /// (ZMap scans those too, and a lab prefix routed `local` answers on all of them).
    pub fn from_net(net: IpNet) -> Self {
        match net {
            IpNet::V4(net) => Interval {
                family: Family::V4,
                first: u32::from(net.network()).into(),
                last: u32::from(net.broadcast()).into(),
            },
            IpNet::V6(net) => Interval {
                family: Family::V6,
                first: u128::from(net.network()),
                last: u128::from(net.broadcast()),
            },
        }
    }

    /// How many addresses the interval holds, minus one (so that a full IPv6 /0 still fits).
    pub fn span(&self) -> u128 {
        self.last - self.first
    }

    /// The address at `offset` from the first one; `offset` must not exceed `span()`.
    pub fn addr_at(&self, offset: u128) -> IpAddr {
        to_addr(self.family, self.first + offset)
    }
}

/// The (family, integer) form of an address that intervals are ordered by.
pub fn key(addr: IpAddr) -> (Family, u128) {
    match addr {
        IpAddr::V4(a) => (Family::V4, u32::from(a).into()),
        IpAddr::V6(a) => (Family::V6, u128::from(a)),
    }
}

fn to_addr(family: Family, value: u128) -> IpAddr {
    match family {
        // Values of V4 intervals come from 32-bit addresses, so the truncation is exact.
        Family::V4 => IpAddr::V4((value as u32).into()),
        Family::V6 => IpAddr::V6(value.into()),
    }
}

/// A set of addresses: sorted, disjoint, non-adjacent intervals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddrSet {
    intervals: Vec<Interval>,
}

impl AddrSet {
    /// The union of `intervals`, which may overlap and come in any order.
    pub fn from_intervals(mut intervals: Vec<Interval>) -> Self {
        intervals.sort_by_key(|i| (i.family, i.first));
        let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
        for next in intervals {
            match merged.last_mut() {
                Some(prev)
                    if prev.family == next.family
                        && (prev.last == u128::MAX || next.first <= prev.last + 1) =>
                {
                    prev.last = prev.last.max(next.last);
                }
                _ => merged.push(next),
            }
        }
        AddrSet { intervals: merged }
    }

    /// The union of the given prefixes.
    pub fn from_nets(nets: impl IntoIterator<Item = IpNet>) -> Self {
        Self::from_intervals(nets.into_iter().map(Interval::from_net).collect())
    }

    /// The intervals, sorted (IPv4 first) and disjoint.
    pub fn intervals(&self) -> &[Interval] {
        &self.intervals
    }

    /// Whether the set holds no address.
    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// Whether `addr` is in the set (binary search, no allocation).
    pub fn contains(&self, addr: IpAddr) -> bool {
        let (family, value) = key(addr);
        let after = self
            .intervals
            .partition_point(|i| (i.family, i.first) <= (family, value));
        after > 0 && {
            let i = &self.intervals[after - 1];
            i.family == family && value <= i.last
        }
    }

    /// The addresses of `self` that are not in `other`.
    pub fn subtract(&self, other: &AddrSet) -> AddrSet {
        let mut out = Vec::new();
        for i in &self.intervals {
            let mut first = i.first;
            let mut open = true;
            for cut in other
                .intervals
                .iter()
                .filter(|c| c.family == i.family && c.last >= i.first && c.first <= i.last)
            {
                if cut.first > first {
                    out.push(Interval {
                        family: i.family,
                        first,
                        last: cut.first - 1,
                    });
                }
                if cut.last >= i.last {
                    open = false;
                    break;
                }
                first = first.max(cut.last + 1);
            }
            if open {
                out.push(Interval {
                    family: i.family,
                    first,
                    last: i.last,
                });
            }
        }
        AddrSet { intervals: out }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(nets: &[&str]) -> AddrSet {
        AddrSet::from_nets(nets.iter().map(|n| n.parse().unwrap()))
    }

    #[test]
    fn overlapping_and_adjacent_prefixes_merge() {
        let s = set(&[
            "198.18.1.0/24",
            "198.18.0.0/24",
            "198.18.0.128/25",
            "2001:db8::/64",
        ]);
        assert_eq!(s.intervals().len(), 2);
        assert_eq!(s.intervals()[0].span(), 511);
        assert_eq!(
            s.intervals()[0].addr_at(0),
            "198.18.0.0".parse::<IpAddr>().unwrap()
        );
        assert_eq!(s.intervals()[1].family, Family::V6);
    }

    #[test]
    fn contains_checks_family_and_bounds() {
        let s = set(&["198.18.0.0/24", "2001:db8::/126"]);
        assert!(s.contains("198.18.0.0".parse().unwrap()));
        assert!(s.contains("198.18.0.255".parse().unwrap()));
        assert!(!s.contains("198.18.1.0".parse().unwrap()));
        assert!(!s.contains("198.17.255.255".parse().unwrap()));
        assert!(s.contains("2001:db8::3".parse().unwrap()));
        assert!(!s.contains("2001:db8::4".parse().unwrap()));
        assert!(!s.contains("::ffff:198.18.0.1".parse().unwrap()));
    }

    #[test]
    fn subtract_cuts_holes_and_ends() {
        let s = set(&["198.18.0.0/24"]).subtract(&set(&[
            "198.18.0.0/30",
            "198.18.0.16/28",
            "198.18.0.255/32",
        ]));
        let ranges: Vec<(u128, u128)> = s
            .intervals()
            .iter()
            .map(|i| (i.first & 0xff, i.last & 0xff))
            .collect();
        assert_eq!(ranges, vec![(4, 15), (32, 254)]);
        assert!(set(&["198.18.0.0/24"])
            .subtract(&set(&["198.18.0.0/16"]))
            .is_empty());
        assert_eq!(
            set(&["198.18.0.0/24"]).subtract(&set(&["2001:db8::/32"])),
            set(&["198.18.0.0/24"])
        );
    }

    #[test]
    fn full_ranges_do_not_overflow() {
        let s = set(&["::/0", "2001:db8::/32"]);
        assert_eq!(s.intervals().len(), 1);
        assert_eq!(s.intervals()[0].span(), u128::MAX);
        assert!(s
            .subtract(&set(&["::/1"]))
            .contains("ffff::1".parse().unwrap()));
        assert!(set(&["0.0.0.0/0"])
            .subtract(&set(&["10.0.0.0/8"]))
            .contains("11.0.0.0".parse().unwrap()));
    }
}
