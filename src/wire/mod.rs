//! Zero-copy views of the headers a scanner sends and receives: IPv4, IPv6, TCP and ICMPv4/v6
//! (with the packet an error message quotes), plus the Internet checksum.
//!
//! Each view wraps any `T: AsRef<[u8]>` (and `AsMut<[u8]>` for its setters). `new_checked`
//! validates the lengths once, so that its getters cannot panic afterwards; `new_unchecked` is for
//! buffers the caller has just validated or written itself. Field offsets are named ranges in a
//! `field` module per header.
//!
//! ICMP quotes are often cut short (RFC 792 routers keep only 8 bytes of the transport header), so
//! [`quoted`] parses them laxly and says how far it got instead of failing.

pub mod checksum;
pub mod icmp;
pub mod ipv4;
pub mod ipv6;
pub mod quoted;
pub mod segment;
pub mod tcp;

use core::fmt;

pub use icmp::{Icmpv4Packet, Icmpv6Packet};
pub use ipv4::Ipv4Packet;
pub use ipv6::Ipv6Packet;
pub use quoted::{QuotedPacket, Reach};
pub use segment::{tcp_in_ip, IpTcp};
pub use tcp::{TcpFlags, TcpPacket};

/// Which header a [`WireError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// The IPv4 header.
    Ipv4,
    /// The IPv6 header.
    Ipv6,
    /// The TCP header.
    Tcp,
    /// The ICMPv4 header.
    Icmpv4,
    /// The ICMPv6 header.
    Icmpv6,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layer::Ipv4 => "IPv4",
            Layer::Ipv6 => "IPv6",
            Layer::Tcp => "TCP",
            Layer::Icmpv4 => "ICMPv4",
            Layer::Icmpv6 => "ICMPv6",
        })
    }
}

/// Why bytes are not a valid header of the expected kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireError {
    /// Fewer bytes than the header (or the length it claims) needs.
    Truncated {
        /// The header being read.
        layer: Layer,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// The IP version nibble is not the expected one.
    Version {
        /// The version the view reads.
        expected: u8,
        /// The version nibble found.
        found: u8,
    },
    /// A header length field (IPv4 IHL, TCP data offset) smaller than the fixed header.
    HeaderLength {
        /// The header being read.
        layer: Layer,
        /// The header length the field claims, in bytes.
        len: usize,
    },
    /// An IPv4 total length smaller than its own header length.
    TotalLength {
        /// The total length field.
        total: usize,
        /// The header length.
        header: usize,
    },
    /// The IP packet does not carry the protocol the caller asked for.
    Protocol {
        /// The protocol or next-header number expected.
        expected: u8,
        /// The protocol or next-header number found.
        found: u8,
    },
    /// An ICMP message that is not an error quoting a packet (echo, router advertisement, ...).
    NotAnError {
        /// The header being read.
        layer: Layer,
        /// The ICMP type.
        icmp_type: u8,
        /// The ICMP code.
        code: u8,
    },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            WireError::Truncated {
                layer,
                needed,
                available,
            } => write!(
                f,
                "{layer} truncated: need {needed} bytes, have {available}"
            ),
            WireError::Version { expected, found } => {
                write!(f, "IP version {found}, expected {expected}")
            }
            WireError::HeaderLength { layer, len } => {
                write!(
                    f,
                    "{layer} header length {len} is shorter than the fixed header"
                )
            }
            WireError::TotalLength { total, header } => write!(
                f,
                "IPv4 total length {total} is shorter than its header length {header}"
            ),
            WireError::Protocol { expected, found } => {
                write!(f, "IP protocol {found}, expected {expected}")
            }
            WireError::NotAnError {
                layer,
                icmp_type,
                code,
            } => write!(
                f,
                "{layer} type {icmp_type} code {code} is not an error message with a quote"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for WireError {}

/// Reads a big-endian `u16` at `at`; the caller has checked the length.
fn be16(data: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([data[at], data[at + 1]])
}

/// Reads a big-endian `u32` at `at`; the caller has checked the length.
fn be32(data: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}
