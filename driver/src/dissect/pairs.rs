//! SYN/SYN-ACK pairs of a scan capture, classified by the core exactly as `mptcpscan scan` does.

use mptcpscan::classify::{classify, Reply, Sent};

use super::segment::Segment;

/// Verdict name for an MP_CAPABLE SYN that got no answer in the capture.
pub const NO_ANSWER: &str = "no-answer";
/// Verdict name for a SYN whose own options do not describe a probe (cannot be compared).
pub const UNREADABLE_PROBE: &str = "unreadable-probe";

/// A classified pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The verdict's name (`mptcpscan::classify::Verdict::name`).
    pub class: String,
    /// The key in the answer's MP_CAPABLE.
    pub key: Option<u64>,
    /// The answer's TCP options, hex.
    pub optionshex: Option<String>,
    /// The classifier's signals that fired, comma-separated.
    pub signals: String,
}

/// Classifies the answer to a SYN with option area `syn_options` and sequence number `syn_seq`.
pub fn classify_pair(syn_options: &[u8], syn_seq: u32, answer: Option<&Segment<'_>>) -> Pair {
    let Some(answer) = answer else {
        return Pair {
            class: NO_ANSWER.into(),
            key: None,
            optionshex: None,
            signals: String::new(),
        };
    };
    let options = answer.tcp.options();
    let optionshex = Some(options.iter().map(|b| format!("{b:02x}")).collect());
    let Ok(sent) = Sent::from_options(syn_options, syn_seq) else {
        return Pair {
            class: UNREADABLE_PROBE.into(),
            key: None,
            optionshex,
            signals: String::new(),
        };
    };
    let reply = Reply {
        flags: answer.flags(),
        seq: answer.tcp.seq_number(),
        ack: answer.tcp.ack_number(),
        window: answer.tcp.window_len(),
        options,
        ttl: Some(answer.ttl),
    };
    let classification = classify(&sent, &reply);
    Pair {
        class: classification.verdict.name().into(),
        key: classification.key,
        optionshex,
        signals: classification.signals.names().collect::<Vec<_>>().join(","),
    }
}
