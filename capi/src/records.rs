//! The tracker's per-connection records (what `mptcpscan dissect --connections` prints), read
//! from a `mptcpscan_tracker` made with `mptcpscan_tracker_new_with_records`.
//!
//! Feed every segment, call `mptcpscan_tracker_finish` at the end of the capture, then read
//! `mptcpscan_tracker_connection_count` records with `mptcpscan_tracker_connection` and each
//! one's subflows with `mptcpscan_tracker_subflow`. Records are flat copies holding no pointers;
//! enums are named by the `*_name` functions here, whose text is the core's.

use core::ffi::c_char;

use core_lib::track::{
    ConnectionEnding, ConnectionSummary, FailReason, Finished, Settings, SubflowEnding,
    SubflowState, SubflowSummary, Tracker,
};

use crate::address::mptcpscan_address;
use crate::error::mptcpscan_result;
use crate::ffi::{self, guard, Out};
use crate::names::Names;
use crate::track::mptcpscan_tracker;

/// How a connection ended, as `mptcpscan_connection_ending_name` names it.
#[repr(u32)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum mptcpscan_connection_ending {
    /// "data_fin": DATA_FIN both ways.
    DataFin = 0,
    /// "data_fin_one_way".
    DataFinOneWay = 1,
    /// "fastclose": MP_FASTCLOSE.
    Fastclose = 2,
    /// "mp_tcprst": every subflow closed, one with MP_TCPRST.
    MpTcpRst = 3,
    /// "tcp_rst": every subflow closed, one reset.
    TcpRst = 4,
    /// "tcp_fin": every subflow closed with FIN.
    TcpFin = 5,
    /// "open": still open at the end of the capture.
    #[default]
    Open = 6,
}

/// How a subflow ended, as `mptcpscan_subflow_ending_name` names it.
#[repr(u32)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum mptcpscan_subflow_ending {
    /// "fin".
    Fin = 0,
    /// "rst".
    Rst = 1,
    /// "mp_tcprst".
    MpTcpRst = 2,
    /// "open".
    #[default]
    Open = 3,
}

/// Where a subflow's handshake got to, as `mptcpscan_subflow_state_name` names it.
#[repr(u32)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum mptcpscan_subflow_state {
    /// "established".
    Established = 0,
    /// "failed" (`mptcpscan_subflow.fail_reason` says why).
    Failed = 1,
    /// "attempted": no outcome in the capture.
    #[default]
    Attempted = 2,
    /// "attempted": traffic of a join whose SYN was not captured and whose token is unknown.
    SynNotCaptured = 3,
}

/// Why a subflow's handshake failed, as `mptcpscan_fail_reason_name` names it.
#[repr(u32)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum mptcpscan_fail_reason {
    /// "bad HMAC".
    #[default]
    BadHmac = 0,
    /// "unknown token".
    UnknownToken = 1,
    /// "reset".
    Reset = 2,
    /// "no MP_JOIN in SYN-ACK".
    NoJoinInSynAck = 3,
    /// "no answer".
    NoAnswer = 4,
}

/// One finished MPTCP connection. Two-element arrays are per direction: 0 client to server,
/// 1 server to client.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_connection {
    /// Number in order of appearance, from 1 (the `connection` of its segments' findings).
    pub id: u64,
    /// Its first frame.
    pub first_frame: u64,
    /// Time of its first packet (ns, the clock of `mptcpscan_segment.time_ns`).
    pub first_time_ns: i64,
    /// Time of its last packet.
    pub last_time_ns: i64,
    /// Packets per direction.
    pub packets: [u64; 2],
    /// Payload bytes over every subflow, per direction.
    pub bytes: [u64; 2],
    /// Data-level bytes covered by mappings, per direction.
    pub data_bytes: [u64; 2],
    /// Data-level bytes sent again on another subflow, per direction.
    pub reinjected_bytes: [u64; 2],
    /// Keys per direction (where `has_key`).
    pub keys: [u64; 2],
    /// DSS checksums that verified.
    pub checksums_valid: u64,
    /// DSS checksums that did not.
    pub checksums_invalid: u64,
    /// DSS checksums the capture did not allow to check.
    pub checksums_unverifiable: u64,
    /// MP_FAIL options.
    pub mp_fail: u64,
    /// MP_PRIO options.
    pub mp_prio: u64,
    /// MP_PRIO options asking for backup.
    pub mp_prio_backup: u64,
    /// The keys' tokens (where `has_key`).
    pub tokens: [u32; 2],
    /// The initial subflow's client.
    pub client: mptcpscan_address,
    /// The initial subflow's server.
    pub server: mptcpscan_address,
    /// The client's port.
    pub client_port: u16,
    /// The server's port.
    pub server_port: u16,
    /// The MPTCP version from MP_CAPABLE (`mptcpscan_mptcp_version`, where `has_version`).
    pub version: u32,
    /// How it ended (`mptcpscan_connection_ending`).
    pub ending: u32,
    /// Subflows (read each with `mptcpscan_tracker_subflow`).
    pub n_subflows: u32,
    /// Subflows established.
    pub subflows_established: u32,
    /// Subflows failed.
    pub subflows_failed: u32,
    /// Subflows attempted (no outcome, or SYN not captured).
    pub subflows_attempted: u32,
    /// ADD_ADDR options.
    pub n_add_addr: u32,
    /// REMOVE_ADDR options.
    pub n_remove_addr: u32,
    /// MP_TCPRST options.
    pub n_tcprst: u32,
    /// The capture file it started in (the host's numbering; 0 unless set).
    pub file: u32,
    /// Non-zero where `keys` and `tokens` are set.
    pub has_key: [u8; 2],
    /// DATA_FIN per direction.
    pub data_fin: [u8; 2],
    /// MP_FASTCLOSE per direction.
    pub fastclose: [u8; 2],
    /// Non-zero when `version` is set.
    pub has_version: u8,
    /// Non-zero when the initial SYN was in the capture.
    pub initial_syn_seen: u8,
    /// Non-zero when either side asked for DSS checksums.
    pub checksum_negotiated: u8,
}

/// One subflow of a finished connection. Two-element arrays are per connection direction.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_subflow {
    /// First frame.
    pub first_frame: u64,
    /// From the connection's initial SYN to this join's SYN (ns, where `has_join_delay`).
    pub join_delay_ns: i64,
    /// SYN to the ACK of the SYN-ACK (ns, where `has_handshake_rtt`).
    pub handshake_rtt_ns: i64,
    /// Payload bytes per direction, each sequence number once.
    pub bytes: [u64; 2],
    /// Packets per direction.
    pub packets: [u64; 2],
    /// The SYN sender.
    pub client: mptcpscan_address,
    /// The SYN receiver.
    pub server: mptcpscan_address,
    /// The client's port.
    pub client_port: u16,
    /// The server's port.
    pub server_port: u16,
    /// Its place in the connection (0: initial): the `subflow` of its segments' findings.
    pub index: u16,
    /// A join's MP_JOIN token (where `has_join_token`).
    pub join_token: u32,
    /// Handshake outcome (`mptcpscan_subflow_state`).
    pub state: u32,
    /// With `MPTCPSCAN_SUBFLOW_STATE_FAILED`: why (`mptcpscan_fail_reason`).
    pub fail_reason: u32,
    /// How it ended (`mptcpscan_subflow_ending`).
    pub ending: u32,
    /// Address ids from the MP_JOIN SYN and SYN-ACK (where `has_address_id`).
    pub address_ids: [u8; 2],
    /// Non-zero where `address_ids` is set.
    pub has_address_id: [u8; 2],
    /// Non-zero for an MP_JOIN subflow, zero for the initial one.
    pub is_join: u8,
    /// Non-zero when `join_token` is set (the join's SYN was seen).
    pub has_join_token: u8,
    /// Opened as backup, or set to backup by MP_PRIO.
    pub backup: u8,
    /// Non-zero when `join_delay_ns` is set.
    pub has_join_delay: u8,
    /// Non-zero when `handshake_rtt_ns` is set.
    pub has_handshake_rtt: u8,
}

fn connection_ending(e: ConnectionEnding) -> mptcpscan_connection_ending {
    match e {
        ConnectionEnding::DataFin => mptcpscan_connection_ending::DataFin,
        ConnectionEnding::DataFinOneWay => mptcpscan_connection_ending::DataFinOneWay,
        ConnectionEnding::Fastclose => mptcpscan_connection_ending::Fastclose,
        ConnectionEnding::MpTcpRst => mptcpscan_connection_ending::MpTcpRst,
        ConnectionEnding::TcpRst => mptcpscan_connection_ending::TcpRst,
        ConnectionEnding::TcpFin => mptcpscan_connection_ending::TcpFin,
        ConnectionEnding::Open => mptcpscan_connection_ending::Open,
    }
}

fn subflow_ending(e: SubflowEnding) -> mptcpscan_subflow_ending {
    match e {
        SubflowEnding::Fin => mptcpscan_subflow_ending::Fin,
        SubflowEnding::Rst => mptcpscan_subflow_ending::Rst,
        SubflowEnding::MpTcpRst => mptcpscan_subflow_ending::MpTcpRst,
        SubflowEnding::Open => mptcpscan_subflow_ending::Open,
    }
}

fn fail_reason(r: FailReason) -> mptcpscan_fail_reason {
    match r {
        FailReason::BadHmac => mptcpscan_fail_reason::BadHmac,
        FailReason::UnknownToken => mptcpscan_fail_reason::UnknownToken,
        FailReason::Reset => mptcpscan_fail_reason::Reset,
        FailReason::NoJoinInSynAck => mptcpscan_fail_reason::NoJoinInSynAck,
        FailReason::NoAnswer => mptcpscan_fail_reason::NoAnswer,
    }
}

/// One representative core state per `mptcpscan_subflow_state` value, for its name.
const STATES: [SubflowState; 4] = [
    SubflowState::Established,
    SubflowState::Failed(FailReason::Reset),
    SubflowState::Attempted,
    SubflowState::SynNotCaptured,
];

fn flag(b: bool) -> u8 {
    u8::from(b)
}

fn connection(c: &ConnectionSummary) -> mptcpscan_connection {
    let tokens = c.tokens();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    mptcpscan_connection {
        id: c.id,
        first_frame: c.first_frame,
        first_time_ns: c.first_time,
        last_time_ns: c.last_time,
        packets: c.packets,
        bytes: c.bytes(),
        data_bytes: c.data_bytes,
        reinjected_bytes: c.reinjected_bytes,
        keys: c.keys.map(|k| k.unwrap_or(0)),
        checksums_valid: c.checksums.valid,
        checksums_invalid: c.checksums.invalid,
        checksums_unverifiable: c.checksums.unverifiable,
        mp_fail: c.mp_fail,
        mp_prio: c.mp_prio,
        mp_prio_backup: c.mp_prio_backup,
        tokens: tokens.map(|t| t.unwrap_or(0)),
        client: mptcpscan_address::from_ip(c.client.ip()),
        server: mptcpscan_address::from_ip(c.server.ip()),
        client_port: c.client.port(),
        server_port: c.server.port(),
        version: c.version.map_or(0, |v| u32::from(v.to_wire())),
        ending: connection_ending(c.ending) as u32,
        n_subflows: count(c.subflows.len()),
        subflows_established: count(c.subflows_in(SubflowState::Established.name())),
        subflows_failed: count(c.subflows_in(SubflowState::Failed(FailReason::Reset).name())),
        subflows_attempted: count(c.subflows_in(SubflowState::Attempted.name())),
        n_add_addr: count(c.add_addr.len()),
        n_remove_addr: count(c.remove_addr.len()),
        n_tcprst: count(c.tcprst.len()),
        file: c.file,
        has_key: c.keys.map(|k| flag(k.is_some())),
        data_fin: c.data_fin.map(flag),
        fastclose: c.fastclose.map(flag),
        has_version: flag(c.version.is_some()),
        initial_syn_seen: flag(c.initial_syn_seen),
        checksum_negotiated: flag(c.checksum_negotiated),
    }
}

fn subflow(s: &SubflowSummary) -> mptcpscan_subflow {
    let (state, reason) = match s.state {
        SubflowState::Established => (mptcpscan_subflow_state::Established, None),
        SubflowState::Failed(r) => (mptcpscan_subflow_state::Failed, Some(r)),
        SubflowState::Attempted => (mptcpscan_subflow_state::Attempted, None),
        SubflowState::SynNotCaptured => (mptcpscan_subflow_state::SynNotCaptured, None),
    };
    let token = s.join_token.flatten();
    mptcpscan_subflow {
        first_frame: s.first_frame,
        join_delay_ns: s.join_delay.unwrap_or(0),
        handshake_rtt_ns: s.handshake_rtt.unwrap_or(0),
        bytes: s.bytes,
        packets: s.packets,
        client: mptcpscan_address::from_ip(s.client.ip()),
        server: mptcpscan_address::from_ip(s.server.ip()),
        client_port: s.client.port(),
        server_port: s.server.port(),
        index: s.index,
        join_token: token.unwrap_or(0),
        state: state as u32,
        fail_reason: reason.map_or(0, |r| fail_reason(r) as u32),
        ending: subflow_ending(s.ending) as u32,
        address_ids: s.address_ids.map(|a| a.unwrap_or(0)),
        has_address_id: s.address_ids.map(|a| flag(a.is_some())),
        is_join: flag(s.join_token.is_some()),
        has_join_token: flag(token.is_some()),
        backup: flag(s.backup),
        has_join_delay: flag(s.join_delay.is_some()),
        has_handshake_rtt: flag(s.handshake_rtt.is_some()),
    }
}

impl mptcpscan_tracker {
    /// Moves the connections the tracker has finished into `connections` (orphan joins and
    /// SYN/answer pairs are not exported here).
    fn collect(&mut self) {
        while let Some(record) = self.tracker.pop_finished() {
            if let Finished::Connection(c) = record {
                self.connections.push(c);
            }
        }
    }
}

/// Creates a tracker that also keeps each finished connection's record (what
/// `mptcpscan dissect --connections` prints), for `mptcpscan_tracker_connection`.
///
/// Like `mptcpscan_tracker_new`, but records stay in the tracker until it is freed, so memory
/// grows with the number of connections. On success writes the tracker to `*tracker`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_tracker_new_with_records(
    tracker: *mut *mut mptcpscan_tracker,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `tracker` as writable.
        let out = unsafe { Out::new(tracker)? };
        let state = Box::new(mptcpscan_tracker {
            tracker: Tracker::new(Settings {
                records: true,
                ..Settings::default()
            }),
            connections: Vec::new(),
        });
        out.write(Box::into_raw(state));
        Ok(())
    })
}

/// Ends the capture: finishes every connection still open (their ending is then "open" unless
/// they closed) so that its record can be read. Feed nothing after it.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_tracker_finish(tracker: *mut mptcpscan_tracker) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `tracker` comes from `mptcpscan_tracker_new*` and is not used by another
        // thread meanwhile.
        let state = unsafe { ffi::handle(tracker)? };
        state.tracker.finish_all();
        state.collect();
        Ok(())
    })
}

/// Writes to `*count` how many connection records the tracker holds: those finished so far
/// (all of them after `mptcpscan_tracker_finish`). Always 0 for a tracker from
/// `mptcpscan_tracker_new`, which keeps none.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_tracker_connection_count(
    tracker: *mut mptcpscan_tracker,
    count: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `tracker` comes from `mptcpscan_tracker_new*` and is not used by another
        // thread meanwhile; `count` is documented writable and cannot alias the tracker.
        let (state, out) = unsafe { (ffi::handle(tracker)?, Out::new(count)?) };
        state.collect();
        out.write(state.connections.len());
        Ok(())
    })
}

/// Writes to `*record` connection record `index` (0-based, below the count
/// `mptcpscan_tracker_connection_count` gave), in order of finishing.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`index` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_tracker_connection(
    tracker: *const mptcpscan_tracker,
    index: usize,
    record: *mut mptcpscan_connection,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `tracker` comes from `mptcpscan_tracker_new*` and is not changed meanwhile;
        // `record` is documented writable.
        let (state, out) = unsafe { (ffi::input(tracker)?, Out::new(record)?) };
        let c = state
            .connections
            .get(index)
            .ok_or(mptcpscan_result::InvalidArgument)?;
        out.write(connection(c));
        Ok(())
    })
}

/// Writes to `*record` subflow `subflow` (0-based, below the record's `n_subflows`; initial
/// first, then joins in the order they were attached) of connection record `connection`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (an index out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_tracker_subflow(
    tracker: *const mptcpscan_tracker,
    connection: usize,
    subflow: usize,
    record: *mut mptcpscan_subflow,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: as in `mptcpscan_tracker_connection`.
        let (state, out) = unsafe { (ffi::input(tracker)?, Out::new(record)?) };
        let s = state
            .connections
            .get(connection)
            .and_then(|c| c.subflows.get(subflow))
            .ok_or(mptcpscan_result::InvalidArgument)?;
        out.write(self::subflow(s));
        Ok(())
    })
}

static CONNECTION_ENDING_NAMES: Names<7> = Names::new();
static SUBFLOW_ENDING_NAMES: Names<4> = Names::new();
static SUBFLOW_STATE_NAMES: Names<4> = Names::new();
static FAIL_REASON_NAMES: Names<5> = Names::new();

/// Names how a connection ended ("data_fin", "tcp_rst", "open", ...), as `dissect` prints it.
///
/// Reads `ending` (an `mptcpscan_connection_ending`). On success writes a static NUL-terminated
/// string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`ending` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_connection_ending_name(
    ending: u32,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        name.write(CONNECTION_ENDING_NAMES.get(ending, |i| ConnectionEnding::ALL[i].name())?);
        Ok(())
    })
}

/// Names how a subflow ended ("fin", "rst", "mp_tcprst", "open").
///
/// Reads `ending` (an `mptcpscan_subflow_ending`). On success writes a static NUL-terminated
/// string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`ending` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_subflow_ending_name(
    ending: u32,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        name.write(SUBFLOW_ENDING_NAMES.get(ending, |i| SubflowEnding::ALL[i].name())?);
        Ok(())
    })
}

/// Names a subflow's handshake outcome ("established", "failed", "attempted").
///
/// Reads `state` (an `mptcpscan_subflow_state`). On success writes a static NUL-terminated
/// string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`state` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_subflow_state_name(
    state: u32,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        name.write(SUBFLOW_STATE_NAMES.get(state, |i| STATES[i].name())?);
        Ok(())
    })
}

/// Names why a subflow's handshake failed ("bad HMAC", "reset", ...).
///
/// Reads `reason` (an `mptcpscan_fail_reason`). On success writes a static NUL-terminated string
/// (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`reason` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_fail_reason_name(
    reason: u32,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        name.write(FAIL_REASON_NAMES.get(reason, |i| FailReason::ALL[i].name())?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::MPTCPSCAN_ADDRESS_FAMILY_IPV4;
    use crate::track::{mptcpscan_findings, mptcpscan_segment, mptcpscan_tracker_feed};
    use core::ffi::CStr;
    use core_lib::wire::TcpPacket;
    use std::net::{IpAddr, Ipv4Addr};

    /// tcpdump/mptcp-v1.pcap packets 1 to 3 (the options of tests/c/test_capi.c), then an
    /// MP_JOIN SYN (backup, address id 2) to the server's token 0xa35d6d82, never answered.
    const SYN: &[u8] = &[
        2, 4, 5, 0xb4, 4, 2, 8, 10, 0x1b, 0xaf, 0x9e, 0xa1, 0, 0, 0, 0, 1, 3, 3, 8, 0x1e, 4, 1, 1,
    ];
    const SYNACK: &[u8] = &[
        2, 4, 5, 0xb4, 4, 2, 8, 10, 0xc3, 0x37, 0xc5, 0x93, 0x1b, 0xaf, 0x9e, 0xa1, 1, 3, 3, 8,
        0x1e, 0x0c, 1, 1, 0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c,
    ];
    const ACK: &[u8] = &[
        1, 1, 8, 10, 0x1b, 0xaf, 0x9e, 0xa1, 0xc3, 0x37, 0xc5, 0x93, 0x1e, 0x14, 1, 1, 0x1f, 0xdb,
        0x5d, 0xf3, 0x28, 0xbc, 0x3d, 0xef, 0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c,
    ];
    const JOIN_SYN: &[u8] = &[0x1e, 12, 0x11, 2, 0xa3, 0x5d, 0x6d, 0x82, 1, 2, 3, 4];

    fn tcp(sport: u16, dport: u16, seq: u32, ack: u32, flags: u8, options: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&sport.to_be_bytes());
        out.extend_from_slice(&dport.to_be_bytes());
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(&ack.to_be_bytes());
        out.extend_from_slice(&[(((20 + options.len()) / 4) << 4) as u8, flags, 0xff, 0xff]);
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(options);
        out
    }

    fn v4(last: u8) -> mptcpscan_address {
        mptcpscan_address::from_ip(IpAddr::V4(Ipv4Addr::new(198, 18, 0, last)))
    }

    /// (frame, src, dst, TCP bytes)
    fn segments() -> Vec<(u64, u8, u8, Vec<u8>)> {
        vec![
            (1, 1, 2, tcp(40000, 80, 1000, 0, 0x02, SYN)),
            (2, 2, 1, tcp(80, 40000, 5000, 1001, 0x12, SYNACK)),
            (3, 1, 2, tcp(40000, 80, 1001, 5001, 0x10, ACK)),
            (4, 3, 2, tcp(40001, 80, 7000, 0, 0x02, JOIN_SYN)),
        ]
    }

    #[test]
    fn records_are_the_rust_trackers() {
        let mut handle = core::ptr::null_mut();
        assert_eq!(
            mptcpscan_tracker_new_with_records(&mut handle),
            mptcpscan_result::Ok
        );
        let mut core = Tracker::new(Settings::default());
        for (frame, src, dst, bytes) in segments() {
            let segment = mptcpscan_segment {
                frame,
                time_ns: frame as i64 * 1_000_000,
                src: v4(src),
                dst: v4(dst),
                tcp: bytes.as_ptr(),
                tcp_len: bytes.len(),
                payload_len: 0,
                ttl: 64,
            };
            let mut found = mptcpscan_findings::default();
            assert_eq!(
                mptcpscan_tracker_feed(handle, &segment, &mut found),
                mptcpscan_result::Ok
            );
            core.feed(
                frame,
                segment.time_ns,
                &core_lib::track::Segment {
                    src: segment.src.to_ip().unwrap(),
                    dst: segment.dst.to_ip().unwrap(),
                    tcp: TcpPacket::new_checked(&bytes[..]).unwrap(),
                    payload_len: 0,
                    ttl: Some(64),
                },
            );
        }
        assert_eq!(mptcpscan_tracker_finish(handle), mptcpscan_result::Ok);
        core.finish_all();
        let expected: Vec<ConnectionSummary> = core::iter::from_fn(|| core.pop_finished())
            .filter_map(|f| match f {
                Finished::Connection(c) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(expected.len(), 1);
        let mut count = 0;
        assert_eq!(
            mptcpscan_tracker_connection_count(handle, &mut count),
            mptcpscan_result::Ok
        );
        assert_eq!(count, 1);

        let mut c = mptcpscan_connection::default();
        assert_eq!(
            mptcpscan_tracker_connection(handle, 0, &mut c),
            mptcpscan_result::Ok
        );
        assert_eq!(c, connection(&expected[0]));
        assert_eq!((c.id, c.first_frame, c.n_subflows), (1, 1, 2));
        assert_eq!((c.has_version, c.version), (1, 1));
        assert_eq!(c.has_key, [1, 1]);
        assert_eq!(c.keys[1], 0x29a6_c869_81ad_933c);
        assert_eq!(c.tokens[1], 0xa35d_6d82);
        assert_eq!((c.client_port, c.server_port), (40000, 80));
        assert_eq!(c.client.family, MPTCPSCAN_ADDRESS_FAMILY_IPV4);
        assert_eq!(c.ending, mptcpscan_connection_ending::Open as u32);

        for (i, expected) in expected[0].subflows.iter().enumerate() {
            let mut s = mptcpscan_subflow::default();
            assert_eq!(
                mptcpscan_tracker_subflow(handle, 0, i, &mut s),
                mptcpscan_result::Ok
            );
            assert_eq!(s, subflow(expected));
        }
        let mut join = mptcpscan_subflow::default();
        assert_eq!(
            mptcpscan_tracker_subflow(handle, 0, 1, &mut join),
            mptcpscan_result::Ok
        );
        assert_eq!((join.is_join, join.has_join_token), (1, 1));
        assert_eq!(join.join_token, 0xa35d_6d82);
        assert_eq!(
            (join.backup, join.has_address_id[0], join.address_ids[0]),
            (1, 1, 2)
        );
        assert_eq!(join.client.bytes[3], 3);
        assert_eq!(join.state, mptcpscan_subflow_state::Failed as u32);
        assert_eq!(join.fail_reason, mptcpscan_fail_reason::NoAnswer as u32);
        assert_eq!((c.subflows_established, c.subflows_failed), (1, 1));

        // Out of range and NULL are errors, never a panic; outputs stay untouched.
        assert_eq!(
            mptcpscan_tracker_connection(handle, 1, &mut c),
            mptcpscan_result::InvalidArgument
        );
        assert_eq!(
            mptcpscan_tracker_subflow(handle, 0, 2, &mut join),
            mptcpscan_result::InvalidArgument
        );
        assert_eq!(
            mptcpscan_tracker_subflow(handle, usize::MAX, 0, &mut join),
            mptcpscan_result::InvalidArgument
        );
        assert_eq!(
            mptcpscan_tracker_connection(core::ptr::null(), 0, &mut c),
            mptcpscan_result::NullParameter
        );
        assert_eq!(
            mptcpscan_tracker_connection(handle, 0, core::ptr::null_mut()),
            mptcpscan_result::NullParameter
        );
        assert_eq!(
            mptcpscan_tracker_finish(core::ptr::null_mut()),
            mptcpscan_result::NullParameter
        );
        crate::track::mptcpscan_tracker_free(handle);
    }

    #[test]
    fn a_tracker_without_records_has_none() {
        let mut handle = core::ptr::null_mut();
        assert_eq!(
            crate::track::mptcpscan_tracker_new(&mut handle),
            mptcpscan_result::Ok
        );
        assert_eq!(mptcpscan_tracker_finish(handle), mptcpscan_result::Ok);
        let mut count = 7;
        assert_eq!(
            mptcpscan_tracker_connection_count(handle, &mut count),
            mptcpscan_result::Ok
        );
        assert_eq!(count, 0);
        crate::track::mptcpscan_tracker_free(handle);
    }

    #[test]
    fn names_are_the_cores_in_the_abis_order() {
        let text = |r: mptcpscan_result, p: *const c_char| {
            assert_eq!(r, mptcpscan_result::Ok);
            // SAFETY: a static NUL-terminated string from the name table.
            unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned()
        };
        let mut p = core::ptr::null();
        for e in ConnectionEnding::ALL {
            let r = mptcpscan_connection_ending_name(connection_ending(e) as u32, &mut p);
            assert_eq!(text(r, p), e.name());
        }
        for e in SubflowEnding::ALL {
            let r = mptcpscan_subflow_ending_name(subflow_ending(e) as u32, &mut p);
            assert_eq!(text(r, p), e.name());
        }
        for r in FailReason::ALL {
            let code = mptcpscan_fail_reason_name(fail_reason(r) as u32, &mut p);
            assert_eq!(text(code, p), r.name());
        }
        for (i, s) in STATES.iter().enumerate() {
            let r = mptcpscan_subflow_state_name(i as u32, &mut p);
            assert_eq!(text(r, p), s.name());
        }
        assert_eq!(
            mptcpscan_connection_ending_name(7, &mut p),
            mptcpscan_result::InvalidArgument
        );
        assert_eq!(
            mptcpscan_fail_reason_name(0, core::ptr::null_mut()),
            mptcpscan_result::NullParameter
        );
    }
}
