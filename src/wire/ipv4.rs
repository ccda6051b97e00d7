//! The IPv4 header (RFC 791), viewed in place.

use core::net::Ipv4Addr;

use super::{be16, checksum, Layer, WireError};

/// Byte offsets of the IPv4 header fields.
pub mod field {
    use core::ops::Range;

    /// Version (high nibble) and header length in 32-bit words (low nibble).
    pub const VER_IHL: usize = 0;
    /// DSCP (high 6 bits) and ECN (low 2 bits).
    pub const DSCP_ECN: usize = 1;
    /// Total length of the datagram.
    pub const LENGTH: Range<usize> = 2..4;
    /// Identification.
    pub const IDENT: Range<usize> = 4..6;
    /// Flags (3 bits) and fragment offset (13 bits).
    pub const FLG_OFF: Range<usize> = 6..8;
    /// Time to live.
    pub const TTL: usize = 8;
    /// Protocol of the payload.
    pub const PROTOCOL: usize = 9;
    /// Header checksum.
    pub const CHECKSUM: Range<usize> = 10..12;
    /// Source address.
    pub const SRC_ADDR: Range<usize> = 12..16;
    /// Destination address.
    pub const DST_ADDR: Range<usize> = 16..20;
}

/// Length of the IPv4 header without options.
pub const HEADER_LEN: usize = 20;

/// The don't-fragment flag in the flags/fragment-offset word.
pub const DONT_FRAGMENT: u16 = 0x4000;
/// The more-fragments flag in the flags/fragment-offset word.
pub const MORE_FRAGMENTS: u16 = 0x2000;

/// A view of an IPv4 header and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wraps `buffer` without checks: getters may panic unless [`check_len`](Self::check_len)
    /// passed, or the caller wrote a valid header itself.
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv4Packet { buffer }
    }

    /// Wraps `buffer` after checking the version, the header length and the total length, so that
    /// no getter can panic.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks that the buffer holds the whole header and the whole datagram it announces
    /// (trailing bytes, such as Ethernet padding, are allowed).
    pub fn check_len(&self) -> Result<(), WireError> {
        let data = self.buffer.as_ref();
        let available = data.len();
        self.check_header()?;
        let total = usize::from(self.total_len());
        let header = self.header_len();
        if total < header {
            return Err(WireError::TotalLength { total, header });
        }
        if total > available {
            return Err(WireError::Truncated {
                layer: Layer::Ipv4,
                needed: total,
                available,
            });
        }
        Ok(())
    }

    /// Checks only that the header (options included) is present and well-formed: what an ICMP
    /// quote needs, whose datagram is usually cut short.
    pub fn check_header(&self) -> Result<(), WireError> {
        let data = self.buffer.as_ref();
        let available = data.len();
        let first = *data.first().ok_or(WireError::Truncated {
            layer: Layer::Ipv4,
            needed: HEADER_LEN,
            available,
        })?;
        if first >> 4 != 4 {
            return Err(WireError::Version {
                expected: 4,
                found: first >> 4,
            });
        }
        let header = usize::from(first & 0x0f) * 4;
        if header < HEADER_LEN {
            return Err(WireError::HeaderLength {
                layer: Layer::Ipv4,
                len: header,
            });
        }
        if available < header {
            return Err(WireError::Truncated {
                layer: Layer::Ipv4,
                needed: header,
                available,
            });
        }
        Ok(())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The version nibble (4 once checked).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// The header length in bytes, options included.
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    /// The differentiated services code point.
    pub fn dscp(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] >> 2
    }

    /// The explicit congestion notification bits.
    pub fn ecn(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] & 0x03
    }

    /// The total length field.
    pub fn total_len(&self) -> u16 {
        be16(self.buffer.as_ref(), field::LENGTH.start)
    }

    /// The identification field.
    pub fn ident(&self) -> u16 {
        be16(self.buffer.as_ref(), field::IDENT.start)
    }

    /// The flags and fragment offset word as on the wire.
    pub fn flags_frag(&self) -> u16 {
        be16(self.buffer.as_ref(), field::FLG_OFF.start)
    }

    /// Whether the don't-fragment flag is set.
    pub fn dont_frag(&self) -> bool {
        self.flags_frag() & DONT_FRAGMENT != 0
    }

    /// The fragment offset in bytes.
    pub fn frag_offset(&self) -> u16 {
        (self.flags_frag() & 0x1fff) << 3
    }

    /// The time to live.
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    /// The payload's protocol number.
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL]
    }

    /// The header checksum field.
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), field::CHECKSUM.start)
    }

    /// The source address.
    pub fn src_addr(&self) -> Ipv4Addr {
        let d = self.buffer.as_ref();
        Ipv4Addr::new(d[12], d[13], d[14], d[15])
    }

    /// The destination address.
    pub fn dst_addr(&self) -> Ipv4Addr {
        let d = self.buffer.as_ref();
        Ipv4Addr::new(d[16], d[17], d[18], d[19])
    }

    /// The header bytes, options included.
    pub fn header(&self) -> &[u8] {
        &self.buffer.as_ref()[..self.header_len()]
    }

    /// The IP options (empty for a 20-byte header).
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.header_len()]
    }

    /// The payload: from the end of the header to the total length, or to the end of the buffer
    /// if it is shorter (a quote).
    pub fn payload(&self) -> &[u8] {
        let data = self.buffer.as_ref();
        let end = usize::from(self.total_len()).min(data.len());
        data.get(self.header_len()..end).unwrap_or(&[])
    }

    /// Whether the header checksum is correct.
    pub fn verify_checksum(&self) -> bool {
        checksum::verifies(checksum::sum(self.header()))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    /// Sets the version to 4 and the header length (in bytes, a multiple of 4 from 20 to 60).
    pub fn set_version_and_header_len(&mut self, header_len: usize) {
        self.buffer.as_mut()[field::VER_IHL] = 0x40 | ((header_len / 4) as u8 & 0x0f);
    }

    /// Sets DSCP and ECN.
    pub fn set_dscp_ecn(&mut self, dscp: u8, ecn: u8) {
        self.buffer.as_mut()[field::DSCP_ECN] = (dscp << 2) | (ecn & 0x03);
    }

    /// Sets the total length.
    pub fn set_total_len(&mut self, len: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&len.to_be_bytes());
    }

    /// Sets the identification.
    pub fn set_ident(&mut self, ident: u16) {
        self.buffer.as_mut()[field::IDENT].copy_from_slice(&ident.to_be_bytes());
    }

    /// Sets the flags and fragment offset word as on the wire.
    pub fn set_flags_frag(&mut self, word: u16) {
        self.buffer.as_mut()[field::FLG_OFF].copy_from_slice(&word.to_be_bytes());
    }

    /// Sets the time to live (the checksum is not updated).
    pub fn set_ttl(&mut self, ttl: u8) {
        self.buffer.as_mut()[field::TTL] = ttl;
    }

    /// Sets the time to live and updates the header checksum incrementally (RFC 1624).
    pub fn set_ttl_update_checksum(&mut self, ttl: u8) {
        let old = be16(self.buffer.as_ref(), field::TTL);
        self.set_ttl(ttl);
        let new = be16(self.buffer.as_ref(), field::TTL);
        let sum = checksum::update(self.checksum(), old, new);
        self.set_checksum(sum);
    }

    /// Sets the protocol number.
    pub fn set_protocol(&mut self, protocol: u8) {
        self.buffer.as_mut()[field::PROTOCOL] = protocol;
    }

    /// Sets the header checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: Ipv4Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&addr.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: Ipv4Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&addr.octets());
    }

    /// Computes and writes the header checksum.
    pub fn fill_checksum(&mut self) {
        let value = checksum::ipv4_header(self.header());
        self.set_checksum(value);
    }

    /// The payload, mutable (see [`payload`](Self::payload)).
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        let end = usize::from(self.total_len());
        let data = self.buffer.as_mut();
        let end = end.min(data.len());
        data.get_mut(start..end).unwrap_or(&mut [])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;
    use std::vec::Vec;

    /// An IPv4 header of a 60-byte TCP SYN: id 0x1c46, DF, TTL 64, 198.18.0.1 -> 198.19.0.7.
    /// Checksum by hand: 4500+003c+1c46+4000+4006+c612+0001+c613+0007 = 0x26db5
    /// -> 0x6db5 + 2 = 0x6db7 -> ~ = 0x9248 (also checked with a separate RFC 1071 loop).
    const HEADER: [u8; 20] = [
        0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x92, 0x48, 0xc6, 0x12, 0x00,
        0x01, 0xc6, 0x13, 0x00, 0x07,
    ];

    fn datagram() -> [u8; 60] {
        let mut d = [0u8; 60];
        d[..20].copy_from_slice(&HEADER);
        d
    }

    #[test]
    fn parses_the_fixture() {
        let d = datagram();
        let p = Ipv4Packet::new_checked(&d[..]).unwrap();
        assert_eq!(p.version(), 4);
        assert_eq!(p.header_len(), 20);
        assert_eq!(p.dscp(), 0);
        assert_eq!(p.ecn(), 0);
        assert_eq!(p.total_len(), 60);
        assert_eq!(p.ident(), 0x1c46);
        assert!(p.dont_frag());
        assert_eq!(p.frag_offset(), 0);
        assert_eq!(p.ttl(), 64);
        assert_eq!(p.protocol(), 6);
        assert_eq!(p.checksum(), 0x9248);
        assert!(p.verify_checksum());
        assert_eq!(p.src_addr(), Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(p.dst_addr(), Ipv4Addr::new(198, 19, 0, 7));
        assert_eq!(p.payload().len(), 40);
    }

    #[test]
    fn builds_the_fixture() {
        let mut d = [0xffu8; 60];
        let mut p = Ipv4Packet::new_unchecked(&mut d[..]);
        p.set_version_and_header_len(20);
        p.set_dscp_ecn(0, 0);
        p.set_total_len(60);
        p.set_ident(0x1c46);
        p.set_flags_frag(DONT_FRAGMENT);
        p.set_ttl(64);
        p.set_protocol(6);
        p.set_src_addr(Ipv4Addr::new(198, 18, 0, 1));
        p.set_dst_addr(Ipv4Addr::new(198, 19, 0, 7));
        p.fill_checksum();
        assert_eq!(&d[..20], &HEADER);
    }

    #[test]
    fn ttl_update_is_incremental_and_correct() {
        let mut d = datagram();
        let mut p = Ipv4Packet::new_unchecked(&mut d[..]);
        for ttl in [1u8, 2, 17, 255, 0] {
            p.set_ttl_update_checksum(ttl);
            assert!(p.verify_checksum(), "ttl {ttl}");
        }
    }

    #[test]
    fn rejects_bad_headers() {
        let d = datagram();
        assert_eq!(
            Ipv4Packet::new_checked(&d[..19]).unwrap_err(),
            WireError::Truncated {
                layer: Layer::Ipv4,
                needed: 20,
                available: 19
            }
        );
        assert_eq!(
            Ipv4Packet::new_checked(&d[..59]).unwrap_err(),
            WireError::Truncated {
                layer: Layer::Ipv4,
                needed: 60,
                available: 59
            }
        );
        assert!(Ipv4Packet::new_unchecked(&d[..59]).check_header().is_ok());
        let mut v6 = d;
        v6[0] = 0x65;
        assert_eq!(
            Ipv4Packet::new_checked(&v6[..]).unwrap_err(),
            WireError::Version {
                expected: 4,
                found: 6
            }
        );
        let mut short = d;
        short[0] = 0x44;
        assert_eq!(
            Ipv4Packet::new_checked(&short[..]).unwrap_err(),
            WireError::HeaderLength {
                layer: Layer::Ipv4,
                len: 16
            }
        );
        let mut tiny = d;
        tiny[3] = 10;
        assert_eq!(
            Ipv4Packet::new_checked(&tiny[..]).unwrap_err(),
            WireError::TotalLength {
                total: 10,
                header: 20
            }
        );
        assert!(Ipv4Packet::new_checked(&[][..]).is_err());
    }

    quickcheck! {
        fn checked_getters_never_panic(data: Vec<u8>) -> bool {
            if let Ok(p) = Ipv4Packet::new_checked(&data[..]) {
                let _ = (p.options(), p.payload(), p.verify_checksum(), p.src_addr(), p.dst_addr());
                p.payload().len() + p.header_len() <= data.len()
            } else {
                true
            }
        }
    }
}
