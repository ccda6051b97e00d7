//! The TCP header (RFC 9293 §3.1), viewed in place. The option area is walked by
//! [`crate::options`].

use core::net::{Ipv4Addr, Ipv6Addr};

use super::{be16, be32, checksum, Layer, WireError};
use crate::options::Options;

/// Byte offsets of the TCP header fields.
pub mod field {
    use core::ops::Range;

    /// Source port.
    pub const SRC_PORT: Range<usize> = 0..2;
    /// Destination port.
    pub const DST_PORT: Range<usize> = 2..4;
    /// Sequence number.
    pub const SEQ_NUM: Range<usize> = 4..8;
    /// Acknowledgment number.
    pub const ACK_NUM: Range<usize> = 8..12;
    /// Data offset (high nibble) and reserved bits (low nibble).
    pub const OFFSET: usize = 12;
    /// Control bits.
    pub const FLAGS: usize = 13;
    /// Receive window.
    pub const WIN_SIZE: Range<usize> = 14..16;
    /// Checksum.
    pub const CHECKSUM: Range<usize> = 16..18;
    /// Urgent pointer.
    pub const URGENT: Range<usize> = 18..20;
}

/// Length of the TCP header without options.
pub const HEADER_LEN: usize = 20;

bitflags::bitflags! {
    /// The TCP control bits (byte 13 of the header).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct TcpFlags: u8 {
        /// No more data from sender.
        const FIN = 0x01;
        /// Synchronize sequence numbers.
        const SYN = 0x02;
        /// Reset the connection.
        const RST = 0x04;
        /// Push function.
        const PSH = 0x08;
        /// Acknowledgment field is significant.
        const ACK = 0x10;
        /// Urgent pointer field is significant.
        const URG = 0x20;
        /// ECN echo.
        const ECE = 0x40;
        /// Congestion window reduced.
        const CWR = 0x80;
    }
}

/// A view of a TCP header, its options and its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    /// Wraps `buffer` without checks.
    pub const fn new_unchecked(buffer: T) -> Self {
        TcpPacket { buffer }
    }

    /// Wraps `buffer` after checking that the fixed header and the options the data offset
    /// announces are present.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks the fixed header, the data offset and the option area's presence.
    pub fn check_len(&self) -> Result<(), WireError> {
        let available = self.buffer.as_ref().len();
        if available < HEADER_LEN {
            return Err(WireError::Truncated {
                layer: Layer::Tcp,
                needed: HEADER_LEN,
                available,
            });
        }
        let header = self.header_len();
        if header < HEADER_LEN {
            return Err(WireError::HeaderLength {
                layer: Layer::Tcp,
                len: header,
            });
        }
        if available < header {
            return Err(WireError::Truncated {
                layer: Layer::Tcp,
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

    /// The source port.
    pub fn src_port(&self) -> u16 {
        be16(self.buffer.as_ref(), field::SRC_PORT.start)
    }

    /// The destination port.
    pub fn dst_port(&self) -> u16 {
        be16(self.buffer.as_ref(), field::DST_PORT.start)
    }

    /// The sequence number.
    pub fn seq_number(&self) -> u32 {
        be32(self.buffer.as_ref(), field::SEQ_NUM.start)
    }

    /// The acknowledgment number.
    pub fn ack_number(&self) -> u32 {
        be32(self.buffer.as_ref(), field::ACK_NUM.start)
    }

    /// The header length in bytes (data offset × 4), options included.
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::OFFSET] >> 4) * 4
    }

    /// The four reserved bits after the data offset (the last one was the ECN nonce).
    pub fn reserved(&self) -> u8 {
        self.buffer.as_ref()[field::OFFSET] & 0x0f
    }

    /// The control bits.
    pub fn flags(&self) -> TcpFlags {
        TcpFlags::from_bits_retain(self.buffer.as_ref()[field::FLAGS])
    }

    /// The receive window.
    pub fn window_len(&self) -> u16 {
        be16(self.buffer.as_ref(), field::WIN_SIZE.start)
    }

    /// The checksum field.
    pub fn checksum(&self) -> u16 {
        be16(self.buffer.as_ref(), field::CHECKSUM.start)
    }

    /// The urgent pointer.
    pub fn urgent_at(&self) -> u16 {
        be16(self.buffer.as_ref(), field::URGENT.start)
    }

    /// The raw option area.
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.header_len()]
    }

    /// Walks the option area.
    pub fn option_walk(&self) -> Options<'_> {
        Options::new(self.options())
    }

    /// The payload after the options.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }

    /// Whether the checksum is correct over an IPv4 pseudo-header (the view must span exactly the
    /// segment).
    pub fn verify_checksum_v4(&self, src: Ipv4Addr, dst: Ipv4Addr) -> bool {
        let segment = self.buffer.as_ref();
        let len = segment.len() as u16;
        checksum::verifies(
            checksum::pseudo_header_v4(src, dst, checksum::PROTOCOL_TCP, len)
                + checksum::sum(segment),
        )
    }

    /// Whether the checksum is correct over an IPv6 pseudo-header.
    pub fn verify_checksum_v6(&self, src: Ipv6Addr, dst: Ipv6Addr) -> bool {
        let segment = self.buffer.as_ref();
        let len = segment.len() as u32;
        checksum::verifies(
            checksum::pseudo_header_v6(src, dst, checksum::PROTOCOL_TCP, len)
                + checksum::sum(segment),
        )
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpPacket<T> {
    /// Sets the source port.
    pub fn set_src_port(&mut self, port: u16) {
        self.buffer.as_mut()[field::SRC_PORT].copy_from_slice(&port.to_be_bytes());
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, port: u16) {
        self.buffer.as_mut()[field::DST_PORT].copy_from_slice(&port.to_be_bytes());
    }

    /// Sets the sequence number.
    pub fn set_seq_number(&mut self, seq: u32) {
        self.buffer.as_mut()[field::SEQ_NUM].copy_from_slice(&seq.to_be_bytes());
    }

    /// Sets the acknowledgment number.
    pub fn set_ack_number(&mut self, ack: u32) {
        self.buffer.as_mut()[field::ACK_NUM].copy_from_slice(&ack.to_be_bytes());
    }

    /// Sets the header length in bytes (a multiple of 4 from 20 to 60); clears the reserved bits.
    pub fn set_header_len(&mut self, len: usize) {
        self.buffer.as_mut()[field::OFFSET] = ((len / 4) as u8) << 4;
    }

    /// Sets the control bits.
    pub fn set_flags(&mut self, flags: TcpFlags) {
        self.buffer.as_mut()[field::FLAGS] = flags.bits();
    }

    /// Sets the receive window.
    pub fn set_window_len(&mut self, window: u16) {
        self.buffer.as_mut()[field::WIN_SIZE].copy_from_slice(&window.to_be_bytes());
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, value: u16) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the urgent pointer.
    pub fn set_urgent_at(&mut self, value: u16) {
        self.buffer.as_mut()[field::URGENT].copy_from_slice(&value.to_be_bytes());
    }

    /// The option area, mutable.
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }

    /// Computes and writes the checksum over an IPv4 pseudo-header (the view must span exactly
    /// the segment).
    pub fn fill_checksum_v4(&mut self, src: Ipv4Addr, dst: Ipv4Addr) {
        let value = checksum::tcp_v4(src, dst, self.buffer.as_ref());
        self.set_checksum(value);
    }

    /// Computes and writes the checksum over an IPv6 pseudo-header.
    pub fn fill_checksum_v6(&mut self, src: Ipv6Addr, dst: Ipv6Addr) {
        let value = checksum::tcp_v6(src, dst, self.buffer.as_ref());
        self.set_checksum(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::TcpOption;
    use quickcheck::quickcheck;
    use std::vec::Vec;

    /// A SYN 40000 -> 80, seq 1, window 64240, options: MSS 1460, SACK permitted, NOP, NOP,
    /// over 198.18.0.1 -> 198.19.0.7. Checksum by hand: pseudo c612+0001+c613+0007+0006+001c
    /// = 0x18c4f, header 9c40+0050+0001+7002+faf0 = 0x20783, options 0204+05b4+0402+0101 =
    /// 0x0cbb; total 0x3a08d -> 0xa090 -> ~ = 0x5f6f.
    const SEGMENT: [u8; 28] = [
        0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x70, 0x02, 0xfa,
        0xf0, 0x5f, 0x6f, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x01, 0x01,
    ];
    const SRC: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
    const DST: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 7);

    #[test]
    fn parses_the_fixture() {
        let t = TcpPacket::new_checked(&SEGMENT[..]).unwrap();
        assert_eq!(t.src_port(), 40000);
        assert_eq!(t.dst_port(), 80);
        assert_eq!(t.seq_number(), 1);
        assert_eq!(t.ack_number(), 0);
        assert_eq!(t.header_len(), 28);
        assert_eq!(t.reserved(), 0);
        assert_eq!(t.flags(), TcpFlags::SYN);
        assert_eq!(t.window_len(), 64240);
        assert_eq!(t.checksum(), 0x5f6f);
        assert_eq!(t.urgent_at(), 0);
        assert!(t.verify_checksum_v4(SRC, DST));
        assert!(!t.verify_checksum_v4(SRC, Ipv4Addr::new(198, 19, 0, 8)));
        assert!(t.payload().is_empty());
        let mut walk = t.option_walk();
        assert_eq!(walk.next(), Some(Ok((0, TcpOption::MaxSegmentSize(1460)))));
        assert_eq!(walk.next(), Some(Ok((4, TcpOption::SackPermitted))));
    }

    #[test]
    fn builds_the_fixture() {
        let mut b = [0xffu8; 28];
        let mut t = TcpPacket::new_unchecked(&mut b[..]);
        t.set_src_port(40000);
        t.set_dst_port(80);
        t.set_seq_number(1);
        t.set_ack_number(0);
        t.set_header_len(28);
        t.set_flags(TcpFlags::SYN);
        t.set_window_len(64240);
        t.set_urgent_at(0);
        t.options_mut()
            .copy_from_slice(&[0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x01, 0x01]);
        t.fill_checksum_v4(SRC, DST);
        assert_eq!(b, SEGMENT);
    }

    #[test]
    fn rejects_bad_headers() {
        assert_eq!(
            TcpPacket::new_checked(&SEGMENT[..19]).unwrap_err(),
            WireError::Truncated {
                layer: Layer::Tcp,
                needed: 20,
                available: 19
            }
        );
        assert_eq!(
            TcpPacket::new_checked(&SEGMENT[..27]).unwrap_err(),
            WireError::Truncated {
                layer: Layer::Tcp,
                needed: 28,
                available: 27
            }
        );
        let mut small = SEGMENT;
        small[12] = 0x40;
        assert_eq!(
            TcpPacket::new_checked(&small[..]).unwrap_err(),
            WireError::HeaderLength {
                layer: Layer::Tcp,
                len: 16
            }
        );
    }

    quickcheck! {
        fn checked_getters_never_panic(data: Vec<u8>) -> bool {
            match TcpPacket::new_checked(&data[..]) {
                Ok(t) => {
                    let _ = (t.flags(), t.option_walk().count(), t.verify_checksum_v4(SRC, DST));
                    t.options().len() + HEADER_LEN + t.payload().len() == data.len()
                }
                Err(_) => true,
            }
        }
    }
}
