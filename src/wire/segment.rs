//! The TCP segment inside an IP packet: the one place every reader (the classifier, the driver's
//! receivers, the C ABI's hosts) finds it.

use core::net::IpAddr;

use super::checksum::PROTOCOL_TCP;
use super::{ipv6, tcp, Ipv4Packet, Ipv6Packet, TcpPacket, WireError};

/// A TCP segment and the IP fields around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpTcp<'a> {
    /// The sender.
    pub src: IpAddr,
    /// The receiver.
    pub dst: IpAddr,
    /// The TTL or hop limit it arrived with.
    pub ttl: u8,
    /// The TCP header, options and payload, up to the IP length (trailing bytes such as
    /// Ethernet padding left out); its fixed header is known to be present and well-formed.
    pub segment: &'a [u8],
}

impl IpTcp<'_> {
    /// The TCP option area (between the fixed header and the payload).
    pub fn options(&self) -> &[u8] {
        let header = TcpPacket::new_unchecked(self.segment).header_len();
        self.segment
            .get(tcp::HEADER_LEN..header)
            .unwrap_or_default()
    }
}

/// Finds the TCP segment in a whole IPv4 or IPv6 packet carrying TCP directly (no IPv6
/// extension headers: the SYN-ACKs and resets a scanner reads do not carry them).
///
/// Errors: the IP header's, [`WireError::Protocol`] for another protocol, the TCP header's, and
/// [`WireError::Truncated`] for an IPv4 fragment other than the first (its TCP header is in
/// another packet).
pub fn tcp_in_ip(packet: &[u8]) -> Result<IpTcp<'_>, WireError> {
    let (src, dst, ttl, protocol, segment) = match packet.first().map(|byte| byte >> 4) {
        Some(6) => {
            let ip = Ipv6Packet::new_checked(packet)?;
            let end = ipv6::HEADER_LEN + usize::from(ip.payload_len());
            (
                IpAddr::V6(ip.src_addr()),
                IpAddr::V6(ip.dst_addr()),
                ip.hop_limit(),
                ip.next_header(),
                packet.get(ipv6::HEADER_LEN..end),
            )
        }
        _ => {
            let ip = Ipv4Packet::new_checked(packet)?;
            let range = ip.header_len()..usize::from(ip.total_len());
            let segment = match ip.frag_offset() {
                0 => packet.get(range),
                _ => Some(&[][..]),
            };
            (
                IpAddr::V4(ip.src_addr()),
                IpAddr::V4(ip.dst_addr()),
                ip.ttl(),
                ip.protocol(),
                segment,
            )
        }
    };
    if protocol != PROTOCOL_TCP {
        return Err(WireError::Protocol {
            expected: PROTOCOL_TCP,
            found: protocol,
        });
    }
    let segment = segment.unwrap_or_default();
    TcpPacket::new_checked(segment)?;
    Ok(IpTcp {
        src,
        dst,
        ttl,
        segment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Layer;

    /// Frame 2 of captures/tcpdump/mptcp-v0.pcap from the IPv4 header on: the out-of-tree
    /// kernel's v0 SYN-ACK, TTL 63.
    const V0_SYNACK: [u8; 72] = [
        0x45, 0x00, 0x00, 0x48, 0x00, 0x00, 0x40, 0x00, 0x3f, 0x06, 0x25, 0xaa, 0x0a, 0x01, 0x01,
        0x02, 0x0a, 0x02, 0x01, 0x02, 0x00, 0x16, 0x8c, 0x79, 0x07, 0x82, 0x2b, 0x7e, 0xad, 0x98,
        0x93, 0x5a, 0xd0, 0x12, 0x37, 0xc8, 0xec, 0x94, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
        0x02, 0x08, 0x0a, 0xff, 0xff, 0xa2, 0xeb, 0xff, 0xff, 0xa1, 0xb0, 0x01, 0x03, 0x03, 0x05,
        0x1e, 0x0c, 0x00, 0x81, 0x96, 0x7d, 0x27, 0x70, 0xb6, 0x96, 0x05, 0x52,
    ];

    #[test]
    fn finds_the_segment_and_its_options() {
        let mut padded = V0_SYNACK.to_vec();
        padded.extend_from_slice(&[0; 6]);
        let t = tcp_in_ip(&padded).unwrap();
        assert_eq!(t.ttl, 63);
        assert_eq!(t.src, IpAddr::V4([10, 1, 1, 2].into()));
        assert_eq!(t.segment.len(), 52);
        assert_eq!(t.options().len(), 32);
        assert_eq!(t.options()[20..22], [0x1e, 0x0c]);
    }

    #[test]
    fn refuses_what_holds_no_tcp_header() {
        let mut udp = V0_SYNACK;
        udp[9] = 17;
        assert_eq!(
            tcp_in_ip(&udp),
            Err(WireError::Protocol {
                expected: 6,
                found: 17
            })
        );
        let mut later = V0_SYNACK;
        later[7] = 1; // fragment offset 8 bytes
        assert!(matches!(
            tcp_in_ip(&later),
            Err(WireError::Truncated {
                layer: Layer::Tcp,
                ..
            })
        ));
        assert!(tcp_in_ip(&V0_SYNACK[..30]).is_err());
        assert!(tcp_in_ip(&[]).is_err());
    }
}
