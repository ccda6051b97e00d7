//! The tracebox method through C: parse an ICMP error and find its quote
//! (`mptcpscan_icmp_error_parse`), diff our packet against the quote as a list of changes
//! (`mptcpscan_quote_compare`) or as tracebox-style text tokens (`mptcpscan_quote_tokens`), and
//! name the hop of a path that first changed MP_CAPABLE (`mptcpscan_first_mptcp_change`).

use core::fmt::Write as _;

use core_lib::quote::{
    first_mptcp_change, Change, IpField, MptcpChange, MptcpHop, OptionField, PathChange, QuoteDiff,
    QuoteError, TcpField,
};
use core_lib::wire::icmp::{ErrorKind, IcmpError};
use core_lib::wire::Reach;

use crate::address::mptcpscan_address;
use crate::error::mptcpscan_result;
use crate::ffi::{self, guard, Out};
use crate::names::Names;

/// The most changes one diff lists: a `changes` array of this many entries always suffices.
pub const MPTCPSCAN_QUOTE_MAX_CHANGES: usize = 48;

/// What kind of ICMP error a message is, across ICMPv4 and ICMPv6.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_icmp_error_kind {
    /// TTL or hop limit exceeded (the answer of a router on the path), or reassembly timeout.
    TimeExceeded = 0,
    /// Destination, port or path unreachable (filtering included).
    DestinationUnreachable = 1,
    /// Parameter problem.
    ParameterProblem = 2,
    /// ICMPv6 packet too big.
    PacketTooBig = 3,
    /// ICMPv4 source quench.
    SourceQuench = 4,
    /// ICMPv4 redirect.
    Redirect = 5,
}

/// How far a quote reaches into the packet it quotes.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_reach {
    /// Less than the IP header.
    IpHeaderCut = 0,
    /// The IP header and none of the TCP header.
    IpHeader = 1,
    /// Part of the fixed TCP header (an RFC 792 quote has 8 bytes).
    TransportCut = 2,
    /// The fixed TCP header but not all its options.
    TcpFixedHeader = 3,
    /// The whole TCP header, options included (an RFC 1812 quote).
    TcpHeader = 4,
}

/// What one `mptcpscan_quote_change` describes.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_change_type {
    /// An IP header field (`field`: an `mptcpscan_ip_field`).
    Ip = 0,
    /// A TCP header field (`field`: an `mptcpscan_tcp_field`).
    Tcp = 1,
    /// `count` more options of kind `option_kind` in the quote than sent.
    OptionAdded = 2,
    /// `count` fewer options of kind `option_kind` in the quote than sent.
    OptionRemoved = 3,
    /// A field of an option both carry (`option_kind`; `field`: an `mptcpscan_option_field`).
    OptionChanged = 4,
    /// The quote's options do not walk (`error`: the `OPTION_*` code, `error_offset`).
    OptionsMalformed = 5,
    /// A change to our MP_CAPABLE (`field`: an `mptcpscan_mptcp_change`).
    Mptcp = 6,
}

/// An IP header field.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_ip_field {
    /// IPv4 header length.
    HeaderLength = 0,
    /// IPv4 DSCP.
    Dscp = 1,
    /// IPv4 ECN bits.
    Ecn = 2,
    /// IPv4 total length.
    TotalLength = 3,
    /// IPv4 identification.
    Ident = 4,
    /// IPv4 flags.
    Flags = 5,
    /// IPv4 fragment offset.
    FragmentOffset = 6,
    /// IPv4 protocol.
    Protocol = 7,
    /// IPv4 header checksum, beyond what the TTL change explains.
    Checksum = 8,
    /// IPv6 traffic class.
    TrafficClass = 9,
    /// IPv6 flow label.
    FlowLabel = 10,
    /// IPv6 payload length.
    PayloadLength = 11,
    /// IPv6 next header.
    NextHeader = 12,
    /// Source address (`sent_address`, `quoted_address`).
    Source = 13,
    /// Destination address (`sent_address`, `quoted_address`).
    Destination = 14,
}

/// A TCP header field.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_tcp_field {
    /// Source port.
    SrcPort = 0,
    /// Destination port.
    DstPort = 1,
    /// Sequence number.
    SeqNumber = 2,
    /// Acknowledgment number.
    AckNumber = 3,
    /// Data offset.
    DataOffset = 4,
    /// Reserved bits.
    Reserved = 5,
    /// Control bits.
    Flags = 6,
    /// Window.
    Window = 7,
    /// Checksum.
    Checksum = 8,
    /// Urgent pointer.
    UrgentPointer = 9,
}

/// A field inside an option both packets carry.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_option_field {
    /// MSS value.
    MaxSegSize = 0,
    /// Window scale shift.
    Shift = 1,
    /// Timestamp TSval.
    TsVal = 2,
    /// Timestamp TSecr.
    TsEcr = 3,
    /// The bytes of another option (`sent`/`quoted`: its length).
    Data = 4,
}

/// What happened to the MP_CAPABLE we sent (`sent`/`quoted` hold the values that changed).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_mptcp_change {
    /// Gone, its bytes not NOPs.
    Removed = 0,
    /// Overwritten with NOPs.
    ReplacedByNops = 1,
    /// An MP_CAPABLE in the quote where we sent none.
    Added = 2,
    /// The subtype nibble changed.
    SubtypeChanged = 3,
    /// The version nibble changed.
    VersionChanged = 4,
    /// The flags byte changed.
    FlagsChanged = 5,
    /// The option length changed.
    LengthChanged = 6,
    /// The v0 key was rewritten (`count`: how many of its 64 bits differ).
    KeyRewritten = 7,
}

/// What one hop did to our MP_CAPABLE, as far as its quote tells.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_mptcp_hop_kind {
    /// Nothing to tell (silent hop, quote too short, or no MP_CAPABLE sent).
    NoInformation = 0,
    /// Arrived byte for byte.
    Intact = 1,
    /// Removed.
    Removed = 2,
    /// Overwritten with NOPs.
    ReplacedByNops = 3,
    /// The key rewritten (`hamming` bits differ).
    KeyRewritten = 4,
    /// Subtype, version, flags or length changed.
    VersionOrFlagsChanged = 5,
    /// A partial quote whose IP length differs (`sent_len`, `quoted_len`): the option area grew or
    /// shrank before this hop.
    PartialLengthChanged = 6,
}

/// An ICMP error message: who sent it, what it says, and where its quote is.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_icmp_error {
    /// The router or host that sent the error (the outer source address).
    pub from: mptcpscan_address,
    /// Offset of the quoted packet (from its IP header) in the parsed packet.
    pub quote_offset: usize,
    /// Length of the quote, as the router kept it.
    pub quote_len: usize,
    /// An `mptcpscan_icmp_error_kind` value.
    pub kind: u8,
    /// The ICMP type as on the wire.
    pub icmp_type: u8,
    /// The ICMP code.
    pub code: u8,
    /// The TTL or hop limit the error arrived with.
    pub arrival_ttl: u8,
    /// Non-zero when the ICMP checksum verified.
    pub checksum_ok: u8,
}

/// What one hop did to our MP_CAPABLE.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_mptcp_hop {
    /// `PARTIAL_LENGTH_CHANGED`: the IP length sent (IPv4 total length, IPv6 payload length).
    pub sent_len: u16,
    /// `PARTIAL_LENGTH_CHANGED`: the IP length quoted.
    pub quoted_len: u16,
    /// An `mptcpscan_mptcp_hop_kind` value.
    pub kind: u8,
    /// `KEY_REWRITTEN`: how many of the key's 64 bits differ.
    pub hamming: u8,
}

impl mptcpscan_mptcp_hop {
    pub(crate) fn from_core(hop: MptcpHop) -> Self {
        let mut out = mptcpscan_mptcp_hop::default();
        out.kind = match hop {
            MptcpHop::NoInformation => mptcpscan_mptcp_hop_kind::NoInformation,
            MptcpHop::Intact => mptcpscan_mptcp_hop_kind::Intact,
            MptcpHop::Removed => mptcpscan_mptcp_hop_kind::Removed,
            MptcpHop::ReplacedByNops => mptcpscan_mptcp_hop_kind::ReplacedByNops,
            MptcpHop::KeyRewritten { hamming } => {
                out.hamming = hamming;
                mptcpscan_mptcp_hop_kind::KeyRewritten
            }
            MptcpHop::VersionOrFlagsChanged => mptcpscan_mptcp_hop_kind::VersionOrFlagsChanged,
            MptcpHop::PartialLengthChanged { sent, quoted } => {
                out.sent_len = sent;
                out.quoted_len = quoted;
                mptcpscan_mptcp_hop_kind::PartialLengthChanged
            }
        } as u8;
        out
    }

    pub(crate) fn to_core(self) -> Result<MptcpHop, mptcpscan_result> {
        Ok(match self.kind {
            0 => MptcpHop::NoInformation,
            1 => MptcpHop::Intact,
            2 => MptcpHop::Removed,
            3 => MptcpHop::ReplacedByNops,
            4 => MptcpHop::KeyRewritten {
                hamming: self.hamming,
            },
            5 => MptcpHop::VersionOrFlagsChanged,
            6 => MptcpHop::PartialLengthChanged {
                sent: self.sent_len,
                quoted: self.quoted_len,
            },
            _ => return Err(mptcpscan_result::InvalidArgument),
        })
    }
}

/// One difference between the sent packet and its quote.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_quote_change {
    /// The value sent (IP and TCP fields, option fields, MP_CAPABLE subtype, version, flags,
    /// length or key; an IPv4 address as a number).
    pub sent: u64,
    /// The value quoted.
    pub quoted: u64,
    /// IP `SOURCE`/`DESTINATION`: the address sent, network order (IPv4 in the first 4 bytes).
    pub sent_address: [u8; 16],
    /// IP `SOURCE`/`DESTINATION`: the address quoted.
    pub quoted_address: [u8; 16],
    /// `OPTIONS_MALFORMED`: the `OPTION_*` result code of the quote's option walk.
    pub error: u32,
    /// `OPTIONS_MALFORMED`: offset of the malformed option in the quote's option area.
    pub error_offset: u32,
    /// An `mptcpscan_change_type` value: which of the other fields matter.
    pub change: u8,
    /// The field: an `mptcpscan_ip_field`, `mptcpscan_tcp_field`, `mptcpscan_option_field` or
    /// `mptcpscan_mptcp_change` value, by `change`.
    pub field: u8,
    /// Option changes: the option kind.
    pub option_kind: u8,
    /// `OPTION_ADDED`/`OPTION_REMOVED`: how many; MPTCP `KEY_REWRITTEN`: differing key bits.
    pub count: u8,
}

fn ip_field(field: IpField) -> mptcpscan_ip_field {
    match field {
        IpField::HeaderLength => mptcpscan_ip_field::HeaderLength,
        IpField::Dscp => mptcpscan_ip_field::Dscp,
        IpField::Ecn => mptcpscan_ip_field::Ecn,
        IpField::TotalLength => mptcpscan_ip_field::TotalLength,
        IpField::Ident => mptcpscan_ip_field::Ident,
        IpField::Flags => mptcpscan_ip_field::Flags,
        IpField::FragmentOffset => mptcpscan_ip_field::FragmentOffset,
        IpField::Protocol => mptcpscan_ip_field::Protocol,
        IpField::Checksum => mptcpscan_ip_field::Checksum,
        IpField::TrafficClass => mptcpscan_ip_field::TrafficClass,
        IpField::FlowLabel => mptcpscan_ip_field::FlowLabel,
        IpField::PayloadLength => mptcpscan_ip_field::PayloadLength,
        IpField::NextHeader => mptcpscan_ip_field::NextHeader,
        IpField::Source => mptcpscan_ip_field::Source,
        IpField::Destination => mptcpscan_ip_field::Destination,
    }
}

fn tcp_field(field: TcpField) -> mptcpscan_tcp_field {
    match field {
        TcpField::SrcPort => mptcpscan_tcp_field::SrcPort,
        TcpField::DstPort => mptcpscan_tcp_field::DstPort,
        TcpField::SeqNumber => mptcpscan_tcp_field::SeqNumber,
        TcpField::AckNumber => mptcpscan_tcp_field::AckNumber,
        TcpField::DataOffset => mptcpscan_tcp_field::DataOffset,
        TcpField::Reserved => mptcpscan_tcp_field::Reserved,
        TcpField::Flags => mptcpscan_tcp_field::Flags,
        TcpField::Window => mptcpscan_tcp_field::Window,
        TcpField::Checksum => mptcpscan_tcp_field::Checksum,
        TcpField::UrgentPointer => mptcpscan_tcp_field::UrgentPointer,
    }
}

fn option_field(field: OptionField) -> mptcpscan_option_field {
    match field {
        OptionField::MaxSegSize => mptcpscan_option_field::MaxSegSize,
        OptionField::Shift => mptcpscan_option_field::Shift,
        OptionField::TsVal => mptcpscan_option_field::TsVal,
        OptionField::TsEcr => mptcpscan_option_field::TsEcr,
        OptionField::Data => mptcpscan_option_field::Data,
    }
}

/// A 32-bit (IPv4) or 128-bit (IPv6) address number as network-order bytes.
fn address_bytes(value: u128, v6: bool) -> [u8; 16] {
    let mut out = [0; 16];
    if v6 {
        out = value.to_be_bytes();
    } else {
        out[..4].copy_from_slice(&(value as u32).to_be_bytes());
    }
    out
}

impl mptcpscan_quote_change {
    fn from_core(change: &Change, v6: bool) -> Self {
        let mut out = mptcpscan_quote_change::default();
        match *change {
            Change::Ip {
                field,
                sent,
                quoted,
            } => {
                out.change = mptcpscan_change_type::Ip as u8;
                out.field = ip_field(field) as u8;
                out.sent = sent as u64;
                out.quoted = quoted as u64;
                if matches!(field, IpField::Source | IpField::Destination) {
                    out.sent_address = address_bytes(sent, v6);
                    out.quoted_address = address_bytes(quoted, v6);
                }
            }
            Change::Tcp {
                field,
                sent,
                quoted,
            } => {
                out.change = mptcpscan_change_type::Tcp as u8;
                out.field = tcp_field(field) as u8;
                out.sent = u64::from(sent);
                out.quoted = u64::from(quoted);
            }
            Change::OptionAdded { kind, count } => {
                out.change = mptcpscan_change_type::OptionAdded as u8;
                out.option_kind = kind;
                out.count = count;
            }
            Change::OptionRemoved { kind, count } => {
                out.change = mptcpscan_change_type::OptionRemoved as u8;
                out.option_kind = kind;
                out.count = count;
            }
            Change::OptionChanged {
                kind,
                field,
                sent,
                quoted,
            } => {
                out.change = mptcpscan_change_type::OptionChanged as u8;
                out.option_kind = kind;
                out.field = option_field(field) as u8;
                out.sent = sent;
                out.quoted = quoted;
            }
            Change::OptionsMalformed(e) => {
                out.change = mptcpscan_change_type::OptionsMalformed as u8;
                out.error = mptcpscan_result::from(e) as u32;
                out.error_offset = e.offset() as u32;
                out.option_kind = e.kind();
            }
            Change::Mptcp(c) => {
                out.change = mptcpscan_change_type::Mptcp as u8;
                let (kind, sent, quoted) = match c {
                    MptcpChange::Removed => (mptcpscan_mptcp_change::Removed, 0, 0),
                    MptcpChange::ReplacedByNops => (mptcpscan_mptcp_change::ReplacedByNops, 0, 0),
                    MptcpChange::Added => (mptcpscan_mptcp_change::Added, 0, 0),
                    MptcpChange::SubtypeChanged { sent, quoted } => {
                        (mptcpscan_mptcp_change::SubtypeChanged, sent, quoted)
                    }
                    MptcpChange::VersionChanged { sent, quoted } => {
                        (mptcpscan_mptcp_change::VersionChanged, sent, quoted)
                    }
                    MptcpChange::FlagsChanged { sent, quoted } => {
                        (mptcpscan_mptcp_change::FlagsChanged, sent, quoted)
                    }
                    MptcpChange::LengthChanged { sent, quoted } => {
                        (mptcpscan_mptcp_change::LengthChanged, sent, quoted)
                    }
                    MptcpChange::KeyRewritten {
                        sent,
                        quoted,
                        hamming,
                    } => {
                        out.sent = sent;
                        out.quoted = quoted;
                        out.count = hamming;
                        (mptcpscan_mptcp_change::KeyRewritten, 0, 0)
                    }
                };
                out.field = kind as u8;
                if !matches!(kind, mptcpscan_mptcp_change::KeyRewritten) {
                    out.sent = u64::from(sent);
                    out.quoted = u64::from(quoted);
                }
            }
        }
        out
    }
}

/// The summary of a diff (the changes themselves go to a separate array).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_quote_diff {
    /// What this hop did to our MP_CAPABLE.
    pub mptcp: mptcpscan_mptcp_hop,
    /// How many changes were written to the `changes` array.
    pub change_count: u32,
    /// How far the quote reaches: an `mptcpscan_reach` value.
    pub reach: u8,
    /// Non-zero for IPv6.
    pub is_v6: u8,
    /// Non-zero when the quote stops before the end of the TCP options (tracebox's `[PARTIAL]`).
    pub is_partial: u8,
    /// Non-zero when more than `MPTCPSCAN_QUOTE_MAX_CHANGES` changes were found.
    pub overflowed: u8,
    /// The TTL or hop limit sent (expected to differ from `ttl_quoted`; not a change).
    pub ttl_sent: u8,
    /// The TTL or hop limit quoted.
    pub ttl_quoted: u8,
    /// Non-zero when the IPv4 header checksum differs only as the TTL change makes it.
    pub ip_checksum_explained_by_ttl: u8,
}

/// The first hop of a path that changed our MP_CAPABLE.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_path_change {
    /// What that hop's quote shows.
    pub summary: mptcpscan_mptcp_hop,
    /// The hop (TTL, from 1) whose quote first shows the change.
    pub hop: u32,
    /// The last earlier hop whose quote showed the option intact (when `has_last_intact`): the
    /// change happened after it.
    pub last_intact: u32,
    /// Non-zero when `last_intact` is set.
    pub has_last_intact: u8,
}

impl mptcpscan_path_change {
    pub(crate) fn from_core(change: PathChange) -> Self {
        mptcpscan_path_change {
            summary: mptcpscan_mptcp_hop::from_core(change.summary),
            hop: change.hop as u32,
            last_intact: change.last_intact.unwrap_or(0) as u32,
            has_last_intact: u8::from(change.last_intact.is_some()),
        }
    }

    pub(crate) fn to_core(self) -> Result<PathChange, mptcpscan_result> {
        Ok(PathChange {
            hop: self.hop as usize,
            summary: self.summary.to_core()?,
            last_intact: (self.has_last_intact != 0).then_some(self.last_intact as usize),
        })
    }
}

impl From<QuoteError> for mptcpscan_result {
    fn from(e: QuoteError) -> Self {
        match e {
            QuoteError::Sent(_) => mptcpscan_result::QuoteSentInvalid,
            QuoteError::Quote(e) => e.into(),
            QuoteError::FamilyMismatch => mptcpscan_result::QuoteFamilyMismatch,
        }
    }
}

/// Parses an ICMPv4 or ICMPv6 error message received as a whole IP packet (no link layer).
///
/// Reads `packet_len` bytes at `packet`. On success writes the sender, type, code, kind,
/// checksum verdict, arrival TTL and the position of the quoted packet to `*error`: pass
/// `packet + quote_offset` and `quote_len` to `mptcpscan_quote_compare`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `WIRE_*` (not an IP packet, not ICMP, truncated),
/// `WIRE_NOT_AN_ERROR` (an ICMP message that quotes nothing, e.g. an echo reply).
#[no_mangle]
pub extern "C" fn mptcpscan_icmp_error_parse(
    packet: *const u8,
    packet_len: usize,
    error: *mut mptcpscan_icmp_error,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `packet` as `packet_len` readable bytes and `error` as
        // writable.
        let (packet, error) = unsafe { (ffi::bytes(packet, packet_len)?, Out::new(error)?) };
        let parsed = IcmpError::parse(packet)?;
        let offset = parsed.quote.as_ptr() as usize - packet.as_ptr() as usize;
        let mut from = mptcpscan_address::default();
        match parsed.from {
            core::net::IpAddr::V4(v4) => {
                from.family = crate::address::MPTCPSCAN_ADDRESS_FAMILY_IPV4;
                from.bytes[..4].copy_from_slice(&v4.octets());
            }
            core::net::IpAddr::V6(v6) => {
                from.family = crate::address::MPTCPSCAN_ADDRESS_FAMILY_IPV6;
                from.bytes = v6.octets();
            }
        }
        error.write(mptcpscan_icmp_error {
            from,
            quote_offset: offset,
            quote_len: parsed.quote.len(),
            kind: match parsed.kind {
                ErrorKind::TimeExceeded => mptcpscan_icmp_error_kind::TimeExceeded,
                ErrorKind::DestinationUnreachable => {
                    mptcpscan_icmp_error_kind::DestinationUnreachable
                }
                ErrorKind::ParameterProblem => mptcpscan_icmp_error_kind::ParameterProblem,
                ErrorKind::PacketTooBig => mptcpscan_icmp_error_kind::PacketTooBig,
                ErrorKind::SourceQuench => mptcpscan_icmp_error_kind::SourceQuench,
                ErrorKind::Redirect => mptcpscan_icmp_error_kind::Redirect,
            } as u8,
            icmp_type: parsed.icmp_type,
            code: parsed.code,
            arrival_ttl: parsed.arrival_ttl,
            checksum_ok: u8::from(parsed.checksum_ok),
        });
        Ok(())
    })
}

fn compare(
    sent: *const u8,
    sent_len: usize,
    quote: *const u8,
    quote_len: usize,
) -> Result<QuoteDiff, mptcpscan_result> {
    // SAFETY: the header documents `sent` and `quote` as readable byte ranges of these lengths.
    let (sent, quote) = unsafe { (ffi::bytes(sent, sent_len)?, ffi::bytes(quote, quote_len)?) };
    Ok(QuoteDiff::compare(sent, quote)?)
}

/// Compares the packet we sent with a router's quote of it, field by field (tracebox).
///
/// Reads `sent_len` bytes at `sent` (our packet from its IP header) and `quote_len` bytes at
/// `quote` (the quoted packet from its IP header, as `mptcpscan_icmp_error_parse` locates it). On
/// success writes the changes, in the order found (IP, TCP, options, MPTCP), to
/// `changes[0..diff->change_count]` and the summary to `*diff`. The TTL and a checksum the TTL
/// explains are expected and reported in the summary only: no change means the path changed
/// nothing.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT` (more changes than `capacity`;
/// `MPTCPSCAN_QUOTE_MAX_CHANGES` always suffices), `QUOTE_SENT_INVALID` (`sent` is not an
/// IPv4/IPv6 TCP packet), `QUOTE_FAMILY_MISMATCH`, `WIRE_*` (the quote cannot start an IP
/// packet).
#[no_mangle]
pub extern "C" fn mptcpscan_quote_compare(
    sent: *const u8,
    sent_len: usize,
    quote: *const u8,
    quote_len: usize,
    diff: *mut mptcpscan_quote_diff,
    changes: *mut mptcpscan_quote_change,
    capacity: usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `diff` as writable.
        let out = unsafe { Out::new(diff)? };
        if changes.is_null() {
            return Err(mptcpscan_result::NullParameter);
        }
        if !changes.is_aligned() {
            return Err(mptcpscan_result::Misaligned);
        }
        let diff = compare(sent, sent_len, quote, quote_len)?;
        let list = diff.changes().as_slice();
        if list.len() > capacity {
            return Err(mptcpscan_result::BufferTooShort);
        }
        for (i, change) in list.iter().enumerate() {
            let value = mptcpscan_quote_change::from_core(change, diff.is_v6());
            // SAFETY: `changes` is non-NULL and aligned, documented as `capacity` writable
            // structs, and `i < list.len() <= capacity`.
            unsafe { changes.add(i).write(value) };
        }
        let ttl = diff.ttl();
        out.write(mptcpscan_quote_diff {
            mptcp: mptcpscan_mptcp_hop::from_core(diff.mptcp()),
            change_count: list.len() as u32,
            reach: match diff.reach() {
                Reach::IpHeaderCut => mptcpscan_reach::IpHeaderCut,
                Reach::IpHeader => mptcpscan_reach::IpHeader,
                Reach::TransportCut => mptcpscan_reach::TransportCut,
                Reach::TcpFixedHeader => mptcpscan_reach::TcpFixedHeader,
                Reach::TcpHeader => mptcpscan_reach::TcpHeader,
            } as u8,
            is_v6: u8::from(diff.is_v6()),
            is_partial: u8::from(diff.is_partial()),
            overflowed: u8::from(diff.changes().overflowed()),
            ttl_sent: ttl.sent,
            ttl_quoted: ttl.quoted,
            ip_checksum_explained_by_ttl: u8::from(diff.ip_checksum_explained_by_ttl()),
        });
        Ok(())
    })
}

/// Writes the diff of a packet and its quote as tracebox prints it: space-separated tokens such
/// as `IP::TTL IP::CheckSum TCP::CheckSum -TCPOptionMPTCPCapable +TCPOptionPad [PARTIAL]`.
///
/// Reads the same inputs as `mptcpscan_quote_compare`. On success writes the NUL-terminated text
/// to the front of the `buf_len` bytes at `buf` and its length (without the NUL) to `*written`;
/// on error nothing is written.
///
/// Errors: as `mptcpscan_quote_compare`, and `BUFFER_TOO_SHORT` for the text (1024 bytes always
/// suffice).
#[no_mangle]
pub extern "C" fn mptcpscan_quote_tokens(
    sent: *const u8,
    sent_len: usize,
    quote: *const u8,
    quote_len: usize,
    buf: *mut core::ffi::c_char,
    buf_len: usize,
    written: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        if buf.is_null() {
            return Err(mptcpscan_result::NullParameter);
        }
        let diff = compare(sent, sent_len, quote, quote_len)?;
        // SAFETY: the header documents `buf` as `buf_len` writable bytes and `written` writable;
        // the inputs are no longer borrowed (`diff` owns its data), so they may even overlap.
        let (buf, written) = unsafe { (ffi::bytes_mut(buf.cast(), buf_len)?, Out::new(written)?) };
        let len = crate::text::write_c_string(buf, |text| {
            // Text never fails; overflow is reported by write_c_string.
            let _ = diff.write_tokens(text);
        })?;
        written.write(len);
        Ok(())
    })
}

/// Names what a hop did to our MP_CAPABLE: "intact", "removed", "replaced-by-nops",
/// "key-rewritten(12 bits)", "version-or-flags-changed", "partial-length-changed(72->68)",
/// "no-information".
///
/// Reads `*hop`. On success writes the NUL-terminated name to the front of the `buf_len` bytes at
/// `buf` and its length to `*written`; on error nothing is written.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`kind` out of range),
/// `BUFFER_TOO_SHORT` (64 bytes always suffice).
#[no_mangle]
pub extern "C" fn mptcpscan_mptcp_hop_format(
    hop: *const mptcpscan_mptcp_hop,
    buf: *mut core::ffi::c_char,
    buf_len: usize,
    written: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `hop` is documented readable and copied before the output is borrowed.
        let hop = unsafe { *ffi::input(hop)? }.to_core()?;
        // SAFETY: the header documents `buf` as `buf_len` writable bytes, `written` as writable.
        let (buf, written) = unsafe { (ffi::bytes_mut(buf.cast(), buf_len)?, Out::new(written)?) };
        let len = crate::text::write_c_string(buf, |text| {
            let _ = write!(text, "{hop}");
        })?;
        written.write(len);
        Ok(())
    })
}

/// Over a path, finds the first hop whose quote shows our MP_CAPABLE changed: a candidate is truly
/// MPTCP when only the server (the last hop) changes it, middlebox-affected when an earlier hop
/// does.
///
/// Reads `count` hop summaries at `hops` (`hops[i]` for TTL `i + 1`, `NO_INFORMATION` for a
/// silent hop). On success writes the first change to `*change`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (a `kind` out of range, or more
/// than 255 hops), `NOT_FOUND` (no hop shows a change).
#[no_mangle]
pub extern "C" fn mptcpscan_first_mptcp_change(
    hops: *const mptcpscan_mptcp_hop,
    count: usize,
    change: *mut mptcpscan_path_change,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `change` as writable.
        let change = unsafe { Out::new(change)? };
        if hops.is_null() {
            return Err(mptcpscan_result::NullParameter);
        }
        if !hops.is_aligned() {
            return Err(mptcpscan_result::Misaligned);
        }
        if count > usize::from(u8::MAX) {
            return Err(mptcpscan_result::InvalidArgument);
        }
        let mut path = [MptcpHop::NoInformation; 255];
        for (i, slot) in path.iter_mut().take(count).enumerate() {
            // SAFETY: `hops` is non-NULL and aligned, documented as `count` readable structs,
            // and `i < count`; the struct is copied out.
            *slot = unsafe { hops.add(i).read() }.to_core()?;
        }
        let first = first_mptcp_change(&path[..count]).ok_or(mptcpscan_result::NotFound)?;
        change.write(mptcpscan_path_change::from_core(first));
        Ok(())
    })
}

/// The hop kinds by `mptcpscan_mptcp_hop_kind` value, as the core names them.
const HOP_KINDS: [MptcpHop; 7] = [
    MptcpHop::NoInformation,
    MptcpHop::Intact,
    MptcpHop::Removed,
    MptcpHop::ReplacedByNops,
    MptcpHop::KeyRewritten { hamming: 0 },
    MptcpHop::VersionOrFlagsChanged,
    MptcpHop::PartialLengthChanged { sent: 0, quoted: 0 },
];

static HOP_KIND_NAMES: Names<7> = Names::new();
static REACH_NAMES: Names<5> = Names::new();

/// Names a hop kind without its details ("no-information", "intact", "removed",
/// "replaced-by-nops", "key-rewritten", "version-or-flags-changed", "partial-length-changed");
/// `mptcpscan_mptcp_hop_format` adds them.
///
/// Reads `kind` (an `mptcpscan_mptcp_hop_kind` value). On success writes a static NUL-terminated
/// string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`kind` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_mptcp_hop_kind_name(
    kind: u32,
    name: *mut *const core::ffi::c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        name.write(HOP_KIND_NAMES.get(kind, |i| HOP_KINDS[i].kind_name())?);
        Ok(())
    })
}

/// Names how far a quote reaches ("ip-header-cut", "ip-header", "transport-cut",
/// "tcp-fixed-header", "tcp-header").
///
/// Reads `reach` (an `mptcpscan_reach` value). On success writes a static NUL-terminated string
/// (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`reach` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_reach_name(
    reach: u32,
    name: *mut *const core::ffi::c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        name.write(REACH_NAMES.get(reach, |i| Reach::ALL[i].name())?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core_lib::quote::MAX_CHANGES;

    #[test]
    fn kinds_and_reaches_follow_the_core_order() {
        for (i, hop) in HOP_KINDS.iter().enumerate() {
            assert_eq!(mptcpscan_mptcp_hop::from_core(*hop).kind as usize, i);
        }
        let reaches = [
            mptcpscan_reach::IpHeaderCut,
            mptcpscan_reach::IpHeader,
            mptcpscan_reach::TransportCut,
            mptcpscan_reach::TcpFixedHeader,
            mptcpscan_reach::TcpHeader,
        ];
        for (ours, core) in reaches.into_iter().zip(Reach::ALL) {
            assert_eq!(ours as usize, core as usize);
        }
    }

    #[test]
    fn the_change_capacity_matches_the_core() {
        assert_eq!(MPTCPSCAN_QUOTE_MAX_CHANGES, MAX_CHANGES);
    }
}
