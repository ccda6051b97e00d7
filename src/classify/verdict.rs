//! One reply, one verdict: [`classify`] and what it returns.

use core::fmt;

use super::input::{subtype_of, Reply, Sent};
use super::signals::{Signals, LOW_ENTROPY_MAX_WEIGHT, NEAR_KEY_MAX_DISTANCE, UNUSUAL_MSS_BELOW};
use crate::mptcp::{capable, subtype, MptcpError, Version};
use crate::options::{kind, OptionError, Options, TcpOption};
use crate::wire::TcpFlags;

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
    /// The MPTCP token of the reply's key (SHA-1 based for v0, SHA-256 for v1), when the reply
    /// carried a key in a version this crate knows. Computed on demand: it costs more than the
    /// classification itself.
    pub fn token(&self) -> Option<u32> {
        let version = Version::from_wire(self.version?)?;
        Some(crate::crypto::token(version, self.key?))
    }

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
    if reply.flags.contains(TcpFlags::RST) {
        return out;
    }
    if !reply.flags.contains(TcpFlags::SYN | TcpFlags::ACK) {
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
    let mp_capable = match scan_options(sent, reply.options, &mut signals) {
        Ok(mp_capable) => mp_capable,
        Err(error) => {
            out.verdict = Verdict::Malformed;
            out.signals = signals;
            out.error = Some(MalformedReply::Options(error));
            return out;
        }
    };
    let Some(bytes) = mp_capable else {
        out.verdict = Verdict::NoMpCapable;
        out.signals = signals;
        return out;
    };
    // The scan checked kind, length and subtype, so the two SYN-ACK layouts (12 bytes, and 4 as
    // a mirror of a v1 SYN) read straight off the bytes; the view decides every other length.
    let (version, key) = match *bytes {
        [_, 12, subtype_version, _, a, b, c, d, e, f, g, h] => (
            subtype_version & 0x0f,
            Some(u64::from_be_bytes([a, b, c, d, e, f, g, h])),
        ),
        [_, 4, subtype_version, _] => (subtype_version & 0x0f, None),
        _ => match capable::Packet::new_checked(bytes) {
            Ok(packet) => (packet.version(), packet.sender_key()),
            Err(error) => {
                out.verdict = Verdict::Malformed;
                out.signals = signals;
                out.error = Some(MalformedReply::MpCapable(error));
                return out;
            }
        },
    };
    // Equal options carry equal keys: the cheap test first.
    if key == sent.key && bytes == sent.mp_capable {
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
    if sent.options.len() == reply.options.len()
        && !signals.contains(Signals::BLOCK_ECHOED)
        && layout_echoed(sent.options, reply.options)
    {
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

/// Walks a reply's option area once, adding the option-level signals to `signals`, and returns
/// its first MP_CAPABLE.
///
/// This is [`crate::options::Options`] specialised for the hot path: it decodes only the kinds
/// the classifier compares, straight from slice patterns, and never builds a `TcpOption`. Its
/// rules and errors are the walker's, option for option (a property test holds them equal):
/// a missing length byte, a length below 2, past the end, or wrong for MSS, window scale, SACK
/// permitted, timestamps or SACK is an [`OptionError`] naming the offset; EOL ends the walk.
fn scan_options<'a>(
    sent: &Sent<'_>,
    area: &'a [u8],
    signals: &mut Signals,
) -> Result<Option<&'a [u8]>, OptionError> {
    let mut mp_capable = None;
    let mut offset = 0;
    while let Some(&kind) = area.get(offset) {
        match kind {
            kind::EOL => break,
            kind::NOP => {
                offset += 1;
                continue;
            }
            _ => {}
        }
        let len = *area
            .get(offset + 1)
            .ok_or(OptionError::MissingLength { offset, kind })?;
        if len < 2 {
            return Err(OptionError::LengthTooSmall { offset, kind, len });
        }
        let option = area
            .get(offset..offset + usize::from(len))
            .ok_or(OptionError::Truncated {
                offset,
                kind,
                len,
                available: area.len() - offset,
            })?;
        // No match guards on the comparisons: a failed guard would fall through to the
        // WrongLength arm below.
        #[allow(clippy::collapsible_match)]
        match (kind, option) {
            (kind::MSS, &[_, _, hi, lo]) => {
                let mss = u16::from_be_bytes([hi, lo]);
                if sent.mss == Some(mss) && mss < UNUSUAL_MSS_BELOW {
                    *signals |= Signals::MSS_ECHOED;
                }
            }
            (kind::WINDOW_SCALE, &[_, _, shift]) => {
                if sent.window_scale == Some(shift) {
                    *signals |= Signals::WINDOW_SCALE_ECHOED;
                }
            }
            (kind::TIMESTAMP, &[_, _, a, b, c, d, e, f, g, h]) => {
                if let Some(ours) = sent.tsval {
                    if u32::from_be_bytes([e, f, g, h]) != ours {
                        *signals |= Signals::TSECR_WRONG;
                        if u32::from_be_bytes([a, b, c, d]) == ours {
                            *signals |= Signals::TS_ECHOED;
                        }
                    }
                }
            }
            (kind::MPTCP, _) => {
                if subtype_of(option) != Some(subtype::MP_CAPABLE) {
                    *signals |= Signals::OTHER_MPTCP;
                } else if mp_capable.is_some() {
                    *signals |= Signals::DUPLICATE_MP_CAPABLE;
                } else {
                    mp_capable = Some(option);
                }
            }
            (kind::SACK_PERMITTED, &[_, _]) => {}
            (kind::SACK, _) if len > 2 && (len - 2) % 8 == 0 => {}
            (kind::MSS | kind::WINDOW_SCALE | kind::TIMESTAMP | kind::SACK_PERMITTED, _)
            | (kind::SACK, _) => return Err(OptionError::WrongLength { offset, kind, len }),
            _ => {}
        }
        offset += usize::from(len);
    }
    Ok(mp_capable)
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::classify::input::Sent;
    use quickcheck::quickcheck;
    use std::vec::Vec;

    pub(crate) fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The 2021 study's probe block (REFERENCE §1): MSS 1, SACK-permitted, TS 0x0f0f0f01/0,
    /// NOP, window scale 0, MP_CAPABLE v0 flags 0x81 key 0x0c0c0c0c0c0c0c0c.
    pub(crate) const STUDY_PROBE: &str =
        "020400010402080a0f0f0f0100000000010303001e0c00810c0c0c0c0c0c0c0c";
    /// The real v0 server row of the thesis' ZMap output (REFERENCE §1).
    pub(crate) const THESIS_V0_REPLY: &str =
        "020405ac0402080a2619f9d30f0f0f010303061e0c0081d20fa49300bda23d";
    /// The thesis row without MPTCP (REFERENCE §1).
    const THESIS_PLAIN_REPLY: &str = "020405b40402080a035535f40f0f0f01030307";
    /// Linux (2020) v1 SYN and SYN-ACK, frames 1 and 2 of captures/tcpdump/mptcp-v1.pcap.
    pub(crate) const LINUX_V1_SYN: &str = "020405b40402080a1baf9ea100000000010303081e040101";
    pub(crate) const LINUX_V1_SYNACK: &str =
        "020405b40402080ac337c5931baf9ea1010303081e0c010129a6c86981ad933c";
    const LINUX_V1_SEQ: u32 = 2_180_756_989;
    /// Out-of-tree kernel v0 SYN and SYN-ACK, frames 1 and 2 of captures/tcpdump/mptcp-v0.pcap.
    const LINUX_V0_SYN: &str = "020405b40402080affffa1b000000000010303061e0c00819c9eabd1e46a33b2";
    const LINUX_V0_SYNACK: &str =
        "020405b40402080affffa2ebffffa1b0010303051e0c0081967d2770b6960552";
    const LINUX_V0_SEQ: u32 = 2_912_457_561;

    pub(crate) const SEQ: u32 = 0x1234_5678;

    pub(crate) fn synack(options: &[u8], ack: u32) -> Reply<'_> {
        Reply {
            flags: TcpFlags::SYN | TcpFlags::ACK,
            seq: 0xdead_beef,
            ack,
            window: 29_200,
            options,
            ttl: Some(52),
        }
    }

    fn classify_study(reply_options: &[u8]) -> Classification {
        let probe = hex(STUDY_PROBE);
        let sent = Sent::from_options(&probe, SEQ).unwrap();
        classify(&sent, &synack(reply_options, SEQ.wrapping_add(1)))
    }

    #[test]
    fn thesis_real_v0_row() {
        let reply = hex(THESIS_V0_REPLY);
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::MptcpV0);
        assert_eq!(c.signals, Signals::empty());
        assert_eq!(c.version, Some(0));
        assert_eq!(c.key, Some(0xd20f_a493_00bd_a23d));
        assert_eq!(
            c.key_distance,
            Some((0xd20f_a493_00bd_a23du64 ^ 0x0c0c_0c0c_0c0c_0c0c).count_ones() as u8)
        );
        assert_eq!(c.ttl, Some(52));
        assert_eq!(c.error, None);
        assert_eq!(
            c.token(),
            Some(crate::crypto::token(Version::V0, 0xd20f_a493_00bd_a23d))
        );
    }

    #[test]
    fn thesis_plain_row() {
        let c = classify_study(&hex(THESIS_PLAIN_REPLY));
        assert_eq!(c.verdict, Verdict::NoMpCapable);
        assert_eq!(c.signals, Signals::empty());
        assert_eq!((c.key, c.version, c.token()), (None, None, None));
    }

    #[test]
    fn linux_v1_handshake_from_a_capture() {
        let (syn, synack_options) = (hex(LINUX_V1_SYN), hex(LINUX_V1_SYNACK));
        let sent = Sent::from_options(&syn, LINUX_V1_SEQ)
            .unwrap()
            .with_window(65_535);
        let mut reply = synack(&synack_options, LINUX_V1_SEQ + 1);
        reply.window = 65_535;
        let c = classify(&sent, &reply);
        assert_eq!(c.verdict, Verdict::MptcpV1);
        // Both ends used window 65535 and scale 8: coincidences, reported but not held against it.
        assert_eq!(
            c.signals,
            Signals::WINDOW_ECHOED | Signals::WINDOW_SCALE_ECHOED
        );
        assert_eq!(c.key, Some(0x29a6_c869_81ad_933c));
        assert_eq!(c.key_distance, None);
        // tshark's "Subflow token generated from key" for this packet.
        assert_eq!(c.token(), Some(2_740_809_090));
    }

    #[test]
    fn linux_v0_handshake_from_a_capture() {
        let (syn, synack_options) = (hex(LINUX_V0_SYN), hex(LINUX_V0_SYNACK));
        let sent = Sent::from_options(&syn, LINUX_V0_SEQ).unwrap();
        let c = classify(&sent, &synack(&synack_options, LINUX_V0_SEQ + 1));
        assert_eq!(c.verdict, Verdict::MptcpV0);
        assert_eq!(c.signals, Signals::empty());
        assert_eq!(c.key, Some(0x967d_2770_b696_0552));
        assert_eq!(c.token(), Some(3_833_528_642));
    }

    #[test]
    fn whole_block_echoed() {
        let c = classify_study(&hex(STUDY_PROBE));
        assert_eq!(c.verdict, Verdict::Mirrored);
        assert_eq!(
            c.signals,
            Signals::BLOCK_ECHOED
                | Signals::MP_CAPABLE_ECHOED
                | Signals::KEY_ECHOED
                | Signals::TS_ECHOED
                | Signals::TSECR_WRONG
                | Signals::MSS_ECHOED
                | Signals::WINDOW_SCALE_ECHOED
        );
        assert_eq!(c.key, Some(0x0c0c_0c0c_0c0c_0c0c));
        assert_eq!(c.key_distance, Some(0));
    }

    #[test]
    fn echo_with_timestamps_nopped() {
        // The rewriting the 2020 thesis traced: our options back, the timestamps blanked.
        let mut reply = hex(STUDY_PROBE);
        reply[6..16].fill(0x01);
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::Mirrored);
        assert_eq!(
            c.signals,
            Signals::MP_CAPABLE_ECHOED
                | Signals::KEY_ECHOED
                | Signals::LAYOUT_ECHOED
                | Signals::MSS_ECHOED
                | Signals::WINDOW_SCALE_ECHOED
        );
    }

    #[test]
    fn echoed_key_partly_rewritten() {
        let mut reply = hex(STUDY_PROBE);
        reply[6..16].fill(0x01);
        // Three bits flipped in two key bytes.
        reply[25] ^= 0x81;
        reply[31] ^= 0x10;
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::Mirrored);
        assert!(c
            .signals
            .contains(Signals::KEY_NEAR | Signals::LAYOUT_ECHOED));
        assert!(!c
            .signals
            .intersects(Signals::KEY_ECHOED | Signals::MP_CAPABLE_ECHOED));
        assert_eq!(c.key_distance, Some(3));
        // Nine bits away is no longer "near": the layout alone keeps it suspicious.
        reply[24] ^= 0xf3;
        let c = classify_study(&reply);
        assert_eq!(c.key_distance, Some(9));
        assert_eq!(c.verdict, Verdict::Suspicious);
        assert!(!c.signals.contains(Signals::KEY_NEAR));
    }

    #[test]
    fn echoed_layout_with_a_fresh_key_is_suspicious() {
        let mut reply = hex(STUDY_PROBE);
        reply[24..32].copy_from_slice(&0x29a6_c869_81ad_933cu64.to_be_bytes());
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::Suspicious);
        assert_eq!(
            c.signals,
            Signals::LAYOUT_ECHOED
                | Signals::TS_ECHOED
                | Signals::TSECR_WRONG
                | Signals::MSS_ECHOED
                | Signals::WINDOW_SCALE_ECHOED
        );
    }

    #[test]
    fn our_key_in_a_server_shaped_reply() {
        let mut reply = hex(THESIS_V0_REPLY);
        reply[23..31].copy_from_slice(&[0x0c; 8]);
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::Mirrored);
        assert_eq!(c.signals, Signals::KEY_ECHOED | Signals::MP_CAPABLE_ECHOED);
    }

    #[test]
    fn v1_probe_echoed() {
        let syn = hex(LINUX_V1_SYN);
        let sent = Sent::from_options(&syn, SEQ).unwrap();
        let c = classify(&sent, &synack(&syn, SEQ + 1));
        assert_eq!(c.verdict, Verdict::Mirrored);
        assert!(c.signals.contains(
            Signals::BLOCK_ECHOED
                | Signals::MP_CAPABLE_ECHOED
                | Signals::NO_KEY
                | Signals::TS_ECHOED
        ));
        assert_eq!((c.version, c.key), (Some(1), None));
        assert_eq!(c.token(), None);
        // A server-shaped reply whose MP_CAPABLE is only our keyless one.
        let mut reply = hex(LINUX_V1_SYNACK);
        reply.truncate(24);
        reply[21] = 0x04;
        let c = classify(&sent, &synack(&reply, SEQ + 1));
        assert_eq!(c.verdict, Verdict::Mirrored);
        assert_eq!(
            c.signals,
            Signals::NO_KEY | Signals::MP_CAPABLE_ECHOED | Signals::WINDOW_SCALE_ECHOED
        );
    }

    #[test]
    fn version_above_offered() {
        let mut reply = hex(THESIS_V0_REPLY);
        reply[21] = 0x01;
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::Suspicious);
        assert_eq!(c.signals, Signals::VERSION_ABOVE_OFFERED);
        assert_eq!(c.version, Some(1));
        // Version 15 is no version at all, and still only suspicious; it has no token.
        reply[21] = 0x0f;
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::Suspicious);
        assert_eq!(c.token(), None);
    }

    #[test]
    fn timestamp_echo_alone_is_suspicious() {
        // The server's options and key, but our timestamps option as we sent it.
        let mut reply = hex(THESIS_V0_REPLY);
        reply[8..16].copy_from_slice(&[0x0f, 0x0f, 0x0f, 0x01, 0, 0, 0, 0]);
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::Suspicious);
        assert_eq!(c.signals, Signals::TS_ECHOED | Signals::TSECR_WRONG);
        // A rewritten TSecr alone is only informational (real stacks in the captures do it).
        let mut reply = hex(THESIS_V0_REPLY);
        reply[15] = 0x02;
        let c = classify_study(&reply);
        assert_eq!(
            (c.verdict, c.signals),
            (Verdict::MptcpV0, Signals::TSECR_WRONG)
        );
        // TSval equal to ours and TSecr ours: a clock reading the same, answered properly.
        let mut reply = hex(THESIS_V0_REPLY);
        reply[8..12].copy_from_slice(&[0x0f, 0x0f, 0x0f, 0x01]);
        let c = classify_study(&reply);
        assert_eq!((c.verdict, c.signals), (Verdict::MptcpV0, Signals::empty()));
    }

    #[test]
    fn implausible_keys_and_lengths() {
        let mut reply = hex(THESIS_V0_REPLY);
        reply[23..31].fill(0);
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::Suspicious);
        assert_eq!(c.signals, Signals::KEY_LOW_ENTROPY);
        // A third-ACK MP_CAPABLE (both keys) in a SYN-ACK.
        let mut reply = hex(THESIS_V0_REPLY);
        reply[20] = 20;
        reply.extend_from_slice(&0x5a5a_5a5a_a5a5_a5a5u64.to_be_bytes());
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::Suspicious);
        assert_eq!(c.signals, Signals::ACK_LENGTH);
    }

    #[test]
    fn other_and_duplicate_mptcp_options() {
        // An MP_JOIN SYN option in a SYN-ACK, no MP_CAPABLE.
        let mut reply = hex(THESIS_PLAIN_REPLY);
        reply.extend_from_slice(&hex("1e0c1000e47f01421b665a18"));
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::NoMpCapable);
        assert_eq!(c.signals, Signals::OTHER_MPTCP);
        // Two MP_CAPABLEs: the first decides.
        let mut reply = hex(THESIS_V0_REPLY);
        reply.extend_from_slice(&hex("1e0c00810c0c0c0c0c0c0c0c"));
        let c = classify_study(&reply);
        assert_eq!(c.verdict, Verdict::MptcpV0);
        assert_eq!(c.signals, Signals::DUPLICATE_MP_CAPABLE);
    }

    #[test]
    fn resets_and_other_packets() {
        let probe = hex(STUDY_PROBE);
        let sent = Sent::from_options(&probe, SEQ).unwrap();
        let reply = hex(THESIS_V0_REPLY);
        let mut packet = synack(&reply, SEQ + 1);
        for (flags, verdict) in [
            (TcpFlags::RST, Verdict::Rst),
            (TcpFlags::RST | TcpFlags::ACK, Verdict::Rst),
            (TcpFlags::SYN | TcpFlags::RST | TcpFlags::ACK, Verdict::Rst),
            (TcpFlags::SYN, Verdict::NotSynAck),
            (TcpFlags::ACK, Verdict::NotSynAck),
            (TcpFlags::FIN | TcpFlags::ACK, Verdict::NotSynAck),
            (
                TcpFlags::SYN | TcpFlags::ACK | TcpFlags::ECE,
                Verdict::MptcpV0,
            ),
        ] {
            packet.flags = flags;
            let c = classify(&sent, &packet);
            assert_eq!(c.verdict, verdict, "{flags:?}");
            if verdict != Verdict::MptcpV0 {
                assert_eq!((c.signals, c.key), (Signals::empty(), None));
            }
        }
        packet.flags = TcpFlags::SYN | TcpFlags::ACK;
        packet.ack = SEQ;
        assert_eq!(classify(&sent, &packet).verdict, Verdict::Unsolicited);
        // The acknowledgment wraps around 2^32.
        let sent = sent.with_seq(u32::MAX);
        packet.ack = 0;
        assert_eq!(classify(&sent, &packet).verdict, Verdict::MptcpV0);
    }

    #[test]
    fn malformed_options() {
        // Timestamps of length 9, after a valid MSS.
        let c = classify_study(&hex("020405b40809000000000000000000"));
        assert_eq!(c.verdict, Verdict::Malformed);
        assert_eq!(
            c.error,
            Some(MalformedReply::Options(OptionError::WrongLength {
                offset: 4,
                kind: 8,
                len: 9
            }))
        );
        // An MP_CAPABLE of length 8 (no such layout).
        let c = classify_study(&hex("020405b41e0800810c0c0c0c"));
        assert_eq!(c.verdict, Verdict::Malformed);
        assert!(matches!(
            c.error,
            Some(MalformedReply::MpCapable(MptcpError::BadLength { .. }))
        ));
        // Our echoed MSS before the bad option is still reported.
        let c = classify_study(&hex("020400011e"));
        assert_eq!(c.verdict, Verdict::Malformed);
        assert_eq!(c.signals, Signals::MSS_ECHOED);
    }

    fn check_invariants(c: &Classification) -> bool {
        let decided_by_signals = match c.verdict {
            Verdict::Mirrored => c.signals.intersects(Signals::DECISIVE),
            Verdict::Suspicious => {
                !c.signals.intersects(Signals::DECISIVE)
                    && c.signals.intersects(Signals::SUSPICIOUS)
            }
            Verdict::MptcpV0 | Verdict::MptcpV1 => !c
                .signals
                .intersects(Signals::DECISIVE | Signals::SUSPICIOUS),
            _ => true,
        };
        decided_by_signals
            && c.error.is_some() == (c.verdict == Verdict::Malformed)
            && c.version.is_some() == c.verdict.has_mp_capable()
    }

    quickcheck! {
        fn scan_agrees_with_the_option_walker(area: Vec<u8>) -> bool {
            let probe = hex(STUDY_PROBE);
            let sent = Sent::from_options(&probe, SEQ).unwrap();
            let mut signals = Signals::empty();
            let first_mp_capable = Options::new(&area)
                .map_while(Result::ok)
                .find_map(|(_, option)| match option {
                    TcpOption::Mptcp(bytes) if subtype_of(bytes) == Some(subtype::MP_CAPABLE) => {
                        Some(bytes)
                    }
                    _ => None,
                });
            match scan_options(&sent, &area, &mut signals) {
                Ok(found) => crate::options::validate(&area).is_ok() && found == first_mp_capable,
                Err(error) => crate::options::validate(&area) == Err(error),
            }
        }

        fn scan_agrees_on_option_shaped_bytes(chunks: Vec<(u8, u8, u64)>) -> bool {
            // Random areas rarely get past their first option; these are built from plausible
            // kinds and lengths so that the walk goes deep and meets every rule.
            let kinds = [0, 1, 2, 3, 4, 5, 8, 30, 34, 253];
            let mut area = Vec::new();
            for (k, len, body) in chunks {
                area.push(kinds[usize::from(k) % kinds.len()]);
                area.push(len % 20);
                area.extend_from_slice(&body.to_be_bytes()[..usize::from(len % 9)]);
            }
            let probe = hex(STUDY_PROBE);
            let sent = Sent::from_options(&probe, SEQ).unwrap();
            let mut signals = Signals::empty();
            match scan_options(&sent, &area, &mut signals) {
                Ok(_) => crate::options::validate(&area).is_ok(),
                Err(error) => crate::options::validate(&area) == Err(error),
            }
        }

        fn classify_never_panics_on_random_replies(
            options: Vec<u8>, flags: u8, ack: u32, window: u16
        ) -> bool {
            let probe = hex(STUDY_PROBE);
            let sent = Sent::from_options(&probe, SEQ).unwrap().with_window(65_535);
            let mut reply = synack(&options, ack);
            reply.flags = TcpFlags::from_bits_retain(flags);
            reply.window = window;
            check_invariants(&classify(&sent, &reply))
        }

        fn classify_never_panics_on_random_synacks(options: Vec<u8>) -> bool {
            let probe = hex(LINUX_V1_SYN);
            let sent = Sent::from_options(&probe, SEQ).unwrap();
            check_invariants(&classify(&sent, &synack(&options, SEQ + 1)))
        }

        fn random_option_bytes_after_mp_capable_never_panic(prefix: Vec<u8>, key: u64) -> bool {
            // Random bytes that still reach a well-formed MP_CAPABLE often enough to matter.
            let mut options = prefix;
            options.truncate(28);
            options.extend_from_slice(&[0x1e, 0x0c, 0x00, 0x81]);
            options.extend_from_slice(&key.to_be_bytes());
            let probe = hex(STUDY_PROBE);
            let sent = Sent::from_options(&probe, SEQ).unwrap();
            check_invariants(&classify(&sent, &synack(&options, SEQ + 1)))
        }

        fn mp_capable_fields_agree_with_the_view(
            version: u8, flags: u8, key: u64, ack_layout: bool
        ) -> bool {
            // Both SYN-ACK layouts read directly, and a longer one through the view.
            let mut option = std::vec![0x1e, 12, version & 0x0f, flags];
            option.extend_from_slice(&key.to_be_bytes());
            if ack_layout {
                option[1] = 20;
                option.extend_from_slice(&key.rotate_left(7).to_be_bytes());
            }
            let view = crate::mptcp::MpCapable::parse(&option).unwrap();
            let short = [0x1e, 4, version & 0x0f, flags];
            let c = classify_study(&option);
            let k = classify_study(&short);
            c.version == Some(view.version)
                && c.key == view.sender_key
                && k.version == Some(version & 0x0f)
                && k.key.is_none()
        }

        fn every_random_key_far_from_ours_is_real(key: u64) -> bool {
            let mut reply = hex(THESIS_V0_REPLY);
            reply[23..31].copy_from_slice(&key.to_be_bytes());
            let c = classify_study(&reply);
            let distance = (key ^ 0x0c0c_0c0c_0c0c_0c0c).count_ones();
            let weight = key.count_ones();
            let expected = if distance <= NEAR_KEY_MAX_DISTANCE {
                Verdict::Mirrored
            } else if weight <= LOW_ENTROPY_MAX_WEIGHT || weight >= 64 - LOW_ENTROPY_MAX_WEIGHT {
                Verdict::Suspicious
            } else {
                Verdict::MptcpV0
            };
            c.verdict == expected && c.key == Some(key)
        }
    }
}
