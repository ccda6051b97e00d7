//! From an IP packet to the TCP segment the tracker needs, through the core's header views.
//!
//! Captures are often cut at a snap length, so IP headers are checked only for their own presence
//! and lengths come from the headers (what was on the wire), not from what was captured. IPv6
//! extension headers are skipped; fragments other than the first carry no TCP header and are
//! skipped too.

use std::net::IpAddr;

use mptcpscan::wire::{Ipv4Packet, Ipv6Packet, TcpPacket, WireError};

use super::link::Network;

const PROTO_TCP: u8 = 6;
/// IPv6 extension headers that have the generic (next header, length in 8-byte units) layout.
const IPV6_HOP_BY_HOP: u8 = 0;
const IPV6_ROUTING: u8 = 43;
const IPV6_FRAGMENT: u8 = 44;
const IPV6_DESTINATION: u8 = 60;

/// A TCP segment with the fields connection tracking uses.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// The whole IP packet's length on the wire (header included), for byte counts.
    pub ip_len: u32,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// The TCP view (header and the captured part of the payload).
    pub tcp: TcpPacket<&'a [u8]>,
    /// Payload length on the wire (may exceed the captured payload).
    pub payload_len: u32,
}

/// What an IP packet turned out to be.
#[derive(Debug)]
pub enum Parsed<'a> {
    /// A TCP segment.
    Tcp(Segment<'a>),
    /// IP without TCP, or a non-first fragment: counted, not analysed.
    NotTcp,
}

/// Takes an IP packet apart down to its TCP header.
pub fn parse(network: Network<'_>) -> Result<Parsed<'_>, WireError> {
    match network {
        Network::Ipv4(bytes) => {
            let ip = Ipv4Packet::new_unchecked(bytes);
            ip.check_header()?;
            if ip.protocol() != PROTO_TCP || ip.frag_offset() != 0 {
                return Ok(Parsed::NotTcp);
            }
            let header = ip.header_len() as u32;
            let total = u32::from(ip.total_len()).max(header);
            let tcp = transport(&bytes[ip.header_len()..], ip.payload().len())?;
            Ok(Parsed::Tcp(Segment {
                src: IpAddr::V4(ip.src_addr()),
                dst: IpAddr::V4(ip.dst_addr()),
                ip_len: total,
                ttl: ip.ttl(),
                payload_len: (total - header).saturating_sub(tcp.header_len() as u32),
                tcp,
            }))
        }
        Network::Ipv6(bytes) => {
            let ip = Ipv6Packet::new_unchecked(bytes);
            ip.check_header()?;
            let mut next = ip.next_header();
            let mut at = 40usize;
            let wire_end = 40 + usize::from(ip.payload_len());
            loop {
                match next {
                    PROTO_TCP => break,
                    IPV6_HOP_BY_HOP | IPV6_ROUTING | IPV6_DESTINATION | IPV6_FRAGMENT => {
                        let Some(ext) = bytes.get(at..at + 8) else {
                            return Ok(Parsed::NotTcp);
                        };
                        if next == IPV6_FRAGMENT && u16::from_be_bytes([ext[2], ext[3]]) >> 3 != 0 {
                            return Ok(Parsed::NotTcp);
                        }
                        let len = if next == IPV6_FRAGMENT {
                            8
                        } else {
                            8 + usize::from(ext[1]) * 8
                        };
                        next = ext[0];
                        at += len;
                    }
                    _ => return Ok(Parsed::NotTcp),
                }
            }
            let captured = bytes.len().min(wire_end).saturating_sub(at);
            let tcp = transport(bytes.get(at..).unwrap_or(&[]), captured)?;
            Ok(Parsed::Tcp(Segment {
                src: IpAddr::V6(ip.src_addr()),
                dst: IpAddr::V6(ip.dst_addr()),
                ip_len: wire_end as u32,
                ttl: ip.hop_limit(),
                payload_len: wire_end.saturating_sub(at + tcp.header_len()) as u32,
                tcp,
            }))
        }
        Network::Other => Ok(Parsed::NotTcp),
    }
}

/// The TCP view over the captured bytes of the segment (trailing link padding cut off).
fn transport(rest: &[u8], captured: usize) -> Result<TcpPacket<&[u8]>, WireError> {
    TcpPacket::new_checked(&rest[..captured.min(rest.len())])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TCP header (20 bytes, ports 443 → 1024, seq 1, SYN) followed by `payload` zero bytes.
    fn tcp(payload: usize) -> Vec<u8> {
        let mut t = vec![
            0x01, 0xbb, 0x04, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
        ];
        t.resize(20 + payload, 0);
        t
    }

    #[test]
    fn ipv4_cut_by_the_snap_length_keeps_the_wire_lengths() {
        let mut p = vec![
            0x45, 0, 0x00, 0x50, 0, 0, 0x40, 0, 64, 6, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2,
        ];
        p.extend(tcp(40));
        // Total length 80 on the wire; only 50 bytes captured.
        let Parsed::Tcp(s) = parse(Network::Ipv4(&p[..50])).unwrap() else {
            panic!("not TCP")
        };
        assert_eq!((s.ip_len, s.payload_len, s.ttl), (80, 40, 64));
        assert_eq!(s.tcp.payload().len(), 10);
        assert_eq!(s.tcp.src_port(), 443);
    }

    #[test]
    fn ipv6_extension_headers_are_skipped_and_later_fragments_ignored() {
        let mut p = vec![0x60, 0, 0, 0, 0, 36, 0, 57];
        p.extend([0x20, 0x01, 0x0d, 0xb8].iter().chain(&[0; 12]));
        p.extend([0x20, 0x01, 0x0d, 0xb8].iter().chain(&[0; 11]).chain(&[2]));
        // Hop-by-hop options header (8 bytes), next header TCP.
        p.extend([6, 0, 1, 4, 0, 0, 0, 0]);
        p.extend(tcp(8));
        let Parsed::Tcp(s) = parse(Network::Ipv6(&p)).unwrap() else {
            panic!("not TCP")
        };
        assert_eq!((s.ip_len, s.payload_len, s.ttl), (76, 8, 57));
        assert_eq!(s.dst.to_string(), "2001:db8::2");
        // The same as a fragment with offset 8: no TCP header to read.
        p[6] = IPV6_FRAGMENT;
        p[40..48].copy_from_slice(&[6, 0, 0, 8, 0, 0, 0, 1]);
        assert!(matches!(parse(Network::Ipv6(&p)), Ok(Parsed::NotTcp)));
    }

    #[test]
    fn a_tcp_header_cut_short_is_an_error() {
        let mut p = vec![
            0x45, 0, 0x00, 0x28, 0, 0, 0x40, 0, 64, 6, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2,
        ];
        p.extend(&tcp(0)[..12]);
        assert!(parse(Network::Ipv4(&p)).is_err());
    }
}
