//! One reply, one verdict: [`classify`] and what it returns.

use core::fmt;

use super::input::{flags, subtype_of, Reply, Sent};
use super::signals::{
    Signals, LOW_ENTROPY_MAX_WEIGHT, NEAR_KEY_MAX_DISTANCE, UNUSUAL_MSS_BELOW,
};
use crate::mptcp::{capable, subtype, MptcpError};
use crate::options::{kind, OptionError, Options, TcpOption};

/// What a reply to an MP_CAPABLE SYN says about the host, in the order [`classify`] decides.
///
/// The discriminants are stable: they cross the C ABI as a `u8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Verdict {
    /// A SYN-ACK without MP_CAPABLE: plain TCP (or MPTCP stripped on the way, or, for a v0 probe,
    /// an upstream Linux server that only speaks v1).
    NoMpCapable = 0,
    /// A SYN-ACK with a v0 MP_CAPABLE and nothing that betrays a copy: a candidate MPTCP v0 host.
    MptcpV0 = 1,
    /// A SYN-ACK with a v1 MP_CAPABLE and nothing that betrays a copy: a candidate MPTCP v1 host.
    MptcpV1 = 2,
    /// A SYN-ACK whose MP_CAPABLE carries our probe back: a decisive signal
    /// ([`Signals::DECISIVE`]) fired.
    Mirrored = 3,
    /// A SYN-ACK with MP_CAPABLE and a fresh key, but shaped by something other than a
    /// conforming server ([`Signals::SUSPICIOUS`]): trace it before counting it.
    Suspicious = 4,
    /// A reset: the port is closed (or a middlebox refused the options).
    Rst = 5,
    /// A SYN-ACK whose options do not parse; [`Classification::error`] says where and why.
    Malformed = 6,
    /// Neither a reset nor a SYN-ACK (a bare SYN, ACK, FIN…): not an answer to a SYN.
    NotSynAck = 7,
    /// A SYN-ACK that does not acknowledge our SYN (ack ≠ seq + 1): someone else's, or forged.
    Unsolicited = 8,
}

impl Verdict {
    /// Every verdict, by discriminant.
    pub const ALL: [Verdict; 9] = [
        Verdict::NoMpCapable,
        Verdict::MptcpV0,
        Verdict::MptcpV1,
        Verdict::Mirrored,
        Verdict::Suspicious,
        Verdict::Rst,
        Verdict::Malformed,
        Verdict::NotSynAck,
        Verdict::Unsolicited,
    ];

    /// The verdict's name as output fields print it (`"mptcp-v1"`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::NoMpCapable => "no-mp-capable",
            Verdict::MptcpV0 => "mptcp-v0",
            Verdict::MptcpV1 => "mptcp-v1",
            Verdict::Mirrored => "mirrored",
            Verdict::Suspicious => "suspicious",
            Verdict::Rst => "rst",
            Verdict::Malformed => "malformed",
            Verdict::NotSynAck => "not-syn-ack",
            Verdict::Unsolicited => "unsolicited",
        }
    }

    /// The verdict with this discriminant.
    pub fn from_u8(value: u8) -> Option<Verdict> {
        Verdict::ALL.get(usize::from(value)).copied()
    }

    /// Whether the reply was a SYN-ACK carrying MP_CAPABLE (real, mirrored or suspicious).
    pub fn has_mp_capable(self) -> bool {
        matches!(
            self,
            Verdict::MptcpV0 | Verdict::MptcpV1 | Verdict::Mirrored | Verdict::Suspicious
        )
    }

    /// Whether the verdict is a real MPTCP candidate (v0 or v1).
    pub fn is_mptcp(self) -> bool {
        matches!(self, Verdict::MptcpV0 | Verdict::MptcpV1)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a SYN-ACK's options could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MalformedReply {
    /// The option walk failed.
    Options(OptionError),
    /// An MPTCP option announcing MP_CAPABLE does not parse as one.
    MpCapable(MptcpError),
}

impl fmt::Display for MalformedReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MalformedReply::Options(e) => write!(f, "reply options: {e}"),
            MalformedReply::MpCapable(e) => write!(f, "reply MP_CAPABLE: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for MalformedReply {}

/// A verdict and its evidence.
///
/// `version`, `key` and `key_distance` are filled whenever the reply had a parseable
/// MP_CAPABLE, whatever the verdict: population statistics ([`crate::stats`]) want mirrored
/// keys too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Classification {
    /// The verdict.
    pub verdict: Verdict,
    /// Every signal that fired (also for verdicts they do not decide, e.g. an echoed timestamp
    /// in a SYN-ACK without MP_CAPABLE).
    pub signals: Signals,
    /// The version field of the reply's MP_CAPABLE.
    pub version: Option<u8>,
    /// The sender's key in the reply's MP_CAPABLE: the server's, or ours come back.
    pub key: Option<u64>,
    /// Bits in which `key` differs from our v0 key, when both exist.
    pub key_distance: Option<u8>,
    /// Why the reply is [`Verdict::Malformed`].
    pub error: Option<MalformedReply>,
    /// The reply's IP TTL or hop limit, as given in [`Reply::ttl`].
    pub ttl: Option<u8>,
}

impl Classification {
    fn new(verdict: Verdict, reply: &Reply<'_>) -> Classification {
        Classification {
            verdict,
            signals: Signals::empty(),
            version: None,
            key: None,
            key_distance: None,
            error: None,
            ttl: reply.ttl,
        }
    }
}

/// Classifies one reply to one probe.
///
/// The order of the tests, each ending the classification:
/// 1. RST set → [`Verdict::Rst`]; SYN and ACK not both set → [`Verdict::NotSynAck`];
///    ack ≠ `sent.seq` + 1 → [`Verdict::Unsolicited`] (ZMap's validation already ensures this;
///    other callers get a verdict rather than a misreading of someone else's packet).
/// 2. The option walk fails, or an MP_CAPABLE does not parse → [`Verdict::Malformed`].
/// 3. No MP_CAPABLE → [`Verdict::NoMpCapable`].
/// 4. A decisive signal → [`Verdict::Mirrored`]; else a suspicious one →
///    [`Verdict::Suspicious`]; else [`Verdict::MptcpV0`] or [`Verdict::MptcpV1`] by the reply's
///    version.
///
/// Allocation-free, one walk of the reply's options; our block is walked again only when the
/// reply has its exact length but other bytes (the `LAYOUT_ECHOED` test). The token of a real
/// key is left to [`crate::crypto`], because one SHA-256 block costs several times this whole
/// function and most callers need it only for the few real hosts.
pub fn classify(sent: &Sent<'_>, reply: &Reply<'_>) -> Classification {
    let mut out = Classification::new(Verdict::Rst, reply);
    if reply.flags & flags::RST != 0 {
        return out;
    }
    if reply.flags & (flags::SYN | flags::ACK) != flags::SYN | flags::ACK {
        out.verdict = Verdict::NotSynAck;
        return out;
    }
    if reply.ack != sent.seq.wrapping_add(1) {
        out.verdict = Verdict::Unsolicited;
        return out;
    }

    let mut signals = Signals::empty();
    if reply.options == sent.options {
        signals |= Signals::BLOCK_ECHOED;
    }
    if sent.window == Some(reply.window) {
        signals |= Signals::WINDOW_ECHOED;
    }
    let mut mp_capable = None;
    for item in Options::new(reply.options) {
        let option = match item {
            Ok((_, option)) => option,
            Err(error) => {
                out.verdict = Verdict::Malformed;
                out.signals = signals;
                out.error = Some(MalformedReply::Options(error));
                return out;
            }
        };
        match option {
            TcpOption::MaxSegmentSize(mss) => {
                if sent.mss == Some(mss) && mss < UNUSUAL_MSS_BELOW {
                    signals |= Signals::MSS_ECHOED;
                }
            }
            TcpOption::WindowScale(shift) => {
                if sent.window_scale == Some(shift) {
                    signals |= Signals::WINDOW_SCALE_ECHOED;
                }
            }
            TcpOption::Timestamp { tsval, tsecr } => {
                if let Some(ours) = sent.tsval {
                    if tsval == ours {
                        signals |= Signals::TS_ECHOED;
                    }
                    if tsecr != ours {
                        signals |= Signals::TSECR_WRONG;
                    }
                }
            }
            TcpOption::Mptcp(bytes) => {
                if subtype_of(bytes) != Some(subtype::MP_CAPABLE) {
                    signals |= Signals::OTHER_MPTCP;
                } else if mp_capable.is_some() {
                    signals |= Signals::DUPLICATE_MP_CAPABLE;
                } else {
                    mp_capable = Some(bytes);
                }
            }
            _ => {}
        }
    }

    let Some(bytes) = mp_capable else {
        out.verdict = Verdict::NoMpCapable;
        out.signals = signals;
        return out;
    };
    let packet = match capable::Packet::new_checked(bytes) {
        Ok(packet) => packet,
        Err(error) => {
            out.verdict = Verdict::Malformed;
            out.signals = signals;
            out.error = Some(MalformedReply::MpCapable(error));
            return out;
        }
    };
    let version = packet.version();
    let key = packet.sender_key();
    if bytes == sent.mp_capable {
        signals |= Signals::MP_CAPABLE_ECHOED;
    }
    if version > sent.version.to_wire() {
        signals |= Signals::VERSION_ABOVE_OFFERED;
    }
    match bytes.len() {
        4 => signals |= Signals::NO_KEY,
        12 => {}
        _ => signals |= Signals::ACK_LENGTH,
    }
    if let Some(key) = key {
        if let Some(ours) = sent.key {
            let distance = (key ^ ours).count_ones();
            out.key_distance = Some(distance as u8);
            if distance == 0 {
                signals |= Signals::KEY_ECHOED;
            } else if distance <= NEAR_KEY_MAX_DISTANCE {
                signals |= Signals::KEY_NEAR;
            }
        }
        let weight = key.count_ones();
        if weight <= LOW_ENTROPY_MAX_WEIGHT || weight >= 64 - LOW_ENTROPY_MAX_WEIGHT {
            signals |= Signals::KEY_LOW_ENTROPY;
        }
    }
    if !signals.contains(Signals::BLOCK_ECHOED) && layout_echoed(sent.options, reply.options) {
        signals |= Signals::LAYOUT_ECHOED;
    }

    out.verdict = if signals.intersects(Signals::DECISIVE) {
        Verdict::Mirrored
    } else if signals.intersects(Signals::SUSPICIOUS) {
        Verdict::Suspicious
    } else if version == 0 {
        Verdict::MptcpV0
    } else {
        // Any version above 1 exceeds every offer and was flagged VERSION_ABOVE_OFFERED.
        Verdict::MptcpV1
    };
    out.signals = signals;
    out.version = Some(version);
    out.key = key;
    out
}

/// Whether `reply` is our option area `sent` with only these changes, at least one of them: whole
/// options overwritten with NOPs, our MP_CAPABLE's key replaced. At least one option with a value
/// (not NOP or EOL) must have come back unchanged, so that an all-NOP area does not match.
fn layout_echoed(sent: &[u8], reply: &[u8]) -> bool {
    if sent.len() != reply.len() || sent == reply {
        return false;
    }
    let mut kept_a_value = false;
    let mut walk = Options::new(sent);
    for item in walk.by_ref() {
        let Ok((offset, option)) = item else {
            return false;
        };
        let range = offset..offset + option.buffer_len();
        let (Some(ours), Some(theirs)) = (sent.get(range.clone()), reply.get(range)) else {
            return false;
        };
        if ours == theirs {
            kept_a_value |= !matches!(option, TcpOption::NoOperation | TcpOption::EndOfList);
        } else if theirs.iter().all(|&byte| byte == kind::NOP) {
            continue;
        } else if !key_replaced(&option, ours, theirs) {
            return false;
        }
    }
    let rest = walk.rest();
    kept_a_value && reply.get(sent.len() - rest.len()..) == Some(rest)
}

/// Whether `theirs` is our MP_CAPABLE `ours` with only its key bytes changed.
fn key_replaced(option: &TcpOption<'_>, ours: &[u8], theirs: &[u8]) -> bool {
    let key = capable::field::SENDER_KEY;
    matches!(option, TcpOption::Mptcp(_))
        && subtype_of(ours) == Some(subtype::MP_CAPABLE)
        && ours.len() >= key.end
        && ours.get(..key.start) == theirs.get(..key.start)
        && ours.get(key.end..) == theirs.get(key.end..)
}
