//! Link layers: from a captured frame to the IP packet inside it.
//!
//! Covers what MPTCP captures come in: Ethernet (with 802.1Q/802.1ad tags), raw IP, Linux cooked
//! captures v1 and v2 (`tcpdump -i any`), PPP, and the BSD/Linux loopback headers.

/// LINKTYPE_* values (tcpdump.org link-layer header types) that [`network_layer`] understands.
pub mod link_type {
    /// BSD loopback: a 4-byte address family in the writer's byte order.
    pub const NULL: u32 = 0;
    /// Ethernet II.
    pub const ETHERNET: u32 = 1;
    /// PPP (RFC 1661), with or without the HDLC address and control bytes.
    pub const PPP: u32 = 9;
    /// Raw IP as some BSDs numbered it.
    pub const RAW_BSD: u32 = 12;
    /// Raw IP as OpenBSD numbered it.
    pub const RAW_OPENBSD: u32 = 14;
    /// Raw IP, version from the first nibble.
    pub const RAW: u32 = 101;
    /// OpenBSD loopback: the address family in network byte order.
    pub const LOOP: u32 = 108;
    /// Linux cooked capture v1 (16-byte header).
    pub const LINUX_SLL: u32 = 113;
    /// Raw IPv4.
    pub const IPV4: u32 = 228;
    /// Raw IPv6.
    pub const IPV6: u32 = 229;
    /// Linux cooked capture v2 (20-byte header).
    pub const LINUX_SLL2: u32 = 276;
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;

/// The network-layer packet found in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network<'a> {
    /// An IPv4 packet (from its header on).
    Ipv4(&'a [u8]),
    /// An IPv6 packet (from its header on).
    Ipv6(&'a [u8]),
    /// Something else (ARP, another protocol): not analysed.
    Other,
}

/// Why a frame could not be taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// The capture's link type is not one this reader knows.
    UnsupportedLinkType(u32),
    /// The frame is shorter than its link-layer header.
    Short {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes captured.
        found: usize,
    },
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::UnsupportedLinkType(t) => write!(f, "unsupported link-layer type {t}"),
            LinkError::Short { needed, found } => write!(
                f,
                "frame of {found} bytes is shorter than its {needed}-byte link-layer header"
            ),
        }
    }
}

/// Strips the link-layer header of a frame of `link_type`.
pub fn network_layer(link_type: u32, frame: &[u8]) -> Result<Network<'_>, LinkError> {
    match link_type {
        link_type::ETHERNET => ethernet(frame),
        link_type::RAW | link_type::RAW_BSD | link_type::RAW_OPENBSD => Ok(by_version(frame)),
        link_type::IPV4 => Ok(Network::Ipv4(frame)),
        link_type::IPV6 => Ok(Network::Ipv6(frame)),
        link_type::LINUX_SLL => {
            let header = need(frame, 16)?;
            Ok(by_ethertype(be16(&header[14..16]), &frame[16..]))
        }
        link_type::LINUX_SLL2 => {
            let header = need(frame, 20)?;
            Ok(by_ethertype(be16(&header[0..2]), &frame[20..]))
        }
        link_type::PPP => ppp(frame),
        link_type::NULL | link_type::LOOP => {
            let header = need(frame, 4)?;
            let family = if link_type == link_type::LOOP {
                u32::from_be_bytes([header[0], header[1], header[2], header[3]])
            } else {
                // Written in the capturing host's byte order: the family fits the low byte.
                let le = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
                if le < 256 {
                    le
                } else {
                    le.swap_bytes()
                }
            };
            Ok(match family {
                2 => Network::Ipv4(&frame[4..]),
                // AF_INET6 on the BSDs, macOS and Linux.
                10 | 24 | 28 | 30 => Network::Ipv6(&frame[4..]),
                _ => Network::Other,
            })
        }
        other => Err(LinkError::UnsupportedLinkType(other)),
    }
}

fn ethernet(frame: &[u8]) -> Result<Network<'_>, LinkError> {
    let mut at = 12;
    loop {
        let ethertype = be16(need(frame, at + 2)?.get(at..).unwrap_or(&[0, 0]));
        if ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ {
            at += 4;
            continue;
        }
        return Ok(by_ethertype(ethertype, &frame[at + 2..]));
    }
}

fn ppp(frame: &[u8]) -> Result<Network<'_>, LinkError> {
    // The HDLC address (0xff) and control (0x03) bytes are optional.
    let frame = match frame {
        [0xff, 0x03, rest @ ..] => rest,
        _ => frame,
    };
    // Protocol-field compression leaves a single odd byte.
    let (protocol, rest) = match frame {
        [first, rest @ ..] if first & 1 == 1 => (u16::from(*first), rest),
        [high, low, rest @ ..] => (u16::from_be_bytes([*high, *low]), rest),
        _ => {
            return Err(LinkError::Short {
                needed: 2,
                found: frame.len(),
            })
        }
    };
    Ok(match protocol {
        PPP_IPV4 => Network::Ipv4(rest),
        PPP_IPV6 => Network::Ipv6(rest),
        _ => Network::Other,
    })
}

fn by_ethertype(ethertype: u16, payload: &[u8]) -> Network<'_> {
    match ethertype {
        ETHERTYPE_IPV4 => Network::Ipv4(payload),
        ETHERTYPE_IPV6 => Network::Ipv6(payload),
        _ => Network::Other,
    }
}

fn by_version(packet: &[u8]) -> Network<'_> {
    match packet.first().map(|b| b >> 4) {
        Some(4) => Network::Ipv4(packet),
        Some(6) => Network::Ipv6(packet),
        _ => Network::Other,
    }
}

fn need(frame: &[u8], needed: usize) -> Result<&[u8], LinkError> {
    if frame.len() < needed {
        Err(LinkError::Short {
            needed,
            found: frame.len(),
        })
    } else {
        Ok(frame)
    }
}

fn be16(bytes: &[u8]) -> u16 {
    u16::from_be_bytes([bytes[0], bytes[1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethernet_with_a_vlan_tag() {
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x81, 0x00, 0x00, 0x05, 0x86, 0xdd, 0x60, 0x00]);
        assert_eq!(
            network_layer(link_type::ETHERNET, &frame),
            Ok(Network::Ipv6(&[0x60, 0x00][..]))
        );
        assert_eq!(
            network_layer(link_type::ETHERNET, &frame[..15]),
            Err(LinkError::Short {
                needed: 18,
                found: 15
            })
        );
    }

    #[test]
    fn linux_cooked_v1_and_v2() {
        let mut sll = vec![0u8; 14];
        sll.extend_from_slice(&[0x08, 0x00, 0x45]);
        assert_eq!(
            network_layer(link_type::LINUX_SLL, &sll),
            Ok(Network::Ipv4(&[0x45][..]))
        );
        let mut sll2 = vec![0x86, 0xdd];
        sll2.extend_from_slice(&[0u8; 18]);
        sll2.push(0x60);
        assert_eq!(
            network_layer(link_type::LINUX_SLL2, &sll2),
            Ok(Network::Ipv6(&[0x60][..]))
        );
    }

    #[test]
    fn ppp_with_and_without_hdlc_bytes() {
        assert_eq!(
            network_layer(link_type::PPP, &[0x00, 0x57, 0x60]),
            Ok(Network::Ipv6(&[0x60][..]))
        );
        assert_eq!(
            network_layer(link_type::PPP, &[0xff, 0x03, 0x00, 0x21, 0x45]),
            Ok(Network::Ipv4(&[0x45][..]))
        );
        assert_eq!(
            network_layer(link_type::PPP, &[0xc0, 0x21, 1]),
            Ok(Network::Other)
        );
    }

    #[test]
    fn raw_and_loopback() {
        assert_eq!(
            network_layer(link_type::RAW, &[0x45]),
            Ok(Network::Ipv4(&[0x45][..]))
        );
        assert_eq!(network_layer(link_type::RAW, &[0x12]), Ok(Network::Other));
        assert_eq!(
            network_layer(link_type::NULL, &[2, 0, 0, 0, 0x45]),
            Ok(Network::Ipv4(&[0x45][..]))
        );
        assert_eq!(
            network_layer(link_type::LOOP, &[0, 0, 0, 24, 0x60]),
            Ok(Network::Ipv6(&[0x60][..]))
        );
        assert_eq!(
            network_layer(147, &[]),
            Err(LinkError::UnsupportedLinkType(147))
        );
    }
}
