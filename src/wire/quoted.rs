//! Lax parsing of the packet an ICMP error quotes: the quote is usually cut short, so instead of
//! failing, [`QuotedPacket`] says how far it got ([`Reach`]) and its TCP getters return `None` for
//! fields the router did not keep.

use super::{be16, be32, ipv4, ipv6, tcp, Ipv4Packet, Ipv6Packet, WireError};
use crate::options::Options;

/// How much of the quoted packet is present, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reach {
    /// Fewer bytes than the IP header: nothing can be compared.
    IpHeaderCut,
    /// The IP header, and none of the transport header.
    IpHeader,
    /// Part of the transport header: fewer than its 20 fixed bytes (8 for an RFC 792 quote).
    TransportCut,
    /// The fixed 20-byte TCP header, but not all the options its data offset announces.
    TcpFixedHeader,
    /// The whole TCP header, options included (an RFC 1812 quote).
    TcpHeader,
}

impl Reach {
    /// Every reach, from least to most.
    pub const ALL: [Reach; 5] = [
        Reach::IpHeaderCut,
        Reach::IpHeader,
        Reach::TransportCut,
        Reach::TcpFixedHeader,
        Reach::TcpHeader,
    ];

    /// The reach's name as the tools print it (`"tcp-header"`).
    pub fn name(self) -> &'static str {
        match self {
            Reach::IpHeaderCut => "ip-header-cut",
            Reach::IpHeader => "ip-header",
            Reach::TransportCut => "transport-cut",
            Reach::TcpFixedHeader => "tcp-fixed-header",
            Reach::TcpHeader => "tcp-header",
        }
    }
}

impl core::fmt::Display for Reach {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The IP header of a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotedIp<'a> {
    /// An IPv4 header (its total length may exceed the bytes quoted).
    V4(Ipv4Packet<&'a [u8]>),
    /// An IPv6 header (its payload length may exceed the bytes quoted).
    V6(Ipv6Packet<&'a [u8]>),
}

impl QuotedIp<'_> {
    /// The protocol (IPv4) or next header (IPv6) number.
    pub fn protocol(&self) -> u8 {
        match self {
            QuotedIp::V4(ip) => ip.protocol(),
            QuotedIp::V6(ip) => ip.next_header(),
        }
    }
}

/// A quoted packet, parsed as far as its bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedPacket<'a> {
    ip: Option<QuotedIp<'a>>,
    transport: &'a [u8],
    reach: Reach,
}

impl<'a> QuotedPacket<'a> {
    /// Parses `quote` (starting with the IP header). Fails only when the bytes cannot be the
    /// start of an IP packet at all (empty, wrong version, impossible header length); a cut is
    /// not an error but a [`Reach`].
    pub fn parse(quote: &'a [u8]) -> Result<Self, WireError> {
        let version = quote.first().map(|b| b >> 4).ok_or(WireError::Truncated {
            layer: super::Layer::Ipv4,
            needed: ipv4::HEADER_LEN,
            available: 0,
        })?;
        let cut = QuotedPacket {
            ip: None,
            transport: &[],
            reach: Reach::IpHeaderCut,
        };
        let (ip, transport) = match version {
            4 => {
                let ip = Ipv4Packet::new_unchecked(quote);
                match ip.check_header() {
                    Ok(()) => {
                        let end = usize::from(ip.total_len()).min(quote.len());
                        let payload = quote.get(ip.header_len()..end).unwrap_or(&[]);
                        (QuotedIp::V4(ip), payload)
                    }
                    Err(WireError::Truncated { .. }) => return Ok(cut),
                    Err(e) => return Err(e),
                }
            }
            6 => {
                let ip = Ipv6Packet::new_unchecked(quote);
                match ip.check_header() {
                    Ok(()) => {
                        let end =
                            (ipv6::HEADER_LEN + usize::from(ip.payload_len())).min(quote.len());
                        let payload = quote.get(ipv6::HEADER_LEN..end).unwrap_or(&[]);
                        (QuotedIp::V6(ip), payload)
                    }
                    Err(WireError::Truncated { .. }) => return Ok(cut),
                    Err(e) => return Err(e),
                }
            }
            found => return Err(WireError::Version { expected: 4, found }),
        };
        let reach = if transport.is_empty() {
            Reach::IpHeader
        } else if transport.len() < tcp::HEADER_LEN {
            Reach::TransportCut
        } else if transport.len() < usize::from(transport[tcp::field::OFFSET] >> 4) * 4 {
            Reach::TcpFixedHeader
        } else {
            Reach::TcpHeader
        };
        Ok(QuotedPacket {
            ip: Some(ip),
            transport,
            reach,
        })
    }

    /// How far the quote goes.
    pub fn reach(&self) -> Reach {
        self.reach
    }

    /// Whether the quote stops before the end of the TCP options (an RFC 792 quote, typically).
    pub fn is_partial(&self) -> bool {
        self.reach < Reach::TcpHeader
    }

    /// The IP header, if complete.
    pub fn ip(&self) -> Option<QuotedIp<'a>> {
        self.ip
    }

    /// The transport bytes present (possibly none).
    pub fn transport(&self) -> &'a [u8] {
        self.transport
    }

    /// The quoted TCP header as far as present.
    pub fn tcp(&self) -> QuotedTcp<'a> {
        QuotedTcp {
            bytes: self.transport,
        }
    }
}

/// The TCP header of a quote, as far as present: each getter is `None` when its bytes were cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotedTcp<'a> {
    bytes: &'a [u8],
}

impl<'a> QuotedTcp<'a> {
    fn u16_at(&self, at: usize) -> Option<u16> {
        (self.bytes.len() >= at + 2).then(|| be16(self.bytes, at))
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        (self.bytes.len() >= at + 4).then(|| be32(self.bytes, at))
    }

    /// The bytes present.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The source port.
    pub fn src_port(&self) -> Option<u16> {
        self.u16_at(tcp::field::SRC_PORT.start)
    }

    /// The destination port.
    pub fn dst_port(&self) -> Option<u16> {
        self.u16_at(tcp::field::DST_PORT.start)
    }

    /// The sequence number.
    pub fn seq_number(&self) -> Option<u32> {
        self.u32_at(tcp::field::SEQ_NUM.start)
    }

    /// The acknowledgment number.
    pub fn ack_number(&self) -> Option<u32> {
        self.u32_at(tcp::field::ACK_NUM.start)
    }

    /// The header length from the data offset, in bytes.
    pub fn header_len(&self) -> Option<usize> {
        self.bytes
            .get(tcp::field::OFFSET)
            .map(|b| usize::from(b >> 4) * 4)
    }

    /// The reserved bits.
    pub fn reserved(&self) -> Option<u8> {
        self.bytes.get(tcp::field::OFFSET).map(|b| b & 0x0f)
    }

    /// The control bits.
    pub fn flags(&self) -> Option<tcp::TcpFlags> {
        self.bytes
            .get(tcp::field::FLAGS)
            .map(|b| tcp::TcpFlags::from_bits_retain(*b))
    }

    /// The receive window.
    pub fn window_len(&self) -> Option<u16> {
        self.u16_at(tcp::field::WIN_SIZE.start)
    }

    /// The checksum field.
    pub fn checksum(&self) -> Option<u16> {
        self.u16_at(tcp::field::CHECKSUM.start)
    }

    /// The urgent pointer.
    pub fn urgent_at(&self) -> Option<u16> {
        self.u16_at(tcp::field::URGENT.start)
    }

    /// The option area, only if complete (a cut option area would make the walk report errors
    /// the packet never had).
    pub fn options(&self) -> Option<&'a [u8]> {
        let end = self.header_len()?;
        if end < tcp::HEADER_LEN {
            return None;
        }
        self.bytes.get(tcp::HEADER_LEN..end)
    }

    /// Walks the option area, if complete.
    pub fn option_walk(&self) -> Option<Options<'a>> {
        self.options().map(Options::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;
    use std::vec::Vec;

    /// IPv4 header (total length 60) + a TCP SYN with 20 bytes of options.
    fn syn_v4() -> [u8; 60] {
        let mut p = [0u8; 60];
        p[..20].copy_from_slice(&[
            0x45, 0, 0, 60, 0, 1, 0x40, 0, 1, 6, 0, 0, 198, 18, 0, 1, 198, 19, 0, 7,
        ]);
        p[20..40].copy_from_slice(&[
            0x9c, 0x40, 0, 80, 0, 0, 0, 42, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
        ]);
        p[40..44].copy_from_slice(&[0x1e, 0x04, 0x01, 0x01]);
        p[44..60].fill(0x01);
        p
    }

    #[test]
    fn full_quote_reaches_the_options() {
        let p = syn_v4();
        let q = QuotedPacket::parse(&p).unwrap();
        assert_eq!(q.reach(), Reach::TcpHeader);
        assert!(!q.is_partial());
        assert_eq!(q.tcp().seq_number(), Some(42));
        assert_eq!(q.tcp().options().map(<[u8]>::len), Some(20));
    }

    #[test]
    fn rfc792_quote_has_ports_and_seq_only() {
        let p = syn_v4();
        let q = QuotedPacket::parse(&p[..28]).unwrap();
        assert_eq!(q.reach(), Reach::TransportCut);
        assert!(q.is_partial());
        let t = q.tcp();
        assert_eq!(t.src_port(), Some(40000));
        assert_eq!(t.dst_port(), Some(80));
        assert_eq!(t.seq_number(), Some(42));
        assert_eq!(t.ack_number(), None);
        assert_eq!(t.flags(), None);
        assert_eq!(t.options(), None);
        match q.ip() {
            Some(QuotedIp::V4(ip)) => assert_eq!(ip.total_len(), 60),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn says_where_it_stopped() {
        let p = syn_v4();
        assert_eq!(
            QuotedPacket::parse(&p[..19]).unwrap().reach(),
            Reach::IpHeaderCut
        );
        assert_eq!(
            QuotedPacket::parse(&p[..20]).unwrap().reach(),
            Reach::IpHeader
        );
        assert_eq!(
            QuotedPacket::parse(&p[..50]).unwrap().reach(),
            Reach::TcpFixedHeader
        );
        assert!(QuotedPacket::parse(&[]).is_err());
        assert!(QuotedPacket::parse(&[0x55; 30]).is_err());
    }

    quickcheck! {
        fn lax_parse_never_panics(data: Vec<u8>) -> bool {
            match QuotedPacket::parse(&data) {
                Ok(q) => {
                    let t = q.tcp();
                    let _ = (t.src_port(), t.seq_number(), t.flags(), t.checksum(), t.urgent_at());
                    let walked = t.option_walk().map_or(0, |w| w.count());
                    walked <= 40 && q.transport().len() <= data.len()
                }
                Err(_) => true,
            }
        }
    }
}
