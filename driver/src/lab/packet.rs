//! Just enough IPv4/IPv6 + TCP for the lab's daemons: find the TCP header of a raw IP packet,
//! rewrite its options, build replies, and keep every checksum right. The fields are read and
//! written through the core's `wire` views; what is the lab's own is which packets it takes.
//!
//! Packets the daemons do not understand (fragments, IPv6 extension headers, other protocols)
//! are reported as not TCP and passed on untouched.

use std::net::IpAddr;
use std::ops::Range;

use mptcpscan::options::MAX_OPTIONS_LEN;
use mptcpscan::wire::{checksum, ipv4, ipv6, tcp, Ipv4Packet, Ipv6Packet, TcpFlags, TcpPacket};

/// TCP flag bits (byte 13 of the TCP header).
pub mod flags {
    /// Synchronise sequence numbers.
    pub const SYN: u8 = 0x02;
    /// Reset.
    pub const RST: u8 = 0x04;
    /// The acknowledgment field is valid.
    pub const ACK: u8 = 0x10;
}

/// Hop limit of packets the daemons originate (Linux's default).
pub const DEFAULT_TTL: u8 = 64;

/// Where the TCP segment of a raw IP packet is, and its fixed fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tcp {
    /// Length of the IP header (the TCP header starts here).
    pub ip_len: usize,
    /// Length of the TCP header, options included.
    pub tcp_len: usize,
    /// Length of the whole IP packet.
    pub total_len: usize,
    /// IP source.
    pub src: IpAddr,
    /// IP destination.
    pub dst: IpAddr,
    /// TCP source port.
    pub sport: u16,
    /// TCP destination port.
    pub dport: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// Flag bits ([`flags`]).
    pub flags: u8,
    /// Receive window.
    pub window: u16,
}

impl Tcp {
    /// Finds the TCP segment of `packet`, or `None` if it is not a whole, unfragmented TCP
    /// segment directly after an IPv4 or IPv6 header.
    pub fn parse(packet: &[u8]) -> Option<Tcp> {
        let (ip_len, total_len, src, dst) = match packet.first()? >> 4 {
            4 => {
                let ip = Ipv4Packet::new_unchecked(packet);
                let ihl = ip.header_len();
                if ihl < ipv4::HEADER_LEN
                    || packet.len() < ihl
                    || ip.protocol() != checksum::PROTOCOL_TCP
                {
                    return None;
                }
                // More-fragments flag or a fragment offset: not a whole segment.
                if ip.flags_frag() & 0x3fff != 0 {
                    return None;
                }
                let total = usize::from(ip.total_len());
                (ihl, total, ip.src_addr().into(), ip.dst_addr().into())
            }
            6 => {
                if packet.len() < ipv6::HEADER_LEN {
                    return None;
                }
                let ip = Ipv6Packet::new_unchecked(packet);
                if ip.next_header() != checksum::PROTOCOL_TCP {
                    return None;
                }
                let total = ipv6::HEADER_LEN + usize::from(ip.payload_len());
                (
                    ipv6::HEADER_LEN,
                    total,
                    ip.src_addr().into(),
                    ip.dst_addr().into(),
                )
            }
            _ => return None,
        };
        if total_len > packet.len() || total_len < ip_len + tcp::HEADER_LEN {
            return None;
        }
        let tcp = TcpPacket::new_unchecked(&packet[ip_len..total_len]);
        let tcp_len = tcp.header_len();
        if tcp_len < tcp::HEADER_LEN || tcp_len > total_len - ip_len {
            return None;
        }
        Some(Tcp {
            ip_len,
            tcp_len,
            total_len,
            src,
            dst,
            sport: tcp.src_port(),
            dport: tcp.dst_port(),
            seq: tcp.seq_number(),
            ack: tcp.ack_number(),
            flags: tcp.flags().bits(),
            window: tcp.window_len(),
        })
    }

    /// Whether this is a connection request (SYN without ACK).
    pub fn is_syn(&self) -> bool {
        self.flags & (flags::SYN | flags::ACK | flags::RST) == flags::SYN
    }

    /// Whether this is a connection answer (SYN and ACK).
    pub fn is_syn_ack(&self) -> bool {
        self.flags & (flags::SYN | flags::ACK | flags::RST) == flags::SYN | flags::ACK
    }

    /// Byte range of the TCP option area in the packet.
    pub fn options(&self) -> Range<usize> {
        self.ip_len + tcp::HEADER_LEN..self.ip_len + self.tcp_len
    }
}

/// Recomputes the IPv4 header checksum (if IPv4) and the TCP checksum of a packet `Tcp::parse`
/// accepted.
pub fn fix_checksums(packet: &mut [u8], tcp: &Tcp) {
    let (header, rest) = packet.split_at_mut(tcp.ip_len);
    let mut segment = TcpPacket::new_unchecked(&mut rest[..tcp.total_len - tcp.ip_len]);
    match (tcp.src, tcp.dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            Ipv4Packet::new_unchecked(header).fill_checksum();
            segment.fill_checksum_v4(src, dst);
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => segment.fill_checksum_v6(src, dst),
        // `Tcp::parse` takes both addresses from one header, so they are the same version.
        _ => {}
    }
}

/// Adds one to the TTL (hop limit) of an IPv4 or IPv6 packet, fixing the IPv4 header checksum.
///
/// An in-line middlebox on a router's TUN device costs the packet a second forwarding (into the
/// device, then out of it); giving that hop back makes the middlebox invisible in hop counts.
pub fn restore_hop(packet: &mut [u8]) {
    match packet.first().map(|b| b >> 4) {
        Some(4) if packet.len() >= ipv4::HEADER_LEN => {
            let len = packet.len();
            let mut ip = Ipv4Packet::new_unchecked(&mut *packet);
            ip.set_ttl(ip.ttl().saturating_add(1));
            // The header's own length may be bogus: sum what of it there is.
            let ihl = ip.header_len().clamp(ipv4::HEADER_LEN, len);
            let sum = checksum::ipv4_header(&packet[..ihl]);
            Ipv4Packet::new_unchecked(packet).set_checksum(sum);
        }
        Some(6) if packet.len() >= ipv6::HEADER_LEN => {
            let mut ip = Ipv6Packet::new_unchecked(packet);
            ip.set_hop_limit(ip.hop_limit().saturating_add(1));
        }
        _ => {}
    }
}

/// The fields of a TCP segment to build.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    /// IP source.
    pub src: IpAddr,
    /// IP destination (same version as `src`).
    pub dst: IpAddr,
    /// TCP source port.
    pub sport: u16,
    /// TCP destination port.
    pub dport: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// Flag bits.
    pub flags: u8,
    /// Receive window.
    pub window: u16,
    /// The option area, a multiple of 4 bytes and at most 40.
    pub options: &'a [u8],
}

impl Segment<'_> {
    /// A complete IP packet carrying the segment, TTL [`DEFAULT_TTL`], checksums filled.
    ///
    /// An option area that is not a multiple of 4 bytes is padded with EOL bytes; one longer
    /// than a TCP header can carry is cut at 40 bytes.
    pub fn build(&self) -> Vec<u8> {
        let options = &self.options[..self.options.len().min(MAX_OPTIONS_LEN)];
        let opt_len = options.len().div_ceil(4) * 4;
        let tcp_len = tcp::HEADER_LEN + opt_len;
        let mut packet = match (self.src, self.dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => {
                let mut p = vec![0u8; ipv4::HEADER_LEN + tcp_len];
                let mut ip = Ipv4Packet::new_unchecked(&mut p);
                ip.set_version_and_header_len(ipv4::HEADER_LEN);
                ip.set_total_len((ipv4::HEADER_LEN + tcp_len) as u16);
                // Don't fragment, like Linux.
                ip.set_flags_frag(ipv4::DONT_FRAGMENT);
                ip.set_ttl(DEFAULT_TTL);
                ip.set_protocol(checksum::PROTOCOL_TCP);
                ip.set_src_addr(src);
                ip.set_dst_addr(dst);
                p
            }
            (src, dst) => {
                let to6 = |a: IpAddr| match a {
                    IpAddr::V6(a) => a,
                    IpAddr::V4(a) => a.to_ipv6_mapped(),
                };
                let mut p = vec![0u8; ipv6::HEADER_LEN + tcp_len];
                let mut ip = Ipv6Packet::new_unchecked(&mut p);
                ip.set_version_class_flow(0, 0);
                ip.set_payload_len(tcp_len as u16);
                ip.set_next_header(checksum::PROTOCOL_TCP);
                ip.set_hop_limit(DEFAULT_TTL);
                ip.set_src_addr(to6(src));
                ip.set_dst_addr(to6(dst));
                p
            }
        };
        let ip_len = packet.len() - tcp_len;
        let mut tcp = TcpPacket::new_unchecked(&mut packet[ip_len..]);
        tcp.set_src_port(self.sport);
        tcp.set_dst_port(self.dport);
        tcp.set_seq_number(self.seq);
        tcp.set_ack_number(self.ack);
        tcp.set_header_len(tcp_len);
        tcp.set_flags(TcpFlags::from_bits_retain(self.flags));
        tcp.set_window_len(self.window);
        tcp.options_mut()[..options.len()].copy_from_slice(options);
        if let Some(parsed) = Tcp::parse(&packet) {
            fix_checksums(&mut packet, &parsed);
        }
        packet
    }
}

/// `packet` with its TCP option area replaced by `options` (padded with EOL to a multiple of
/// 4 bytes), lengths and checksums fixed.
pub fn replace_options(packet: &[u8], tcp: &Tcp, options: &[u8]) -> Vec<u8> {
    let opt_len = options.len().div_ceil(4) * 4;
    let area = tcp.options();
    let mut out = Vec::with_capacity(packet.len() + opt_len);
    out.extend_from_slice(&packet[..area.start]);
    out.extend_from_slice(options);
    out.resize(area.start + opt_len, 0);
    out.extend_from_slice(&packet[area.end..tcp.total_len]);
    let total = out.len();
    if out[0] >> 4 == 4 {
        Ipv4Packet::new_unchecked(&mut out).set_total_len(total as u16);
    } else {
        Ipv6Packet::new_unchecked(&mut out).set_payload_len((total - ipv6::HEADER_LEN) as u16);
    }
    // The new data offset; the reserved bits beside it stay as they came.
    let offset = tcp.ip_len + tcp::field::OFFSET;
    out[offset] = (out[offset] & 0x0f) | ((((tcp::HEADER_LEN + opt_len) / 4) as u8) << 4);
    if let Some(parsed) = Tcp::parse(&out) {
        fix_checksums(&mut out, &parsed);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A v0 MP_CAPABLE SYN from 198.18.0.2:40000 to 198.18.1.1:80 with the thesis' option block,
    /// checksums left zero (the tests fill them).
    const SYN_V4: [u8; 72] = [
        0x45, 0x00, 0x00, 0x48, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00, 198, 18, 0, 2, 198,
        18, 1, 1, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xd0,
        0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x00, 0x01, 0x04, 0x02, 0x08, 0x0a,
        0x0f, 0x0f, 0x0f, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x00, 0x1e, 0x0c, 0x00,
        0x81, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
    ];

    fn verify(packet: &[u8]) -> bool {
        let tcp = Tcp::parse(packet).unwrap();
        let mut copy = packet.to_vec();
        fix_checksums(&mut copy, &tcp);
        copy == packet
    }

    #[test]
    fn parses_the_thesis_probe() {
        let tcp = Tcp::parse(&SYN_V4).unwrap();
        assert_eq!((tcp.sport, tcp.dport, tcp.seq), (40000, 80, 1));
        assert!(tcp.is_syn() && !tcp.is_syn_ack());
        assert_eq!(tcp.options(), 40..72);
        assert_eq!(&SYN_V4[tcp.options()][..4], &[2, 4, 0, 1]);
    }

    #[test]
    fn checksums_verify_after_fixing() {
        let mut packet = SYN_V4;
        let tcp = Tcp::parse(&packet).unwrap();
        fix_checksums(&mut packet, &tcp);
        // The IPv4 header sums to 0xffff with its checksum in place.
        assert!(checksum::verifies(checksum::sum(&packet[..20])));
        assert!(verify(&packet));
        packet[60] ^= 1;
        assert!(!verify(&packet));
    }

    #[test]
    fn restore_hop_keeps_the_header_valid() {
        let mut packet = SYN_V4;
        let tcp = Tcp::parse(&packet).unwrap();
        fix_checksums(&mut packet, &tcp);
        restore_hop(&mut packet);
        assert_eq!(packet[8], 0x41);
        assert!(checksum::verifies(checksum::sum(&packet[..20])));
    }

    #[test]
    fn built_segments_round_trip_in_both_versions() {
        for (src, dst) in [
            ("198.18.1.1", "198.18.0.2"),
            ("2001:db8:1:1::1", "2001:db8::2"),
        ] {
            let segment = Segment {
                src: src.parse().unwrap(),
                dst: dst.parse().unwrap(),
                sport: 80,
                dport: 40000,
                seq: 7,
                ack: 2,
                flags: flags::SYN | flags::ACK,
                window: 65160,
                options: &[2, 4, 5, 0xb4, 1, 3, 3, 7],
            };
            let packet = segment.build();
            let tcp = Tcp::parse(&packet).unwrap();
            assert!(tcp.is_syn_ack());
            assert_eq!((tcp.src, tcp.dst, tcp.ack), (segment.src, segment.dst, 2));
            assert_eq!(&packet[tcp.options()], segment.options);
            assert!(verify(&packet));
        }
    }

    #[test]
    fn replacing_options_shrinks_the_packet() {
        let tcp = Tcp::parse(&SYN_V4).unwrap();
        let shorter = replace_options(&SYN_V4, &tcp, &SYN_V4[40..60]);
        assert_eq!(shorter.len(), 60);
        let parsed = Tcp::parse(&shorter).unwrap();
        assert_eq!((parsed.tcp_len, parsed.total_len), (40, 60));
        assert!(verify(&shorter));
    }

    #[test]
    fn overlong_options_are_cut() {
        let segment = Segment {
            src: "198.18.1.1".parse().unwrap(),
            dst: "198.18.0.2".parse().unwrap(),
            sport: 1,
            dport: 2,
            seq: 0,
            ack: 0,
            flags: flags::SYN,
            window: 0,
            options: &[1; 44],
        };
        let packet = segment.build();
        assert_eq!(Tcp::parse(&packet).unwrap().tcp_len, 60);
        assert!(verify(&packet));
    }

    #[test]
    fn rejects_what_it_cannot_handle() {
        assert_eq!(Tcp::parse(&[]), None);
        assert_eq!(Tcp::parse(&SYN_V4[..30]), None);
        let mut fragment = SYN_V4;
        fragment[6] = 0x20;
        assert_eq!(Tcp::parse(&fragment), None);
        let mut udp = SYN_V4;
        udp[9] = 17;
        assert_eq!(Tcp::parse(&udp), None);
        let mut bad_offset = SYN_V4;
        bad_offset[32] = 0xf0;
        assert_eq!(Tcp::parse(&bad_offset), None);
    }
}
