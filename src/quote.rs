//! The tracebox method: compare the packet we sent with the copy a router quoted in an ICMPv4
//! time-exceeded or ICMPv6 hop-limit-exceeded, field by field, to see what the path changed
//! before that router.
//!
//! [`QuoteDiff::compare`] lists the changes as [`Change`] values in a fixed-capacity list (no
//! allocation) and writes them as tracebox-style tokens (`IP::CheckSum`, `TCP::SeqNumber`,
//! `-TCPOptionMPTCPCapable`, `+TCPOptionPad`, `[PARTIAL]`, ...; the field names are those of
//! libcrafter, which tracebox prints). A quote cut short (RFC 792: IP header and 8 bytes of TCP) is
//! marked partial and only what it holds is compared.
//!
//! The TTL (hop limit) of a quote is expected to differ, and so is an IPv4 header checksum that
//! the TTL change alone explains: both are reported beside the change list, not in it, so an
//! empty list means the path changed nothing. [`MptcpHop`] sums up what one hop did to the
//! MP_CAPABLE option, and [`first_mptcp_change`] names the first hop of a path that changed it.
//!
//! ```
//! use mptcpscan::quote::{MptcpHop, QuoteDiff};
//! # use mptcpscan::probe::{Companions, Ipv4Target, Offer, ProbeSpec, SynTemplateV4};
//! # let spec = ProbeSpec::new(Offer::V1, Companions::Minimal);
//! # let template = SynTemplateV4::from_spec(&spec).unwrap();
//! # let mut sent = vec![0u8; template.len()];
//! # let target = Ipv4Target { src: [198, 18, 0, 2].into(), dst: [198, 19, 0, 7].into(),
//! #     src_port: 40000, dst_port: 80, seq: 1, ip_id: 1, ttl: 3 };
//! # template.write(&mut sent, &target).unwrap();
//! // `sent` is our SYN (TTL 3, MP_CAPABLE in its last 4 bytes); a middlebox overwrote the
//! // option with NOPs and the third router quoted the packet with TTL 1.
//! # use mptcpscan::wire::{Ipv4Packet, TcpPacket};
//! let mut quote = sent.clone();
//! quote[40..44].fill(1);
//! TcpPacket::new_unchecked(&mut quote[20..]).fill_checksum_v4(target.src, target.dst);
//! Ipv4Packet::new_unchecked(&mut quote[..]).set_ttl_update_checksum(1);
//! let diff = QuoteDiff::compare(&sent, &quote).unwrap();
//! assert_eq!(diff.mptcp(), MptcpHop::ReplacedByNops);
//! assert_eq!(
//!     diff.to_string(),
//!     "IP::TTL IP::CheckSum TCP::CheckSum -TCPOptionMPTCPCapable +TCPOptionPad"
//! );
//! ```

use crate::options::{kind, OptionError, Options, TcpOption, MAX_OPTIONS_LEN};
use crate::wire::checksum;
use crate::wire::quoted::{QuotedIp, QuotedPacket, Reach};
use crate::wire::{Ipv4Packet, Ipv6Packet, TcpPacket, WireError};
use core::fmt;

/// How many changes one diff holds; more set [`ChangeList::overflowed`].
pub const MAX_CHANGES: usize = 48;

/// An IP header field (IPv4 or IPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpField {
    /// IPv4 header length (IP options added or removed).
    HeaderLength,
    /// IPv4 DSCP.
    Dscp,
    /// IPv4 ECN bits.
    Ecn,
    /// IPv4 total length.
    TotalLength,
    /// IPv4 identification.
    Ident,
    /// IPv4 flags (DF, MF).
    Flags,
    /// IPv4 fragment offset.
    FragmentOffset,
    /// IPv4 protocol.
    Protocol,
    /// IPv4 header checksum, changed beyond what the TTL change explains.
    Checksum,
    /// IPv6 traffic class (DSCP and ECN).
    TrafficClass,
    /// IPv6 flow label.
    FlowLabel,
    /// IPv6 payload length.
    PayloadLength,
    /// IPv6 next header.
    NextHeader,
    /// Source address.
    Source,
    /// Destination address.
    Destination,
}

impl IpField {
    /// The tracebox (libcrafter) token, e.g. `IP::Identification` or `IPv6::FlowLabel`.
    pub fn token(&self, v6: bool) -> &'static str {
        match (self, v6) {
            (IpField::HeaderLength, _) => "IP::HeaderLength",
            (IpField::Dscp, _) => "IP::DiffServicesCP",
            (IpField::Ecn, _) => "IP::ExpCongestionNot",
            (IpField::TotalLength, _) => "IP::TotalLength",
            (IpField::Ident, _) => "IP::Identification",
            (IpField::Flags, _) => "IP::Flags",
            (IpField::FragmentOffset, _) => "IP::FragmentOffset",
            (IpField::Protocol, _) => "IP::Protocol",
            (IpField::Checksum, _) => "IP::CheckSum",
            (IpField::TrafficClass, _) => "IPv6::TrafficClass",
            (IpField::FlowLabel, _) => "IPv6::FlowLabel",
            (IpField::PayloadLength, _) => "IPv6::PayloadLength",
            (IpField::NextHeader, _) => "IPv6::NextHeader",
            (IpField::Source, false) => "IP::SourceIP",
            (IpField::Destination, false) => "IP::DestinationIP",
            (IpField::Source, true) => "IPv6::SourceIP",
            (IpField::Destination, true) => "IPv6::DestinationIP",
        }
    }
}

/// A TCP header field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpField {
    /// Source port.
    SrcPort,
    /// Destination port.
    DstPort,
    /// Sequence number.
    SeqNumber,
    /// Acknowledgment number.
    AckNumber,
    /// Data offset (the option area grew or shrank).
    DataOffset,
    /// Reserved bits.
    Reserved,
    /// Control bits.
    Flags,
    /// Receive window.
    Window,
    /// Checksum.
    Checksum,
    /// Urgent pointer.
    UrgentPointer,
}

impl TcpField {
    /// The tracebox (libcrafter) token, e.g. `TCP::SeqNumber`.
    pub fn token(&self) -> &'static str {
        match self {
            TcpField::SrcPort => "TCP::SrcPort",
            TcpField::DstPort => "TCP::DstPort",
            TcpField::SeqNumber => "TCP::SeqNumber",
            TcpField::AckNumber => "TCP::AckNumber",
            TcpField::DataOffset => "TCP::DataOffset",
            TcpField::Reserved => "TCP::Reserved",
            TcpField::Flags => "TCP::Flags",
            TcpField::Window => "TCP::WindowsSize",
            TcpField::Checksum => "TCP::CheckSum",
            TcpField::UrgentPointer => "TCP::UrgPointer",
        }
    }
}

/// A field inside a TCP option that both packets carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionField {
    /// The MSS value.
    MaxSegSize,
    /// The window scale shift.
    Shift,
    /// The timestamp TSval.
    TsVal,
    /// The timestamp TSecr.
    TsEcr,
    /// The bytes of any other option (the value fields hold its length).
    Data,
}

impl OptionField {
    fn name(&self) -> &'static str {
        match self {
            OptionField::MaxSegSize => "MaxSegSize",
            OptionField::Shift => "Shift",
            OptionField::TsVal => "Value",
            OptionField::TsEcr => "EchoReply",
            OptionField::Data => "Data",
        }
    }
}

/// What happened to the MP_CAPABLE option we sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MptcpChange {
    /// Gone from the quote, its bytes not NOPs.
    Removed,
    /// Gone, its bytes overwritten with NOPs (the option area keeps its length).
    ReplacedByNops,
    /// An MP_CAPABLE in the quote where we sent none.
    Added,
    /// The subtype nibble changed (it is no longer an MP_CAPABLE).
    SubtypeChanged {
        /// Sent subtype.
        sent: u8,
        /// Quoted subtype.
        quoted: u8,
    },
    /// The version nibble changed.
    VersionChanged {
        /// Sent version.
        sent: u8,
        /// Quoted version.
        quoted: u8,
    },
    /// The flags byte changed.
    FlagsChanged {
        /// Sent flags.
        sent: u8,
        /// Quoted flags.
        quoted: u8,
    },
    /// The option length changed (e.g. the key was cut off).
    LengthChanged {
        /// Sent length.
        sent: u8,
        /// Quoted length.
        quoted: u8,
    },
    /// The v0 key was rewritten.
    KeyRewritten {
        /// The key sent.
        sent: u64,
        /// The key quoted.
        quoted: u64,
        /// How many of the 64 bits differ.
        hamming: u8,
    },
}

/// One difference between the sent packet and its quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// An IP header field (addresses as 32- or 128-bit numbers).
    Ip {
        /// Which field.
        field: IpField,
        /// Value sent.
        sent: u128,
        /// Value quoted.
        quoted: u128,
    },
    /// A TCP header field.
    Tcp {
        /// Which field.
        field: TcpField,
        /// Value sent.
        sent: u32,
        /// Value quoted.
        quoted: u32,
    },
    /// Options of a kind present in the quote and not sent (or more of them).
    OptionAdded {
        /// The option kind.
        kind: u8,
        /// How many more.
        count: u8,
    },
    /// Options of a kind sent and missing from the quote (or fewer of them).
    OptionRemoved {
        /// The option kind.
        kind: u8,
        /// How many fewer.
        count: u8,
    },
    /// A field of an option that both carry.
    OptionChanged {
        /// The option kind.
        kind: u8,
        /// Which field.
        field: OptionField,
        /// Value sent.
        sent: u64,
        /// Value quoted.
        quoted: u64,
    },
    /// The quote's option area does not walk (the options before the error were compared).
    OptionsMalformed(OptionError),
    /// A change to the MP_CAPABLE option.
    Mptcp(MptcpChange),
}

/// A fixed-capacity list of changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeList {
    items: [Change; MAX_CHANGES],
    len: u8,
    overflowed: bool,
}

impl ChangeList {
    const fn new() -> Self {
        ChangeList {
            items: [Change::OptionAdded { kind: 0, count: 0 }; MAX_CHANGES],
            len: 0,
            overflowed: false,
        }
    }

    fn push(&mut self, change: Change) {
        match self.items.get_mut(usize::from(self.len)) {
            Some(slot) => {
                *slot = change;
                self.len += 1;
            }
            None => self.overflowed = true,
        }
    }

    /// The changes, in the order found (IP, TCP, options, MPTCP).
    pub fn as_slice(&self) -> &[Change] {
        &self.items[..usize::from(self.len)]
    }

    /// Whether more changes were found than the list holds.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }
}

/// What one hop did to the MP_CAPABLE we sent, as far as its quote tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MptcpHop {
    /// Nothing to tell: the hop was silent, the quote stops before the options with an
    /// unchanged length, or we sent no MP_CAPABLE.
    NoInformation,
    /// The option arrived byte for byte.
    Intact,
    /// The option was removed.
    Removed,
    /// The option was overwritten with NOPs.
    ReplacedByNops,
    /// The key was rewritten (and nothing structural changed).
    KeyRewritten {
        /// How many of the 64 key bits differ.
        hamming: u8,
    },
    /// The subtype, version, flags or length changed.
    VersionOrFlagsChanged,
    /// A partial quote (no options) whose IP length differs from ours: the option area
    /// grew or shrank before this hop.
    PartialLengthChanged {
        /// The IP length sent (IPv4 total length, IPv6 payload length).
        sent: u16,
        /// The IP length quoted.
        quoted: u16,
    },
}

impl MptcpHop {
    /// Whether the hop shows the option changed.
    pub fn is_change(&self) -> bool {
        !matches!(self, MptcpHop::NoInformation | MptcpHop::Intact)
    }

    /// The kind's name without its details (`"key-rewritten"`); the [`fmt::Display`] form adds
    /// them (`"key-rewritten(12 bits)"`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            MptcpHop::NoInformation => "no-information",
            MptcpHop::Intact => "intact",
            MptcpHop::Removed => "removed",
            MptcpHop::ReplacedByNops => "replaced-by-nops",
            MptcpHop::KeyRewritten { .. } => "key-rewritten",
            MptcpHop::VersionOrFlagsChanged => "version-or-flags-changed",
            MptcpHop::PartialLengthChanged { .. } => "partial-length-changed",
        }
    }
}

impl fmt::Display for MptcpHop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MptcpHop::KeyRewritten { hamming } => {
                write!(f, "{}({hamming} bits)", self.kind_name())
            }
            MptcpHop::PartialLengthChanged { sent, quoted } => {
                write!(f, "{}({sent}->{quoted})", self.kind_name())
            }
            _ => f.write_str(self.kind_name()),
        }
    }
}

/// The first hop of a path that changed the MP_CAPABLE option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PathChange {
    /// The hop (TTL or hop limit, from 1) whose quote first shows the change.
    pub hop: usize,
    /// What it shows.
    pub summary: MptcpHop,
    /// The last earlier hop whose quote showed the option intact: the change happened after
    /// it and before `hop` (silent hops in between hide exactly where).
    pub last_intact: Option<usize>,
}

/// Over a path's hops (`hops[i]` is the summary for TTL `i + 1`, [`MptcpHop::NoInformation`]
/// for a silent hop), the first hop that shows the MP_CAPABLE option changed, if any.
///
/// REFERENCE §1: a candidate is truly MPTCP when only the last hop (the server) changes the
/// option, and middlebox-affected when an earlier hop does.
pub fn first_mptcp_change(hops: &[MptcpHop]) -> Option<PathChange> {
    let mut last_intact = None;
    for (i, hop) in hops.iter().enumerate() {
        match hop {
            MptcpHop::Intact => last_intact = Some(i + 1),
            h if h.is_change() => {
                return Some(PathChange {
                    hop: i + 1,
                    summary: *h,
                    last_intact,
                })
            }
            _ => {}
        }
    }
    None
}

/// Why a diff could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuoteError {
    /// The packet we sent does not parse as IPv4/IPv6 + TCP.
    Sent(WireError),
    /// The quote cannot be the start of an IP packet.
    Quote(WireError),
    /// The quote is IPv4 and we sent IPv6, or the reverse.
    FamilyMismatch,
}

impl fmt::Display for QuoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuoteError::Sent(e) => write!(f, "sent packet: {e}"),
            QuoteError::Quote(e) => write!(f, "quoted packet: {e}"),
            QuoteError::FamilyMismatch => f.write_str("quote and sent packet differ in IP version"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for QuoteError {}

/// The TTL (hop limit) sent and quoted: expected to differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TtlChange {
    /// TTL sent.
    pub sent: u8,
    /// TTL quoted (1 when the router quotes before decrementing, 0 after).
    pub quoted: u8,
}

/// The differences between a sent packet and its quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteDiff {
    v6: bool,
    reach: Reach,
    ttl: TtlChange,
    ip_checksum_by_ttl: bool,
    changes: ChangeList,
    mptcp: MptcpHop,
}

/// One option of a walked area, with its whole bytes.
#[derive(Debug, Clone, Copy)]
struct Opt<'a> {
    offset: usize,
    kind: u8,
    option: TcpOption<'a>,
    bytes: &'a [u8],
}

/// Walks up to 40 options of `area` into a fixed array.
fn collect<'a>(
    area: &'a [u8],
    out: &mut [Option<Opt<'a>>; MAX_OPTIONS_LEN],
) -> (usize, Option<OptionError>) {
    let mut n = 0;
    for item in Options::new(area) {
        match item {
            Ok((offset, option)) => {
                let bytes = area
                    .get(offset..offset + option.buffer_len())
                    .unwrap_or(&[]);
                if let Some(slot) = out.get_mut(n) {
                    *slot = Some(Opt {
                        offset,
                        kind: option.kind(),
                        option,
                        bytes,
                    });
                    n += 1;
                }
            }
            Err(e) => return (n, Some(e)),
        }
    }
    (n, None)
}

/// The MP_CAPABLE header fields of an MPTCP option's bytes: (length, subtype, version, flags,
/// key if 12 bytes or more).
fn mp_fields(bytes: &[u8]) -> Option<(u8, u8, u8, u8, Option<u64>)> {
    match bytes {
        [_, len, sv, flags, rest @ ..] => Some((
            *len,
            sv >> 4,
            sv & 0x0f,
            *flags,
            rest.first_chunk::<8>().map(|k| u64::from_be_bytes(*k)),
        )),
        _ => None,
    }
}

fn is_capable_bytes(bytes: &[u8]) -> bool {
    mp_fields(bytes).is_some_and(|f| f.1 == crate::mptcp::subtype::MP_CAPABLE)
}

fn is_mp_capable(opt: &Opt<'_>) -> bool {
    opt.kind == kind::MPTCP && is_capable_bytes(opt.bytes)
}

impl QuoteDiff {
    /// Compares `sent` (our packet, from its IP header) with `quote` (the quoted packet, from its
    /// IP header, as [`crate::wire::icmp::IcmpError::quote`] gives it).
    pub fn compare(sent: &[u8], quote: &[u8]) -> Result<Self, QuoteError> {
        let quoted = QuotedPacket::parse(quote).map_err(QuoteError::Quote)?;
        let mut diff = QuoteDiff {
            v6: false,
            reach: quoted.reach(),
            ttl: TtlChange { sent: 0, quoted: 0 },
            ip_checksum_by_ttl: false,
            changes: ChangeList::new(),
            mptcp: MptcpHop::NoInformation,
        };
        let (segment, sent_len) = match sent.first().map(|b| b >> 4) {
            Some(6) => {
                diff.v6 = true;
                let ip = Ipv6Packet::new_checked(sent).map_err(QuoteError::Sent)?;
                if let Some(q) = quoted.ip() {
                    let QuotedIp::V6(q) = q else {
                        return Err(QuoteError::FamilyMismatch);
                    };
                    diff.compare_v6(&ip, &q);
                }
                let end = crate::wire::ipv6::HEADER_LEN + usize::from(ip.payload_len());
                (&sent[crate::wire::ipv6::HEADER_LEN..end], ip.payload_len())
            }
            _ => {
                let ip = Ipv4Packet::new_checked(sent).map_err(QuoteError::Sent)?;
                if let Some(q) = quoted.ip() {
                    let QuotedIp::V4(q) = q else {
                        return Err(QuoteError::FamilyMismatch);
                    };
                    diff.compare_v4(&ip, &q);
                }
                (
                    &sent[ip.header_len()..usize::from(ip.total_len())],
                    ip.total_len(),
                )
            }
        };
        let tcp = TcpPacket::new_checked(segment).map_err(QuoteError::Sent)?;
        let protocol_kept = quoted
            .ip()
            .is_some_and(|q| q.protocol() == crate::wire::checksum::PROTOCOL_TCP);
        if protocol_kept {
            diff.compare_tcp(&tcp, &quoted);
        }
        diff.mptcp = diff.summarize(&tcp, &quoted, sent_len, protocol_kept);
        Ok(diff)
    }

    fn ip(&mut self, field: IpField, sent: u128, quoted: u128) {
        if sent != quoted {
            self.changes.push(Change::Ip {
                field,
                sent,
                quoted,
            });
        }
    }

    fn compare_v4(&mut self, s: &Ipv4Packet<&[u8]>, q: &Ipv4Packet<&[u8]>) {
        let n = |v: u16| u128::from(v);
        self.ip(
            IpField::HeaderLength,
            s.header_len() as u128,
            q.header_len() as u128,
        );
        self.ip(IpField::Dscp, n(s.dscp().into()), n(q.dscp().into()));
        self.ip(IpField::Ecn, n(s.ecn().into()), n(q.ecn().into()));
        self.ip(IpField::TotalLength, n(s.total_len()), n(q.total_len()));
        self.ip(IpField::Ident, n(s.ident()), n(q.ident()));
        self.ip(
            IpField::Flags,
            n(s.flags_frag() >> 13),
            n(q.flags_frag() >> 13),
        );
        self.ip(
            IpField::FragmentOffset,
            n(s.frag_offset()),
            n(q.frag_offset()),
        );
        self.ttl = TtlChange {
            sent: s.ttl(),
            quoted: q.ttl(),
        };
        self.ip(
            IpField::Protocol,
            n(s.protocol().into()),
            n(q.protocol().into()),
        );
        if s.checksum() != q.checksum() {
            // The TTL word is bytes 8..10 (TTL, protocol): update the sent checksum for the
            // quoted TTL alone and see whether that is the whole story.
            let ttl_word = |ttl: u8| u16::from_be_bytes([ttl, s.protocol()]);
            let by_ttl = checksum::update(s.checksum(), ttl_word(s.ttl()), ttl_word(q.ttl()));
            // Either zero (0x0000 or 0xffff) may come out of a router's incremental update.
            let same = by_ttl == q.checksum()
                || matches!((by_ttl, q.checksum()), (0, 0xffff) | (0xffff, 0));
            if same && s.ttl() != q.ttl() {
                self.ip_checksum_by_ttl = true;
            } else {
                self.ip(IpField::Checksum, n(s.checksum()), n(q.checksum()));
            }
        }
        self.ip(
            IpField::Source,
            s.src_addr().to_bits().into(),
            q.src_addr().to_bits().into(),
        );
        self.ip(
            IpField::Destination,
            s.dst_addr().to_bits().into(),
            q.dst_addr().to_bits().into(),
        );
    }

    fn compare_v6(&mut self, s: &Ipv6Packet<&[u8]>, q: &Ipv6Packet<&[u8]>) {
        self.ip(
            IpField::TrafficClass,
            s.traffic_class().into(),
            q.traffic_class().into(),
        );
        self.ip(
            IpField::FlowLabel,
            s.flow_label().into(),
            q.flow_label().into(),
        );
        self.ip(
            IpField::PayloadLength,
            s.payload_len().into(),
            q.payload_len().into(),
        );
        self.ip(
            IpField::NextHeader,
            s.next_header().into(),
            q.next_header().into(),
        );
        self.ttl = TtlChange {
            sent: s.hop_limit(),
            quoted: q.hop_limit(),
        };
        self.ip(
            IpField::Source,
            s.src_addr().to_bits(),
            q.src_addr().to_bits(),
        );
        self.ip(
            IpField::Destination,
            s.dst_addr().to_bits(),
            q.dst_addr().to_bits(),
        );
    }

    fn compare_tcp(&mut self, s: &TcpPacket<&[u8]>, quoted: &QuotedPacket<'_>) {
        let q = quoted.tcp();
        let mut field = |field: TcpField, sent: u32, quoted: Option<u32>| {
            if let Some(quoted) = quoted.filter(|q| *q != sent) {
                self.changes.push(Change::Tcp {
                    field,
                    sent,
                    quoted,
                });
            }
        };
        field(
            TcpField::SrcPort,
            s.src_port().into(),
            q.src_port().map(Into::into),
        );
        field(
            TcpField::DstPort,
            s.dst_port().into(),
            q.dst_port().map(Into::into),
        );
        field(TcpField::SeqNumber, s.seq_number(), q.seq_number());
        field(TcpField::AckNumber, s.ack_number(), q.ack_number());
        field(
            TcpField::DataOffset,
            s.header_len() as u32,
            q.header_len().map(|l| l as u32),
        );
        field(
            TcpField::Reserved,
            s.reserved().into(),
            q.reserved().map(Into::into),
        );
        field(
            TcpField::Flags,
            s.flags().bits().into(),
            q.flags().map(|f| f.bits().into()),
        );
        field(
            TcpField::Window,
            s.window_len().into(),
            q.window_len().map(Into::into),
        );
        field(
            TcpField::Checksum,
            s.checksum().into(),
            q.checksum().map(Into::into),
        );
        field(
            TcpField::UrgentPointer,
            s.urgent_at().into(),
            q.urgent_at().map(Into::into),
        );
        if let Some(area) = q.options() {
            self.compare_options(s.options(), area);
        }
    }

    fn compare_options(&mut self, sent_area: &[u8], quoted_area: &[u8]) {
        // The usual case on a clean path, and the only one worth making cheap.
        if sent_area == quoted_area {
            return;
        }
        let mut sent = [None; MAX_OPTIONS_LEN];
        let mut quoted = [None; MAX_OPTIONS_LEN];
        let (ns, _) = collect(sent_area, &mut sent);
        let (nq, malformed) = collect(quoted_area, &mut quoted);
        let sent = &sent[..ns];
        let quoted = &quoted[..nq];
        let first_of_kind = |list: &[Option<Opt<'_>>], i: usize, kind: u8| {
            !list[..i].iter().flatten().any(|o| o.kind == kind)
        };
        // Kinds in order of first appearance: the sent ones, then those only the quote has.
        for (i, opt) in sent.iter().flatten().enumerate() {
            if first_of_kind(sent, i, opt.kind) {
                self.compare_kind(opt.kind, sent, quoted, quoted_area);
            }
        }
        for (i, opt) in quoted.iter().flatten().enumerate() {
            let in_sent = sent.iter().flatten().any(|o| o.kind == opt.kind);
            if !in_sent && first_of_kind(quoted, i, opt.kind) {
                self.compare_kind(opt.kind, sent, quoted, quoted_area);
            }
        }
        if let Some(e) = malformed {
            self.changes.push(Change::OptionsMalformed(e));
        }
    }

    fn compare_kind(
        &mut self,
        kind: u8,
        sent: &[Option<Opt<'_>>],
        quoted: &[Option<Opt<'_>>],
        quoted_area: &[u8],
    ) {
        let mut s_iter = sent.iter().flatten().filter(|o| o.kind == kind);
        let mut q_iter = quoted.iter().flatten().filter(|o| o.kind == kind);
        let (mut added, mut removed) = (0u8, 0u8);
        loop {
            match (s_iter.next(), q_iter.next()) {
                (None, None) => break,
                (Some(s), Some(q)) => self.compare_pair(s, q),
                (Some(s), None) => {
                    if is_mp_capable(s) {
                        let at = quoted_area.get(s.offset..s.offset + s.bytes.len());
                        let nops = at.is_some_and(|b| b.iter().all(|&x| x == kind::NOP));
                        self.changes.push(Change::Mptcp(if nops {
                            MptcpChange::ReplacedByNops
                        } else {
                            MptcpChange::Removed
                        }));
                    } else {
                        removed = removed.saturating_add(1);
                    }
                }
                (None, Some(q)) => {
                    if is_mp_capable(q) {
                        self.changes.push(Change::Mptcp(MptcpChange::Added));
                    } else {
                        added = added.saturating_add(1);
                    }
                }
            }
        }
        if removed > 0 {
            self.changes.push(Change::OptionRemoved {
                kind,
                count: removed,
            });
        }
        if added > 0 {
            self.changes
                .push(Change::OptionAdded { kind, count: added });
        }
    }

    fn option_field(&mut self, kind: u8, field: OptionField, sent: u64, quoted: u64) {
        if sent != quoted {
            self.changes.push(Change::OptionChanged {
                kind,
                field,
                sent,
                quoted,
            });
        }
    }

    fn compare_pair(&mut self, s: &Opt<'_>, q: &Opt<'_>) {
        if s.bytes == q.bytes {
            return;
        }
        match (s.option, q.option) {
            (TcpOption::MaxSegmentSize(a), TcpOption::MaxSegmentSize(b)) => {
                self.option_field(s.kind, OptionField::MaxSegSize, a.into(), b.into())
            }
            (TcpOption::WindowScale(a), TcpOption::WindowScale(b)) => {
                self.option_field(s.kind, OptionField::Shift, a.into(), b.into())
            }
            (
                TcpOption::Timestamp { tsval, tsecr },
                TcpOption::Timestamp {
                    tsval: qval,
                    tsecr: qecr,
                },
            ) => {
                self.option_field(s.kind, OptionField::TsVal, tsval.into(), qval.into());
                self.option_field(s.kind, OptionField::TsEcr, tsecr.into(), qecr.into());
            }
            (TcpOption::Mptcp(a), TcpOption::Mptcp(b)) if is_mp_capable(s) => {
                self.compare_mp_capable(a, b)
            }
            // Any other kind (or a kind whose decoding differs): its bytes changed.
            _ => self.changes.push(Change::OptionChanged {
                kind: s.kind,
                field: OptionField::Data,
                sent: s.bytes.len() as u64,
                quoted: q.bytes.len() as u64,
            }),
        }
    }

    fn compare_mp_capable(&mut self, sent: &[u8], quoted: &[u8]) {
        let (Some(s), Some(q)) = (mp_fields(sent), mp_fields(quoted)) else {
            return;
        };
        let mut push = |c: MptcpChange| self.changes.push(Change::Mptcp(c));
        if s.1 != q.1 {
            push(MptcpChange::SubtypeChanged {
                sent: s.1,
                quoted: q.1,
            });
            return;
        }
        if s.0 != q.0 {
            push(MptcpChange::LengthChanged {
                sent: s.0,
                quoted: q.0,
            });
        }
        if s.2 != q.2 {
            push(MptcpChange::VersionChanged {
                sent: s.2,
                quoted: q.2,
            });
        }
        if s.3 != q.3 {
            push(MptcpChange::FlagsChanged {
                sent: s.3,
                quoted: q.3,
            });
        }
        if let (Some(a), Some(b)) = (s.4, q.4) {
            if a != b {
                push(MptcpChange::KeyRewritten {
                    sent: a,
                    quoted: b,
                    hamming: (a ^ b).count_ones() as u8,
                });
            }
        }
    }

    fn summarize(
        &self,
        sent: &TcpPacket<&[u8]>,
        quoted: &QuotedPacket<'_>,
        sent_len: u16,
        protocol_kept: bool,
    ) -> MptcpHop {
        let sent_mpc = Options::new(sent.options())
            .map_while(Result::ok)
            .any(|(_, o)| matches!(o, TcpOption::Mptcp(b) if is_capable_bytes(b)));
        if !sent_mpc || quoted.ip().is_none() {
            return MptcpHop::NoInformation;
        }
        if !protocol_kept || quoted.tcp().options().is_none() {
            let quoted_len = match quoted.ip() {
                Some(QuotedIp::V4(q)) => q.total_len(),
                Some(QuotedIp::V6(q)) => q.payload_len(),
                None => sent_len,
            };
            return if quoted_len != sent_len {
                MptcpHop::PartialLengthChanged {
                    sent: sent_len,
                    quoted: quoted_len,
                }
            } else {
                MptcpHop::NoInformation
            };
        }
        let mut summary = MptcpHop::Intact;
        for change in self.changes.as_slice() {
            let Change::Mptcp(c) = change else { continue };
            let this = match *c {
                MptcpChange::Removed => MptcpHop::Removed,
                MptcpChange::ReplacedByNops => MptcpHop::ReplacedByNops,
                MptcpChange::KeyRewritten { hamming, .. } => MptcpHop::KeyRewritten { hamming },
                MptcpChange::Added => continue,
                MptcpChange::SubtypeChanged { .. }
                | MptcpChange::VersionChanged { .. }
                | MptcpChange::FlagsChanged { .. }
                | MptcpChange::LengthChanged { .. } => MptcpHop::VersionOrFlagsChanged,
            };
            // Structural changes say more than a rewritten key: keep the first of those.
            if matches!(summary, MptcpHop::Intact | MptcpHop::KeyRewritten { .. }) {
                summary = this;
            }
        }
        summary
    }

    /// Whether the quote stops before the end of the TCP options.
    pub fn is_partial(&self) -> bool {
        self.reach < Reach::TcpHeader
    }

    /// How far the quote goes.
    pub fn reach(&self) -> Reach {
        self.reach
    }

    /// Whether the packets are IPv6.
    pub fn is_v6(&self) -> bool {
        self.v6
    }

    /// The TTL (hop limit) sent and quoted (zero both if the quote's IP header was cut).
    pub fn ttl(&self) -> TtlChange {
        self.ttl
    }

    /// Whether the IPv4 header checksum differs only as the TTL change makes it.
    pub fn ip_checksum_explained_by_ttl(&self) -> bool {
        self.ip_checksum_by_ttl
    }

    /// The unexpected changes.
    pub fn changes(&self) -> &ChangeList {
        &self.changes
    }

    /// What this hop did to the MP_CAPABLE option.
    pub fn mptcp(&self) -> MptcpHop {
        self.mptcp
    }

    /// Writes the tracebox-style tokens, space-separated: `IP::TTL` and `IP::CheckSum` as
    /// tracebox prints them, then every change, then `[PARTIAL]` for a cut quote.
    pub fn write_tokens<W: fmt::Write>(&self, w: &mut W) -> fmt::Result {
        let mut sep = "";
        let mut token = |w: &mut W, args: fmt::Arguments<'_>| {
            w.write_str(sep)?;
            sep = " ";
            w.write_fmt(args)
        };
        if self.ttl.sent != self.ttl.quoted {
            let name = if self.v6 { "IPv6::HopLimit" } else { "IP::TTL" };
            token(w, format_args!("{name}"))?;
        }
        if self.ip_checksum_by_ttl {
            token(w, format_args!("IP::CheckSum"))?;
        }
        for change in self.changes.as_slice() {
            match *change {
                Change::Ip { field, .. } => token(w, format_args!("{}", field.token(self.v6)))?,
                Change::Tcp { field, .. } => token(w, format_args!("{}", field.token()))?,
                Change::OptionAdded { kind, .. } => {
                    token(w, format_args!("+{}", OptionName(kind)))?
                }
                Change::OptionRemoved { kind, .. } => {
                    token(w, format_args!("-{}", OptionName(kind)))?
                }
                Change::OptionChanged { kind, field, .. } => {
                    token(w, format_args!("{}::{}", OptionName(kind), field.name()))?
                }
                Change::OptionsMalformed(e) => {
                    token(w, format_args!("[MALFORMED-OPTIONS@{}]", e.offset()))?
                }
                Change::Mptcp(c) => {
                    const MPC: &str = "TCPOptionMPTCPCapable";
                    match c {
                        MptcpChange::Removed | MptcpChange::ReplacedByNops => {
                            token(w, format_args!("-{MPC}"))?
                        }
                        MptcpChange::Added => token(w, format_args!("+{MPC}"))?,
                        MptcpChange::SubtypeChanged { .. } => {
                            token(w, format_args!("TCPOptionMPTCP::Subtype"))?
                        }
                        MptcpChange::LengthChanged { .. } => {
                            token(w, format_args!("{MPC}::Length"))?
                        }
                        MptcpChange::VersionChanged { .. } => {
                            token(w, format_args!("{MPC}::Version"))?
                        }
                        MptcpChange::FlagsChanged { sent, quoted } => {
                            // libcrafter splits the flags byte: A (Checksum), B..G (Flags),
                            // H (Crypto).
                            let d = sent ^ quoted;
                            if d & 0x80 != 0 {
                                token(w, format_args!("{MPC}::Checksum"))?;
                            }
                            if d & 0x7e != 0 {
                                token(w, format_args!("{MPC}::Flags"))?;
                            }
                            if d & 0x01 != 0 {
                                token(w, format_args!("{MPC}::Crypto"))?;
                            }
                        }
                        MptcpChange::KeyRewritten { .. } => {
                            token(w, format_args!("{MPC}::SenderKey"))?
                        }
                    }
                }
            }
        }
        if self.is_partial() {
            token(w, format_args!("[PARTIAL]"))?;
        }
        Ok(())
    }
}

impl fmt::Display for QuoteDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_tokens(f)
    }
}

/// The libcrafter layer name of an option kind, as tracebox prints it.
#[derive(Debug, Clone, Copy)]
struct OptionName(u8);

impl fmt::Display for OptionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            // libcrafter has no name of its own for EOL (it is a TCPOptionPad of kind 0).
            kind::EOL => f.write_str("TCPOptionEOL"),
            kind::NOP => f.write_str("TCPOptionPad"),
            kind::MSS => f.write_str("TCPOptionMaxSegSize"),
            kind::WINDOW_SCALE => f.write_str("TCPOptionWindowScale"),
            kind::SACK_PERMITTED => f.write_str("TCPOptionSACKPermitted"),
            kind::SACK => f.write_str("TCPOptionSACK"),
            kind::TIMESTAMP => f.write_str("TCPOptionTimestamp"),
            kind::MPTCP => f.write_str("TCPOptionMPTCP"),
            kind::FAST_OPEN => f.write_str("TCPOptionFastOpen"),
            other => write!(f, "TCPOption{other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{
        Companions, Ipv4Target, Ipv6Target, Offer, ProbeSpec, SynTemplateV4, SynTemplateV6,
        STUDY2021_KEY,
    };
    use crate::wire::{Ipv6Packet, TcpPacket};
    use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use quickcheck::quickcheck;
    use std::string::String;
    use std::vec::Vec;

    const SRC: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
    const DST: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 80);

    /// The 2021 study's probe, sent with TTL 5: 72 bytes, options at 40..72, MP_CAPABLE at 60..72.
    fn sent_v4() -> Vec<u8> {
        let spec = ProbeSpec::new(Offer::V0 { key: STUDY2021_KEY }, Companions::Study2021);
        let template = SynTemplateV4::from_spec(&spec).unwrap();
        let mut buf = std::vec![0u8; template.len()];
        template
            .write(
                &mut buf,
                &Ipv4Target {
                    src: SRC,
                    dst: DST,
                    src_port: 40000,
                    dst_port: 80,
                    seq: 0x0102_0304,
                    ip_id: 777,
                    ttl: 5,
                },
            )
            .unwrap();
        buf
    }

    /// What the router at hop 5 quotes: TTL 1 after four decrements, with `edit` applied by a
    /// middlebox before it, every checksum fixed up as a router and a middlebox would.
    fn quote_v4(edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut q = sent_v4();
        edit(&mut q);
        let total = q.len();
        let mut ip = Ipv4Packet::new_unchecked(&mut q[..]);
        ip.set_total_len(total as u16);
        ip.set_ttl(1);
        ip.fill_checksum();
        let mut tcp = TcpPacket::new_unchecked(&mut q[20..]);
        tcp.fill_checksum_v4(SRC, DST);
        q
    }

    fn tokens(d: &QuoteDiff) -> String {
        let mut s = String::new();
        d.write_tokens(&mut s).unwrap();
        s
    }

    #[test]
    fn untouched_path_shows_only_the_ttl() {
        let d = QuoteDiff::compare(&sent_v4(), &quote_v4(|_| {})).unwrap();
        assert_eq!(d.changes().as_slice(), &[]);
        assert_eq!(d.ttl(), TtlChange { sent: 5, quoted: 1 });
        assert!(d.ip_checksum_explained_by_ttl());
        assert_eq!(d.mptcp(), MptcpHop::Intact);
        assert!(!d.is_partial());
        assert_eq!(tokens(&d), "IP::TTL IP::CheckSum");
    }

    #[test]
    fn mp_capable_replaced_by_nops() {
        let d = QuoteDiff::compare(&sent_v4(), &quote_v4(|q| q[60..72].fill(kind::NOP))).unwrap();
        assert_eq!(d.mptcp(), MptcpHop::ReplacedByNops);
        assert!(d
            .changes()
            .as_slice()
            .contains(&Change::Mptcp(MptcpChange::ReplacedByNops)));
        assert!(d.changes().as_slice().contains(&Change::OptionAdded {
            kind: kind::NOP,
            count: 12
        }));
        assert_eq!(
            tokens(&d),
            "IP::TTL IP::CheckSum TCP::CheckSum +TCPOptionPad -TCPOptionMPTCPCapable"
        );
    }

    #[test]
    fn mp_capable_stripped_shrinks_the_header() {
        let q = quote_v4(|q| {
            q.truncate(60);
            q[32] = 0xa0;
        });
        let d = QuoteDiff::compare(&sent_v4(), &q).unwrap();
        assert_eq!(d.mptcp(), MptcpHop::Removed);
        assert!(!d.ip_checksum_explained_by_ttl());
        assert_eq!(
            tokens(&d),
            "IP::TTL IP::TotalLength IP::CheckSum TCP::DataOffset TCP::CheckSum \
             -TCPOptionMPTCPCapable"
        );
        assert!(d.changes().as_slice().contains(&Change::Ip {
            field: IpField::TotalLength,
            sent: 72,
            quoted: 60
        }));
    }

    #[test]
    fn key_rewritten_reports_the_hamming_distance() {
        let d = QuoteDiff::compare(&sent_v4(), &quote_v4(|q| q[71] = 0x0d)).unwrap();
        assert_eq!(d.mptcp(), MptcpHop::KeyRewritten { hamming: 1 });
        assert!(d
            .changes()
            .as_slice()
            .contains(&Change::Mptcp(MptcpChange::KeyRewritten {
                sent: STUDY2021_KEY,
                quoted: 0x0c0c_0c0c_0c0c_0c0d,
                hamming: 1
            })));
        assert_eq!(
            tokens(&d),
            "IP::TTL IP::CheckSum TCP::CheckSum TCPOptionMPTCPCapable::SenderKey"
        );
    }

    #[test]
    fn version_and_flags_changes() {
        let d = QuoteDiff::compare(
            &sent_v4(),
            &quote_v4(|q| {
                q[62] = 0x01;
                q[63] = 0x01;
            }),
        )
        .unwrap();
        assert_eq!(d.mptcp(), MptcpHop::VersionOrFlagsChanged);
        assert_eq!(
            tokens(&d),
            "IP::TTL IP::CheckSum TCP::CheckSum TCPOptionMPTCPCapable::Version \
             TCPOptionMPTCPCapable::Checksum"
        );
    }

    #[test]
    fn seq_rewrite_and_mss_clamp() {
        let sent = sent_v4();
        let quote = quote_v4(|q| {
            q[24..28].copy_from_slice(&[9, 9, 9, 9]);
            q[42..44].copy_from_slice(&1380u16.to_be_bytes());
        });
        let d = QuoteDiff::compare(&sent, &quote).unwrap();
        assert_eq!(d.mptcp(), MptcpHop::Intact);
        let checksum = |p: &[u8]| u32::from(TcpPacket::new_unchecked(&p[20..]).checksum());
        assert_eq!(
            d.changes().as_slice(),
            &[
                Change::Tcp {
                    field: TcpField::SeqNumber,
                    sent: 0x0102_0304,
                    quoted: 0x0909_0909
                },
                Change::Tcp {
                    field: TcpField::Checksum,
                    sent: checksum(&sent),
                    quoted: checksum(&quote)
                },
                Change::OptionChanged {
                    kind: kind::MSS,
                    field: OptionField::MaxSegSize,
                    sent: 1,
                    quoted: 1380
                },
            ]
        );
        assert_eq!(
            tokens(&d),
            "IP::TTL IP::CheckSum TCP::SeqNumber TCP::CheckSum TCPOptionMaxSegSize::MaxSegSize"
        );
    }

    #[test]
    fn rfc792_quotes_are_partial() {
        let same = quote_v4(|_| {});
        let d = QuoteDiff::compare(&sent_v4(), &same[..28]).unwrap();
        assert!(d.is_partial());
        assert_eq!(d.reach(), Reach::TransportCut);
        assert_eq!(d.mptcp(), MptcpHop::NoInformation);
        assert_eq!(tokens(&d), "IP::TTL IP::CheckSum [PARTIAL]");

        let shrunk = quote_v4(|q| {
            q.truncate(60);
            q[32] = 0xa0;
        });
        let d = QuoteDiff::compare(&sent_v4(), &shrunk[..28]).unwrap();
        assert_eq!(
            d.mptcp(),
            MptcpHop::PartialLengthChanged {
                sent: 72,
                quoted: 60
            }
        );
        assert_eq!(tokens(&d), "IP::TTL IP::TotalLength IP::CheckSum [PARTIAL]");

        let cut = QuoteDiff::compare(&sent_v4(), &same[..12]).unwrap();
        assert_eq!(cut.reach(), Reach::IpHeaderCut);
        assert_eq!(cut.mptcp(), MptcpHop::NoInformation);
        assert_eq!(tokens(&cut), "[PARTIAL]");
    }

    #[test]
    fn ipv6_hop_limit_and_flow_label() {
        let template =
            SynTemplateV6::from_spec(&ProbeSpec::new(Offer::V1, Companions::Linux)).unwrap();
        let src: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let dst: Ipv6Addr = "2001:db8:1::80".parse().unwrap();
        let mut sent = std::vec![0u8; template.len()];
        template
            .write(
                &mut sent,
                &Ipv6Target {
                    src,
                    dst,
                    src_port: 40000,
                    dst_port: 80,
                    seq: 1,
                    hop_limit: 3,
                },
            )
            .unwrap();
        let mut quote = sent.clone();
        let mut ip = Ipv6Packet::new_unchecked(&mut quote[..]);
        ip.set_hop_limit(1);
        ip.set_version_class_flow(0, 0x12345);
        let d = QuoteDiff::compare(&sent, &quote).unwrap();
        assert!(d.is_v6());
        assert_eq!(d.mptcp(), MptcpHop::Intact);
        assert_eq!(tokens(&d), "IPv6::HopLimit IPv6::FlowLabel");

        // The v1 MP_CAPABLE (last 4 bytes) overwritten with NOPs.
        let n = quote.len();
        quote[n - 4..].fill(kind::NOP);
        let d = QuoteDiff::compare(&sent, &quote).unwrap();
        assert_eq!(d.mptcp(), MptcpHop::ReplacedByNops);

        assert_eq!(
            QuoteDiff::compare(&sent, &quote_v4(|_| {})),
            Err(QuoteError::FamilyMismatch)
        );
    }

    #[test]
    fn nat_before_the_router() {
        let d = QuoteDiff::compare(
            &sent_v4(),
            &quote_v4(|q| {
                q[12..16].copy_from_slice(&[198, 18, 200, 9]);
                q[20..22].copy_from_slice(&61000u16.to_be_bytes());
            }),
        )
        .unwrap();
        assert_eq!(d.mptcp(), MptcpHop::Intact);
        assert!(!d.ip_checksum_explained_by_ttl());
        assert_eq!(
            tokens(&d),
            "IP::TTL IP::CheckSum IP::SourceIP TCP::SrcPort TCP::CheckSum"
        );
    }

    #[test]
    fn from_a_whole_icmp_packet() {
        use crate::wire::icmp::{v4_type, ErrorKind, IcmpError, Icmpv4Packet, PROTOCOL_ICMPV4};
        let quote = quote_v4(|q| q[60..72].fill(kind::NOP));
        let mut packet = std::vec![0u8; 28 + quote.len()];
        let total = packet.len() as u16;
        let mut ip = Ipv4Packet::new_unchecked(&mut packet[..]);
        ip.set_version_and_header_len(20);
        ip.set_total_len(total);
        ip.set_ttl(60);
        ip.set_protocol(PROTOCOL_ICMPV4);
        ip.set_src_addr(Ipv4Addr::new(198, 18, 4, 1));
        ip.set_dst_addr(SRC);
        ip.fill_checksum();
        let mut icmp = Icmpv4Packet::new_unchecked(&mut packet[20..]);
        icmp.set_type_code(v4_type::TIME_EXCEEDED, 0);
        icmp.body_mut().copy_from_slice(&quote);
        icmp.fill_checksum();

        let error = IcmpError::parse(&packet).unwrap();
        assert_eq!(error.kind, ErrorKind::TimeExceeded);
        assert_eq!(error.from, IpAddr::V4(Ipv4Addr::new(198, 18, 4, 1)));
        let d = QuoteDiff::compare(&sent_v4(), error.quote).unwrap();
        assert_eq!(d.mptcp(), MptcpHop::ReplacedByNops);
        assert_eq!(
            first_mptcp_change(&[MptcpHop::Intact, MptcpHop::NoInformation, d.mptcp()]),
            Some(PathChange {
                hop: 3,
                summary: MptcpHop::ReplacedByNops,
                last_intact: Some(1)
            })
        );
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            QuoteDiff::compare(&sent_v4()[..50], &quote_v4(|_| {})),
            Err(QuoteError::Sent(_))
        ));
        assert!(matches!(
            QuoteDiff::compare(&sent_v4(), &[0x55; 40]),
            Err(QuoteError::Quote(WireError::Version { found: 5, .. }))
        ));
        assert!(matches!(
            QuoteDiff::compare(&sent_v4(), &[]),
            Err(QuoteError::Quote(_))
        ));
    }

    #[test]
    fn first_change_on_a_path() {
        use MptcpHop::*;
        let path = [
            Intact,
            NoInformation,
            Intact,
            NoInformation,
            ReplacedByNops,
            Removed,
        ];
        assert_eq!(
            first_mptcp_change(&path),
            Some(PathChange {
                hop: 5,
                summary: ReplacedByNops,
                last_intact: Some(3)
            })
        );
        assert_eq!(first_mptcp_change(&[Intact, NoInformation, Intact]), None);
        assert_eq!(
            first_mptcp_change(&[
                NoInformation,
                PartialLengthChanged {
                    sent: 72,
                    quoted: 60
                }
            ]),
            Some(PathChange {
                hop: 2,
                summary: PartialLengthChanged {
                    sent: 72,
                    quoted: 60
                },
                last_intact: None
            })
        );
        assert_eq!(first_mptcp_change(&[]), None);
    }

    quickcheck! {
        fn any_ttl_change_alone_is_expected(sent_ttl: u8, quoted_ttl: u8) -> bool {
            let mut sent = sent_v4();
            let mut ip = Ipv4Packet::new_unchecked(&mut sent[..]);
            ip.set_ttl(sent_ttl);
            ip.fill_checksum();
            let mut quote = sent.clone();
            Ipv4Packet::new_unchecked(&mut quote[..]).set_ttl_update_checksum(quoted_ttl);
            let d = QuoteDiff::compare(&sent, &quote).unwrap();
            d.changes().as_slice().is_empty()
                && d.mptcp() == MptcpHop::Intact
                && d.ip_checksum_explained_by_ttl() == (sent_ttl != quoted_ttl)
        }

        fn never_panics_on_random_quotes(quote: Vec<u8>) -> bool {
            let sent = sent_v4();
            let mut s = String::new();
            match QuoteDiff::compare(&sent, &quote) {
                Ok(d) => d.write_tokens(&mut s).is_ok() && d.changes().as_slice().len() <= MAX_CHANGES,
                Err(_) => true,
            }
        }

        fn never_panics_on_mutated_quotes(edits: Vec<(u8, u8)>, cut: u8) -> bool {
            let sent = sent_v4();
            let mut quote = sent.clone();
            for (at, value) in edits {
                let i = usize::from(at) % quote.len();
                quote[i] = value;
            }
            quote.truncate(usize::from(cut).max(1));
            let mut s = String::new();
            match QuoteDiff::compare(&sent, &quote) {
                Ok(d) => d.write_tokens(&mut s).is_ok(),
                Err(_) => true,
            }
        }

        fn never_panics_on_random_sent(sent: Vec<u8>) -> bool {
            let quote = quote_v4(|_| {});
            QuoteDiff::compare(&sent, &quote).map_or(true, |d| d.changes().as_slice().len() <= MAX_CHANGES)
        }
    }
}
