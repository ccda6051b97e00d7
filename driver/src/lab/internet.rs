//! `lab up --internet BITS`: the lab's classes laid out as an Internet-wide scan meets them, in
//! 2^BITS addresses, for the rehearsal of a real scan (`make rehearsal`, docs/lab.md).
//!
//! The proportions are those of the 2020 thesis (Aschenbrenner, "Measuring MPTCP"), port 80 over
//! IPv4, scan 'D' (10.08.2020), the scan its Tracebox results belong to:
//!
//! * Table 4.1: 58,807,697 of the 2^32 IPv4 addresses answered with a SYN-ACK; 201,687 of them
//!   with MP_CAPABLE; 4,158 of those with a key of their own (the rest, 197,529, echoed ours:
//!   mirrors, the number Table 4.10 traces).
//! * Figure 4.5 (left): of those 4,158, Tracebox found 3,708 truly MPTCP and 45 behind a
//!   middlebox near the host that changed MP_CAPABLE (155 not MPTCP at all, 250 unreachable:
//!   the lab has no class for these).
//! * Table 4.10: 146 of the 197,529 paths had MP_CAPABLE removed before the last hop
//!   (strippers).
//!
//! Each class gets its share of the space, rounded, and at least [`MIN_ADDRESSES`] addresses
//! per IP version (the default lab's /28), so that every class is seen: at 2^20 addresses only
//! plain TCP and the closed ports get more. What the papers do not measure is chosen here and
//! said so: MPTCP v1 servers and SYN-ACK key flippers (2020 probes were v0 only) get the minimum;
//! the papers keep only SYN-ACKs (ZMap's `success = 1`), so closed ports (RST) get as many
//! addresses as plain TCP; the two mirror kinds and the two stripper kinds share their figure
//! equally. Everything else is silent.
//!
//! IPv4 gets 2^(BITS-4) addresses (198.19.0.0/16 at 2^20) and IPv6 the other 15/16 (in
//! 2001:db8:2::/48): the lab's IPv4 range is only 2^17, so IPv6 addresses stand in for most of
//! the IPv4 space; both follow the same proportions. Each class's count is written as a sum of
//! powers of two, one prefix per term, and the prefixes are handed out largest first from the
//! region's start, so each is aligned and together they fill the region exactly: every address
//! has exactly one class in the ground truth.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use anyhow::bail;
use ipnet::IpNet;

use super::topology::{Class, Prefix};

/// Smallest and largest `--internet` sizes (bits of the address count).
pub const BITS: std::ops::RangeInclusive<u8> = 12..=20;
/// Every class has at least this many addresses per IP version.
pub const MIN_ADDRESSES: u64 = 16;

/// Where the IPv4 region starts (198.19.0.0: 198.18.0.0/24 holds the links).
const BASE4: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 0);
/// Where the IPv6 region starts.
const BASE6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0);

/// The IPv4 space the thesis scanned.
const SPACE: f64 = 4_294_967_296.0;
/// Table 4.1, scan D: responsive targets (SYN-ACK).
const RESPONSIVE: f64 = 58_807_697.0;
/// Table 4.1, scan D: SYN-ACKs with MP_CAPABLE.
const MP_CAPABLE: f64 = 201_687.0;
/// Table 4.1, scan D: MP_CAPABLE with a key that is not ours.
const DIFFERENT_KEY: f64 = 4_158.0;
/// Figure 4.5, port 80: truly MPTCP after Tracebox.
const TRULY_MPTCP: f64 = 3_708.0;
/// Figure 4.5, port 80: a middlebox near the host changed MP_CAPABLE.
const MIDDLEBOX_AFFECTED: f64 = 45.0;
/// Table 4.10: paths on which a hop before the last removed MP_CAPABLE.
const STRIPPED: f64 = 146.0;

/// The share of the whole address space each class gets (before the minimum).
pub fn share(class: Class) -> f64 {
    let plain_tcp = RESPONSIVE - MP_CAPABLE;
    let mirrors = MP_CAPABLE - DIFFERENT_KEY;
    let count = match class {
        Class::MptcpV0 => TRULY_MPTCP,
        Class::Tcp | Class::Closed => plain_tcp,
        Class::MirrorFull | Class::MirrorThesis => mirrors / 2.0,
        Class::StripNop | Class::StripShrink => STRIPPED / 2.0,
        Class::KeyRewriteSyn => MIDDLEBOX_AFFECTED,
        // Not measured by the v0-only 2020 scans: the minimum.
        Class::MptcpV1 | Class::KeyFlipSynack => 0.0,
        Class::Silent => return 1.0 - answering_share(),
    };
    count / SPACE
}

/// The share of the answering classes together.
fn answering_share() -> f64 {
    Class::ALL
        .iter()
        .filter(|&&c| c != Class::Silent)
        .map(|&c| share(c))
        .sum()
}

/// Addresses per class in a region of `size` addresses: the share rounded, at least
/// [`MIN_ADDRESSES`], silent taking the rest.
pub fn counts(size: u64) -> anyhow::Result<Vec<(Class, u64)>> {
    let mut counts: Vec<(Class, u64)> = Class::ALL
        .iter()
        .filter(|&&c| c != Class::Silent)
        .map(|&c| {
            (
                c,
                ((share(c) * size as f64).round() as u64).max(MIN_ADDRESSES),
            )
        })
        .collect();
    let answering: u64 = counts.iter().map(|(_, n)| n).sum();
    if answering >= size {
        bail!("{size} addresses are too few for every class to get {MIN_ADDRESSES}");
    }
    counts.push((Class::Silent, size - answering));
    Ok(counts)
}

/// The prefixes of `counts` in the region starting at `base` (aligned to its size): each count
/// split into powers of two, handed out largest first.
fn allocate(base: u128, counts: &[(Class, u64)]) -> Vec<(Class, u128, u8)> {
    let mut blocks: Vec<(u32, Class)> = Vec::new();
    for &(class, count) in counts {
        for bit in 0..64 {
            if count & (1 << bit) != 0 {
                blocks.push((bit, class));
            }
        }
    }
    // Largest first keeps every block aligned to its size; classes in their order within a size.
    blocks.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut next = base;
    blocks
        .into_iter()
        .map(|(bit, class)| {
            let start = next;
            next += 1u128 << bit;
            (class, start, bit as u8)
        })
        .collect()
}

/// The prefixes of a lab of 2^`bits` addresses, IPv4 first, each family in address order.
pub fn prefixes(bits: u8) -> anyhow::Result<Vec<Prefix>> {
    if !BITS.contains(&bits) {
        bail!(
            "--internet takes {} to {} (bits of the address count)",
            BITS.start(),
            BITS.end()
        );
    }
    let total = 1u64 << bits;
    let size4 = total >> 4;
    let mut prefixes = Vec::new();
    for (base, size, max_len) in [
        (u128::from(u32::from(BASE4)), size4, 32u8),
        (u128::from(BASE6), total - size4, 128u8),
    ] {
        for (class, start, bit) in allocate(base, &counts(size)?) {
            let addr = if max_len == 32 {
                IpAddr::V4(Ipv4Addr::from(start as u32))
            } else {
                IpAddr::V6(Ipv6Addr::from(start))
            };
            prefixes.push(Prefix {
                class,
                net: IpNet::new(addr, max_len - bit)?,
            });
        }
    }
    Ok(prefixes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::topology::{LAB_V4, LAB_V6};

    fn size(net: &IpNet) -> u128 {
        1u128 << (net.max_prefix_len() - net.prefix_len())
    }

    #[test]
    fn the_prefixes_fill_the_space_exactly_once_inside_the_lab_ranges() {
        for bits in [12, 14, 20] {
            let prefixes = prefixes(bits).unwrap();
            let total: u128 = prefixes.iter().map(|p| size(&p.net)).sum();
            assert_eq!(total, 1u128 << bits);
            for (i, a) in prefixes.iter().enumerate() {
                let inside = match a.net {
                    IpNet::V4(n) => {
                        LAB_V4.contains(&n) && !n.contains(&Ipv4Addr::new(198, 18, 0, 1))
                    }
                    IpNet::V6(n) => LAB_V6.contains(&n) && n.addr().segments()[2] == 2,
                };
                assert!(inside, "{}", a.net);
                // Aligned: the prefix's address is its network address.
                assert_eq!(a.net.addr(), a.net.network(), "{}", a.net);
                for b in &prefixes[i + 1..] {
                    assert!(!a.net.contains(&b.net) && !b.net.contains(&a.net));
                }
            }
            for class in Class::ALL {
                for v4 in [true, false] {
                    let n: u128 = prefixes
                        .iter()
                        .filter(|p| p.class == class && p.net.addr().is_ipv4() == v4)
                        .map(|p| size(&p.net))
                        .sum();
                    assert!(n >= u128::from(MIN_ADDRESSES), "{class:?} {v4} {n}");
                }
            }
        }
    }

    #[test]
    fn at_two_to_the_twenty_the_shares_are_the_theses() {
        let prefixes = prefixes(20).unwrap();
        let count = |class: Class| -> u128 {
            prefixes
                .iter()
                .filter(|p| p.class == class)
                .map(|p| size(&p.net))
                .sum()
        };
        // 58,606,010 plain-TCP SYN-ACKs in 2^32 addresses: 894 of 2^16 IPv4, 13,414 of 15 × 2^16.
        assert_eq!(count(Class::Tcp), 894 + 13_414);
        assert_eq!(count(Class::Closed), count(Class::Tcp));
        // 197,529 mirrors: 1.5 of 2^16 each kind (the minimum, 16), 22.6 of 15 × 2^16.
        assert_eq!(count(Class::MirrorFull), 16 + 23);
        assert_eq!(count(Class::MptcpV1), 32);
        let answering: u128 = Class::ALL
            .iter()
            .filter(|&&c| c != Class::Silent)
            .map(|&c| count(c))
            .sum();
        assert_eq!(count(Class::Silent), (1 << 20) - answering);
        assert!(prefixes.len() < 200, "{} prefixes", prefixes.len());
    }

    #[test]
    fn sizes_outside_the_range_are_refused() {
        assert!(prefixes(11).is_err());
        assert!(prefixes(21).is_err());
    }
}
