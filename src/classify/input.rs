//! What the classifier compares: the SYN we sent ([`Sent`]) and the packet that came back
//! ([`Reply`]).
//!
//! Both are plain structs of header fields and borrowed option bytes, so a caller can fill them
//! field by field from whatever parsed the packet (ZMap's `process_packet`, the C ABI) or let
//! the helpers here read them from raw bytes. Nothing is copied or allocated.

use core::fmt;

use crate::mptcp::capable;
use crate::mptcp::{subtype, MptcpError, Version};
use crate::options::{OptionError, Options, TcpOption};
use crate::wire::{tcp, TcpFlags, TcpPacket, WireError};

/// The SYN a reply answers: its option block and the values a mirror would bring back.
///
/// A scan sends the same option block to every target (only a v0 key could differ, and the
/// studies kept it fixed), so [`Sent::from_options`] runs once per scan and only `seq` changes
/// per probe ([`Sent::with_seq`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sent<'a> {
    /// The SYN's whole TCP option area, padding included.
    pub options: &'a [u8],
    /// The SYN's MP_CAPABLE option, whole (kind and length bytes included).
    pub mp_capable: &'a [u8],
    /// The MPTCP version offered.
    pub version: Version,
    /// Our key: present in a v0 SYN, absent in a v1 SYN.
    pub key: Option<u64>,
    /// The MSS option's value, if the SYN had one.
    pub mss: Option<u16>,
    /// The window scale shift, if the SYN had one.
    pub window_scale: Option<u8>,
    /// The timestamps option's TSval, if the SYN had one.
    pub tsval: Option<u32>,
    /// The SYN's receive window, if the caller wants window echoes reported.
    pub window: Option<u16>,
    /// The SYN's sequence number (a reply to it acknowledges `seq + 1`).
    pub seq: u32,
}

impl<'a> Sent<'a> {
    /// Describes a SYN from its option area and sequence number, in one walk of the options.
    ///
    /// The area must be well formed and carry an MP_CAPABLE (the first one, if there are
    /// several): that is what a probe is.
    pub fn from_options(options: &'a [u8], seq: u32) -> Result<Sent<'a>, SentError> {
        let mut mp_capable = None;
        let (mut mss, mut window_scale, mut tsval) = (None, None, None);
        for item in Options::new(options) {
            match item.map_err(SentError::Options)?.1 {
                TcpOption::MaxSegmentSize(value) => mss = Some(value),
                TcpOption::WindowScale(shift) => window_scale = Some(shift),
                TcpOption::Timestamp { tsval: value, .. } => tsval = Some(value),
                TcpOption::Mptcp(bytes)
                    if mp_capable.is_none() && subtype_of(bytes) == Some(subtype::MP_CAPABLE) =>
                {
                    mp_capable = Some(bytes)
                }
                _ => {}
            }
        }
        let mp_capable = mp_capable.ok_or(SentError::NoMpCapable)?;
        let packet = capable::Packet::new_checked(mp_capable).map_err(SentError::MpCapable)?;
        // A later version than this crate knows is taken as v1: RFC 8684 §3.1 has a host answer
        // an offer it does not speak with its own highest version, so the answers to compare
        // with are those to a v1 offer (and a v2 SYN's answer still has its key read).
        let version = Version::from_wire(packet.version()).unwrap_or(Version::V1);
        Ok(Sent {
            options,
            mp_capable,
            version,
            key: packet.sender_key(),
            mss,
            window_scale,
            tsval,
            window: None,
            seq,
        })
    }

    /// The same SYN with another sequence number (the per-probe field).
    pub fn with_seq(self, seq: u32) -> Sent<'a> {
        Sent { seq, ..self }
    }

    /// The same SYN, with its receive window recorded so that echoes of it are reported.
    pub fn with_window(self, window: u16) -> Sent<'a> {
        Sent {
            window: Some(window),
            ..self
        }
    }
}

/// The subtype nibble of one whole MPTCP option, if it has a subtype byte.
pub(crate) fn subtype_of(option: &[u8]) -> Option<u8> {
    option
        .get(crate::mptcp::field::SUBTYPE)
        .map(|byte| byte >> 4)
}

/// Why an option area does not describe an MPTCP probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SentError {
    /// The option area does not walk.
    Options(OptionError),
    /// The option area has no MP_CAPABLE.
    NoMpCapable,
    /// The MP_CAPABLE does not parse.
    MpCapable(MptcpError),
}

impl fmt::Display for SentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SentError::Options(e) => write!(f, "probe options: {e}"),
            SentError::NoMpCapable => f.write_str("probe options carry no MP_CAPABLE"),
            SentError::MpCapable(e) => write!(f, "probe MP_CAPABLE: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SentError {}

/// The fields of a reply the classifier reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reply<'a> {
    /// The TCP flags.
    pub flags: TcpFlags,
    /// The reply's sequence number.
    pub seq: u32,
    /// The reply's acknowledgment number.
    pub ack: u32,
    /// The reply's window.
    pub window: u16,
    /// The reply's TCP option area (between the fixed header and the payload).
    pub options: &'a [u8],
    /// The IP TTL or hop limit it arrived with, if known.
    pub ttl: Option<u8>,
}

impl<'a> Reply<'a> {
    /// Reads a reply from a TCP segment (header and options; the payload is ignored) and the TTL
    /// or hop limit of the IP packet that carried it.
    pub fn from_tcp(segment: &'a [u8], ttl: Option<u8>) -> Result<Reply<'a>, WireError> {
        let packet = TcpPacket::new_checked(segment)?;
        Ok(Reply {
            flags: packet.flags(),
            seq: packet.seq_number(),
            ack: packet.ack_number(),
            window: packet.window_len(),
            options: segment
                .get(tcp::HEADER_LEN..packet.header_len())
                .unwrap_or_default(),
            ttl,
        })
    }

    /// Reads a reply from a whole IPv4 or IPv6 packet carrying TCP directly (no IPv6 extension
    /// headers: a SYN-ACK does not carry them). Trailing bytes after the datagram, such as
    /// Ethernet padding, are ignored.
    pub fn from_ip(packet: &'a [u8]) -> Result<Reply<'a>, WireError> {
        let ip = crate::wire::tcp_in_ip(packet)?;
        Reply::from_tcp(ip.segment, Some(ip.ttl))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::verdict::tests::{hex, LINUX_V1_SYN, STUDY_PROBE};

    /// Frame 2 of captures/tcpdump/mptcp-v0.pcap from the IPv4 header on: the out-of-tree
    /// kernel's v0 SYN-ACK, TTL 63.
    const V0_SYNACK_IPV4: &str = "45000048000040003f0625aa0a0101020a02010200168c7907822b7ead98935ad01237c8ec940000020405b40402080affffa2ebffffa1b0010303051e0c0081967d2770b6960552";

    #[test]
    fn describes_the_study_probe() {
        let block = hex(STUDY_PROBE);
        let sent = Sent::from_options(&block, 7).unwrap();
        assert_eq!(sent.version, Version::V0);
        assert_eq!(sent.key, Some(0x0c0c_0c0c_0c0c_0c0c));
        assert_eq!(sent.mp_capable, &block[20..]);
        assert_eq!(
            (sent.mss, sent.window_scale, sent.tsval),
            (Some(1), Some(0), Some(0x0f0f_0f01))
        );
        assert_eq!((sent.window, sent.seq), (None, 7));
        let sent = sent.with_seq(9).with_window(1024);
        assert_eq!((sent.window, sent.seq), (Some(1024), 9));
    }

    #[test]
    fn describes_a_v1_probe() {
        let block = hex(LINUX_V1_SYN);
        let sent = Sent::from_options(&block, 0).unwrap();
        assert_eq!((sent.version, sent.key), (Version::V1, None));
        assert_eq!(sent.mp_capable, &[0x1e, 0x04, 0x01, 0x01]);
        assert_eq!(sent.window_scale, Some(8));
    }

    #[test]
    fn rejects_what_is_not_a_probe() {
        // An MP_JOIN SYN (frame 8 of mptcp-v0.pcap) is not an MP_CAPABLE probe.
        let join = hex("020405b40402080affffa1c000000000010303061e0c1000e47f01421b665a18");
        assert_eq!(Sent::from_options(&join, 0), Err(SentError::NoMpCapable));
        assert_eq!(
            Sent::from_options(&[0x02, 0x04, 0x05], 0),
            Err(SentError::Options(OptionError::Truncated {
                offset: 0,
                kind: 2,
                len: 4,
                available: 3
            }))
        );
        assert!(matches!(
            Sent::from_options(&[0x1e, 0x05, 0x00, 0x81, 0x00], 0),
            Err(SentError::MpCapable(_))
        ));
        // A version after v1 is answered as a v1 offer would be.
        assert_eq!(
            Sent::from_options(&[0x1e, 0x04, 0x02, 0x01], 0).map(|s| s.version),
            Ok(Version::V1)
        );
    }

    #[test]
    fn reads_an_ipv4_reply() {
        let packet = hex(V0_SYNACK_IPV4);
        let reply = Reply::from_ip(&packet).unwrap();
        assert_eq!(reply.flags, TcpFlags::SYN | TcpFlags::ACK);
        assert_eq!((reply.seq, reply.ack), (125_971_326, 2_912_457_562));
        assert_eq!(reply.window, 14_280);
        assert_eq!(reply.ttl, Some(63));
        assert_eq!(reply.options, &packet[40..]);
        // Ethernet padding after the datagram is not part of it.
        let mut padded = packet.clone();
        padded.extend_from_slice(&[0; 6]);
        assert_eq!(Reply::from_ip(&padded).unwrap(), reply);
        assert_eq!(Reply::from_tcp(&packet[20..], None).unwrap().ttl, None);
    }

    #[test]
    fn reads_an_ipv6_reply() {
        let v4 = hex(V0_SYNACK_IPV4);
        let segment = &v4[20..];
        let mut packet = hex("6000000000340640");
        packet.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        packet.extend_from_slice(&[0; 12]);
        packet.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        packet.extend_from_slice(&[0; 11]);
        packet.push(1);
        packet.extend_from_slice(segment);
        let reply = Reply::from_ip(&packet).unwrap();
        assert_eq!(reply.ttl, Some(0x40));
        assert_eq!(reply.options, &segment[20..]);
        assert_eq!(reply.ack, 2_912_457_562);
    }

    #[test]
    fn rejects_what_is_not_a_tcp_reply() {
        let mut packet = hex(V0_SYNACK_IPV4);
        packet[9] = 17;
        assert_eq!(
            Reply::from_ip(&packet),
            Err(WireError::Protocol {
                expected: 6,
                found: 17
            })
        );
        let packet = hex(V0_SYNACK_IPV4);
        assert!(matches!(
            Reply::from_ip(&packet[..50]),
            Err(WireError::Truncated { .. })
        ));
        assert!(Reply::from_ip(&[]).is_err());
        assert!(Reply::from_ip(&[0x50; 60]).is_err());
        // A data offset pointing past the segment.
        let mut packet = hex(V0_SYNACK_IPV4);
        packet[32] = 0xf0;
        assert!(matches!(
            Reply::from_ip(&packet),
            Err(WireError::Truncated { .. })
        ));
    }

    quickcheck::quickcheck! {
        fn reading_random_packets_never_panics(bytes: std::vec::Vec<u8>) -> bool {
            match Reply::from_ip(&bytes) {
                Ok(reply) => reply.options.len() <= 40,
                Err(_) => true,
            }
        }
    }
}
