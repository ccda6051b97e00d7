//! The evidence a reply gives: one bit per observation, grouped by how much it proves.

use bitflags::bitflags;

/// Keys within this many differing bits of our v0 key count as ours, partly rewritten
/// ([`Signals::KEY_NEAR`]).
///
/// A random 64-bit key lands within 8 bits of a given key with probability
/// Σ_{d≤8} C(64, d)/2^64 ≈ 3·10^−10, so even the ~200 000 MP_CAPABLE replies of a full IPv4 scan
/// expect no real key that close (6·10^−5 of one), while a box that rewrites a byte or two of the
/// echoed key is still caught.
pub const NEAR_KEY_MAX_DISTANCE: u32 = 8;

/// Keys whose Hamming weight is at most this, or at least 64 minus this, are implausible for a
/// random generator ([`Signals::KEY_LOW_ENTROPY`]): the same ≈ 3·10^−10 per tail as above. Zeroed
/// or constant keys written by a middlebox land here.
pub const LOW_ENTROPY_MAX_WEIGHT: u32 = 8;

/// MSS values below this are not what servers advertise (RFC 9293 §3.7.1: 536 is the IPv4
/// default a host assumes without the option), so a reply repeating such an MSS of ours
/// repeats our option ([`Signals::MSS_ECHOED`]).
pub const UNUSUAL_MSS_BELOW: u16 = 536;

bitflags! {
    /// What a reply showed, one bit per observation.
    ///
    /// Three groups, by what a single bit proves (see [`Signals::DECISIVE`],
    /// [`Signals::SUSPICIOUS`] and [`Signals::INFORMATIONAL`]):
    /// * **decisive**: the MP_CAPABLE cannot come from a conforming server, because it carries
    ///   our own probe back: the verdict is `Mirrored`;
    /// * **suspicious**: something on the path or a non-conforming stack shaped the reply, but
    ///   the key may still be the server's: the verdict is `Suspicious`, a candidate for a
    ///   tracebox run rather than a count;
    /// * **informational**: things real servers and harmless boxes produce routinely; they never
    ///   change a verdict but help explain one.
    ///
    /// The bit values are stable: they cross the C ABI as a `u32`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct Signals: u32 {
        /// The reply's MP_CAPABLE carries our v0 key unchanged (the 2020/2021 studies' test).
        const KEY_ECHOED = 1 << 0;
        /// The reply's key differs from our v0 key in 1 to [`NEAR_KEY_MAX_DISTANCE`] bits: our
        /// key, partly rewritten.
        const KEY_NEAR = 1 << 1;
        /// The reply's option area is our SYN's option area, byte for byte.
        const BLOCK_ECHOED = 1 << 2;
        /// The reply's MP_CAPABLE option is ours, byte for byte (for a v1 probe, `1e 04 01 01`
        /// coming back).
        const MP_CAPABLE_ECHOED = 1 << 3;
        /// The reply's MP_CAPABLE has no key (length 4): both RFCs require the server's key in
        /// the SYN-ACK, and length 4 is exactly a v1 SYN's option copied back.
        const NO_KEY = 1 << 4;

        /// The reply's MP_CAPABLE announces a higher version than we offered, which both RFCs
        /// forbid (the server "MUST" answer with the offered version or lower): a stack or box
        /// that does not negotiate, not a copy of our SYN (which would repeat our version).
        const VERSION_ABOVE_OFFERED = 1 << 8;
        /// The reply's timestamps option is ours come back: its TSval is our TSval and its
        /// TSecr is not (a copy keeps our TSecr, usually 0). A TSval equal to ours with TSecr
        /// ours too is a proper answer from a clock that happens to read the same: a loopback
        /// handshake shows exactly that (captures/ptcpdump/mptcp.pcap, frames 1–2), so it does
        /// not fire.
        const TS_ECHOED = 1 << 9;
        /// The reply has timestamps but its TSecr is not our TSval, which RFC 7323 requires in a
        /// SYN-ACK: the option was rewritten or copied. Informational: real MPTCP handshakes in
        /// the shared captures (pymptcpanalyzer's v0 kernel) do this, and timestamp rewriting
        /// does not touch MPTCP; a copied option also sets `TS_ECHOED`, which counts.
        const TSECR_WRONG = 1 << 10;
        /// The reply's option area is our SYN's, except that whole options were overwritten
        /// with NOPs and/or the MP_CAPABLE key was replaced (the rewriting the 2020 thesis
        /// traced): our layout came back with a fresh-looking key.
        const LAYOUT_ECHOED = 1 << 11;
        /// The reply's key has Hamming weight ≤ [`LOW_ENTROPY_MAX_WEIGHT`] or ≥ 64 minus it:
        /// not a random key.
        const KEY_LOW_ENTROPY = 1 << 12;
        /// The reply's MP_CAPABLE has a third-ACK length (20, 22 or 24) instead of 12.
        const ACK_LENGTH = 1 << 13;
        /// Our MSS, below [`UNUSUAL_MSS_BELOW`] and so no server's own choice, came back.
        const MSS_ECHOED = 1 << 14;

        /// The reply's window scale equals ours (common: Linux uses 7 on both sides).
        const WINDOW_SCALE_ECHOED = 1 << 16;
        /// The reply's window equals our SYN's window.
        const WINDOW_ECHOED = 1 << 17;
        /// The reply carries an MPTCP option other than MP_CAPABLE, which has no place in a
        /// SYN-ACK.
        const OTHER_MPTCP = 1 << 18;
        /// The reply carries more than one MP_CAPABLE; the first one was classified.
        const DUPLICATE_MP_CAPABLE = 1 << 19;
    }
}

impl Signals {
    /// Signals that make a reply with MP_CAPABLE `Mirrored`.
    pub const DECISIVE: Signals = Signals::KEY_ECHOED
        .union(Signals::KEY_NEAR)
        .union(Signals::BLOCK_ECHOED)
        .union(Signals::MP_CAPABLE_ECHOED)
        .union(Signals::NO_KEY);

    /// Signals that make a reply with MP_CAPABLE, and no decisive signal, `Suspicious`.
    ///
    /// Why these are not decisive: each shows that the reply was shaped by something other than
    /// a conforming server, but not that the key is ours. A timestamp-rewriting firewall in
    /// front of a real server gives `TS_ECHOED` with a genuine key; a box that
    /// copies our layout but draws its own key gives `LAYOUT_ECHOED`; a broken or experimental
    /// stack gives `VERSION_ABOVE_OFFERED` or `ACK_LENGTH`. The measurement method answers all
    /// of them the same way: trace the path (tracebox) before counting the host.
    pub const SUSPICIOUS: Signals = Signals::VERSION_ABOVE_OFFERED
        .union(Signals::TS_ECHOED)
        .union(Signals::LAYOUT_ECHOED)
        .union(Signals::KEY_LOW_ENTROPY)
        .union(Signals::ACK_LENGTH)
        .union(Signals::MSS_ECHOED);

    /// Signals that never change a verdict.
    pub const INFORMATIONAL: Signals = Signals::TSECR_WRONG
        .union(Signals::WINDOW_SCALE_ECHOED)
        .union(Signals::WINDOW_ECHOED)
        .union(Signals::OTHER_MPTCP)
        .union(Signals::DUPLICATE_MP_CAPABLE);

    /// The signal's name in lower case with dashes (`"key-echoed"`), as output fields and the C
    /// ABI print it; `None` unless exactly one known bit is set.
    pub fn name(self) -> Option<&'static str> {
        NAMES
            .iter()
            .find(|(signal, _)| *signal == self)
            .map(|&(_, name)| name)
    }

    /// The names of the set bits, lowest first (unknown bits are skipped).
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        NAMES
            .iter()
            .filter(move |(signal, _)| self.contains(*signal))
            .map(|&(_, name)| name)
    }
}

const NAMES: [(Signals, &str); 16] = [
    (Signals::KEY_ECHOED, "key-echoed"),
    (Signals::KEY_NEAR, "key-near"),
    (Signals::BLOCK_ECHOED, "block-echoed"),
    (Signals::MP_CAPABLE_ECHOED, "mp-capable-echoed"),
    (Signals::NO_KEY, "no-key"),
    (Signals::VERSION_ABOVE_OFFERED, "version-above-offered"),
    (Signals::TS_ECHOED, "ts-echoed"),
    (Signals::TSECR_WRONG, "tsecr-wrong"),
    (Signals::LAYOUT_ECHOED, "layout-echoed"),
    (Signals::KEY_LOW_ENTROPY, "key-low-entropy"),
    (Signals::ACK_LENGTH, "ack-length"),
    (Signals::MSS_ECHOED, "mss-echoed"),
    (Signals::WINDOW_SCALE_ECHOED, "window-scale-echoed"),
    (Signals::WINDOW_ECHOED, "window-echoed"),
    (Signals::OTHER_MPTCP, "other-mptcp"),
    (Signals::DUPLICATE_MP_CAPABLE, "duplicate-mp-capable"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_partition_the_known_bits() {
        assert!(Signals::DECISIVE
            .intersection(Signals::SUSPICIOUS)
            .is_empty());
        assert!(Signals::DECISIVE
            .intersection(Signals::INFORMATIONAL)
            .is_empty());
        assert!(Signals::SUSPICIOUS
            .intersection(Signals::INFORMATIONAL)
            .is_empty());
        assert_eq!(
            Signals::DECISIVE | Signals::SUSPICIOUS | Signals::INFORMATIONAL,
            Signals::all()
        );
        // The bit values cross the C ABI: they never move.
        assert_eq!(Signals::DECISIVE.bits(), 0x0000_001f);
        assert_eq!(Signals::SUSPICIOUS.bits(), 0x0000_7b00);
        assert_eq!(Signals::INFORMATIONAL.bits(), 0x000f_0400);
    }

    #[test]
    fn every_bit_has_one_name() {
        for signal in Signals::all().iter() {
            assert!(signal.name().is_some(), "{signal:?}");
        }
        assert_eq!(NAMES.len(), Signals::all().iter().count());
        assert_eq!(Signals::KEY_ECHOED.name(), Some("key-echoed"));
        assert_eq!((Signals::KEY_ECHOED | Signals::NO_KEY).name(), None);
        let names: [&str; 2] = {
            let mut it = (Signals::TS_ECHOED | Signals::KEY_ECHOED).names();
            [it.next().unwrap(), it.next().unwrap()]
        };
        assert_eq!(names, ["key-echoed", "ts-echoed"]);
    }
}
