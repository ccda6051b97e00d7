//! A received IP packet read as a TCP segment addressed to us, through the core's header views.

use std::net::IpAddr;

use mptcpscan::wire::{Ipv4Packet, Ipv6Packet, TcpFlags, TcpPacket};

const PROTOCOL_TCP: u8 = 6;

/// A TCP segment with the IP fields the scanner reports.
pub struct TcpReply<'a> {
    /// The sender (the target).
    pub src: IpAddr,
    /// The receiver (us).
    pub dst: IpAddr,
    /// The TTL or hop limit it arrived with.
    pub ttl: u8,
    /// The TCP header, options and payload.
    pub tcp: TcpPacket<&'a [u8]>,
    /// The same TCP segment as bytes.
    pub segment: &'a [u8],
}

impl<'a> TcpReply<'a> {
    /// Reads `packet` (from the IP header on) as TCP; `None` for anything else or anything
    /// malformed, which a scanner drops silently as ZMap does.
    pub fn parse(packet: &'a [u8]) -> Option<Self> {
        let (src, dst, ttl, payload) = match packet.first()? >> 4 {
            4 => {
                let ip = Ipv4Packet::new_checked(packet).ok()?;
                if ip.protocol() != PROTOCOL_TCP || ip.frag_offset() != 0 {
                    return None;
                }
                let header = ip.header_len();
                let end = usize::from(ip.total_len());
                (
                    IpAddr::V4(ip.src_addr()),
                    IpAddr::V4(ip.dst_addr()),
                    ip.ttl(),
                    packet.get(header..end)?,
                )
            }
            6 => {
                let ip = Ipv6Packet::new_checked(packet).ok()?;
                // Extension headers never appear in a SYN-ACK or RST of a real stack.
                if ip.next_header() != PROTOCOL_TCP {
                    return None;
                }
                let end = 40 + usize::from(ip.payload_len());
                (
                    IpAddr::V6(ip.src_addr()),
                    IpAddr::V6(ip.dst_addr()),
                    ip.hop_limit(),
                    packet.get(40..end)?,
                )
            }
            _ => return None,
        };
        let tcp = TcpPacket::new_checked(payload).ok()?;
        Some(TcpReply {
            src,
            dst,
            ttl,
            tcp,
            segment: payload,
        })
    }

    /// A SYN-ACK (the port is open).
    pub fn is_synack(&self) -> bool {
        self.tcp.flags().contains(TcpFlags::SYN | TcpFlags::ACK)
    }

    /// A RST (the port is closed).
    pub fn is_rst(&self) -> bool {
        self.tcp.flags().contains(TcpFlags::RST)
    }
}
