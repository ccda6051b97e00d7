//! MPTCP connection tracking over a capture (feature `alloc`): the one tracker behind
//! `mptcpscan dissect` and the tshark plugin, so that both check the same things the same way.
//!
//! Feed it every TCP segment in capture order with its frame number and time ([`Tracker::feed`]).
//! It groups subflows by 4-tuple into connections by key and token, applies every MPTCP option
//! (decoded by [`crate::mptcp`]) to its connection and, for each segment, returns what it found
//! ([`Findings`]): each check (MP_JOIN and ADD_ADDR HMACs, DSS checksums over whole mappings,
//! mappings spread over several segments, the first data on MP_CAPABLE, DATA_FIN alone, the
//! MP_FASTCLOSE key) as valid, invalid or unverifiable and why, the connection and subflow, and
//! what changed. Answers to MP_CAPABLE SYNs are classified as a scan reply would be.
//!
//! Finished connections, orphan joins and SYN/answer pairs come out as typed records
//! ([`Finished`], taken with [`Tracker::pop_finished`]). Memory stays bounded by the connections
//! open at once: a connection is finished once it has ended and been quiet for
//! [`Settings::linger`], or idle for [`Settings::idle_timeout`]; unanswered MP_CAPABLE SYNs after
//! [`Settings::syn_timeout`].

mod checks;
pub mod finding;
mod flows;
mod ranges;
mod state;
pub mod summary;

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};

use crate::classify::{classify, Reply, Sent};
use crate::crypto::{self, HmacKeys, JoinHandshake};
use crate::mptcp::{
    self, subtype, BackupFlags, CapableFlags, MpCapable, MpJoin, MptcpOption, Version,
};
use crate::options::{Options, TcpOption};
use crate::scope::AddressScope;
use crate::wire::{TcpFlags, TcpPacket};

pub use finding::{
    Check, Continuation, Events, Findings, Handshake, JoinToken, KeyFinding, OptionFinding,
    Placement, Unverifiable, MAX_OPTIONS,
};
pub use summary::{
    AddAddrSeen, ChecksumCounts, ConnectionEnding, ConnectionSummary, FailReason, Finished,
    PairVerdict, PerDirection, RemoveAddrSeen, ScanPair, SubflowEnding, SubflowState,
    SubflowSummary,
};

use flows::Flows;
use state::{Connection, FlowKey, Outcome, Role, Side, Subflow};

type Map<K, V> = hashbrown::HashMap<K, V, rustc_hash::FxBuildHasher>;

const SECOND: i64 = 1_000_000_000;

/// One TCP segment as the tracker needs it.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// The TCP header and the captured part of the payload.
    pub tcp: TcpPacket<&'a [u8]>,
    /// The payload's length on the wire (the capture may have cut it).
    pub payload_len: u32,
    /// IPv4 TTL or IPv6 hop limit, when known (a scan verdict signal uses it).
    pub ttl: Option<u8>,
}

/// Timeouts (capture time, ns) and what to keep.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// A connection with no packet for this long is finished (still open at that point).
    pub idle_timeout: i64,
    /// An ended connection is finished after this long without packets.
    pub linger: i64,
    /// An MP_CAPABLE SYN without an answer after this long counts as unanswered.
    pub syn_timeout: i64,
    /// Keep finished records for [`Tracker::pop_finished`] (a host that only wants the
    /// per-segment findings turns this off).
    pub records: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            idle_timeout: 3600 * SECOND,
            linger: 60 * SECOND,
            syn_timeout: 10 * SECOND,
            records: true,
        }
    }
}

/// Counters of what the tracker decided, over everything fed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrackStats {
    /// SYNs carrying MP_CAPABLE.
    pub capable_syns: u64,
    /// MP_CAPABLE SYNs answered without MP_CAPABLE, or reset.
    pub capable_syn_fallback: u64,
    /// MP_CAPABLE SYNs never answered.
    pub capable_syn_unanswered: u64,
    /// MPTCP connections.
    pub connections_opened: u64,
    /// Subflows first seen mid-stream (handshake not captured).
    pub midstream_subflows: u64,
    /// MP_JOIN subflows whose token matched no connection.
    pub orphan_joins: u64,
}

/// The whole tracking state.
#[derive(Debug)]
pub struct Tracker {
    settings: Settings,
    flows: Flows,
    connections: Map<u64, Connection>,
    tokens: Map<u32, u64>,
    next_id: u64,
    file: u32,
    now: i64,
    last_sweep: i64,
    stats: TrackStats,
    findings: Findings,
    finished: VecDeque<Finished>,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker::new(Settings::default())
    }
}

impl Tracker {
    /// An empty tracker.
    pub fn new(settings: Settings) -> Tracker {
        Tracker {
            settings,
            flows: Flows::default(),
            connections: Map::default(),
            tokens: Map::default(),
            next_id: 1,
            file: 0,
            now: i64::MIN,
            last_sweep: i64::MIN,
            stats: TrackStats::default(),
            findings: Findings::new(),
            finished: VecDeque::new(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> &TrackStats {
        &self.stats
    }

    /// Starts capture file number `file` (the host's numbering; frame numbers restart): records
    /// of connections starting from now on carry it.
    pub fn set_file(&mut self, file: u32) {
        self.file = file;
    }

    /// The next finished record, oldest first.
    pub fn pop_finished(&mut self) -> Option<Finished> {
        self.finished.pop_front()
    }

    /// Finishes every connection, pending SYN and join (the end of the capture).
    pub fn finish_all(&mut self) {
        self.sweep(true);
    }

    /// Applies one TCP segment (frame `frame` at `time` ns) and returns what it found.
    pub fn feed(&mut self, frame: u64, time: i64, segment: &Segment<'_>) -> &Findings {
        self.findings.clear();
        self.now = self.now.max(time);
        // Once a second of capture time, whatever the packets carry.
        if time.saturating_sub(self.last_sweep) > SECOND {
            self.last_sweep = time;
            self.sweep(false);
        }
        let mut raw: [&[u8]; MAX_OPTIONS] = [&[]; MAX_OPTIONS];
        let mut count = 0;
        for item in Options::new(segment.tcp.options()) {
            match item {
                Ok((offset, TcpOption::Mptcp(bytes))) => {
                    let finding = OptionFinding::new(
                        offset as u8,
                        bytes.len() as u8,
                        bytes.get(2).map(|b| b >> 4),
                        Version::V1,
                    );
                    if let Some(slot) = raw.get_mut(count) {
                        if self.findings.push(finding) {
                            *slot = bytes;
                            count += 1;
                        }
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    self.findings.options_error = Some(error);
                    break;
                }
            }
        }
        let options = raw.get(..count).unwrap_or(&[]);
        let tcp = &segment.tcp;
        let (key, reversed) =
            FlowKey::of((segment.src, tcp.src_port()), (segment.dst, tcp.dst_port()));
        let flags = tcp.flags();
        // The one lookup by 4-tuple: the rest of the segment's work reaches its subflow by slot.
        let mut found = self.flows.find(&key);
        if flags.contains(TcpFlags::SYN) && !flags.contains(TcpFlags::ACK) {
            if let Some(existing) = found.and_then(|slot| self.flows.get(slot)) {
                // A new SYN on a known 4-tuple: a port reused for a new subflow, unless it is the
                // same SYN again (a retransmission).
                let same_syn = existing.side(reversed) == Side::Client
                    && !existing.closed()
                    && existing.syn_seq == Some(tcp.seq_number());
                if !same_syn {
                    self.retire(key);
                    found = None;
                }
            }
        }
        let slot = if let Some(slot) = found {
            slot
        } else {
            if options.is_empty() {
                return &self.findings;
            }
            let subflow = self.open_subflow(frame, time, segment, options);
            let midstream = subflow.syn_time.is_none()
                && !flags.contains(TcpFlags::SYN)
                && !options.iter().any(|o| {
                    matches!(
                        mptcp::check_header(o),
                        Ok(subtype::MP_CAPABLE | subtype::MP_JOIN)
                    )
                });
            let slot = self.flows.insert(key, subflow);
            self.findings.events |= Events::SUBFLOW_OPENED;
            if midstream {
                self.create_connection(slot, key, time);
            }
            slot
        };
        self.findings.tracked = true;
        self.apply(slot, key, reversed, frame, time, segment, options);
        &self.findings
    }

    /// A subflow for a packet of an unknown 4-tuple that carries MPTCP options.
    fn open_subflow(
        &mut self,
        frame: u64,
        time: i64,
        segment: &Segment<'_>,
        options: &[&[u8]],
    ) -> Subflow {
        let src = SocketAddr::new(segment.src, segment.tcp.src_port());
        let dst = SocketAddr::new(segment.dst, segment.tcp.dst_port());
        let flags = segment.tcp.flags();
        let syn = flags.contains(TcpFlags::SYN);
        let ack = flags.contains(TcpFlags::ACK);
        let first_subtype = options
            .iter()
            .filter_map(|o| mptcp::check_header(o).ok())
            .find(|&s| s == subtype::MP_CAPABLE || s == subtype::MP_JOIN);
        let role = if first_subtype == Some(subtype::MP_JOIN) {
            Role::Join {
                token: None,
                nonces: [None; 2],
            }
        } else {
            Role::Initial
        };
        // A SYN-ACK (or a later packet of a subflow whose SYN was not captured) goes from the
        // server: the client is its destination.
        let (client, server) = if syn && ack { (dst, src) } else { (src, dst) };
        let mut subflow = Subflow::new(client, server, role, frame, time);
        if syn && !ack {
            subflow.syn_time = Some(time);
            subflow.syn_frame = Some(frame);
            subflow.syn_seq = Some(segment.tcp.seq_number());
            subflow.syn_window = Some(segment.tcp.window_len());
        }
        // Mid-stream MPTCP traffic, or the third ACK of a join whose SYN and SYN-ACK were not
        // captured.
        if !syn && first_subtype != Some(subtype::MP_CAPABLE) {
            self.stats.midstream_subflows += 1;
        }
        subflow
    }

    /// Makes the subflow in `slot` (4-tuple `key`) the initial subflow of a new connection;
    /// returns its id.
    fn create_connection(&mut self, slot: usize, key: FlowKey, time: i64) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let Some(subflow) = self.flows.get_mut(slot) else {
            return id;
        };
        let mut connection = Connection::new(
            id,
            self.file,
            subflow.first_frame,
            subflow.syn_time.unwrap_or(time),
            subflow.client,
            subflow.server,
            key,
        );
        connection.initial_syn_time = subflow.syn_time;
        if let Some(syn_capable) = subflow.syn_capable {
            connection.keys[0] = syn_capable.sender_key;
            connection.version = Version::from_wire(syn_capable.version);
            connection.checksum_negotiated |=
                syn_capable.flags.contains(CapableFlags::CHECKSUM_REQUIRED);
        }
        subflow.connection = Some(id);
        subflow.index = 0;
        self.connections.insert(id, connection);
        self.stats.connections_opened += 1;
        self.findings.events |= Events::CONNECTION_OPENED;
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        slot: usize,
        key: FlowKey,
        reversed: bool,
        frame: u64,
        time: i64,
        segment: &Segment<'_>,
        options: &[&[u8]],
    ) {
        let tcp = &segment.tcp;
        let flags = tcp.flags();
        let syn = flags.contains(TcpFlags::SYN);
        let ack = flags.contains(TcpFlags::ACK);
        let rst = flags.contains(TcpFlags::RST);
        let Some(subflow) = self.flows.get_mut(slot) else {
            return;
        };
        let before = subflow.outcome;
        let side = subflow.side(reversed);
        let s = side.index();
        subflow.last_time = time;
        if let Some(n) = subflow.packets.get_mut(s) {
            *n += 1;
        }
        if syn && !rst {
            if let Some(isn) = subflow.isn.get_mut(s) {
                *isn = Some(tcp.seq_number());
            }
        }
        // The handshake, at the TCP level.
        if syn && ack && side == Side::Server {
            if subflow.syn_ack_time.is_none() {
                subflow.syn_ack_time = Some(time);
                subflow.syn_ack_seq = Some(tcp.seq_number());
            }
        } else if !syn && ack && side == Side::Client && subflow.handshake_ack_time.is_none() {
            if let Some(seq) = subflow.syn_ack_seq {
                if tcp.ack_number() == seq.wrapping_add(1) {
                    subflow.handshake_ack_time = Some(time);
                }
            }
        }
        if flags.contains(TcpFlags::FIN) {
            if let Some(fin) = subflow.fin.get_mut(s) {
                *fin = true;
            }
        }
        if rst {
            subflow.rst = true;
        }
        subflow.count_payload(side, tcp.seq_number(), segment.payload_len);

        let connection = subflow
            .connection
            .and_then(|id| self.connections.get_mut(&id));
        let continued =
            checks::continue_span(subflow, connection, side, segment, &mut self.findings);
        for (index, bytes) in options.iter().enumerate() {
            self.option(
                index, slot, key, side, frame, time, segment, bytes, continued,
            );
        }
        if segment.payload_len > 0 {
            if let Some(subflow) = self.flows.get(slot) {
                self.findings.placement = subflow
                    .connection
                    .and_then(|_| subflow.place(side, tcp.seq_number(), segment.payload_len))
                    .map(|(dsn, len)| Placement {
                        direction: subflow.direction(side) as u8,
                        dsn,
                        len,
                    });
            }
        }

        // The answer to an MP_CAPABLE SYN: classified like a scan reply. Without MP_CAPABLE (or
        // reset) the flow is plain TCP, or a scan probe: forget it.
        let Some(subflow) = self.flows.get_mut(slot) else {
            return;
        };
        let answer = side == Side::Server && ((syn && ack) || rst);
        if answer && subflow.role == Role::Initial && !subflow.paired {
            subflow.paired = true;
            let connected = subflow.connection.is_some();
            if let Some(pair) = self.scan_pair(slot, Some((frame, segment))) {
                self.keep(Finished::ScanPair(pair));
            }
            if !connected {
                self.stats.capable_syn_fallback += 1;
                self.flows.remove(&key);
                self.findings.events |= Events::FALLBACK;
                return;
            }
        }
        let Some(subflow) = self.flows.get_mut(slot) else {
            return;
        };
        if let Role::Join { .. } = subflow.role {
            if side == Side::Server && subflow.outcome == Outcome::Attempted {
                if rst {
                    subflow.outcome = Outcome::Failed(FailReason::Reset);
                } else if syn && ack && subflow.address_ids[1].is_none() {
                    subflow.outcome = Outcome::Failed(FailReason::NoJoinInSynAck);
                }
            }
        }
        // Answered, then: a reset before anything else fails the handshake (a SYN-ACK alone is
        // not an established subflow); any later non-SYN packet completes it.
        if subflow.outcome == Outcome::Attempted && subflow.syn_ack_time.is_some() {
            if rst {
                subflow.outcome = Outcome::Failed(FailReason::Reset);
            } else if !syn {
                subflow.outcome = Outcome::Established;
            }
        }
        if subflow.outcome != before {
            self.findings.events |= match subflow.outcome {
                Outcome::Established => Events::SUBFLOW_ESTABLISHED,
                Outcome::Failed(_) => Events::SUBFLOW_FAILED,
                Outcome::Attempted => Events::empty(),
            };
        }
        self.findings.subflow = subflow.connection.map(|_| subflow.index);
        self.findings.connection = subflow.connection;
        if let Some(id) = subflow.connection {
            let direction = subflow.direction(side);
            if let Some(connection) = self.connections.get_mut(&id) {
                connection.last_time = time;
                if let Some(n) = connection.packets.get_mut(direction) {
                    *n += 1;
                }
            }
        }
    }

    /// Applies the `index`th MPTCP option of a packet sent by `side` of the subflow in `slot`
    /// (4-tuple `key`).
    #[allow(clippy::too_many_arguments)]
    fn option(
        &mut self,
        index: usize,
        slot: usize,
        key: FlowKey,
        side: Side,
        frame: u64,
        time: i64,
        segment: &Segment<'_>,
        bytes: &[u8],
        continued: Option<u32>,
    ) {
        let Some(subflow) = self.flows.get(slot) else {
            return;
        };
        let version = subflow
            .connection
            .and_then(|id| self.connections.get(&id))
            .map_or(Version::V1, Connection::version);
        let parsed = MptcpOption::parse(bytes, version);
        let Some(finding) = self.findings.option_mut(index) else {
            return;
        };
        finding.version = version;
        let option = match parsed {
            Ok(option) => option,
            Err(error) => {
                finding.error = Some(error);
                return;
            }
        };
        match option {
            MptcpOption::Capable(capable) => {
                self.capable(index, slot, key, side, time, segment, &capable);
                return;
            }
            MptcpOption::Join(join) => {
                self.join(index, slot, key, side, &join);
                return;
            }
            _ => {}
        }
        // Every other option belongs to the connection.
        let Some(subflow) = self.flows.get_mut(slot) else {
            return;
        };
        let connection = subflow
            .connection
            .and_then(|id| self.connections.get_mut(&id));
        let Some(finding) = self.findings.option_mut(index) else {
            return;
        };
        let Some(connection) = connection else {
            // Nothing to check against: say so where a check was due.
            let why = Some(Check::Unverifiable(Unverifiable::NoConnection));
            match option {
                MptcpOption::Dss(dss) if dss.mapping.is_some_and(|m| m.checksum.is_some()) => {
                    finding.dss_checksum = why;
                }
                MptcpOption::AddAddr(add) => {
                    finding.scope = Some(AddressScope::of(add.address));
                    finding.hmac = add.hmac.and(why);
                }
                MptcpOption::Fastclose(_) => finding.fastclose_key = why,
                _ => {}
            }
            return;
        };
        let direction = subflow.direction(side);
        let mut events = Events::empty();
        match option {
            MptcpOption::Capable(_) | MptcpOption::Join(_) | MptcpOption::Unknown { .. } => {}
            MptcpOption::Dss(dss) => {
                let check = checks::dss(
                    connection, subflow, side, frame, segment, &dss, continued, finding,
                );
                if dss.data_fin() {
                    events |= Events::DATA_FIN;
                }
                if check == Some(Check::Invalid) {
                    events |= Events::BAD_CHECKSUM;
                }
            }
            MptcpOption::AddAddr(add) => {
                let keys = (
                    connection.keys.get(direction).copied().flatten(),
                    connection.keys.get(1 - direction).copied().flatten(),
                );
                let hmac = add.hmac.map(|hmac| match keys {
                    (Some(sender), Some(receiver)) => match crypto::verify_add_addr_hmac(
                        HmacKeys { sender, receiver },
                        add.addr_id,
                        add.address,
                        add.port,
                        u64::from_be_bytes(hmac),
                    ) {
                        crypto::AddAddrHmacCheck::Valid => Check::Valid,
                        crypto::AddAddrHmacCheck::PreRfcTruncation => Check::PreRfcTruncation,
                        crypto::AddAddrHmacCheck::Invalid => Check::Invalid,
                    },
                    _ => Check::Unverifiable(Unverifiable::KeysUnknown),
                });
                finding.scope = Some(AddressScope::of(add.address));
                finding.hmac = hmac;
                connection.add_addr.push(AddAddrSeen {
                    direction,
                    frame,
                    id: add.addr_id,
                    address: add.address,
                    port: add.port,
                    echo: add.is_echo(),
                    hmac,
                });
            }
            MptcpOption::RemoveAddr(remove) => connection.remove_addr.push(RemoveAddrSeen {
                direction,
                frame,
                ids: remove.ids.to_vec(),
            }),
            MptcpOption::Prio(prio) => {
                connection.mp_prio[0] += 1;
                if prio.backup() {
                    connection.mp_prio[1] += 1;
                    subflow.backup = true;
                }
            }
            MptcpOption::Fail(_) => {
                connection.mp_fail += 1;
                events |= Events::MP_FAIL;
            }
            MptcpOption::Fastclose(fastclose) => {
                if let Some(sent) = connection.fastclose.get_mut(direction) {
                    *sent = true;
                }
                finding.fastclose_key = Some(
                    match connection.keys.get(1 - direction).copied().flatten() {
                        Some(key) if key == fastclose.receiver_key => Check::Valid,
                        Some(_) => Check::Invalid,
                        None => Check::Unverifiable(Unverifiable::KeysUnknown),
                    },
                );
                events |= Events::FASTCLOSE;
            }
            MptcpOption::TcpRst(rst) => {
                subflow.mp_tcprst = true;
                connection.tcprst.push(rst.reason);
                events |= Events::MP_TCPRST;
            }
        }
        self.findings.events |= events;
    }

    /// MP_CAPABLE: versions, keys, checksum negotiation, the first data, and the connection.
    #[allow(clippy::too_many_arguments)]
    fn capable(
        &mut self,
        index: usize,
        slot: usize,
        key: FlowKey,
        side: Side,
        time: i64,
        segment: &Segment<'_>,
        capable: &MpCapable,
    ) {
        let flags = segment.tcp.flags();
        let syn = flags.contains(TcpFlags::SYN);
        let ack = flags.contains(TcpFlags::ACK);
        let Some(subflow) = self.flows.get_mut(slot) else {
            return;
        };
        if subflow.role != Role::Initial {
            return;
        }
        if syn && !ack {
            // The SYN: kept (options and key) until the answer shows whether MPTCP goes on.
            if subflow.syn_options.is_none() {
                subflow.syn_options = Some(segment.tcp.options().to_vec());
                self.stats.capable_syns += 1;
            }
            subflow.syn_capable = Some(*capable);
            // A v0 SYN carries the client's key; a version this crate does not know gets none
            // derived (the SYN-ACK says which version the connection speaks).
            if let (Some(sender), Some(version)) =
                (capable.sender_key, Version::from_wire(capable.version))
            {
                if let Some(finding) = self.findings.option_mut(index) {
                    finding.keys[0] = Some(key_finding(version, sender));
                }
            }
            return;
        }
        let id = match subflow.connection {
            Some(id) => id,
            None => self.create_connection(slot, key, time),
        };
        let (Some(subflow), Some(connection), Some(finding)) = (
            self.flows.get_mut(slot),
            self.connections.get_mut(&id),
            self.findings.option_mut(index),
        ) else {
            return;
        };
        let (sender, receiver) = if side == Side::Client { (0, 1) } else { (1, 0) };
        if syn && ack {
            // The server's answer decides the version (it may downgrade).
            if let Some(v) = Version::from_wire(capable.version) {
                connection.version = Some(v);
            }
        } else if connection.version.is_none() {
            connection.version = Version::from_wire(capable.version);
        }
        if let Some(k) = capable.sender_key {
            connection.keys[sender] = Some(k);
        }
        if let Some(k) = capable.receiver_key {
            connection.keys[receiver] = Some(k);
        }
        if side == Side::Client && !syn && subflow.outcome == Outcome::Attempted {
            subflow.outcome = Outcome::Established;
        }
        connection.checksum_negotiated |= capable.flags.contains(CapableFlags::CHECKSUM_REQUIRED);
        let version = connection.version();
        finding.version = version;
        finding.keys = [
            capable.sender_key.map(|k| key_finding(version, k)),
            capable.receiver_key.map(|k| key_finding(version, k)),
        ];
        // v1: the client's first data can ride on MP_CAPABLE, mapped from its IDSN + 1.
        if let (Some(len), Some(sender_key)) = (capable.data_len, capable.sender_key) {
            let direction = subflow.direction(side);
            let dsn = crypto::idsn(version, sender_key).wrapping_add(1);
            if let Some(last) = connection.last_dsn.get_mut(direction) {
                last.get_or_insert(dsn);
            }
            if let Some(data) = connection.data.get_mut(direction) {
                data.record(dsn, u64::from(len), subflow.index);
            }
        }
        if let Some(checksum) = capable.checksum {
            let check = checks::capable_data(connection, subflow, side, segment, capable, checksum);
            finding.dss_checksum = Some(check.0);
            finding.dss_computed = check.1;
            if check.0 == Check::Invalid {
                self.findings.events |= Events::BAD_CHECKSUM;
            }
        }
        for k in connection.keys.iter().flatten() {
            self.tokens.insert(crypto::token(version, *k), id);
        }
    }

    /// MP_JOIN: attaches the subflow to its connection by token and checks both HMACs.
    fn join(&mut self, index: usize, slot: usize, key: FlowKey, side: Side, join: &MpJoin) {
        let Some(subflow) = self.flows.get_mut(slot) else {
            return;
        };
        let Role::Join { token, nonces } = &mut subflow.role else {
            return;
        };
        match *join {
            MpJoin::Syn {
                flags,
                addr_id,
                token: wire_token,
                nonce,
            } if side == Side::Client => {
                *token = Some(wire_token);
                nonces[0] = Some(nonce);
                subflow.address_ids[0] = Some(addr_id);
                subflow.backup |= flags.contains(BackupFlags::BACKUP);
                let found = self
                    .tokens
                    .get(&wire_token)
                    .and_then(|id| self.connections.get_mut(id));
                let Some(finding) = self.findings.option_mut(index) else {
                    return;
                };
                let Some(connection) = found else {
                    finding.join_token = Some(JoinToken::Unknown);
                    return;
                };
                finding.join_token = Some(JoinToken::Known {
                    connection: connection.id,
                    first_frame: connection.first_frame,
                });
                if subflow.connection.is_some() {
                    return;
                }
                // The token names the listener: the connection's server when the connection's
                // client opens the subflow (the usual case).
                let version = connection.version();
                subflow.same_direction_as_connection =
                    connection.keys[0].is_none_or(|k| crypto::token(version, k) != wire_token);
                subflow.connection = Some(connection.id);
                subflow.index = connection.next_index;
                connection.next_index = connection.next_index.saturating_add(1);
                connection.subflows.push(key);
                self.findings.events |= Events::JOINED;
            }
            MpJoin::SynAck {
                flags,
                addr_id,
                hmac,
                nonce,
            } if side == Side::Server => {
                nonces[1] = Some(nonce);
                subflow.address_ids[1] = Some(addr_id);
                subflow.backup |= flags.contains(BackupFlags::BACKUP);
                let check = match self.handshake(slot) {
                    Ok((h, version)) if h.verify_syn_ack(version, u64::from_be_bytes(hmac)) => {
                        Check::Valid
                    }
                    Ok(_) => Check::Invalid,
                    Err(why) => Check::Unverifiable(why),
                };
                self.join_checked(index, slot, check, false);
            }
            MpJoin::Ack { hmac, .. } if side == Side::Client => {
                let check = match self.handshake(slot) {
                    Ok((h, version)) if h.verify_ack(version, &hmac) => Check::Valid,
                    Ok(_) => Check::Invalid,
                    Err(why) => Check::Unverifiable(why),
                };
                // The client sends this ACK only after a good SYN-ACK: with only the client's
                // direction captured, it is what shows the subflow established.
                self.join_checked(index, slot, check, true);
            }
            _ => {}
        }
    }

    /// Records an MP_JOIN HMAC check; a wrong one fails the subflow, a third ACK completes it.
    fn join_checked(&mut self, index: usize, slot: usize, check: Check, third_ack: bool) {
        if let Some(finding) = self.findings.option_mut(index) {
            finding.hmac = Some(check);
        }
        if let Some(subflow) = self.flows.get_mut(slot) {
            if check == Check::Invalid {
                subflow.outcome = Outcome::Failed(FailReason::BadHmac);
            } else if third_ack && subflow.outcome == Outcome::Attempted {
                subflow.outcome = Outcome::Established;
            }
        }
    }

    /// The keys and nonces of a join subflow's handshake, or what is missing.
    fn handshake(&self, slot: usize) -> Result<(JoinHandshake, Version), Unverifiable> {
        let subflow = self.flows.get(slot).ok_or(Unverifiable::NoConnection)?;
        let Role::Join { nonces, .. } = &subflow.role else {
            return Err(Unverifiable::NoConnection);
        };
        let connection = subflow
            .connection
            .and_then(|id| self.connections.get(&id))
            .ok_or(Unverifiable::NoConnection)?;
        let (initiator, listener) = if subflow.same_direction_as_connection {
            (0, 1)
        } else {
            (1, 0)
        };
        let (Some(initiator_nonce), Some(listener_nonce)) = (nonces[0], nonces[1]) else {
            return Err(Unverifiable::NoncesUnknown);
        };
        let (Some(initiator_key), Some(listener_key)) =
            (connection.keys[initiator], connection.keys[listener])
        else {
            return Err(Unverifiable::KeysUnknown);
        };
        Ok((
            JoinHandshake {
                initiator_key,
                listener_key,
                initiator_nonce,
                listener_nonce,
            },
            connection.version(),
        ))
    }

    /// Classifies the MP_CAPABLE SYN of the subflow in `slot` with its answer (or none).
    fn scan_pair(&mut self, slot: usize, answer: Option<(u64, &Segment<'_>)>) -> Option<ScanPair> {
        let subflow = self.flows.get(slot)?;
        pair_of(
            subflow,
            self.file,
            answer,
            &mut self.stats,
            &mut self.findings,
        )
    }

    fn keep(&mut self, record: Finished) {
        if self.settings.records {
            self.finished.push_back(record);
        }
    }

    /// Takes the subflow at `key` out of the flow table (its 4-tuple is being reused): kept in its
    /// connection, or reported now if it has none.
    fn retire(&mut self, key: FlowKey) {
        let Some(mut subflow) = self.flows.remove(&key) else {
            return;
        };
        subflow.spans = [None, None];
        match subflow
            .connection
            .and_then(|id| self.connections.get_mut(&id))
        {
            Some(connection) => {
                connection.subflows.retain(|k| *k != key);
                connection.retired.push(subflow);
            }
            None => self.report_unattached(subflow),
        }
    }

    /// Reports a subflow that never joined a connection: an unanswered MP_CAPABLE SYN, or an
    /// MP_JOIN whose token matched nothing.
    fn report_unattached(&mut self, subflow: Subflow) {
        match subflow.role {
            Role::Initial => {
                if !subflow.paired {
                    let mut unused = Findings::new();
                    if let Some(pair) =
                        pair_of(&subflow, self.file, None, &mut self.stats, &mut unused)
                    {
                        self.keep(Finished::ScanPair(pair));
                    }
                }
            }
            Role::Join { .. } => {
                self.stats.orphan_joins += 1;
                let summary = subflow_summary(&subflow, None);
                self.keep(Finished::OrphanJoin {
                    file: self.file,
                    subflow: summary,
                });
            }
        }
    }

    /// Finishes what has timed out; with `all`, everything.
    fn sweep(&mut self, all: bool) {
        let now = self.now;
        let settings = self.settings;
        let stale: Vec<FlowKey> = self
            .flows
            .iter()
            .filter(|(_, s)| s.connection.is_none())
            .filter(|(_, s)| {
                let timeout = match s.role {
                    Role::Initial => settings.syn_timeout,
                    Role::Join { .. } => settings.linger,
                };
                all || now.saturating_sub(s.last_time) > timeout
            })
            .map(|(k, _)| *k)
            .collect();
        for key in stale {
            if let Some(subflow) = self.flows.remove(&key) {
                self.report_unattached(subflow);
            }
        }
        let mut done: Vec<u64> = self
            .connections
            .values()
            .filter(|c| {
                let quiet = now.saturating_sub(c.last_time);
                all || quiet > settings.idle_timeout || (quiet > settings.linger && self.ended(c))
            })
            .map(|c| c.id)
            .collect();
        // Records come out in the order connections started, whatever the map's order.
        done.sort_unstable();
        for id in done {
            if let Some(connection) = self.connections.remove(&id) {
                let summary = self.finish(connection);
                self.keep(Finished::Connection(summary));
            }
        }
    }

    fn ended(&self, connection: &Connection) -> bool {
        connection.fastclose.iter().any(|&f| f)
            || connection
                .subflows
                .iter()
                .all(|k| self.flows.get_by_key(k).is_none_or(Subflow::closed))
                && connection.retired.iter().all(Subflow::closed)
    }

    /// Turns a connection (and its subflows, removed from the flow table) into its summary.
    fn finish(&mut self, mut connection: Connection) -> ConnectionSummary {
        let mut subflows: Vec<Subflow> = core::mem::take(&mut connection.retired);
        subflows.extend(
            connection
                .subflows
                .iter()
                .filter_map(|k| self.flows.remove(k)),
        );
        subflows.sort_by_key(|s| s.index);
        let version = connection.version();
        for key in connection.keys.iter().flatten() {
            let token = crypto::token(version, *key);
            if self.tokens.get(&token) == Some(&connection.id) {
                self.tokens.remove(&token);
            }
        }
        let ending = if connection.fastclose.iter().any(|&f| f) {
            ConnectionEnding::Fastclose
        } else if connection.data_fin[0] && connection.data_fin[1] {
            ConnectionEnding::DataFin
        } else if connection.data_fin[0] || connection.data_fin[1] {
            ConnectionEnding::DataFinOneWay
        } else if subflows.iter().any(|s| s.mp_tcprst) && subflows.iter().all(Subflow::closed) {
            ConnectionEnding::MpTcpRst
        } else if subflows.iter().any(|s| s.rst) && subflows.iter().all(Subflow::closed) {
            ConnectionEnding::TcpRst
        } else if !subflows.is_empty() && subflows.iter().all(Subflow::closed) {
            ConnectionEnding::TcpFin
        } else {
            ConnectionEnding::Open
        };
        let summaries = subflows
            .iter()
            .map(|s| subflow_summary(s, Some(&connection)))
            .collect();
        ConnectionSummary {
            id: connection.id,
            file: connection.file,
            first_frame: connection.first_frame,
            first_time: connection.first_time,
            last_time: connection.last_time,
            version: connection.version,
            client: connection.client,
            server: connection.server,
            initial_syn_seen: connection.initial_syn_time.is_some(),
            packets: connection.packets,
            keys: connection.keys,
            checksum_negotiated: connection.checksum_negotiated,
            checksums: connection.checksums,
            mp_fail: connection.mp_fail,
            subflows: summaries,
            add_addr: connection.add_addr,
            remove_addr: connection.remove_addr,
            mp_prio: connection.mp_prio[0],
            mp_prio_backup: connection.mp_prio[1],
            data_fin: connection.data_fin,
            fastclose: connection.fastclose,
            tcprst: connection.tcprst,
            ending,
            data_bytes: [connection.data[0].covered, connection.data[1].covered],
            reinjected_bytes: [connection.data[0].reinjected, connection.data[1].reinjected],
        }
    }
}

fn key_finding(version: Version, key: u64) -> KeyFinding {
    let derived = crypto::key::derive(version, key);
    KeyFinding {
        key,
        token: derived.token,
        idsn: derived.idsn,
    }
}

/// The scan pair of `subflow`'s MP_CAPABLE SYN and its answer; the answer's segment also gets
/// the classification in `findings`.
fn pair_of(
    subflow: &Subflow,
    file: u32,
    answer: Option<(u64, &Segment<'_>)>,
    stats: &mut TrackStats,
    findings: &mut Findings,
) -> Option<ScanPair> {
    let (Some(options), Some(seq), Some(syn_frame)) =
        (&subflow.syn_options, subflow.syn_seq, subflow.syn_frame)
    else {
        return None;
    };
    let Some((frame, segment)) = answer else {
        stats.capable_syn_unanswered += 1;
        return Some(ScanPair {
            file,
            syn_frame,
            reply_frame: None,
            server: subflow.server,
            reply_options: None,
            key: None,
            verdict: PairVerdict::NoAnswer,
        });
    };
    let reply_options = segment.tcp.options();
    let result = Sent::from_options(options, seq).map(|mut sent| {
        sent.window = subflow.syn_window;
        let reply = Reply {
            flags: segment.tcp.flags(),
            seq: segment.tcp.seq_number(),
            ack: segment.tcp.ack_number(),
            window: segment.tcp.window_len(),
            options: reply_options,
            ttl: segment.ttl,
        };
        classify(&sent, &reply)
    });
    findings.handshake = Some(Handshake { syn_frame, result });
    let (verdict, key) = match result {
        Ok(c) => (PairVerdict::Classified(c.verdict, c.signals), c.key),
        Err(error) => (PairVerdict::UnreadableProbe(error), None),
    };
    Some(ScanPair {
        file,
        syn_frame,
        reply_frame: Some(frame),
        server: subflow.server,
        reply_options: Some(reply_options.to_vec()),
        key,
        verdict,
    })
}

/// A subflow's summary; `connection` gives the initial SYN time for a join's delay.
fn subflow_summary(subflow: &Subflow, connection: Option<&Connection>) -> SubflowSummary {
    let join_token = match subflow.role {
        Role::Initial => None,
        Role::Join { token, .. } => Some(token),
    };
    let join_delay = match (join_token, connection, subflow.syn_time) {
        (Some(_), Some(c), Some(syn)) => {
            Some(syn.saturating_sub(c.initial_syn_time.unwrap_or(c.first_time)))
        }
        _ => None,
    };
    let state = match subflow.outcome {
        Outcome::Established => SubflowState::Established,
        Outcome::Failed(reason) => SubflowState::Failed(reason),
        Outcome::Attempted if subflow.connection.is_none() => match join_token {
            Some(Some(_)) => SubflowState::Failed(FailReason::UnknownToken),
            _ => SubflowState::SynNotCaptured,
        },
        Outcome::Attempted if subflow.syn_ack_time.is_none() && subflow.syn_time.is_some() => {
            SubflowState::Failed(FailReason::NoAnswer)
        }
        Outcome::Attempted => SubflowState::Attempted,
    };
    let ending = if subflow.mp_tcprst {
        SubflowEnding::MpTcpRst
    } else if subflow.rst {
        SubflowEnding::Rst
    } else if subflow.fin[0] || subflow.fin[1] {
        SubflowEnding::Fin
    } else {
        SubflowEnding::Open
    };
    // Per direction of the connection: a subflow opened by the server counts the other way.
    let per = |a: [u64; 2]| {
        if subflow.same_direction_as_connection {
            a
        } else {
            [a[1], a[0]]
        }
    };
    SubflowSummary {
        index: subflow.index,
        join_token,
        client: subflow.client,
        server: subflow.server,
        first_frame: subflow.first_frame,
        state,
        address_ids: subflow.address_ids,
        backup: subflow.backup,
        join_delay,
        handshake_rtt: subflow.handshake_rtt(),
        bytes: per(subflow.bytes),
        packets: per(subflow.packets),
        ending,
    }
}

#[cfg(test)]
mod tests;
