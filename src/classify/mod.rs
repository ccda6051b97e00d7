//! Reply classification with mirror detection: is the MP_CAPABLE in a SYN-ACK the server's, or
//! our own probe coming back?
//!
//! The studies this project builds on (Aschenbrenner et al. 2020/2021) sent a v0 SYN with a fixed
//! key and called every SYN-ACK carrying that key back a mirroring middlebox: 96 % of MP_CAPABLE
//! replies on port 80. This module generalises the test: [`classify`] compares one reply with the
//! SYN it answers ([`Sent`], [`Reply`]) and returns a [`Verdict`] with the [`Signals`] that
//! fired (our key echoed or partly rewritten, the whole block or our MP_CAPABLE echoed, a keyless
//! or over-versioned reply, our timestamp, MSS or window scale back), split into decisive,
//! suspicious and informational ones. [`combine`] reads a host's replies to a v0 and a v1 probe
//! together ([`HostVerdict`]); [`crate::stats`] tests the keys of a whole population.
//!
//! Everything here is allocation-free and runs per packet (ZMap's `process_packet`, the C ABI):
//! see `benches/classify.rs` for its cost.

mod combine;
mod input;
mod signals;
mod verdict;

pub use combine::{combine, HostClassification, HostSignals, HostVerdict};
pub use input::{Reply, Sent, SentError};
pub use signals::{Signals, LOW_ENTROPY_MAX_WEIGHT, NEAR_KEY_MAX_DISTANCE, UNUSUAL_MSS_BELOW};
pub use verdict::{classify, Classification, MalformedReply, Verdict};
