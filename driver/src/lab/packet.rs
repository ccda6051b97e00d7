//! Just enough IPv4/IPv6 + TCP for the lab's daemons: find the TCP header of a raw IP packet,
//! rewrite its options, build replies, and keep every checksum right.
//!
//! Packets the daemons do not understand (fragments, IPv6 extension headers, other protocols)
//! are reported as not TCP and passed on untouched.

use std::net::IpAddr;
use std::ops::Range;

use mptcpscan::options::MAX_OPTIONS_LEN;
use mptcpscan::wire::checksum;

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

mod field {
    use std::ops::Range;
    pub const V4_TOTAL_LEN: Range<usize> = 2..4;
    pub const V4_FRAG: Range<usize> = 6..8;
    pub const V4_TTL: usize = 8;
    pub const V4_PROTOCOL: usize = 9;
    pub const V4_CHECKSUM: Range<usize> = 10..12;
    pub const V4_SRC: Range<usize> = 12..16;
    pub const V4_DST: Range<usize> = 16..20;
    pub const V6_PAYLOAD_LEN: Range<usize> = 4..6;
    pub const V6_NEXT_HEADER: usize = 6;
    pub const V6_HOP_LIMIT: usize = 7;
    pub const V6_SRC: Range<usize> = 8..24;
    pub const V6_DST: Range<usize> = 24..40;
    pub const TCP_SRC_PORT: Range<usize> = 0..2;
    pub const TCP_DST_PORT: Range<usize> = 2..4;
    pub const TCP_SEQ: Range<usize> = 4..8;
    pub const TCP_ACK: Range<usize> = 8..12;
    pub const TCP_DATA_OFFSET: usize = 12;
    pub const TCP_FLAGS: usize = 13;
    pub const TCP_WINDOW: Range<usize> = 14..16;
    pub const TCP_CHECKSUM: Range<usize> = 16..18;
}

const IPV6_HEADER_LEN: usize = 40;
const TCP_HEADER_LEN: usize = 20;

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

fn be16(b: &[u8], r: Range<usize>) -> u16 {
    u16::from_be_bytes([b[r.start], b[r.start + 1]])
}

fn be32(b: &[u8], r: Range<usize>) -> u32 {
    u32::from_be_bytes([b[r.start], b[r.start + 1], b[r.start + 2], b[r.start + 3]])
}

fn addr(bytes: &[u8]) -> IpAddr {
    match *bytes {
        [a, b, c, d] => IpAddr::from([a, b, c, d]),
        _ => {
            let mut v6 = [0u8; 16];
            v6.copy_from_slice(bytes);
            IpAddr::from(v6)
        }
    }
}

impl Tcp {
    /// Finds the TCP segment of `packet`, or `None` if it is not a whole, unfragmented TCP
    /// segment directly after an IPv4 or IPv6 header.
    pub fn parse(packet: &[u8]) -> Option<Tcp> {
        let (ip_len, total_len, src, dst) = match packet.first()? >> 4 {
            4 => {
                let ihl = usize::from(packet[0] & 0x0f) * 4;
                if ihl < 20
                    || packet.len() < ihl
                    || packet[field::V4_PROTOCOL] != checksum::PROTOCOL_TCP
                {
                    return None;
                }
                // More-fragments flag or a fragment offset: not a whole segment.
                if be16(packet, field::V4_FRAG) & 0x3fff != 0 {
                    return None;
                }
                let total = usize::from(be16(packet, field::V4_TOTAL_LEN));
                (
                    ihl,
                    total,
                    addr(&packet[field::V4_SRC]),
                    addr(&packet[field::V4_DST]),
                )
            }
            6 => {
                if packet.len() < IPV6_HEADER_LEN
                    || packet[field::V6_NEXT_HEADER] != checksum::PROTOCOL_TCP
                {
                    return None;
                }
                let total = IPV6_HEADER_LEN + usize::from(be16(packet, field::V6_PAYLOAD_LEN));
                (
                    IPV6_HEADER_LEN,
                    total,
                    addr(&packet[field::V6_SRC]),
                    addr(&packet[field::V6_DST]),
                )
            }
            _ => return None,
        };
        if total_len > packet.len() || total_len < ip_len + TCP_HEADER_LEN {
            return None;
        }
        let tcp = &packet[ip_len..total_len];
        let tcp_len = usize::from(tcp[field::TCP_DATA_OFFSET] >> 4) * 4;
        if tcp_len < TCP_HEADER_LEN || tcp_len > tcp.len() {
            return None;
        }
        Some(Tcp {
            ip_len,
            tcp_len,
            total_len,
            src,
            dst,
            sport: be16(tcp, field::TCP_SRC_PORT),
            dport: be16(tcp, field::TCP_DST_PORT),
            seq: be32(tcp, field::TCP_SEQ),
            ack: be32(tcp, field::TCP_ACK),
            flags: tcp[field::TCP_FLAGS],
            window: be16(tcp, field::TCP_WINDOW),
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
        self.ip_len + TCP_HEADER_LEN..self.ip_len + self.tcp_len
    }
}

/// Recomputes the IPv4 header checksum (if IPv4) and the TCP checksum of a packet `Tcp::parse`
/// accepted.
pub fn fix_checksums(packet: &mut [u8], tcp: &Tcp) {
    let segment = tcp.ip_len..tcp.total_len;
    let sum = match (tcp.src, tcp.dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let header = checksum::ipv4_header(&packet[..tcp.ip_len]);
            packet[field::V4_CHECKSUM].copy_from_slice(&header.to_be_bytes());
            checksum::tcp_v4(src, dst, &packet[segment])
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => checksum::tcp_v6(src, dst, &packet[segment]),
        // `Tcp::parse` takes both addresses from one header, so they are the same version.
        _ => return,
    };
    let at = tcp.ip_len + field::TCP_CHECKSUM.start;
    packet[at..at + 2].copy_from_slice(&sum.to_be_bytes());
}

/// Adds one to the TTL (hop limit) of an IPv4 or IPv6 packet, fixing the IPv4 header checksum.
///
/// An in-line middlebox on a router's TUN device costs the packet a second forwarding (into the
/// device, then out of it); giving that hop back makes the middlebox invisible in hop counts.
pub fn restore_hop(packet: &mut [u8]) {
    match packet.first().map(|b| b >> 4) {
        Some(4) if packet.len() >= 20 => {
            packet[field::V4_TTL] = packet[field::V4_TTL].saturating_add(1);
            let ihl = (usize::from(packet[0] & 0x0f) * 4).clamp(20, packet.len());
            let sum = checksum::ipv4_header(&packet[..ihl]);
            packet[field::V4_CHECKSUM].copy_from_slice(&sum.to_be_bytes());
        }
        Some(6) if packet.len() >= IPV6_HEADER_LEN => {
            packet[field::V6_HOP_LIMIT] = packet[field::V6_HOP_LIMIT].saturating_add(1);
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
        let tcp_len = TCP_HEADER_LEN + opt_len;
        let mut packet = match (self.src, self.dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => {
                let mut p = vec![0u8; 20 + tcp_len];
                p[0] = 0x45;
                p[field::V4_TOTAL_LEN].copy_from_slice(&((20 + tcp_len) as u16).to_be_bytes());
                // Don't fragment, like Linux.
                p[field::V4_FRAG].copy_from_slice(&0x4000u16.to_be_bytes());
                p[field::V4_TTL] = DEFAULT_TTL;
                p[field::V4_PROTOCOL] = checksum::PROTOCOL_TCP;
                p[field::V4_SRC].copy_from_slice(&src.octets());
                p[field::V4_DST].copy_from_slice(&dst.octets());
                p
            }
            (src, dst) => {
                let to16 = |a: IpAddr| match a {
                    IpAddr::V6(a) => a.octets(),
                    IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
                };
                let mut p = vec![0u8; IPV6_HEADER_LEN + tcp_len];
                p[0] = 0x60;
                p[field::V6_PAYLOAD_LEN].copy_from_slice(&(tcp_len as u16).to_be_bytes());
                p[field::V6_NEXT_HEADER] = checksum::PROTOCOL_TCP;
                p[field::V6_HOP_LIMIT] = DEFAULT_TTL;
                p[field::V6_SRC].copy_from_slice(&to16(src));
                p[field::V6_DST].copy_from_slice(&to16(dst));
                p
            }
        };
        let ip_len = packet.len() - tcp_len;
        let tcp = &mut packet[ip_len..];
        tcp[field::TCP_SRC_PORT].copy_from_slice(&self.sport.to_be_bytes());
        tcp[field::TCP_DST_PORT].copy_from_slice(&self.dport.to_be_bytes());
        tcp[field::TCP_SEQ].copy_from_slice(&self.seq.to_be_bytes());
        tcp[field::TCP_ACK].copy_from_slice(&self.ack.to_be_bytes());
        tcp[field::TCP_DATA_OFFSET] = ((tcp_len / 4) as u8) << 4;
        tcp[field::TCP_FLAGS] = self.flags;
        tcp[field::TCP_WINDOW].copy_from_slice(&self.window.to_be_bytes());
        tcp[TCP_HEADER_LEN..TCP_HEADER_LEN + options.len()].copy_from_slice(options);
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
        out[field::V4_TOTAL_LEN].copy_from_slice(&(total as u16).to_be_bytes());
    } else {
        out[field::V6_PAYLOAD_LEN]
            .copy_from_slice(&((total - IPV6_HEADER_LEN) as u16).to_be_bytes());
    }
    let offset = tcp.ip_len + field::TCP_DATA_OFFSET;
    out[offset] = (out[offset] & 0x0f) | ((((TCP_HEADER_LEN + opt_len) / 4) as u8) << 4);
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
