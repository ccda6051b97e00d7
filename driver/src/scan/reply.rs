//! A received IP packet read as a TCP segment addressed to us: the core finds the segment
//! (`mptcpscan::wire::tcp_in_ip`), this keeps what the scanner reports.

use std::net::IpAddr;

use mptcpscan::wire::{tcp_in_ip, TcpFlags, TcpPacket};

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
        let ip = tcp_in_ip(packet).ok()?;
        Some(TcpReply {
            src: ip.src,
            dst: ip.dst,
            ttl: ip.ttl,
            tcp: TcpPacket::new_checked(ip.segment).ok()?,
            segment: ip.segment,
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
