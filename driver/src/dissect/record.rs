//! What `dissect --json` writes, one JSON object per line: a record per MPTCP connection (with
//! its subflows), per MP_JOIN that matched no connection, per SYN/SYN-ACK pair with MP_CAPABLE,
//! and a final summary ([`super::summary::SummaryRecord`]). The `record` field tells them apart;
//! the field documentation below is the schema `mptcpscan report` reads.

use serde::{Deserialize, Serialize};

/// Sender and receiver of data within a connection: the client opened the initial subflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the initial subflow's SYN sender.
    ClientToServer,
    /// Towards the initial subflow's SYN sender.
    ServerToClient,
}

/// Per-direction numbers, client → server first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PerDirection<T> {
    /// Client to server.
    pub client_to_server: T,
    /// Server to client.
    pub server_to_client: T,
}

/// One MPTCP connection.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectionRecord {
    /// Always "connection" (tells JSON-lines record kinds apart).
    pub record: String,
    /// Connection number in order of appearance, from 1.
    pub id: u64,
    /// Capture file the connection started in.
    pub file: String,
    /// Packet number (in that file) of its first packet.
    pub first_packet: u64,
    /// Time of its first packet, seconds since the Unix epoch.
    pub start: f64,
    /// From first to last packet, seconds.
    pub duration: f64,
    /// "v0" or "v1" (from MP_CAPABLE), or "unknown".
    pub version: String,
    /// The initial subflow's client, "addr:port" (`[v6]:port`).
    pub client: String,
    /// The initial subflow's server.
    pub server: String,
    /// Whether the initial SYN was in the capture (if not, the delays are from the first packet).
    pub initial_syn_seen: bool,
    /// Which directions appeared in the capture at all.
    pub directions_seen: PerDirection<bool>,
    /// Keys in hex, when seen.
    pub keys: PerDirection<Option<String>>,
    /// Tokens derived from the keys, hex.
    pub tokens: PerDirection<Option<String>>,
    /// DSS checksums: asked for by either side in MP_CAPABLE (then both use them).
    pub checksum_negotiated: bool,
    /// DSS checksums verified correct over a whole mapping.
    pub dss_checksum_ok: u64,
    /// DSS checksums that did not verify.
    pub dss_checksum_failed: u64,
    /// MP_FAIL options seen.
    pub mp_fail: u64,
    /// Subflows whose handshake started (a SYN with MP_CAPABLE or MP_JOIN, or a reply to one).
    pub subflows_attempted: u32,
    /// Subflows whose handshake completed with MPTCP.
    pub subflows_established: u32,
    /// Subflows whose handshake failed (any reason).
    pub subflows_failed: u32,
    /// Seconds from the initial SYN to each MP_JOIN SYN, in order.
    pub join_delays: Vec<f64>,
    /// Max − min handshake RTT over the established subflows, milliseconds (≥ 2 subflows).
    pub rtt_spread_ms: Option<f64>,
    /// ADD_ADDR options, echoes included.
    pub add_addr: Vec<AddAddrRecord>,
    /// REMOVE_ADDR options.
    pub remove_addr: Vec<RemoveAddrRecord>,
    /// MP_PRIO options seen.
    pub mp_prio: u64,
    /// MP_PRIO options asking for backup.
    pub mp_prio_backup: u64,
    /// Subflows opened as backup (MP_JOIN B flag) or set to backup by MP_PRIO.
    pub backup_subflows: u32,
    /// DATA_FIN seen per direction.
    pub data_fin: PerDirection<bool>,
    /// MP_FASTCLOSE sent per direction.
    pub fastclose: PerDirection<bool>,
    /// MP_TCPRST reasons seen ("code: name").
    pub tcprst: Vec<String>,
    /// How the connection ended: data_fin, data_fin_one_way, fastclose, mp_tcprst, tcp_rst,
    /// tcp_fin, open.
    pub ending: String,
    /// TCP payload bytes (each byte once per subflow) per direction, all subflows.
    pub bytes: PerDirection<u64>,
    /// Share of those bytes carried by the initial subflow (both directions), 0..1.
    pub initial_subflow_share: Option<f64>,
    /// Data-level bytes mapped by DSS per direction (each data byte once).
    pub data_bytes: PerDirection<u64>,
    /// Data-level bytes sent again on another subflow than the first, per direction.
    pub reinjected_bytes: PerDirection<u64>,
    /// The subflows, initial first.
    pub subflows: Vec<SubflowRecord>,
    /// Every segment that carried mapped data, with `dissect --series` (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<SeriesRecord>,
}

/// Per-segment time series of a connection, one column per field (compact in JSON): the `i`-th
/// segment is `(t_us[i], subflow[i], direction[i], dsn[i], len[i])`, in capture order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesRecord {
    /// Microseconds since the connection's first packet.
    pub t_us: Vec<u64>,
    /// Index of the subflow in `subflows`.
    pub subflow: Vec<u16>,
    /// 0: client → server, 1: server → client.
    pub direction: Vec<u8>,
    /// Data sequence number of the first byte, relative to the lowest one seen in its direction.
    pub dsn: Vec<u64>,
    /// Payload bytes.
    pub len: Vec<u32>,
}

/// One subflow of a connection (or an MP_JOIN without a connection).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubflowRecord {
    /// "initial" or "join".
    pub kind: String,
    /// SYN sender, "addr:port".
    pub client: String,
    /// SYN receiver.
    pub server: String,
    /// Packet number of its first packet.
    pub first_packet: u64,
    /// "established", "failed" or "attempted" (no outcome in the capture).
    pub state: String,
    /// Why it failed: "bad HMAC", "unknown token", "reset", "no MP_JOIN in SYN-ACK", "no answer".
    pub failure: Option<String>,
    /// MP_JOIN token (hex), for joins.
    pub token: Option<String>,
    /// Address identifiers from the MP_JOIN SYN and SYN-ACK.
    pub address_ids: PerDirection<Option<u8>>,
    /// Opened as backup, or set to backup by MP_PRIO.
    pub backup: bool,
    /// Seconds from the connection's initial SYN to this subflow's SYN.
    pub join_delay: Option<f64>,
    /// SYN to the ACK of the SYN-ACK, milliseconds: one round trip from any vantage point.
    pub handshake_rtt_ms: Option<f64>,
    /// TCP payload bytes per direction, each sequence number counted once.
    pub bytes: PerDirection<u64>,
    /// Packets per direction.
    pub packets: PerDirection<u64>,
    /// How it ended: "fin", "rst", "mp_tcprst", or "open".
    pub ending: String,
}

/// One ADD_ADDR option.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddAddrRecord {
    /// Who sent it.
    pub direction: Direction,
    /// Packet number.
    pub packet: u64,
    /// The address identifier.
    pub id: u8,
    /// The address advertised.
    pub address: String,
    /// The port, when one was given.
    pub port: Option<u16>,
    /// The address's scope class (private, link-local, documentation, 6to4, ...).
    pub scope: String,
    /// An echo (v1 E flag): the receiver confirming it got the advertisement.
    pub echo: bool,
    /// The v1 HMAC: "valid", "invalid", "pre-RFC truncation", "unchecked (keys unknown)", or
    /// absent (v0, echo).
    pub hmac: Option<String>,
}

/// One REMOVE_ADDR option.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoveAddrRecord {
    /// Who sent it.
    pub direction: Direction,
    /// Packet number.
    pub packet: u64,
    /// The address identifiers withdrawn.
    pub ids: Vec<u8>,
}

/// An MP_JOIN whose token matched no connection in the capture.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrphanJoinRecord {
    /// Always "orphan_join".
    pub record: String,
    /// Capture file.
    pub file: String,
    /// The subflow as far as it went.
    pub subflow: SubflowRecord,
}

/// A SYN carrying MP_CAPABLE and what answered it, classified like `mptcpscan scan` does.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScanPairRecord {
    /// Always "scan_pair".
    pub record: String,
    /// Capture file.
    pub file: String,
    /// Packet number of the SYN.
    pub syn_packet: u64,
    /// Packet number of the answer, if any.
    pub reply_packet: Option<u64>,
    /// The probed address.
    pub address: String,
    /// The probed port.
    pub port: u16,
    /// The SYN-ACK's options, hex (ZMap fork field name).
    pub optionshex: Option<String>,
    /// The key in the answer's MP_CAPABLE, hex.
    pub mptcpkey: Option<String>,
    /// The verdict.
    pub class: String,
    /// The classifier's signals that fired (the evidence for the verdict), comma-separated.
    pub mptcp_signals: String,
}
