//! What `dissect --json` writes, one JSON object per line: a record per MPTCP connection (with
//! its subflows), per MP_JOIN that matched no connection, per SYN/SYN-ACK pair with MP_CAPABLE,
//! and a final summary ([`super::summary::SummaryRecord`]). The `record` field tells them apart;
//! the field documentation below is the schema `mptcpscan report` reads.

use mptcpscan::scope::AddressScope;
use mptcpscan::track::{
    AddAddrSeen, ConnectionSummary, PerDirection as Pair, RemoveAddrSeen, ScanPair, SubflowSummary,
};
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
    /// DSS checksums verified correct over a whole mapping (in one segment or several, on
    /// MP_CAPABLE with the first data, on DATA_FIN alone).
    pub dss_checksum_ok: u64,
    /// DSS checksums that did not verify.
    pub dss_checksum_failed: u64,
    /// DSS checksums the capture did not allow to check (snap length, keys not captured, ...).
    #[serde(default)]
    pub dss_checksum_unverifiable: u64,
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
    /// The v1 HMAC: "valid", "invalid", "pre-rfc-truncation", "unverifiable" (keys not in the
    /// capture), or absent (v0, echo): the core's check names, as the tshark plugin shows them.
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

fn per<T>([client_to_server, server_to_client]: Pair<T>) -> PerDirection<T> {
    PerDirection {
        client_to_server,
        server_to_client,
    }
}

fn direction(index: usize) -> Direction {
    if index == 0 {
        Direction::ClientToServer
    } else {
        Direction::ServerToClient
    }
}

fn hex_key(key: Option<u64>) -> Option<String> {
    key.map(|k| format!("{k:016x}"))
}

fn seconds(ns: i64) -> f64 {
    ns as f64 / 1e9
}

impl SubflowRecord {
    /// The record of a subflow the core tracker finished.
    pub fn from_summary(s: &SubflowSummary) -> SubflowRecord {
        SubflowRecord {
            kind: s.kind().into(),
            client: s.client.to_string(),
            server: s.server.to_string(),
            first_packet: s.first_frame,
            state: s.state.name().into(),
            failure: s.state.reason().map(String::from),
            token: s.join_token.flatten().map(|t| format!("{t:08x}")),
            address_ids: per(s.address_ids),
            backup: s.backup,
            join_delay: s.join_delay.map(seconds),
            handshake_rtt_ms: s.handshake_rtt.map(|ns| ns as f64 / 1e6),
            bytes: per(s.bytes),
            packets: per(s.packets),
            ending: s.ending.name().into(),
        }
    }
}

impl AddAddrRecord {
    fn from_seen(a: &AddAddrSeen) -> AddAddrRecord {
        AddAddrRecord {
            direction: direction(a.direction),
            packet: a.frame,
            id: a.id,
            address: a.address.to_string(),
            port: a.port,
            scope: AddressScope::of(a.address).to_string(),
            echo: a.echo,
            hmac: a.hmac.map(|h| h.name().into()),
        }
    }
}

impl RemoveAddrRecord {
    fn from_seen(r: &RemoveAddrSeen) -> RemoveAddrRecord {
        RemoveAddrRecord {
            direction: direction(r.direction),
            packet: r.frame,
            ids: r.ids.clone(),
        }
    }
}

impl ConnectionRecord {
    /// The record of a connection the core tracker finished, which started in capture `file`.
    pub fn from_summary(c: &ConnectionSummary, file: String) -> ConnectionRecord {
        let subflows: Vec<SubflowRecord> =
            c.subflows.iter().map(SubflowRecord::from_summary).collect();
        ConnectionRecord {
            record: "connection".into(),
            id: c.id,
            file,
            first_packet: c.first_frame,
            start: seconds(c.first_time),
            duration: seconds(c.last_time.saturating_sub(c.first_time)),
            version: c
                .version
                .map_or("unknown", |v| match v {
                    mptcpscan::mptcp::Version::V0 => "v0",
                    mptcpscan::mptcp::Version::V1 => "v1",
                })
                .into(),
            client: c.client.to_string(),
            server: c.server.to_string(),
            initial_syn_seen: c.initial_syn_seen,
            directions_seen: per(c.packets.map(|n| n > 0)),
            keys: per(c.keys.map(hex_key)),
            tokens: per(c.tokens().map(|t| t.map(|t| format!("{t:08x}")))),
            checksum_negotiated: c.checksum_negotiated,
            dss_checksum_ok: c.checksums.valid,
            dss_checksum_failed: c.checksums.invalid,
            dss_checksum_unverifiable: c.checksums.unverifiable,
            mp_fail: c.mp_fail,
            subflows_attempted: subflows.len() as u32,
            subflows_established: c.subflows_in("established") as u32,
            subflows_failed: c.subflows_in("failed") as u32,
            join_delays: subflows.iter().filter_map(|s| s.join_delay).collect(),
            rtt_spread_ms: c.rtt_spread().map(|ns| ns as f64 / 1e6),
            add_addr: c.add_addr.iter().map(AddAddrRecord::from_seen).collect(),
            remove_addr: c
                .remove_addr
                .iter()
                .map(RemoveAddrRecord::from_seen)
                .collect(),
            mp_prio: c.mp_prio,
            mp_prio_backup: c.mp_prio_backup,
            backup_subflows: subflows.iter().filter(|s| s.backup).count() as u32,
            data_fin: per(c.data_fin),
            fastclose: per(c.fastclose),
            tcprst: c
                .tcprst
                .iter()
                .map(|r| format!("{:#04x} {}", r.0, r.name()))
                .collect(),
            ending: c.ending.name().into(),
            bytes: per(c.bytes()),
            initial_subflow_share: c.initial_subflow_share(),
            data_bytes: per(c.data_bytes),
            reinjected_bytes: per(c.reinjected_bytes),
            subflows,
            series: None,
        }
    }
}

impl ScanPairRecord {
    /// The record of an MP_CAPABLE SYN and its answer, from capture `file`.
    pub fn from_pair(p: &ScanPair, file: String) -> ScanPairRecord {
        let signals = match p.verdict {
            mptcpscan::track::PairVerdict::Classified(_, signals) => {
                signals.names().collect::<Vec<_>>().join(",")
            }
            _ => String::new(),
        };
        ScanPairRecord {
            record: "scan_pair".into(),
            file,
            syn_packet: p.syn_frame,
            reply_packet: p.reply_frame,
            address: p.server.ip().to_string(),
            port: p.server.port(),
            optionshex: p
                .reply_options
                .as_ref()
                .map(|o| o.iter().map(|b| format!("{b:02x}")).collect()),
            mptcpkey: hex_key(p.key),
            class: p.verdict.name().into(),
            mptcp_signals: signals,
        }
    }
}
