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
    /// The area must be well formed and carry an MP_CAPABLE of version 0 or 1 (the first one,
    /// if there are several): that is what a probe is.
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
        let version = Version::from_wire(packet.version())
            .ok_or(SentError::UnknownVersion(packet.version()))?;
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
    /// The MP_CAPABLE offers a version other than 0 and 1.
    UnknownVersion(u8),
}

impl fmt::Display for SentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SentError::Options(e) => write!(f, "probe options: {e}"),
            SentError::NoMpCapable => f.write_str("probe options carry no MP_CAPABLE"),
            SentError::MpCapable(e) => write!(f, "probe MP_CAPABLE: {e}"),
            SentError::UnknownVersion(v) => {
                write!(f, "probe MP_CAPABLE offers version {v}, not 0 or 1")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SentError {}

/// The TCP flag bits the classifier reads (RFC 9293 §3.1).
pub mod flags {
    /// FIN.
    pub const FIN: u8 = 0x01;
    /// SYN.
    pub const SYN: u8 = 0x02;
    /// RST.
    pub const RST: u8 = 0x04;
    /// ACK.
    pub const ACK: u8 = 0x10;
}

/// The fields of a reply the classifier reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reply<'a> {
    /// The TCP flags byte (byte 13 of the header; see [`flags`]).
    pub flags: u8,
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
