//! The Internet checksum (RFC 1071): ones'-complement sums, the IPv4 header checksum, the TCP
//! checksum over the IPv4 and IPv6 pseudo-headers, and the incremental update of RFC 1624.
//!
//! Sums are carried in a `u64` and folded to 16 bits only at the end: the ones'-complement sum is
//! associative and commutative, so partial sums of different parts of a packet (the constant part
//! of a probe template, the per-probe fields) can be added in any order and folded once.

use core::net::{Ipv4Addr, Ipv6Addr};

/// IP protocol number of TCP, as it enters the pseudo-header.
pub const PROTOCOL_TCP: u8 = 6;

/// Adds `data` as big-endian 16-bit words (an odd last byte is padded with a zero byte) to a
/// running sum. The result is not folded.
pub fn sum(data: &[u8]) -> u64 {
    let mut acc = 0u64;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        acc += u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
    }
    let rest = words.remainder();
    let mut pairs = rest.chunks_exact(2);
    for p in &mut pairs {
        acc += u64::from(u16::from_be_bytes([p[0], p[1]]));
    }
    if let [last] = pairs.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// Folds a running sum to 16 bits with end-around carry.
///
/// A fixed sequence without a loop (it runs on every probe): 64 → 33 bits, → 32 bits, → 17 bits,
/// → 16 bits; each step adds the high part to the low part, which the modulus 0xffff allows.
pub fn fold(acc: u64) -> u16 {
    let acc = (acc >> 32) + (acc & 0xffff_ffff);
    let acc = (acc >> 32) + (acc & 0xffff_ffff);
    let acc = (acc >> 16) + (acc & 0xffff);
    let acc = (acc >> 16) + (acc & 0xffff);
    acc as u16
}

/// The checksum field value for a running sum: the ones' complement of the folded sum.
pub fn finish(acc: u64) -> u16 {
    !fold(acc)
}

/// The checksum of `data` alone (as for ICMPv4, or an IPv4 header whose checksum field is zero).
pub fn checksum(data: &[u8]) -> u16 {
    finish(sum(data))
}

/// Whether data that contains its own checksum field sums to all ones, i.e. verifies.
pub fn verifies(acc: u64) -> bool {
    fold(acc) == 0xffff
}

/// The IPv4 pseudo-header sum (RFC 9293 §3.1): addresses, protocol and upper-layer length.
pub fn pseudo_header_v4(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, len: u16) -> u64 {
    u64::from(src.to_bits()) + u64::from(dst.to_bits()) + u64::from(protocol) + u64::from(len)
}

/// The IPv6 pseudo-header sum (RFC 8200 §8.1): addresses, upper-layer length and next header.
pub fn pseudo_header_v6(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, len: u32) -> u64 {
    sum(&src.octets()) + sum(&dst.octets()) + u64::from(len) + u64::from(next_header)
}

/// The header checksum of an IPv4 header (`header` is exactly the header, options included);
/// the current value of its checksum field (bytes 10..12) is ignored.
pub fn ipv4_header(header: &[u8]) -> u16 {
    let field = header.get(10..12).map_or(0, sum);
    finish(sum(header) + ones_complement_negate(field))
}

/// The TCP checksum of `segment` (header, options and payload) over an IPv4 pseudo-header; the
/// current value of its checksum field (bytes 16..18) is ignored.
pub fn tcp_v4(src: Ipv4Addr, dst: Ipv4Addr, segment: &[u8]) -> u16 {
    let len = segment.len() as u16;
    let field = segment.get(16..18).map_or(0, sum);
    finish(
        pseudo_header_v4(src, dst, PROTOCOL_TCP, len)
            + sum(segment)
            + ones_complement_negate(field),
    )
}

/// The TCP checksum of `segment` over an IPv6 pseudo-header; the current value of its checksum
/// field (bytes 16..18) is ignored.
pub fn tcp_v6(src: Ipv6Addr, dst: Ipv6Addr, segment: &[u8]) -> u16 {
    let len = segment.len() as u32;
    let field = segment.get(16..18).map_or(0, sum);
    finish(
        pseudo_header_v6(src, dst, PROTOCOL_TCP, len)
            + sum(segment)
            + ones_complement_negate(field),
    )
}

/// Subtracting `x` (a 16-bit value) in ones'-complement arithmetic is adding `!x`.
fn ones_complement_negate(x: u64) -> u64 {
    u64::from(!fold(x))
}

/// RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changed from
/// `old` to `new`, without summing the data again: `HC' = ~(~HC + ~m + m')`.
pub fn update(checksum: u16, old: u16, new: u16) -> u16 {
    finish(u64::from(!checksum) + u64::from(!old) + u64::from(new))
}

/// RFC 1624 over a run of bytes: the new checksum after `old` (at an even offset of the covered
/// data) was replaced by `new` of the same length. Returns `None` if the lengths differ.
pub fn update_bytes(checksum: u16, old: &[u8], new: &[u8]) -> Option<u16> {
    if old.len() != new.len() {
        return None;
    }
    Some(finish(
        u64::from(!checksum) + ones_complement_negate(sum(old)) + sum(new),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;
    use std::vec::Vec;

    /// An IPv4 header from RFC 1071's neighbour, the classic worked example (Wikipedia's
    /// "IPv4 header checksum"): the header of 20 bytes whose checksum is 0xb861.
    const IPV4_HEADER: [u8; 20] = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];

    /// The bit-by-bit reference: 16-bit words summed with the carry added back at every step.
    fn reference(data: &[u8]) -> u16 {
        let mut acc: u32 = 0;
        let mut i = 0;
        while i < data.len() {
            let hi = u32::from(data[i]);
            let lo = data.get(i + 1).map_or(0, |b| u32::from(*b));
            acc += (hi << 8) | lo;
            if acc > 0xffff {
                acc = (acc & 0xffff) + 1;
            }
            i += 2;
        }
        !(acc as u16)
    }

    #[test]
    fn ipv4_header_worked_example() {
        assert_eq!(ipv4_header(&IPV4_HEADER), 0xb861);
        assert!(verifies(sum(&IPV4_HEADER)));
        let mut zeroed = IPV4_HEADER;
        zeroed[10] = 0;
        zeroed[11] = 0;
        assert_eq!(checksum(&zeroed), 0xb861);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(sum(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
        assert_eq!(checksum(&[0xff]), !0xff00);
    }

    #[test]
    fn tcp_v4_matches_hand_computation() {
        // A 20-byte SYN 198.18.0.1:40000 -> 198.19.0.7:80, seq 1, window 64240, no options.
        let src = Ipv4Addr::new(198, 18, 0, 1);
        let dst = Ipv4Addr::new(198, 19, 0, 7);
        let seg = [
            0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02,
            0xfa, 0xf0, 0xab, 0xcd, 0x00, 0x00,
        ];
        // By hand: pseudo c612+0001+c613+0007+0006+0014 = 0x18c47;
        // segment 9c40+0050+0001+5002+faf0 = 0x1e783 (the checksum field is skipped);
        // total 0x373ca -> 0x73ca + 3 = 0x73cd -> ~ = 0x8c32.
        assert_eq!(tcp_v4(src, dst, &seg), 0x8c32);
        let mut filled = seg;
        filled[16..18].copy_from_slice(&0x8c32u16.to_be_bytes());
        assert!(verifies(
            pseudo_header_v4(src, dst, PROTOCOL_TCP, 20) + sum(&filled)
        ));
    }

    #[test]
    fn tcp_v6_verifies_after_fill() {
        let src: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let dst: Ipv6Addr = "2001:db8:1::2".parse().unwrap();
        let mut seg = [0u8; 24];
        seg[0..4].copy_from_slice(&[0x9c, 0x40, 0x00, 0x50]);
        seg[12] = 0x60;
        seg[13] = 0x02;
        seg[20..24].copy_from_slice(&[0x1e, 0x04, 0x01, 0x01]);
        let c = tcp_v6(src, dst, &seg);
        seg[16..18].copy_from_slice(&c.to_be_bytes());
        assert!(verifies(
            pseudo_header_v6(src, dst, PROTOCOL_TCP, 24) + sum(&seg)
        ));
    }

    #[test]
    fn rfc1624_update_of_a_ttl_decrement() {
        let mut header = IPV4_HEADER;
        let old = u16::from_be_bytes([header[8], header[9]]);
        header[8] -= 1;
        let new = u16::from_be_bytes([header[8], header[9]]);
        assert_eq!(update(0xb861, old, new), ipv4_header(&header));
        assert_eq!(
            update_bytes(0xb861, &[0x40, 0x11], &[0x3f, 0x11]),
            Some(ipv4_header(&header))
        );
        assert_eq!(update_bytes(0xb861, &[0x40], &[0x3f, 0x11]), None);
    }

    /// Equal, or the two representations of zero: a full recomputation gives 0xffff only for
    /// all-zero data, where RFC 1624 eqn. 3 may give 0x0000.
    fn same_ones_complement(a: u16, b: u16) -> bool {
        a == b || (a == 0 && b == 0xffff) || (a == 0xffff && b == 0)
    }

    #[test]
    fn fold_handles_extreme_sums() {
        assert_eq!(fold(0), 0);
        assert_eq!(fold(0xffff), 0xffff);
        assert_eq!(fold(0x1_0000), 1);
        assert_eq!(fold(u64::MAX), 0xffff);
        assert_eq!(fold(0x1_ffff_fffe), 0xffff);
    }

    quickcheck! {
        fn fold_matches_loop(acc: u64) -> bool {
            let mut slow = acc;
            while slow >> 16 != 0 {
                slow = (slow & 0xffff) + (slow >> 16);
            }
            fold(acc) == slow as u16
        }

        fn sum_matches_reference(data: Vec<u8>) -> bool {
            checksum(&data) == reference(&data)
        }

        fn incremental_equals_full(data: Vec<u8>, at: usize, new: u16) -> bool {
            let mut data = data;
            if data.len() < 2 {
                return true;
            }
            let words = data.len() / 2;
            let i = (at % words) * 2;
            let before = checksum(&data);
            let old = u16::from_be_bytes([data[i], data[i + 1]]);
            data[i..i + 2].copy_from_slice(&new.to_be_bytes());
            let after = checksum(&data);
            same_ones_complement(update(before, old, new), after)
        }

        fn incremental_bytes_equals_full(data: Vec<u8>, at: usize, new: Vec<u8>) -> bool {
            let mut data = data;
            if data.len() < 2 || new.len() < 2 {
                return true;
            }
            let start = (at % (data.len() / 2)) * 2;
            let n = (new.len().min(data.len() - start)) & !1;
            let before = checksum(&data);
            let old: Vec<u8> = data[start..start + n].to_vec();
            data[start..start + n].copy_from_slice(&new[..n]);
            let after = checksum(&data);
            let updated = update_bytes(before, &old, &new[..n]).unwrap();
            same_ones_complement(updated, after)
        }
    }
}
