//! What the tracker hands over when a connection, an orphan join or a scan pair is finished: typed
//! records that hosts turn into text (`mptcpscan dissect` writes them as JSON lines and CSV).

use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};

use crate::classify::{SentError, Signals, Verdict};
use crate::crypto;
use crate::mptcp::{RstReason, Version};

use super::finding::Check;

/// Per-direction indices: 0 is client → server (the initial subflow's SYN sender is the client).
pub type PerDirection<T> = [T; 2];

/// DSS checksum outcomes over a connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ChecksumCounts {
    /// Checksums that verified (whole mappings, across segments, on MP_CAPABLE, on DATA_FIN).
    pub valid: u64,
    /// Checksums that did not.
    pub invalid: u64,
    /// Checksums the capture did not allow to check.
    pub unverifiable: u64,
}

impl ChecksumCounts {
    /// Counts one outcome (spans still open are counted when they end).
    pub fn count(&mut self, check: Check) {
        match check {
            Check::Valid => self.valid += 1,
            Check::Invalid => self.invalid += 1,
            Check::Unverifiable(_) => self.unverifiable += 1,
            Check::PreRfcTruncation | Check::SpansSegments => {}
        }
    }
}

/// Why a subflow's handshake failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailReason {
    /// An MP_JOIN HMAC was wrong.
    BadHmac,
    /// The MP_JOIN token matched no connection of the capture.
    UnknownToken,
    /// Reset before the handshake completed.
    Reset,
    /// The SYN-ACK to an MP_JOIN SYN had no MP_JOIN.
    NoJoinInSynAck,
    /// The SYN got no answer in the capture.
    NoAnswer,
}

impl FailReason {
    /// Every reason, in the order the C ABI numbers them.
    pub const ALL: [FailReason; 5] = [
        FailReason::BadHmac,
        FailReason::UnknownToken,
        FailReason::Reset,
        FailReason::NoJoinInSynAck,
        FailReason::NoAnswer,
    ];

    /// The phrase reports use.
    pub const fn name(self) -> &'static str {
        match self {
            FailReason::BadHmac => "bad HMAC",
            FailReason::UnknownToken => "unknown token",
            FailReason::Reset => "reset",
            FailReason::NoJoinInSynAck => "no MP_JOIN in SYN-ACK",
            FailReason::NoAnswer => "no answer",
        }
    }
}

/// Where a subflow's handshake got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubflowState {
    /// Completed with MPTCP (the third ACK, or later traffic, was seen).
    Established,
    /// Failed.
    Failed(FailReason),
    /// No outcome in the capture.
    Attempted,
    /// Traffic of a subflow whose SYN was not captured and whose token is unknown.
    SynNotCaptured,
}

impl SubflowState {
    /// "established", "failed" or "attempted".
    pub const fn name(self) -> &'static str {
        match self {
            SubflowState::Established => "established",
            SubflowState::Failed(_) => "failed",
            SubflowState::Attempted | SubflowState::SynNotCaptured => "attempted",
        }
    }

    /// Why, for a failed subflow or one whose SYN is missing.
    pub const fn reason(self) -> Option<&'static str> {
        match self {
            SubflowState::Failed(reason) => Some(reason.name()),
            SubflowState::SynNotCaptured => Some("SYN not captured (no token)"),
            SubflowState::Established | SubflowState::Attempted => None,
        }
    }
}

/// How a subflow ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubflowEnding {
    /// FIN in at least one direction.
    Fin,
    /// TCP reset.
    Rst,
    /// Reset with MP_TCPRST.
    MpTcpRst,
    /// Still open at the end of the capture.
    Open,
}

impl SubflowEnding {
    /// Every ending, in the order the C ABI numbers them.
    pub const ALL: [SubflowEnding; 4] = [
        SubflowEnding::Fin,
        SubflowEnding::Rst,
        SubflowEnding::MpTcpRst,
        SubflowEnding::Open,
    ];

    /// "fin", "rst", "mp_tcprst", "open".
    pub const fn name(self) -> &'static str {
        match self {
            SubflowEnding::Fin => "fin",
            SubflowEnding::Rst => "rst",
            SubflowEnding::MpTcpRst => "mp_tcprst",
            SubflowEnding::Open => "open",
        }
    }
}

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionEnding {
    /// DATA_FIN both ways.
    DataFin,
    /// DATA_FIN one way only.
    DataFinOneWay,
    /// MP_FASTCLOSE.
    Fastclose,
    /// Every subflow closed, one with MP_TCPRST.
    MpTcpRst,
    /// Every subflow closed, one reset.
    TcpRst,
    /// Every subflow closed with FIN.
    TcpFin,
    /// Still open.
    Open,
}

impl ConnectionEnding {
    /// Every ending, in the order the C ABI numbers them.
    pub const ALL: [ConnectionEnding; 7] = [
        ConnectionEnding::DataFin,
        ConnectionEnding::DataFinOneWay,
        ConnectionEnding::Fastclose,
        ConnectionEnding::MpTcpRst,
        ConnectionEnding::TcpRst,
        ConnectionEnding::TcpFin,
        ConnectionEnding::Open,
    ];

    /// "data_fin", "data_fin_one_way", "fastclose", "mp_tcprst", "tcp_rst", "tcp_fin", "open".
    pub const fn name(self) -> &'static str {
        match self {
            ConnectionEnding::DataFin => "data_fin",
            ConnectionEnding::DataFinOneWay => "data_fin_one_way",
            ConnectionEnding::Fastclose => "fastclose",
            ConnectionEnding::MpTcpRst => "mp_tcprst",
            ConnectionEnding::TcpRst => "tcp_rst",
            ConnectionEnding::TcpFin => "tcp_fin",
            ConnectionEnding::Open => "open",
        }
    }
}

/// One subflow of a finished connection (or an orphan join).
#[derive(Debug, Clone, PartialEq)]
pub struct SubflowSummary {
    /// Its place in the connection (0: initial, then joins in the order they were attached):
    /// the `subflow` of its segments' findings.
    pub index: u16,
    /// `None` for the initial subflow; for a join, its token (when the SYN was seen).
    pub join_token: Option<Option<u32>>,
    /// SYN sender.
    pub client: SocketAddr,
    /// SYN receiver.
    pub server: SocketAddr,
    /// First frame.
    pub first_frame: u64,
    /// Handshake outcome.
    pub state: SubflowState,
    /// Address identifiers from the MP_JOIN SYN and SYN-ACK.
    pub address_ids: [Option<u8>; 2],
    /// Opened as backup, or set to backup by MP_PRIO.
    pub backup: bool,
    /// From the connection's initial SYN to this join's SYN (ns).
    pub join_delay: Option<i64>,
    /// SYN to the ACK of the SYN-ACK (ns).
    pub handshake_rtt: Option<i64>,
    /// Payload bytes per connection direction, each sequence number once.
    pub bytes: PerDirection<u64>,
    /// Packets per connection direction.
    pub packets: PerDirection<u64>,
    /// How it ended.
    pub ending: SubflowEnding,
}

impl SubflowSummary {
    /// "initial" or "join".
    pub const fn kind(&self) -> &'static str {
        match self.join_token {
            None => "initial",
            Some(_) => "join",
        }
    }
}

/// One ADD_ADDR option of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddAddrSeen {
    /// Connection direction of the sender (0: client → server).
    pub direction: usize,
    /// Frame.
    pub frame: u64,
    /// Address id.
    pub id: u8,
    /// The address advertised.
    pub address: IpAddr,
    /// The port, when one was given.
    pub port: Option<u16>,
    /// An echo (v1 E flag).
    pub echo: bool,
    /// The v1 HMAC's check, when the option carries one.
    pub hmac: Option<Check>,
}

/// One REMOVE_ADDR option of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoveAddrSeen {
    /// Connection direction of the sender.
    pub direction: usize,
    /// Frame.
    pub frame: u64,
    /// The address ids withdrawn.
    pub ids: Vec<u8>,
}

/// A finished MPTCP connection.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionSummary {
    /// Number in order of appearance, from 1.
    pub id: u64,
    /// The capture file it started in (as the host numbered it with `start_file`).
    pub file: u32,
    /// Its first frame.
    pub first_frame: u64,
    /// Time of its first packet (ns, capture clock).
    pub first_time: i64,
    /// Time of its last packet.
    pub last_time: i64,
    /// The version from MP_CAPABLE, when known.
    pub version: Option<Version>,
    /// The initial subflow's client.
    pub client: SocketAddr,
    /// The initial subflow's server.
    pub server: SocketAddr,
    /// Whether the initial SYN was in the capture.
    pub initial_syn_seen: bool,
    /// Packets per direction.
    pub packets: PerDirection<u64>,
    /// Keys, when seen.
    pub keys: PerDirection<Option<u64>>,
    /// Either side asked for DSS checksums.
    pub checksum_negotiated: bool,
    /// DSS checksum outcomes.
    pub checksums: ChecksumCounts,
    /// MP_FAIL options.
    pub mp_fail: u64,
    /// Subflows, initial first.
    pub subflows: Vec<SubflowSummary>,
    /// ADD_ADDR options.
    pub add_addr: Vec<AddAddrSeen>,
    /// REMOVE_ADDR options.
    pub remove_addr: Vec<RemoveAddrSeen>,
    /// MP_PRIO options.
    pub mp_prio: u64,
    /// MP_PRIO options asking for backup.
    pub mp_prio_backup: u64,
    /// DATA_FIN per direction.
    pub data_fin: PerDirection<bool>,
    /// MP_FASTCLOSE per direction.
    pub fastclose: PerDirection<bool>,
    /// MP_TCPRST reasons.
    pub tcprst: Vec<RstReason>,
    /// How it ended.
    pub ending: ConnectionEnding,
    /// Data-level bytes covered by mappings, per direction.
    pub data_bytes: PerDirection<u64>,
    /// Data-level bytes sent again on another subflow, per direction.
    pub reinjected_bytes: PerDirection<u64>,
}

impl ConnectionSummary {
    /// The tokens of the keys.
    pub fn tokens(&self) -> PerDirection<Option<u32>> {
        let version = self.version.unwrap_or(Version::V1);
        self.keys.map(|k| k.map(|k| crypto::token(version, k)))
    }

    /// Payload bytes over every subflow, per direction.
    pub fn bytes(&self) -> PerDirection<u64> {
        self.subflows.iter().fold([0; 2], |acc, s| {
            [
                acc[0].saturating_add(s.bytes[0]),
                acc[1].saturating_add(s.bytes[1]),
            ]
        })
    }

    /// Share of the payload (both directions) on the initial subflow, 0..1.
    pub fn initial_subflow_share(&self) -> Option<f64> {
        let [a, b] = self.bytes();
        let total = a.saturating_add(b);
        let initial = self.subflows.iter().find(|s| s.join_token.is_none())?;
        (total > 0).then(|| initial.bytes[0].saturating_add(initial.bytes[1]) as f64 / total as f64)
    }

    /// Max − min handshake round trip over the established subflows (ns), with two or more.
    pub fn rtt_spread(&self) -> Option<i64> {
        let mut rtts = self
            .subflows
            .iter()
            .filter(|s| s.state == SubflowState::Established)
            .filter_map(|s| s.handshake_rtt);
        let first = rtts.next()?;
        let second = rtts.next()?;
        let (low, high) = rtts.fold((first.min(second), first.max(second)), |(l, h), r| {
            (l.min(r), h.max(r))
        });
        Some(high.saturating_sub(low))
    }

    /// Subflows in a given state (by name: established, failed, attempted).
    pub fn subflows_in(&self, state: &str) -> usize {
        self.subflows
            .iter()
            .filter(|s| s.state.name() == state)
            .count()
    }
}

/// How an MP_CAPABLE SYN was answered, classified like `mptcpscan scan` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PairVerdict {
    /// No answer in the capture.
    NoAnswer,
    /// The SYN's options do not describe a probe.
    UnreadableProbe(SentError),
    /// The classifier's verdict and the signals that fired.
    Classified(Verdict, Signals),
}

impl PairVerdict {
    /// The verdict's name: the classifier's, or "no-answer", "unreadable-probe".
    pub fn name(self) -> &'static str {
        match self {
            PairVerdict::NoAnswer => "no-answer",
            PairVerdict::UnreadableProbe(_) => "unreadable-probe",
            PairVerdict::Classified(verdict, _) => verdict.name(),
        }
    }
}

/// An MP_CAPABLE SYN and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScanPair {
    /// The capture file (the host's numbering).
    pub file: u32,
    /// The SYN's frame.
    pub syn_frame: u64,
    /// The answer's frame.
    pub reply_frame: Option<u64>,
    /// The probed endpoint.
    pub server: SocketAddr,
    /// The answer's TCP option area.
    pub reply_options: Option<Vec<u8>>,
    /// The key in the answer's MP_CAPABLE.
    pub key: Option<u64>,
    /// The verdict.
    pub verdict: PairVerdict,
}

/// A record the tracker has finished.
#[derive(Debug, Clone, PartialEq)]
pub enum Finished {
    /// A connection, ended and quiet, idle too long, or open at the end of the capture.
    Connection(ConnectionSummary),
    /// An MP_JOIN subflow whose token matched no connection.
    OrphanJoin {
        /// The capture file.
        file: u32,
        /// The subflow as far as it went.
        subflow: SubflowSummary,
    },
    /// An MP_CAPABLE SYN and its answer.
    ScanPair(ScanPair),
}
