//! Two probes, one host: the verdict for a host probed with both a v0 and a v1 SYN.
//!
//! A v0-only scan counts every upstream Linux (≥ 5.6, v1 only) server as "not MPTCP", and a
//! v1-only scan misses the out-of-tree v0 kernels; probing both and reading the two replies
//! together tells the stacks apart, and catches responders whose two answers cannot both be real.
//!
//! The rules are the table on [`combine`].

use core::fmt;

use bitflags::bitflags;

use super::verdict::{Classification, Verdict};

/// What the two replies together say about a host.
///
/// The discriminants are stable: they cross the C ABI as a `u8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum HostVerdict {
    /// Neither probe was answered.
    NoAnswer = 0,
    /// Only resets came back.
    Closed = 1,
    /// SYN-ACKs without MP_CAPABLE: plain TCP.
    NotMptcp = 2,
    /// Real v1 only: upstream Linux.
    V1Only = 3,
    /// Real v0 only: an out-of-tree kernel before 0.95, or another v0-only stack.
    V0Only = 4,
    /// Real v0 and real v1 with different keys: a stack speaking both versions.
    V0AndV1 = 5,
    /// The MP_CAPABLE answers are mirrors or repeat one key.
    Mirrored = 6,
    /// One answer looks real and the other mirrored or implausible: trace the path.
    Inconsistent = 7,
    /// An answer is [`Verdict::Suspicious`]: trace the path.
    Suspicious = 8,
    /// Only malformed or unrelated packets came back.
    Unclear = 9,
}

impl HostVerdict {
    /// The verdict's name as output fields print it (`"v1-only"`).
    pub fn name(self) -> &'static str {
        match self {
            HostVerdict::NoAnswer => "no-answer",
            HostVerdict::Closed => "closed",
            HostVerdict::NotMptcp => "not-mptcp",
            HostVerdict::V1Only => "v1-only",
            HostVerdict::V0Only => "v0-only",
            HostVerdict::V0AndV1 => "v0-and-v1",
            HostVerdict::Mirrored => "mirrored",
            HostVerdict::Inconsistent => "inconsistent",
            HostVerdict::Suspicious => "suspicious",
            HostVerdict::Unclear => "unclear",
        }
    }

    /// Whether the host is counted as truly MPTCP-capable (before any trace).
    pub fn is_mptcp(self) -> bool {
        matches!(
            self,
            HostVerdict::V1Only | HostVerdict::V0Only | HostVerdict::V0AndV1
        )
    }
}

impl fmt::Display for HostVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

bitflags! {
    /// What comparing the two replies showed. Stable bit values (a `u32` in the C ABI).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct HostSignals: u32 {
        /// Both replies carry the same key.
        const SAME_KEY = 1 << 0;
        /// The v1 probe's reply carries the key our v0 probe sent.
        const CROSS_ECHO = 1 << 1;
        /// The replies arrived with different TTLs: different responders, or a route change.
        const TTL_DIFFERS = 1 << 2;
        /// The v1 probe was answered with a v0 MP_CAPABLE.
        const V1_ANSWERED_WITH_V0 = 1 << 3;
    }
}

/// The combined verdict and what led to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HostClassification {
    /// The verdict.
    pub verdict: HostVerdict,
    /// The cross-reply observations.
    pub signals: HostSignals,
}

/// What one reply contributes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Real(u8),
    Mirror,
    Suspect,
    Plain,
    Reset,
    Unclear,
    Nothing,
}

fn side(reply: Option<&Classification>) -> Side {
    let Some(reply) = reply else {
        return Side::Nothing;
    };
    match reply.verdict {
        Verdict::MptcpV0 => Side::Real(0),
        Verdict::MptcpV1 => Side::Real(1),
        Verdict::Mirrored => Side::Mirror,
        Verdict::Suspicious => Side::Suspect,
        Verdict::NoMpCapable => Side::Plain,
        Verdict::Rst => Side::Reset,
        Verdict::Malformed | Verdict::NotSynAck | Verdict::Unsolicited => Side::Unclear,
    }
}

/// Combines the classifications of a host's replies to our v0 probe and our v1 probe (`None`
/// where no reply came), first match wins:
///
/// | v0 probe's reply | v1 probe's reply | [`HostVerdict`] | typical host |
/// |---|---|---|---|
/// | anything | a key equal to the v0 reply's key, or to our v0 key | `Mirrored` | canned or stateful responder: a real stack draws a fresh key per connection |
/// | `Mirrored` | `MptcpV0`/`MptcpV1` | `Inconsistent` | one answer real, one echoed: path meddling, trace it |
/// | `MptcpV0` | `Mirrored` | `Inconsistent` | likewise |
/// | `Mirrored` | anything else | `Mirrored` | option-mirroring middlebox |
/// | anything else | `Mirrored` | `Mirrored` | likewise |
/// | `Suspicious` | any | `Suspicious` | trace it |
/// | any | `Suspicious` | `Suspicious` | trace it |
/// | `MptcpV0` | `MptcpV1` | `V0AndV1` | multipath-tcp.org kernel ≥ 0.95 (both versions) |
/// | `MptcpV0` | `MptcpV0` | `V0Only` | v0-only stack answering the v1 offer with v0, as RFC 8684 §3.1 allows |
/// | `MptcpV0` | no MP_CAPABLE, RST, nothing | `V0Only` | old out-of-tree kernel (< 0.95), Apple's v0 stack |
/// | `NoMpCapable` | `MptcpV0` | `Inconsistent` | a stack that answers a v1 offer with v0 cannot ignore a v0 offer |
/// | RST, nothing | `MptcpV0` | `V0Only` | the v0 probe was lost or refused |
/// | `NoMpCapable`, RST, nothing | `MptcpV1` | `V1Only` | upstream Linux ≥ 5.6 |
/// | `NoMpCapable` | `NoMpCapable`, RST, nothing | `NotMptcp` | plain TCP |
/// | RST, nothing | `NoMpCapable` | `NotMptcp` | plain TCP |
/// | RST | RST or nothing | `Closed` | port closed |
/// | nothing | RST | `Closed` | port closed |
/// | nothing | nothing | `NoAnswer` | host down or filtered |
/// | otherwise (`Malformed`, `NotSynAck`, `Unsolicited` with nothing better on the other side) | | `Unclear` | look at the packets |
///
/// "Nothing" is `None` (no reply); `Malformed`, `NotSynAck` and `Unsolicited` replies count as
/// nothing when the other reply decides. A `MptcpV1` verdict on the v0 probe cannot occur: a v1
/// answer to a v0 offer is `Suspicious` (`VERSION_ABOVE_OFFERED`).
///
/// `our_v0_key` is the key the v0 probe sent, to catch a v1 reply carrying it.
pub fn combine(
    v0: Option<&Classification>,
    v1: Option<&Classification>,
    our_v0_key: Option<u64>,
) -> HostClassification {
    let mut signals = HostSignals::empty();
    let v1_key = v1.and_then(|c| c.key);
    if v1_key.is_some() && v1_key == v0.and_then(|c| c.key) {
        signals |= HostSignals::SAME_KEY;
    }
    if v1_key.is_some() && v1_key == our_v0_key {
        signals |= HostSignals::CROSS_ECHO;
    }
    if let (Some(a), Some(b)) = (v0.and_then(|c| c.ttl), v1.and_then(|c| c.ttl)) {
        if a != b {
            signals |= HostSignals::TTL_DIFFERS;
        }
    }
    if v1.and_then(|c| c.version) == Some(0) {
        signals |= HostSignals::V1_ANSWERED_WITH_V0;
    }

    let (a, b) = (side(v0), side(v1));
    let verdict = if signals.intersects(HostSignals::SAME_KEY | HostSignals::CROSS_ECHO) {
        HostVerdict::Mirrored
    } else {
        match (a, b) {
            (Side::Mirror, Side::Real(_)) | (Side::Real(_), Side::Mirror) => {
                HostVerdict::Inconsistent
            }
            (Side::Mirror, _) | (_, Side::Mirror) => HostVerdict::Mirrored,
            (Side::Suspect, _) | (_, Side::Suspect) => HostVerdict::Suspicious,
            (Side::Real(0), Side::Real(1)) => HostVerdict::V0AndV1,
            (Side::Real(0), _) => HostVerdict::V0Only,
            (Side::Plain, Side::Real(0)) => HostVerdict::Inconsistent,
            (_, Side::Real(0)) => HostVerdict::V0Only,
            (_, Side::Real(_)) => HostVerdict::V1Only,
            // A v0 probe's reply is never Real(1) (that is VERSION_ABOVE_OFFERED, Suspect).
            (Side::Real(_), _) => HostVerdict::Suspicious,
            (Side::Plain, _) | (_, Side::Plain) => HostVerdict::NotMptcp,
            (Side::Reset, _) | (_, Side::Reset) => HostVerdict::Closed,
            (Side::Nothing, Side::Nothing) => HostVerdict::NoAnswer,
            _ => HostVerdict::Unclear,
        }
    };
    HostClassification { verdict, signals }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Signals;

    const OUR_V0_KEY: u64 = 0x0c0c_0c0c_0c0c_0c0c;

    fn reply(verdict: Verdict, version: Option<u8>, key: Option<u64>, ttl: u8) -> Classification {
        Classification {
            verdict,
            signals: Signals::empty(),
            version,
            key,
            key_distance: None,
            error: None,
            ttl: Some(ttl),
        }
    }

    fn real_v0(key: u64) -> Classification {
        reply(Verdict::MptcpV0, Some(0), Some(key), 50)
    }

    fn real_v1(key: u64) -> Classification {
        reply(Verdict::MptcpV1, Some(1), Some(key), 50)
    }

    fn plain() -> Classification {
        reply(Verdict::NoMpCapable, None, None, 50)
    }

    fn rst() -> Classification {
        reply(Verdict::Rst, None, None, 50)
    }

    fn mirrored_v0() -> Classification {
        reply(Verdict::Mirrored, Some(0), Some(OUR_V0_KEY), 60)
    }

    fn mirrored_v1() -> Classification {
        reply(Verdict::Mirrored, Some(1), None, 60)
    }

    fn verdict(v0: Option<&Classification>, v1: Option<&Classification>) -> HostVerdict {
        combine(v0, v1, Some(OUR_V0_KEY)).verdict
    }

    #[test]
    fn the_table() {
        let (k1, k2) = (0x1111_2222_3333_4444, 0x5555_6666_7777_8888);
        let malformed = reply(Verdict::Malformed, None, None, 50);
        let suspicious = reply(Verdict::Suspicious, Some(1), Some(k2), 50);
        // Owned rows: Rust 1.88 (our rust-version) does not extend the life of `&f()` inside an
        // array literal.
        let rows: [(Option<Classification>, Option<Classification>, HostVerdict); 22] = [
            (Some(plain()), Some(real_v1(k1)), HostVerdict::V1Only),
            (None, Some(real_v1(k1)), HostVerdict::V1Only),
            (Some(rst()), Some(real_v1(k1)), HostVerdict::V1Only),
            (Some(real_v0(k1)), Some(plain()), HostVerdict::V0Only),
            (Some(real_v0(k1)), None, HostVerdict::V0Only),
            (Some(real_v0(k1)), Some(real_v0(k2)), HostVerdict::V0Only),
            (None, Some(real_v0(k2)), HostVerdict::V0Only),
            (Some(plain()), Some(real_v0(k2)), HostVerdict::Inconsistent),
            (Some(real_v0(k1)), Some(real_v1(k2)), HostVerdict::V0AndV1),
            (Some(real_v0(k1)), Some(real_v1(k1)), HostVerdict::Mirrored),
            (
                Some(plain()),
                Some(real_v1(OUR_V0_KEY)),
                HostVerdict::Mirrored,
            ),
            (
                Some(mirrored_v0()),
                Some(mirrored_v1()),
                HostVerdict::Mirrored,
            ),
            (Some(mirrored_v0()), Some(plain()), HostVerdict::Mirrored),
            (None, Some(mirrored_v1()), HostVerdict::Mirrored),
            (
                Some(mirrored_v0()),
                Some(real_v1(k1)),
                HostVerdict::Inconsistent,
            ),
            (
                Some(real_v0(k1)),
                Some(mirrored_v1()),
                HostVerdict::Inconsistent,
            ),
            (Some(real_v0(k1)), Some(suspicious), HostVerdict::Suspicious),
            (Some(plain()), Some(plain()), HostVerdict::NotMptcp),
            (Some(rst()), Some(plain()), HostVerdict::NotMptcp),
            (Some(rst()), None, HostVerdict::Closed),
            (None, None, HostVerdict::NoAnswer),
            (Some(malformed), None, HostVerdict::Unclear),
        ];
        for (i, (v0, v1, expected)) in rows.iter().enumerate() {
            assert_eq!(verdict(v0.as_ref(), v1.as_ref()), *expected, "row {i}");
        }
        assert_eq!(
            verdict(Some(&malformed), Some(&real_v1(k1))),
            HostVerdict::V1Only
        );
    }

    #[test]
    fn cross_reply_signals() {
        let both = combine(Some(&real_v0(1)), Some(&real_v1(1)), Some(OUR_V0_KEY));
        assert_eq!(both.signals, HostSignals::SAME_KEY);
        let cross = combine(Some(&plain()), Some(&real_v1(OUR_V0_KEY)), Some(OUR_V0_KEY));
        assert_eq!(cross.signals, HostSignals::CROSS_ECHO);
        let ttl = combine(Some(&mirrored_v0()), Some(&real_v1(7)), Some(OUR_V0_KEY));
        assert_eq!(ttl.signals, HostSignals::TTL_DIFFERS);
        assert_eq!(ttl.verdict, HostVerdict::Inconsistent);
        let down = combine(Some(&real_v0(1)), Some(&real_v0(2)), None);
        assert_eq!(down.signals, HostSignals::V1_ANSWERED_WITH_V0);
        assert!(down.verdict.is_mptcp());
        assert_eq!(down.verdict.name(), "v0-only");
    }
}
