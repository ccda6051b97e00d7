//! The DSS checksum (RFC 8684 §3.3.1, the same in RFC 6824 §3.3.1).
//!
//! When either host asked for checksums in MP_CAPABLE (flag A), every DSS mapping carries the
//! 16-bit ones'-complement checksum of a pseudo-header — the mapping's 64-bit data sequence
//! number, its 32-bit relative subflow sequence number, its 16-bit data-level length and 16
//! zero bits — followed by every payload byte the mapping covers. A middlebox that rewrites
//! payload (an FTP ALG, a transparent proxy) breaks it, which is why MPTCP falls back to TCP.
//!
//! The payload of one mapping can span several segments, so [`DssChecksum`] takes it in pieces
//! of any length; [`dss_checksum`] and [`verify_dss_checksum`] do the one-segment case. The
//! ones'-complement arithmetic is the Internet checksum's, from [`crate::wire::checksum`].

use crate::wire::checksum;

/// The pseudo-header of one DSS mapping, as the DSS option gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DssPseudoHeader {
    /// The full 64-bit data sequence number of the mapping's first byte; a 32-bit DSN on the wire
    /// must be expanded first (see [`expand_dsn`]).
    pub dsn: u64,
    /// The subflow sequence number of the mapping's first byte, relative to the subflow's initial
    /// sequence number, as carried in the option.
    pub ssn: u32,
    /// The data-level length of the mapping.
    pub data_len: u16,
}

impl DssPseudoHeader {
    /// The 16 pseudo-header bytes, checksum field zero.
    pub fn to_bytes(&self) -> [u8; 16] {
        let mut bytes = [0; 16];
        let (dsn, rest) = bytes.split_at_mut(8);
        dsn.copy_from_slice(&self.dsn.to_be_bytes());
        let (ssn, rest) = rest.split_at_mut(4);
        ssn.copy_from_slice(&self.ssn.to_be_bytes());
        let (len, _) = rest.split_at_mut(2);
        len.copy_from_slice(&self.data_len.to_be_bytes());
        bytes
    }
}

/// A DSS checksum computed over a mapping's payload given in pieces.
///
/// ```
/// use mptcpscan::crypto::{dss_checksum, DssChecksum, DssPseudoHeader};
///
/// let header = DssPseudoHeader { dsn: 0x0102_0304_0506_0708, ssn: 1, data_len: 5 };
/// let mut sum = DssChecksum::new(&header);
/// sum.update(b"hel");
/// sum.update(b"lo");
/// assert_eq!(sum.finish(), dss_checksum(&header, b"hello"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DssChecksum {
    /// The unfolded ones'-complement sum so far.
    acc: u64,
    /// The last byte of a piece of odd length: the high byte of the next 16-bit word.
    pending: Option<u8>,
}

impl DssChecksum {
    /// Starts a checksum with the mapping's pseudo-header.
    pub fn new(header: &DssPseudoHeader) -> DssChecksum {
        DssChecksum {
            acc: checksum::sum(&header.to_bytes()),
            pending: None,
        }
    }

    /// Adds the next `piece` of the mapping's payload.
    pub fn update(&mut self, piece: &[u8]) {
        let piece = match (self.pending.take(), piece.split_first()) {
            (Some(high), Some((low, rest))) => {
                self.acc += u64::from(u16::from_be_bytes([high, *low]));
                rest
            }
            (pending, _) => {
                self.pending = pending;
                piece
            }
        };
        let (even, odd) = piece.split_at(piece.len() & !1);
        self.acc += checksum::sum(even);
        if let [last] = odd {
            self.pending = Some(*last);
        }
    }

    /// The checksum the DSS option should carry for the payload seen so far.
    pub fn finish(self) -> u16 {
        checksum::finish(self.total())
    }

    /// Whether `checksum`, read from the DSS option, matches the payload seen so far.
    ///
    /// Both ones'-complement zeros (0x0000 and 0xffff) are accepted where the sum allows either.
    pub fn verify(self, checksum: u16) -> bool {
        checksum::verifies(self.total() + u64::from(checksum))
    }

    fn total(&self) -> u64 {
        self.acc + self.pending.map_or(0, |high| u64::from(high) << 8)
    }
}

/// The DSS checksum of a mapping whose whole payload is `payload`.
pub fn dss_checksum(header: &DssPseudoHeader, payload: &[u8]) -> u16 {
    let mut sum = DssChecksum::new(header);
    sum.update(payload);
    sum.finish()
}

/// Whether `checksum`, read from a DSS option, matches the mapping's pseudo-header and payload.
pub fn verify_dss_checksum(header: &DssPseudoHeader, payload: &[u8], checksum: u16) -> bool {
    let mut sum = DssChecksum::new(header);
    sum.update(payload);
    sum.verify(checksum)
}

/// Expands a 32-bit DSN from a DSS option to 64 bits: the value with those low 32 bits that is
/// closest to `near`, a 64-bit DSN of the same direction the caller already knows (the IDSN at
/// first, then the last expanded DSN), as RFC 8684 §3.3 lets the receiver infer the upper bits.
pub fn expand_dsn(low: u32, near: u64) -> u64 {
    const HALF: i64 = 1 << 31;
    let candidate = (near & !0xffff_ffff) | u64::from(low);
    // `candidate` lies within 2^32 of `near`, so the signed distance cannot overflow.
    let distance = candidate.wrapping_sub(near) as i64;
    if distance > HALF {
        candidate.wrapping_sub(1 << 32)
    } else if distance < -HALF {
        candidate.wrapping_add(1 << 32)
    } else {
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// The straightforward definition: pseudo-header then payload as one buffer, 16-bit words,
    /// an odd last byte padded with zero, carries added back at every step.
    fn reference(header: &DssPseudoHeader, payload: &[u8]) -> u16 {
        let mut data: Vec<u8> = header.to_bytes().to_vec();
        data.extend_from_slice(payload);
        if data.len() % 2 == 1 {
            data.push(0);
        }
        let mut acc: u32 = 0;
        for w in data.chunks(2) {
            acc += u32::from(u16::from_be_bytes([w[0], w[1]]));
            if acc > 0xffff {
                acc = (acc & 0xffff) + 1;
            }
        }
        !(acc as u16)
    }

    #[test]
    fn pseudo_header_layout() {
        let header = DssPseudoHeader {
            dsn: 0x0102_0304_0506_0708,
            ssn: 0x090a_0b0c,
            data_len: 0x0d0e,
        };
        assert_eq!(
            header.to_bytes(),
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0, 0]
        );
    }

    #[test]
    fn known_checksum() {
        // All-zero pseudo-header and a payload of 0xff00 0x00ff: the words sum to 0xffff.
        let header = DssPseudoHeader {
            dsn: 0,
            ssn: 0,
            data_len: 4,
        };
        assert_eq!(dss_checksum(&header, &[0xff, 0x00, 0x00, 0xfb]), 0x0000);
        assert!(verify_dss_checksum(
            &header,
            &[0xff, 0x00, 0x00, 0xfb],
            0x0000
        ));
        assert!(verify_dss_checksum(
            &header,
            &[0xff, 0x00, 0x00, 0xfb],
            0xffff
        ));
        assert!(!verify_dss_checksum(
            &header,
            &[0xff, 0x00, 0x00, 0xfa],
            0x0000
        ));
    }

    #[test]
    fn agrees_with_reference_in_any_split() {
        fn prop(dsn: u64, ssn: u32, payload: Vec<u8>, cuts: Vec<usize>) -> bool {
            let header = DssPseudoHeader {
                dsn,
                ssn,
                data_len: payload.len() as u16,
            };
            let whole = dss_checksum(&header, &payload);
            let mut pieces = DssChecksum::new(&header);
            let mut rest = payload.as_slice();
            for cut in cuts {
                let (piece, tail) = rest.split_at(cut % (rest.len() + 1));
                pieces.update(piece);
                rest = tail;
            }
            pieces.update(rest);
            whole == reference(&header, &payload) && pieces.finish() == whole
        }
        quickcheck::quickcheck(prop as fn(u64, u32, Vec<u8>, Vec<usize>) -> bool);
    }

    #[test]
    fn computed_checksum_verifies_and_flipped_bit_does_not() {
        fn prop(dsn: u64, ssn: u32, payload: Vec<u8>, bit: usize) -> bool {
            let header = DssPseudoHeader {
                dsn,
                ssn,
                data_len: payload.len() as u16,
            };
            let checksum = dss_checksum(&header, &payload);
            let ok = verify_dss_checksum(&header, &payload, checksum);
            let mut corrupted = payload.clone();
            let payload_flip = match corrupted.len() {
                0 => true,
                len => {
                    corrupted[bit / 8 % len] ^= 1 << (bit % 8);
                    !verify_dss_checksum(&header, &corrupted, checksum)
                }
            };
            let header_flip = DssPseudoHeader {
                dsn: dsn ^ 1 << (bit % 64),
                ..header
            };
            ok && payload_flip && !verify_dss_checksum(&header_flip, &payload, checksum)
        }
        quickcheck::quickcheck(prop as fn(u64, u32, Vec<u8>, usize) -> bool);
    }

    #[test]
    fn dsn_expansion() {
        assert_eq!(expand_dsn(5, 0x7_0000_0001), 0x7_0000_0005);
        assert_eq!(expand_dsn(0xffff_fff0, 0x7_0000_0010), 0x6_ffff_fff0);
        assert_eq!(expand_dsn(0x10, 0x6_ffff_fff0), 0x7_0000_0010);
        assert_eq!(expand_dsn(0xffff_ffff, 0), u64::MAX);
        assert_eq!(expand_dsn(0, u64::MAX), 0);
        fn prop(dsn: u64, delta: i32) -> bool {
            // Exactly 2^31 away, both neighbours are as close: the rule has no answer there.
            let delta = delta.max(-i32::MAX);
            let near = dsn.wrapping_add_signed(i64::from(delta));
            expand_dsn(dsn as u32, near) == dsn
        }
        quickcheck::quickcheck(prop as fn(u64, i32) -> bool);
    }
}
