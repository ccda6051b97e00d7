//! What the tracker says about one segment: every check on its MPTCP options with its outcome and
//! why, the connection and subflow it belongs to, and what it changed ([`Events`]).
//!
//! A [`Findings`] is plain data without allocation, so a host can copy it into its own per-frame
//! cache (the tshark plugin does, for Wireshark's later passes).

use crate::classify::{Classification, SentError};
use crate::mptcp::{MptcpError, Version};
use crate::options::OptionError;
use crate::scope::AddressScope;

/// Most MPTCP options one TCP header can hold (40 bytes of options, 4 bytes at least each).
pub const MAX_OPTIONS: usize = 10;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// The value on the wire is the one the keys, nonces or payload give.
    Valid,
    /// It is not.
    Invalid,
    /// ADD_ADDR only: the leftmost 64 bits of the HMAC, as a pre-RFC draft had it (Linux 5.6 to
    /// 5.8).
    PreRfcTruncation,
    /// DSS only: the mapping goes on in later segments; the segment that completes it carries
    /// the verdict.
    SpansSegments,
    /// The capture lacks what the check needs.
    Unverifiable(Unverifiable),
}

impl Check {
    /// The status word both hosts print: valid, invalid, pre-rfc-truncation, spans-segments,
    /// unverifiable.
    pub const fn name(self) -> &'static str {
        match self {
            Check::Valid => "valid",
            Check::Invalid => "invalid",
            Check::PreRfcTruncation => "pre-rfc-truncation",
            Check::SpansSegments => "spans-segments",
            Check::Unverifiable(_) => "unverifiable",
        }
    }

    /// Why the check could not be made, when it could not.
    pub const fn unverifiable(self) -> Option<Unverifiable> {
        match self {
            Check::Unverifiable(why) => Some(why),
            _ => None,
        }
    }
}

/// Why a check could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unverifiable {
    /// The option's subflow belongs to no connection of the capture.
    NoConnection,
    /// A key the check needs was not in the capture (handshake not captured).
    KeysUnknown,
    /// MP_JOIN: a nonce of the subflow's handshake was not captured.
    NoncesUnknown,
    /// DSS with a 4-byte DSN and neither the sender's key nor an earlier DSN to extend it.
    DsnUnknown,
    /// The payload was cut by the capture's snap length.
    PayloadNotCaptured,
    /// The mapping does not start with this segment (its SSN is not this segment's).
    NotMappingStart,
    /// The payload length fits neither the mapping nor a mapping spread over segments.
    LengthMismatch,
    /// A mapping spread over segments met a gap, a retransmission or more data than it maps.
    BrokenSpan,
}

impl Unverifiable {
    /// A short phrase for reports.
    pub const fn name(self) -> &'static str {
        match self {
            Unverifiable::NoConnection => "no connection",
            Unverifiable::KeysUnknown => "keys unknown",
            Unverifiable::NoncesUnknown => "nonces unknown",
            Unverifiable::DsnUnknown => "DSN unknown",
            Unverifiable::PayloadNotCaptured => "payload not captured",
            Unverifiable::NotMappingStart => "not the mapping's first segment",
            Unverifiable::LengthMismatch => "payload length differs from the mapping",
            Unverifiable::BrokenSpan => "gap in a mapping over several segments",
        }
    }
}

/// A key announced in MP_CAPABLE with what derives from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyFinding {
    /// The key.
    pub key: u64,
    /// Its token.
    pub token: u32,
    /// Its initial data sequence number.
    pub idsn: u64,
}

/// An MP_JOIN SYN's token, looked up among the capture's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinToken {
    /// No connection of the capture has this token.
    Unknown,
    /// The token of this connection.
    Known {
        /// The connection's id.
        connection: u64,
        /// The connection's first frame.
        first_frame: u64,
    },
}

/// The checks on one MPTCP option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionFinding {
    /// Where the option starts in the TCP option area.
    pub offset: u8,
    /// Its length (kind and length bytes included).
    pub len: u8,
    /// The subtype nibble, when the option has a subtype byte.
    pub subtype: Option<u8>,
    /// The version the option was decoded with (the connection's).
    pub version: Version,
    /// Why it does not decode, when it does not.
    pub error: Option<MptcpError>,
    /// MP_CAPABLE: the keys it announces (sender's first) with token and IDSN.
    pub keys: [Option<KeyFinding>; 2],
    /// MP_JOIN SYN: whose token it is.
    pub join_token: Option<JoinToken>,
    /// MP_JOIN SYN-ACK and ACK: the HMAC; ADD_ADDR: its HMAC, when it carries one.
    pub hmac: Option<Check>,
    /// DSS and MP_CAPABLE with data: the DSS checksum, when the option carries one.
    pub dss_checksum: Option<Check>,
    /// The checksum the mapping and payload give, when computed.
    pub dss_computed: Option<u16>,
    /// MP_FASTCLOSE: whether the key is the receiver's.
    pub fastclose_key: Option<Check>,
    /// ADD_ADDR: the advertised address's scope.
    pub scope: Option<AddressScope>,
}

impl OptionFinding {
    pub(crate) const fn new(offset: u8, len: u8, subtype: Option<u8>, version: Version) -> Self {
        OptionFinding {
            offset,
            len,
            subtype,
            version,
            error: None,
            keys: [None; 2],
            join_token: None,
            hmac: None,
            dss_checksum: None,
            dss_computed: None,
            fastclose_key: None,
            scope: None,
        }
    }
}

/// A SYN-ACK (or reset) answering an MP_CAPABLE SYN, classified like a scan reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Handshake {
    /// The SYN's frame.
    pub syn_frame: u64,
    /// The classification, or why the SYN does not describe a probe.
    pub result: Result<Classification, SentError>,
}

/// A segment whose payload continues a checksummed mapping announced by an earlier segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Continuation {
    /// The frame whose DSS announced the mapping.
    pub mapping_frame: u64,
    /// [`Check::SpansSegments`] until the mapping is complete, then its checksum's outcome.
    pub checksum: Check,
    /// The checksum computed over the whole mapping, with the outcome.
    pub computed: Option<u16>,
}

/// Where a segment's payload sits in its connection's data sequence space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Placement {
    /// Connection direction (0: client → server).
    pub direction: u8,
    /// 64-bit data sequence number of the first payload byte.
    pub dsn: u64,
    /// Payload bytes inside the mapping.
    pub len: u32,
}

bitflags::bitflags! {
    /// What a segment changed in the tracking state.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct Events: u16 {
        /// A new subflow (an MPTCP SYN, or MPTCP traffic on an unknown 4-tuple).
        const SUBFLOW_OPENED = 1 << 0;
        /// A new connection.
        const CONNECTION_OPENED = 1 << 1;
        /// The subflow's handshake completed with MPTCP.
        const SUBFLOW_ESTABLISHED = 1 << 2;
        /// The subflow's handshake failed.
        const SUBFLOW_FAILED = 1 << 3;
        /// An MP_JOIN subflow was attached to its connection.
        const JOINED = 1 << 4;
        /// An MP_CAPABLE SYN was answered without MPTCP: the flow is plain TCP.
        const FALLBACK = 1 << 5;
        /// DATA_FIN.
        const DATA_FIN = 1 << 6;
        /// MP_FAIL.
        const MP_FAIL = 1 << 7;
        /// MP_FASTCLOSE.
        const FASTCLOSE = 1 << 8;
        /// MP_TCPRST.
        const MP_TCPRST = 1 << 9;
        /// A DSS checksum did not verify.
        const BAD_CHECKSUM = 1 << 10;
    }
}

/// Everything the tracker found in one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Findings {
    /// The segment belongs to an MPTCP subflow being tracked.
    pub tracked: bool,
    /// The connection's id.
    pub connection: Option<u64>,
    /// The subflow's place in its connection (0: the initial subflow, then joins in order).
    pub subflow: Option<u16>,
    /// The answer to an MP_CAPABLE SYN, classified.
    pub handshake: Option<Handshake>,
    /// The payload continues a mapping announced earlier.
    pub continuation: Option<Continuation>,
    /// Where the payload sits in the data sequence space, through the recent DSS mappings.
    pub placement: Option<Placement>,
    /// What changed.
    pub events: Events,
    /// The TCP option area does not walk (the options before the damage are checked).
    pub options_error: Option<OptionError>,
    options: [OptionFinding; MAX_OPTIONS],
    count: u8,
}

impl Default for Findings {
    fn default() -> Self {
        Findings::new()
    }
}

impl Findings {
    /// Nothing found.
    pub const fn new() -> Findings {
        Findings {
            tracked: false,
            connection: None,
            subflow: None,
            handshake: None,
            continuation: None,
            placement: None,
            events: Events::empty(),
            options_error: None,
            options: [OptionFinding::new(0, 0, None, Version::V1); MAX_OPTIONS],
            count: 0,
        }
    }

    /// Back to nothing found (the option slots past the count are left as they are).
    pub(crate) fn clear(&mut self) {
        self.tracked = false;
        self.connection = None;
        self.subflow = None;
        self.handshake = None;
        self.continuation = None;
        self.placement = None;
        self.events = Events::empty();
        self.options_error = None;
        self.count = 0;
    }

    /// The MPTCP options, in the segment's order, with their checks.
    pub fn options(&self) -> &[OptionFinding] {
        self.options.get(..usize::from(self.count)).unwrap_or(&[])
    }

    pub(crate) fn option_mut(&mut self, index: usize) -> Option<&mut OptionFinding> {
        self.options
            .get_mut(..usize::from(self.count))
            .and_then(|o| o.get_mut(index))
    }

    /// Adds an option; false when the header already gave [`MAX_OPTIONS`].
    pub(crate) fn push(&mut self, finding: OptionFinding) -> bool {
        match self.options.get_mut(usize::from(self.count)) {
            Some(slot) => {
                *slot = finding;
                self.count += 1;
                true
            }
            None => false,
        }
    }

    /// Whether anything is worth showing for this segment.
    pub fn is_empty(&self) -> bool {
        self.count == 0 && self.handshake.is_none() && self.continuation.is_none()
    }
}
