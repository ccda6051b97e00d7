//! ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) error messages, viewed in place, and the packet they
//! quote. Routers quote the start of the offending packet after the 8-byte ICMP header: RFC 792
//! asks for the IP header and 8 bytes, RFC 1812 for as much as fits in 576 bytes, ICMPv6 for as
//! much as fits in 1280. When a router adds RFC 4884 extensions it says how long the quote is.

use core::net::{IpAddr, Ipv6Addr};

use super::{be16, checksum, ipv6, Ipv4Packet, Ipv6Packet, Layer, WireError};

/// Byte offsets of the ICMP header fields (the same for v4 and v6).
pub mod field {
    use core::ops::Range;

    /// Message type.
    pub const TYPE: usize = 0;
    /// Message code.
    pub const CODE: usize = 1;
    /// Checksum.
    pub const CHECKSUM: Range<usize> = 2..4;
    /// The type-specific word (unused, pointer, MTU, RFC 4884 length).
    pub const REST: Range<usize> = 4..8;
    /// ICMPv4 RFC 4884 original-datagram length, in 32-bit words.
    pub const V4_QUOTE_LEN: usize = 5;
    /// ICMPv6 RFC 4884 original-datagram length, in 64-bit words.
    pub const V6_QUOTE_LEN: usize = 4;
    /// Start of the quoted packet.
    pub const QUOTE: usize = 8;
}

/// Length of the ICMP header before the quote.
pub const HEADER_LEN: usize = 8;

/// IP protocol number of ICMPv4.
pub const PROTOCOL_ICMPV4: u8 = 1;
/// IPv6 next-header number of ICMPv6.
pub const PROTOCOL_ICMPV6: u8 = 58;

/// ICMPv4 message types that quote a packet.
pub mod v4_type {
    /// Destination unreachable.
    pub const DEST_UNREACHABLE: u8 = 3;
    /// Source quench (deprecated, still seen).
    pub const SOURCE_QUENCH: u8 = 4;
    /// Redirect.
    pub const REDIRECT: u8 = 5;
    /// Time exceeded (code 0: TTL exceeded in transit).
    pub const TIME_EXCEEDED: u8 = 11;
    /// Parameter problem.
    pub const PARAM_PROBLEM: u8 = 12;
}

/// ICMPv6 message types that quote a packet.
pub mod v6_type {
    /// Destination unreachable.
    pub const DEST_UNREACHABLE: u8 = 1;
    /// Packet too big.
    pub const PACKET_TOO_BIG: u8 = 2;
    /// Time exceeded (code 0: hop limit exceeded in transit).
    pub const TIME_EXCEEDED: u8 = 3;
    /// Parameter problem.
    pub const PARAM_PROBLEM: u8 = 4;
}

/// What kind of error an ICMP message reports, across both versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// TTL or hop limit reached zero (code 0) or reassembly timed out (code 1).
    TimeExceeded,
    /// The destination, its port, or the path to it is unreachable (filtering included).
    DestinationUnreachable,
    /// A header field was wrong.
    ParameterProblem,
    /// ICMPv6 packet too big.
    PacketTooBig,
    /// ICMPv4 source quench.
    SourceQuench,
    /// ICMPv4 redirect.
    Redirect,
}

impl ErrorKind {
    fn from_v4(icmp_type: u8) -> Option<Self> {
        Some(match icmp_type {
            v4_type::DEST_UNREACHABLE => ErrorKind::DestinationUnreachable,
            v4_type::SOURCE_QUENCH => ErrorKind::SourceQuench,
            v4_type::REDIRECT => ErrorKind::Redirect,
            v4_type::TIME_EXCEEDED => ErrorKind::TimeExceeded,
            v4_type::PARAM_PROBLEM => ErrorKind::ParameterProblem,
            _ => return None,
        })
    }

    fn from_v6(icmp_type: u8) -> Option<Self> {
        Some(match icmp_type {
            v6_type::DEST_UNREACHABLE => ErrorKind::DestinationUnreachable,
            v6_type::PACKET_TOO_BIG => ErrorKind::PacketTooBig,
            v6_type::TIME_EXCEEDED => ErrorKind::TimeExceeded,
            v6_type::PARAM_PROBLEM => ErrorKind::ParameterProblem,
            _ => return None,
        })
    }
}

fn check_icmp_len(data: &[u8], layer: Layer) -> Result<(), WireError> {
    if data.len() < HEADER_LEN {
        return Err(WireError::Truncated {
            layer,
            needed: HEADER_LEN,
            available: data.len(),
        });
    }
    Ok(())
}

/// The quote of an error message: all bytes after the header, or the RFC 4884 length when the
/// router gave one (and it fits), so that extension objects are not taken for packet bytes.
fn quote_of(data: &[u8], rfc4884_len: usize) -> &[u8] {
    let body = &data[HEADER_LEN..];
    if rfc4884_len != 0 && rfc4884_len <= body.len() {
        &body[..rfc4884_len]
    } else {
        body
    }
}

/// The quote of an ICMPv4 message of at least [`HEADER_LEN`] bytes.
fn quote_v4(data: &[u8]) -> &[u8] {
    let words = match data[field::TYPE] {
        v4_type::DEST_UNREACHABLE | v4_type::TIME_EXCEEDED | v4_type::PARAM_PROBLEM => {
            usize::from(data[field::V4_QUOTE_LEN])
        }
        _ => 0,
    };
    quote_of(data, words * 4)
}

/// The quote of an ICMPv6 message of at least [`HEADER_LEN`] bytes.
fn quote_v6(data: &[u8]) -> &[u8] {
    let words = match data[field::TYPE] {
        v6_type::DEST_UNREACHABLE | v6_type::TIME_EXCEEDED => {
            usize::from(data[field::V6_QUOTE_LEN])
        }
        _ => 0,
    };
    quote_of(data, words * 8)
}

/// The header accessors and setters both ICMP versions share; they differ in the error types
/// they know, in where the quote's length is and in the v6 checksum's pseudo-header.
macro_rules! icmp_common {
    ($packet:ident, $layer:expr) => {
        impl<T: AsRef<[u8]>> $packet<T> {
            /// Wraps `buffer` without checks.
            pub const fn new_unchecked(buffer: T) -> Self {
                $packet { buffer }
            }

            /// Wraps `buffer` after checking that the 8-byte header is present.
            pub fn new_checked(buffer: T) -> Result<Self, WireError> {
                check_icmp_len(buffer.as_ref(), $layer)?;
                Ok(Self::new_unchecked(buffer))
            }

            /// The message type.
            pub fn msg_type(&self) -> u8 {
                self.buffer.as_ref()[field::TYPE]
            }

            /// The message code.
            pub fn msg_code(&self) -> u8 {
                self.buffer.as_ref()[field::CODE]
            }

            /// The checksum field.
            pub fn checksum(&self) -> u16 {
                be16(self.buffer.as_ref(), field::CHECKSUM.start)
            }
        }

        impl<T: AsRef<[u8]> + AsMut<[u8]>> $packet<T> {
            /// Sets type and code.
            pub fn set_type_code(&mut self, icmp_type: u8, code: u8) {
                let data = self.buffer.as_mut();
                data[field::TYPE] = icmp_type;
                data[field::CODE] = code;
            }

            /// Sets the type-specific word.
            pub fn set_rest(&mut self, rest: [u8; 4]) {
                self.buffer.as_mut()[field::REST].copy_from_slice(&rest);
            }

            /// The bytes after the header, mutable.
            pub fn body_mut(&mut self) -> &mut [u8] {
                &mut self.buffer.as_mut()[HEADER_LEN..]
            }
        }
    };
}

icmp_common!(Icmpv4Packet, Layer::Icmpv4);
icmp_common!(Icmpv6Packet, Layer::Icmpv6);

/// A view of an ICMPv4 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icmpv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Icmpv4Packet<T> {
    /// The error this message reports, if it is an error message.
    pub fn error_kind(&self) -> Option<ErrorKind> {
        ErrorKind::from_v4(self.msg_type())
    }

    /// The quoted packet (empty for messages that quote nothing).
    pub fn quote(&self) -> &[u8] {
        quote_v4(self.buffer.as_ref())
    }

    /// Whether the checksum over the whole message is correct.
    pub fn verify_checksum(&self) -> bool {
        checksum::verifies(checksum::sum(self.buffer.as_ref()))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv4Packet<T> {
    /// Computes and writes the checksum over the whole message.
    pub fn fill_checksum(&mut self) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&[0, 0]);
        let value = checksum::checksum(self.buffer.as_ref());
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }
}

/// A view of an ICMPv6 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icmpv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Icmpv6Packet<T> {
    /// The error this message reports, if it is an error message.
    pub fn error_kind(&self) -> Option<ErrorKind> {
        ErrorKind::from_v6(self.msg_type())
    }

    /// The quoted packet.
    pub fn quote(&self) -> &[u8] {
        quote_v6(self.buffer.as_ref())
    }

    /// Whether the checksum over the IPv6 pseudo-header and the message is correct.
    pub fn verify_checksum(&self, src: Ipv6Addr, dst: Ipv6Addr) -> bool {
        let data = self.buffer.as_ref();
        checksum::verifies(
            checksum::pseudo_header_v6(src, dst, PROTOCOL_ICMPV6, data.len() as u32)
                + checksum::sum(data),
        )
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Icmpv6Packet<T> {
    /// Computes and writes the checksum over the IPv6 pseudo-header and the message.
    pub fn fill_checksum(&mut self, src: Ipv6Addr, dst: Ipv6Addr) {
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&[0, 0]);
        let data = self.buffer.as_ref();
        let value = checksum::finish(
            checksum::pseudo_header_v6(src, dst, PROTOCOL_ICMPV6, data.len() as u32)
                + checksum::sum(data),
        );
        self.buffer.as_mut()[field::CHECKSUM].copy_from_slice(&value.to_be_bytes());
    }
}

/// An ICMP error received as a whole IP packet: who sent it, what it says, and what it quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpError<'a> {
    /// The router (or host) that sent the error: the outer source address.
    pub from: IpAddr,
    /// The TTL or hop limit the error arrived with (hints at the router's distance).
    pub arrival_ttl: u8,
    /// The error.
    pub kind: ErrorKind,
    /// The ICMP type as on the wire.
    pub icmp_type: u8,
    /// The ICMP code.
    pub code: u8,
    /// Whether the ICMP checksum verified.
    pub checksum_ok: bool,
    /// The quoted packet, from its IP header on, as long as the router kept it.
    pub quote: &'a [u8],
}

impl<'a> IcmpError<'a> {
    /// Parses an IPv4 or IPv6 packet (no link layer) carrying an ICMP error message.
    pub fn parse(packet: &'a [u8]) -> Result<Self, WireError> {
        match packet.first().map(|b| b >> 4) {
            Some(6) => Self::parse_v6(packet),
            _ => Self::parse_v4(packet),
        }
    }

    fn parse_v4(packet: &'a [u8]) -> Result<Self, WireError> {
        let ip = Ipv4Packet::new_checked(packet)?;
        if ip.protocol() != PROTOCOL_ICMPV4 {
            return Err(WireError::Protocol {
                expected: PROTOCOL_ICMPV4,
                found: ip.protocol(),
            });
        }
        let payload = &packet[ip.header_len()..usize::from(ip.total_len())];
        let icmp = Icmpv4Packet::new_checked(payload)?;
        let kind = icmp.error_kind().ok_or(WireError::NotAnError {
            layer: Layer::Icmpv4,
            icmp_type: icmp.msg_type(),
            code: icmp.msg_code(),
        })?;
        Ok(IcmpError {
            from: IpAddr::V4(ip.src_addr()),
            arrival_ttl: ip.ttl(),
            kind,
            icmp_type: icmp.msg_type(),
            code: icmp.msg_code(),
            checksum_ok: icmp.verify_checksum(),
            quote: quote_v4(payload),
        })
    }

    fn parse_v6(packet: &'a [u8]) -> Result<Self, WireError> {
        let ip = Ipv6Packet::new_checked(packet)?;
        if ip.next_header() != PROTOCOL_ICMPV6 {
            return Err(WireError::Protocol {
                expected: PROTOCOL_ICMPV6,
                found: ip.next_header(),
            });
        }
        let payload = &packet[ipv6::HEADER_LEN..ipv6::HEADER_LEN + usize::from(ip.payload_len())];
        let icmp = Icmpv6Packet::new_checked(payload)?;
        let kind = icmp.error_kind().ok_or(WireError::NotAnError {
            layer: Layer::Icmpv6,
            icmp_type: icmp.msg_type(),
            code: icmp.msg_code(),
        })?;
        Ok(IcmpError {
            from: IpAddr::V6(ip.src_addr()),
            arrival_ttl: ip.hop_limit(),
            kind,
            icmp_type: icmp.msg_type(),
            code: icmp.msg_code(),
            checksum_ok: icmp.verify_checksum(ip.src_addr(), ip.dst_addr()),
            quote: quote_v6(payload),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;
    use quickcheck::quickcheck;
    use std::vec::Vec;

    /// Builds an IPv4 time-exceeded from 198.18.1.1 to 198.18.0.1 quoting `quote`.
    fn time_exceeded_v4(quote: &[u8], rfc4884_words: u8) -> Vec<u8> {
        let total = 20 + 8 + quote.len();
        let mut p = std::vec![0u8; total];
        let mut ip = Ipv4Packet::new_unchecked(&mut p[..]);
        ip.set_version_and_header_len(20);
        ip.set_total_len(total as u16);
        ip.set_ttl(63);
        ip.set_protocol(PROTOCOL_ICMPV4);
        ip.set_src_addr(Ipv4Addr::new(198, 18, 1, 1));
        ip.set_dst_addr(Ipv4Addr::new(198, 18, 0, 1));
        ip.fill_checksum();
        let mut icmp = Icmpv4Packet::new_unchecked(&mut p[20..]);
        icmp.set_type_code(v4_type::TIME_EXCEEDED, 0);
        icmp.set_rest([0, rfc4884_words, 0, 0]);
        icmp.body_mut().copy_from_slice(quote);
        icmp.fill_checksum();
        p
    }

    #[test]
    fn parses_a_v4_time_exceeded() {
        let quote: Vec<u8> = (0u8..28).collect();
        let p = time_exceeded_v4(&quote, 0);
        let e = IcmpError::parse(&p).unwrap();
        assert_eq!(e.from, IpAddr::V4(Ipv4Addr::new(198, 18, 1, 1)));
        assert_eq!(e.arrival_ttl, 63);
        assert_eq!(e.kind, ErrorKind::TimeExceeded);
        assert_eq!((e.icmp_type, e.code), (11, 0));
        assert!(e.checksum_ok);
        assert_eq!(e.quote, &quote[..]);
    }

    #[test]
    fn honours_the_rfc4884_length() {
        let mut body: Vec<u8> = (0u8..28).collect();
        body.extend_from_slice(&[0x20, 0, 0, 0, 0, 8, 1, 1]);
        let p = time_exceeded_v4(&body, 7);
        assert_eq!(IcmpError::parse(&p).unwrap().quote, &body[..28]);
    }

    #[test]
    fn parses_a_v6_time_exceeded() {
        let src: Ipv6Addr = "2001:db8:ff::1".parse().unwrap();
        let dst: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let quote = [0x60u8; 48];
        let mut p = std::vec![0u8; 40 + 8 + quote.len()];
        let mut ip = Ipv6Packet::new_unchecked(&mut p[..]);
        ip.set_version_class_flow(0, 0);
        ip.set_payload_len(56);
        ip.set_next_header(PROTOCOL_ICMPV6);
        ip.set_hop_limit(62);
        ip.set_src_addr(src);
        ip.set_dst_addr(dst);
        let mut icmp = Icmpv6Packet::new_unchecked(&mut p[40..]);
        icmp.set_type_code(v6_type::TIME_EXCEEDED, 0);
        icmp.body_mut().copy_from_slice(&quote);
        icmp.fill_checksum(src, dst);
        let e = IcmpError::parse(&p).unwrap();
        assert_eq!(e.from, IpAddr::V6(src));
        assert_eq!(e.kind, ErrorKind::TimeExceeded);
        assert!(e.checksum_ok);
        assert_eq!(e.quote, &quote[..]);
        p[50] ^= 1;
        assert!(!IcmpError::parse(&p).unwrap().checksum_ok);
    }

    #[test]
    fn rejects_non_errors() {
        let mut p = time_exceeded_v4(&[0u8; 28], 0);
        p[20] = 8;
        assert_eq!(
            IcmpError::parse(&p).unwrap_err(),
            WireError::NotAnError {
                layer: Layer::Icmpv4,
                icmp_type: 8,
                code: 0
            }
        );
        p[9] = 6;
        assert!(matches!(
            IcmpError::parse(&p),
            Err(WireError::Protocol { found: 6, .. })
        ));
        assert!(IcmpError::parse(&p[..24]).is_err());
    }

    quickcheck! {
        fn parse_never_panics(data: Vec<u8>) -> bool {
            match IcmpError::parse(&data) {
                Ok(e) => e.quote.len() < data.len(),
                Err(_) => true,
            }
        }
    }
}
