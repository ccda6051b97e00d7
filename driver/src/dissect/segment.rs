//! From an IP packet to the TCP segment the tracker needs, through the core's header views.
//!
//! Captures are often cut at a snap length, so IP headers are checked only for their own presence
//! and lengths come from the headers (what was on the wire), not from what was captured. IPv6
//! extension headers are skipped; fragments other than the first carry no TCP header and are
//! skipped too.

use std::net::IpAddr;

use mptcpscan::wire::{Ipv4Packet, Ipv6Packet, TcpFlags, TcpPacket, WireError};

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

impl Segment<'_> {
    /// The TCP flags.
    pub fn flags(&self) -> TcpFlags {
        self.tcp.flags()
    }
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
