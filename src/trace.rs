//! What a trace concludes: the tracebox method's answer for one target and one probe, decided
//! once for every tool (`mptcpscan trace`, the tracebox script through the Lua module, the C ABI).
//!
//! A trace sends the same SYN with TTL 1, 2, ... Each router's ICMP quote tells what reached it
//! ([`crate::quote`] turns a quote into an [`MptcpHop`]), and the target's own answer ends the
//! path ([`crate::classify`] judges it). [`conclude`] reads both, in this order, the first rule
//! that applies deciding:
//!
//! 1. A quote shows our MP_CAPABLE changed → [`Outcome::MiddleboxAffected`], at the first hop
//!    that shows it ([`first_mptcp_change`]), **whether or not the target answered**: the quote
//!    is the evidence, and a path that rewrites the option and then drops the probe is still a
//!    path with a middlebox on it.
//! 2. Nothing answered → [`Outcome::Unreachable`].
//! 3. A reset → [`Outcome::Closed`].
//! 4. The answer copies our probe back ([`Verdict::Mirrored`]) → [`Outcome::Mirrored`]: an intact
//!    path says nothing about a reply a middlebox made up.
//! 5. The answer carries an MP_CAPABLE with a key of its own ([`Verdict::MptcpV0`],
//!    [`Verdict::MptcpV1`], and also [`Verdict::Suspicious`]) → [`Outcome::TrulyMptcp`]: a
//!    suspicious reply is exactly what the classifier asks to trace, and a path whose every
//!    quote shows the option intact is the answer to that question.
//! 6. Anything else (no MP_CAPABLE, malformed options) → [`Outcome::NotMptcp`].
//!
//! Only hops before the answer count: the caller passes [`MptcpHop::NoInformation`] for silent
//! hops and for the answering hop itself.
//!
//! A changed path also says what the middlebox did ([`Conclusion::interference`]): a path whose
//! first changed quote shows our MP_CAPABLE gone is [`Interference::Stripped`], the papers'
//! stripper; a changed key, version or flags is [`Interference::Rewritten`].
//!
//! ```
//! use mptcpscan::classify::Verdict;
//! use mptcpscan::quote::MptcpHop;
//! use mptcpscan::trace::{conclude, Interference, Outcome};
//!
//! let path = [MptcpHop::Intact, MptcpHop::ReplacedByNops, MptcpHop::NoInformation];
//! let t = conclude(&path, Some(Verdict::NoMpCapable));
//! assert_eq!(t.outcome, Outcome::MiddleboxAffected);
//! assert_eq!(t.interference(), Interference::Stripped);
//! assert_eq!(t.to_string(), "middlebox-affected at hop 2 (replaced-by-nops)");
//! assert_eq!(conclude(&[MptcpHop::Intact], Some(Verdict::Suspicious)).outcome, Outcome::TrulyMptcp);
//! ```

use core::fmt;

use crate::classify::Verdict;
use crate::quote::{first_mptcp_change, MptcpHop, PathChange};

/// What one trace concludes, most telling first.
///
/// The discriminants are stable (they cross the C ABI as a `u8`) and order the outcomes by how
/// much they tell: [`Outcome::most_telling`] picks the smaller one when a host was traced with
/// several probes (a path change first, then a mirror, then an MPTCP answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Outcome {
    /// A hop's quote shows our MP_CAPABLE changed.
    MiddleboxAffected = 0,
    /// The answer copies our probe back.
    Mirrored = 1,
    /// The answer carries an MP_CAPABLE of its own and no hop changed ours.
    TrulyMptcp = 2,
    /// The answer has no (readable) MP_CAPABLE and no hop changed ours.
    NotMptcp = 3,
    /// The target answered with a reset.
    Closed = 4,
    /// Nothing answered at any TTL, and no hop changed our option.
    Unreachable = 5,
}

impl Outcome {
    /// Every outcome, by discriminant.
    pub const ALL: [Outcome; 6] = [
        Outcome::MiddleboxAffected,
        Outcome::Mirrored,
        Outcome::TrulyMptcp,
        Outcome::NotMptcp,
        Outcome::Closed,
        Outcome::Unreachable,
    ];

    /// The outcome's name as every tool prints it (`"truly-mptcp"`).
    pub fn name(self) -> &'static str {
        match self {
            Outcome::MiddleboxAffected => "middlebox-affected",
            Outcome::Mirrored => "mirrored",
            Outcome::TrulyMptcp => "truly-mptcp",
            Outcome::NotMptcp => "not-mptcp",
            Outcome::Closed => "closed",
            Outcome::Unreachable => "unreachable",
        }
    }

    /// The outcome with this discriminant.
    pub fn from_u8(value: u8) -> Option<Outcome> {
        Outcome::ALL.get(usize::from(value)).copied()
    }

    /// Of two probes' outcomes for one host, the one that tells more (see [`Outcome`]).
    pub fn most_telling(self, other: Outcome) -> Outcome {
        self.min(other)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who answered one probe of a trace.
///
/// The discriminants are stable: they cross the C ABI as a `u8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Responder {
    /// Nothing answered.
    None = 0,
    /// A router, with an ICMP error quoting the probe.
    Icmp = 1,
    /// The target, with a SYN-ACK.
    SynAck = 2,
    /// The target, with a reset.
    Rst = 3,
}

impl Responder {
    /// Every responder kind, by discriminant.
    pub const ALL: [Responder; 4] = [
        Responder::None,
        Responder::Icmp,
        Responder::SynAck,
        Responder::Rst,
    ];

    /// The name as trace output prints it (`"synack"`).
    pub fn name(self) -> &'static str {
        match self {
            Responder::None => "none",
            Responder::Icmp => "icmp",
            Responder::SynAck => "synack",
            Responder::Rst => "rst",
        }
    }

    /// The responder kind with this discriminant.
    pub fn from_u8(value: u8) -> Option<Responder> {
        Responder::ALL.get(usize::from(value)).copied()
    }
}

impl fmt::Display for Responder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the middlebox of a changed path did to our MP_CAPABLE, as the first hop that shows the
/// change tells ([`Conclusion::interference`]).
///
/// The 2021 paper calls every such path middlebox-affected; the issue's (and the papers')
/// *strippers* are the paths whose first changed quote shows the option gone. A quote that stops
/// before the options only shows that their length changed: that may be a stripper, or a box
/// that adds an option, and is named as such, never guessed.
///
/// The discriminants are stable: they cross the C ABI as a `u8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Interference {
    /// No hop changed our MP_CAPABLE.
    None = 0,
    /// The option is gone: removed, or overwritten with NOPs (a stripper).
    Stripped = 1,
    /// The option is there but changed: its key, version, flags or length (a rewriter).
    Rewritten = 2,
    /// Only a partial quote's IP length shows that the options grew or shrank.
    Resized = 3,
}

impl Interference {
    /// Every kind, by discriminant.
    pub const ALL: [Interference; 4] = [
        Interference::None,
        Interference::Stripped,
        Interference::Rewritten,
        Interference::Resized,
    ];

    /// The name as every tool prints it (`"stripped"`).
    pub fn name(self) -> &'static str {
        match self {
            Interference::None => "none",
            Interference::Stripped => "stripped",
            Interference::Rewritten => "rewritten",
            Interference::Resized => "resized",
        }
    }

    /// The kind with this discriminant.
    pub fn from_u8(value: u8) -> Option<Interference> {
        Interference::ALL.get(usize::from(value)).copied()
    }

    /// What a hop's summary says the path did.
    pub fn of(hop: MptcpHop) -> Interference {
        match hop {
            MptcpHop::NoInformation | MptcpHop::Intact => Interference::None,
            MptcpHop::Removed | MptcpHop::ReplacedByNops => Interference::Stripped,
            MptcpHop::KeyRewritten { .. } | MptcpHop::VersionOrFlagsChanged => {
                Interference::Rewritten
            }
            MptcpHop::PartialLengthChanged { .. } => Interference::Resized,
        }
    }
}

impl fmt::Display for Interference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A trace's conclusion and the hop it points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Conclusion {
    /// The outcome.
    pub outcome: Outcome,
    /// The first hop whose quote shows our MP_CAPABLE changed (set exactly when the outcome is
    /// [`Outcome::MiddleboxAffected`]).
    pub change: Option<PathChange>,
}

impl Conclusion {
    /// What the first changed hop shows the path did to our MP_CAPABLE ([`Interference::None`]
    /// when no hop changed it): [`Interference::Stripped`] marks the papers' strippers.
    pub fn interference(&self) -> Interference {
        self.change
            .map_or(Interference::None, |c| Interference::of(c.summary))
    }
}

/// Concludes a trace from the hops before the answer (`hops[i]` for TTL `i + 1`) and the
/// classifier's verdict on the answer (`None`: nothing answered). The rules are listed in the
/// module documentation.
pub fn conclude(hops: &[MptcpHop], answer: Option<Verdict>) -> Conclusion {
    if let Some(change) = first_mptcp_change(hops) {
        return Conclusion {
            outcome: Outcome::MiddleboxAffected,
            change: Some(change),
        };
    }
    let outcome = match answer {
        None => Outcome::Unreachable,
        Some(Verdict::Rst) => Outcome::Closed,
        Some(Verdict::Mirrored) => Outcome::Mirrored,
        Some(Verdict::MptcpV0 | Verdict::MptcpV1 | Verdict::Suspicious) => Outcome::TrulyMptcp,
        Some(
            Verdict::NoMpCapable | Verdict::Malformed | Verdict::NotSynAck | Verdict::Unsolicited,
        ) => Outcome::NotMptcp,
    };
    Conclusion {
        outcome,
        change: None,
    }
}

/// The final line every tool prints for a trace: the outcome's name, and for a middlebox the hop
/// and what its quote shows, e.g. `middlebox-affected at hop 2 (key-rewritten(12 bits))`.
impl fmt::Display for Conclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.outcome.name())?;
        match self.change {
            Some(change) => write!(f, " at hop {} ({})", change.hop, change.summary),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    const REMOVED: MptcpHop = MptcpHop::Removed;
    const INTACT: MptcpHop = MptcpHop::Intact;
    const SILENT: MptcpHop = MptcpHop::NoInformation;

    #[test]
    fn a_changed_path_without_an_answer_is_middlebox_affected() {
        // The case `mptcpscan trace` called unreachable and mptcp.lua middlebox-affected.
        let t = conclude(&[INTACT, REMOVED, REMOVED, SILENT], None);
        assert_eq!(t.outcome, Outcome::MiddleboxAffected);
        let change = t.change.unwrap();
        assert_eq!((change.hop, change.last_intact), (2, Some(1)));
        assert_eq!(t.to_string(), "middlebox-affected at hop 2 (removed)");
        assert_eq!(
            conclude(&[INTACT, SILENT], None).outcome,
            Outcome::Unreachable
        );
        assert_eq!(conclude(&[], None).to_string(), "unreachable");
    }

    #[test]
    fn a_suspicious_answer_on_a_clean_path_is_truly_mptcp() {
        // The case `mptcpscan trace` called truly MPTCP and mptcp.lua not MPTCP.
        let t = conclude(&[INTACT, INTACT, SILENT], Some(Verdict::Suspicious));
        assert_eq!(t.outcome, Outcome::TrulyMptcp);
        assert_eq!(t.change, None);
        assert_eq!(t.to_string(), "truly-mptcp");
    }

    #[test]
    fn every_verdict_has_one_outcome_on_a_clean_path() {
        let expected = [
            (Verdict::NoMpCapable, Outcome::NotMptcp),
            (Verdict::MptcpV0, Outcome::TrulyMptcp),
            (Verdict::MptcpV1, Outcome::TrulyMptcp),
            (Verdict::Mirrored, Outcome::Mirrored),
            (Verdict::Suspicious, Outcome::TrulyMptcp),
            (Verdict::Rst, Outcome::Closed),
            (Verdict::Malformed, Outcome::NotMptcp),
            (Verdict::NotSynAck, Outcome::NotMptcp),
            (Verdict::Unsolicited, Outcome::NotMptcp),
        ];
        for (verdict, outcome) in expected {
            assert_eq!(conclude(&[INTACT], Some(verdict)).outcome, outcome);
            // A change before the answer overrides every verdict, a mirror included.
            let t = conclude(
                &[INTACT, MptcpHop::KeyRewritten { hamming: 12 }],
                Some(verdict),
            );
            assert_eq!(t.outcome, Outcome::MiddleboxAffected);
            assert_eq!(
                t.to_string(),
                "middlebox-affected at hop 2 (key-rewritten(12 bits))"
            );
        }
    }

    #[test]
    fn strippers_are_told_from_rewriters_by_the_first_change() {
        let of = |hops: &[MptcpHop]| conclude(hops, Some(Verdict::NoMpCapable)).interference();
        assert_eq!(of(&[INTACT, INTACT]), Interference::None);
        assert_eq!(of(&[INTACT, REMOVED]), Interference::Stripped);
        assert_eq!(
            of(&[SILENT, MptcpHop::ReplacedByNops]),
            Interference::Stripped
        );
        assert_eq!(
            of(&[MptcpHop::KeyRewritten { hamming: 3 }, REMOVED]),
            Interference::Rewritten
        );
        assert_eq!(
            of(&[INTACT, MptcpHop::VersionOrFlagsChanged]),
            Interference::Rewritten
        );
        // A partial quote shows a length, not which option went: never called a stripper.
        let resized = MptcpHop::PartialLengthChanged {
            sent: 64,
            quoted: 52,
        };
        assert_eq!(of(&[INTACT, resized]), Interference::Resized);
        // The outcome stays the paper's middlebox-affected for every kind.
        assert_eq!(
            conclude(&[REMOVED], None).outcome,
            Outcome::MiddleboxAffected
        );
        for (i, k) in Interference::ALL.iter().enumerate() {
            assert_eq!(Interference::from_u8(i as u8), Some(*k));
        }
        assert_eq!(Interference::from_u8(4), None);
        assert_eq!(Interference::Stripped.to_string(), "stripped");
    }

    #[test]
    fn names_and_ranks() {
        for (i, o) in Outcome::ALL.iter().enumerate() {
            assert_eq!(Outcome::from_u8(i as u8), Some(*o));
        }
        assert_eq!(Outcome::from_u8(6), None);
        assert_eq!(
            Outcome::TrulyMptcp.most_telling(Outcome::Mirrored),
            Outcome::Mirrored
        );
        assert_eq!(
            Outcome::Unreachable.most_telling(Outcome::NotMptcp),
            Outcome::NotMptcp
        );
        for (i, r) in Responder::ALL.iter().enumerate() {
            assert_eq!(Responder::from_u8(i as u8), Some(*r));
        }
        assert_eq!(Responder::SynAck.to_string(), "synack");
    }
}
