//! The IPv6 fixed header (RFC 8200), viewed in place. Extension headers are not walked: the
//! probes never carry any, and a quote whose next header is not TCP is reported as such.

use core::net::Ipv6Addr;

use super::{be16, be32, Layer, WireError};

/// Byte offsets of the IPv6 header fields.
pub mod field {
    use core::ops::Range;

    /// Version (4 bits), traffic class (8 bits) and flow label (20 bits).
    pub const VER_TC_FLOW: Range<usize> = 0..4;
    /// Payload length (everything after the fixed header).
    pub const LENGTH: Range<usize> = 4..6;
    /// Next header.
    pub const NXT_HDR: usize = 6;
    /// Hop limit.
    pub const HOP_LIMIT: usize = 7;
    /// Source address.
    pub const SRC_ADDR: Range<usize> = 8..24;
    /// Destination address.
    pub const DST_ADDR: Range<usize> = 24..40;
}

/// Length of the fixed IPv6 header.
pub const HEADER_LEN: usize = 40;

/// A view of an IPv6 header and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    /// Wraps `buffer` without checks.
    pub const fn new_unchecked(buffer: T) -> Self {
        Ipv6Packet { buffer }
    }

    /// Wraps `buffer` after checking the version and that the payload length fits the buffer.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks the header and that the buffer holds the whole payload it announces.
    pub fn check_len(&self) -> Result<(), WireError> {
        self.check_header()?;
        let needed = HEADER_LEN + usize::from(self.payload_len());
        let available = self.buffer.as_ref().len();
        if available < needed {
            return Err(WireError::Truncated {
                layer: Layer::Ipv6,
                needed,
                available,
            });
        }
        Ok(())
    }

    /// Checks only the fixed header: what a (possibly cut) ICMPv6 quote needs.
    pub fn check_header(&self) -> Result<(), WireError> {
        let data = self.buffer.as_ref();
        if data.len() < HEADER_LEN {
            return Err(WireError::Truncated {
                layer: Layer::Ipv6,
                needed: HEADER_LEN,
                available: data.len(),
            });
        }
        if data[0] >> 4 != 6 {
            return Err(WireError::Version {
                expected: 6,
                found: data[0] >> 4,
            });
        }
        Ok(())
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The version nibble (6 once checked).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0] >> 4
    }

    /// The traffic class (DSCP and ECN).
    pub fn traffic_class(&self) -> u8 {
        (be16(self.buffer.as_ref(), 0) >> 4) as u8
    }

    /// The flow label.
    pub fn flow_label(&self) -> u32 {
        be32(self.buffer.as_ref(), 0) & 0x000f_ffff
    }

    /// The payload length.
    pub fn payload_len(&self) -> u16 {
        be16(self.buffer.as_ref(), field::LENGTH.start)
    }

    /// The next header number.
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NXT_HDR]
    }

    /// The hop limit.
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    /// The source address.
    pub fn src_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(addr(&self.buffer.as_ref()[field::SRC_ADDR]))
    }

    /// The destination address.
    pub fn dst_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(addr(&self.buffer.as_ref()[field::DST_ADDR]))
    }

    /// The payload: up to the payload length, or to the end of the buffer if it is shorter.
    pub fn payload(&self) -> &[u8] {
        let data = self.buffer.as_ref();
        let end = (HEADER_LEN + usize::from(self.payload_len())).min(data.len());
        data.get(HEADER_LEN..end).unwrap_or(&[])
    }
}

fn addr(bytes: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(bytes);
    out
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    /// Sets version 6, the traffic class and the flow label.
    pub fn set_version_class_flow(&mut self, traffic_class: u8, flow_label: u32) {
        let word = (6u32 << 28) | (u32::from(traffic_class) << 20) | (flow_label & 0x000f_ffff);
        self.buffer.as_mut()[field::VER_TC_FLOW].copy_from_slice(&word.to_be_bytes());
    }

    /// Sets the payload length.
    pub fn set_payload_len(&mut self, len: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&len.to_be_bytes());
    }

    /// Sets the next header number.
    pub fn set_next_header(&mut self, next: u8) {
        self.buffer.as_mut()[field::NXT_HDR] = next;
    }

    /// Sets the hop limit (no checksum covers it).
    pub fn set_hop_limit(&mut self, hop_limit: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = hop_limit;
    }

    /// Sets the source address.
    pub fn set_src_addr(&mut self, addr: Ipv6Addr) {
        self.buffer.as_mut()[field::SRC_ADDR].copy_from_slice(&addr.octets());
    }

    /// Sets the destination address.
    pub fn set_dst_addr(&mut self, addr: Ipv6Addr) {
        self.buffer.as_mut()[field::DST_ADDR].copy_from_slice(&addr.octets());
    }

    /// The payload, mutable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        let data = self.buffer.as_mut();
        let end = end.min(data.len());
        data.get_mut(HEADER_LEN..end).unwrap_or(&mut [])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;
    use std::vec::Vec;

    /// An IPv6 header: traffic class 0x2e, flow label 0xabcde, payload 24, TCP, hop limit 64,
    /// 2001:db8::1 -> 2001:db8:1::2.
    const HEADER: [u8; 40] = [
        0x62, 0xea, 0xbc, 0xde, 0x00, 0x18, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    ];

    #[test]
    fn parses_and_builds_the_fixture() {
        let mut d = [0u8; 64];
        d[..40].copy_from_slice(&HEADER);
        let p = Ipv6Packet::new_checked(&d[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!(p.traffic_class(), 0x2e);
        assert_eq!(p.flow_label(), 0xabcde);
        assert_eq!(p.payload_len(), 24);
        assert_eq!(p.next_header(), 6);
        assert_eq!(p.hop_limit(), 64);
        assert_eq!(p.src_addr(), "2001:db8::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(p.dst_addr(), "2001:db8:1::2".parse::<Ipv6Addr>().unwrap());
        assert_eq!(p.payload().len(), 24);

        let mut b = [0xffu8; 40];
        let mut q = Ipv6Packet::new_unchecked(&mut b[..]);
        q.set_version_class_flow(0x2e, 0xabcde);
        q.set_payload_len(24);
        q.set_next_header(6);
        q.set_hop_limit(64);
        q.set_src_addr(p.src_addr());
        q.set_dst_addr(p.dst_addr());
        assert_eq!(b, HEADER);
    }

    #[test]
    fn rejects_bad_headers() {
        assert_eq!(
            Ipv6Packet::new_checked(&HEADER[..]).unwrap_err(),
            WireError::Truncated {
                layer: Layer::Ipv6,
                needed: 64,
                available: 40
            }
        );
        assert!(Ipv6Packet::new_unchecked(&HEADER[..])
            .check_header()
            .is_ok());
        assert!(Ipv6Packet::new_checked(&HEADER[..39]).is_err());
        let mut v4 = HEADER;
        v4[0] = 0x45;
        assert_eq!(
            Ipv6Packet::new_unchecked(&v4[..])
                .check_header()
                .unwrap_err(),
            WireError::Version {
                expected: 6,
                found: 4
            }
        );
    }

    quickcheck! {
        fn checked_getters_never_panic(data: Vec<u8>) -> bool {
            match Ipv6Packet::new_checked(&data[..]) {
                Ok(p) => {
                    let _ = (p.traffic_class(), p.flow_label(), p.src_addr(), p.dst_addr());
                    p.payload().len() == usize::from(p.payload_len())
                }
                Err(_) => true,
            }
        }
    }
}
