//! Connection tracking: subflows by 4-tuple, connections by key and token, and every MPTCP option
//! applied to the connection it belongs to.
//!
//! Memory stays bounded by the number of connections open at once: a connection is finished (its
//! record handed to the [`Sink`] and its state dropped) once it has ended and been quiet for
//! [`Settings::linger`], or has been idle for [`Settings::idle_timeout`]. Unanswered MP_CAPABLE
//! SYNs (a scan) are dropped after [`Settings::syn_timeout`].

use std::io::Write;
use std::net::SocketAddr;

use mptcpscan::crypto::{self, DssPseudoHeader, HmacKeys, JoinHandshake};
use mptcpscan::mptcp::{self, BackupFlags, DssFlags, MpJoin, MptcpOption, Version};
use mptcpscan::options::{Options, TcpOption};
use mptcpscan::scope::AddressScope;
use mptcpscan::wire::TcpFlags;
use rustc_hash::FxHashMap;

use super::record::{
    AddAddrRecord, ConnectionRecord, Direction, OrphanJoinRecord, PerDirection, RemoveAddrRecord,
    ScanPairRecord, SeriesRecord, SubflowRecord,
};
use super::segment::Segment;
use super::state::{Connection, FlowKey, Mapping, Outcome, Role, Sample, Side, Subflow};
use super::stats::TraceStats;

/// Most MPTCP options one TCP header can hold (40 bytes of options, 4 bytes at least each).
const MAX_MPTCP_OPTIONS: usize = 10;

/// Timeouts, in capture time.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// A connection with no packet for this long is finished (still open at that point).
    pub idle_timeout: i64,
    /// An ended connection is finished after this long without packets.
    pub linger: i64,
    /// An MP_CAPABLE SYN without an answer after this long counts as unanswered.
    pub syn_timeout: i64,
    /// Keep each mapped segment's data sequence number and time (`dissect --series`).
    pub series: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            idle_timeout: 3600 * 1_000_000_000,
            linger: 60 * 1_000_000_000,
            syn_timeout: 10 * 1_000_000_000,
            series: false,
        }
    }
}

/// Receives records as connections finish.
pub trait Sink {
    /// A finished connection.
    fn connection(&mut self, record: ConnectionRecord);
    /// An MP_JOIN subflow whose token matched no connection.
    fn orphan_join(&mut self, record: OrphanJoinRecord);
    /// An MP_CAPABLE SYN and its answer.
    fn scan_pair(&mut self, record: ScanPairRecord);
}

/// The whole tracking state.
pub struct Tracker {
    settings: Settings,
    flows: FxHashMap<FlowKey, Subflow>,
    connections: FxHashMap<u64, Connection>,
    tokens: FxHashMap<u32, u64>,
    next_id: u64,
    files: Vec<String>,
    file: usize,
    now: i64,
    last_sweep: i64,
    /// Trace-wide counters.
    pub stats: TraceStats,
    /// Where `--options` lines go, with a reused line buffer and the first write error.
    dump: Option<(Box<dyn Write>, String)>,
    dump_error: Option<std::io::Error>,
}

impl Tracker {
    /// An empty tracker.
    pub fn new(settings: Settings) -> Tracker {
        Tracker {
            settings,
            flows: FxHashMap::default(),
            connections: FxHashMap::default(),
            tokens: FxHashMap::default(),
            next_id: 1,
            files: Vec::new(),
            file: 0,
            now: i64::MIN,
            last_sweep: i64::MIN,
            stats: TraceStats::default(),
            dump: None,
            dump_error: None,
        }
    }

    /// Writes every MPTCP option to `out`, one line each (see [`super::optdump`]).
    pub fn dump_options(&mut self, out: Box<dyn Write>) {
        self.dump = Some((out, String::with_capacity(256)));
    }

    /// Flushes the option lines; returns the first write error.
    pub fn finish_dump(&mut self) -> std::io::Result<()> {
        if let Some((out, _)) = self.dump.as_mut() {
            if let Err(error) = out.flush() {
                self.dump_error.get_or_insert(error);
            }
        }
        match self.dump_error.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn write_dump(&mut self) {
        if let Some((out, line)) = self.dump.as_mut() {
            line.push('\n');
            if let Err(error) = out.write_all(line.as_bytes()) {
                self.dump_error.get_or_insert(error);
            }
        }
    }

    /// Starts a new capture file (packet numbers restart at 1).
    pub fn start_file(&mut self, name: &str) {
        self.files.push(name.to_string());
        self.file = self.files.len() - 1;
    }

    /// Makes the subflow at `key` the initial subflow of a new connection; returns its id.
    fn create_connection(&mut self, key: FlowKey, time: i64) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let Some(subflow) = self.flows.get_mut(&key) else {
            return id;
        };
        let mut connection = Connection::new(
            id,
            self.file,
            subflow.first_packet,
            subflow.syn_time.unwrap_or(time),
            subflow.client,
            subflow.server,
            key,
        );
        connection.initial_syn_time = subflow.syn_time;
        connection.series = self.settings.series.then(Vec::new);
        if let Some(syn_capable) = subflow.syn_capable {
            connection.keys[0] = syn_capable.sender_key;
            connection.version = Version::from_wire(syn_capable.version);
            connection.checksum_negotiated |= syn_capable
                .flags
                .contains(mptcp::CapableFlags::CHECKSUM_REQUIRED);
        }
        subflow.connection = Some(id);
        subflow.index = 0;
        self.connections.insert(id, connection);
        self.stats.connections_opened += 1;
        id
    }

    /// With `--series`: places a segment's payload in the data sequence space through the recent
    /// mappings of its sender on this subflow. A mapping may cover many segments (Linux puts it on
    /// the first segment of a large send only), so the segment's offset in the mapping counts;
    /// payload outside the mappings kept (a late retransmission of old data) is left out.
    fn sample(&mut self, key: FlowKey, side: Side, time: i64, segment: &Segment<'_>) {
        let Some(subflow) = self.flows.get(&key) else {
            return;
        };
        let Some(connection) = subflow
            .connection
            .and_then(|id| self.connections.get_mut(&id))
        else {
            return;
        };
        let Some(series) = connection.series.as_mut() else {
            return;
        };
        let seq = segment.tcp.seq_number();
        let Some((mapping, offset)) = subflow.mappings[side.index()]
            .iter()
            .flatten()
            .map(|m| (m, seq.wrapping_sub(m.start)))
            .find(|&(m, offset)| offset < m.len)
        else {
            return;
        };
        series.push(Sample {
            time,
            dsn: mapping.dsn.wrapping_add(u64::from(offset)),
            len: segment.payload_len.min(mapping.len - offset),
            subflow: subflow.index,
            direction: direction_of(subflow, side) as u8,
        });
    }

    /// Records a problem with packet `number` of the current file.
    pub fn anomaly(&mut self, number: u64, message: String) {
        let file = self.file_name(self.file);
        self.stats.anomaly(&file, number, message);
    }

    fn file_name(&self, index: usize) -> String {
        self.files.get(index).cloned().unwrap_or_default()
    }

    /// Applies one TCP segment.
    pub fn segment(&mut self, number: u64, time: i64, segment: &Segment<'_>, sink: &mut dyn Sink) {
        self.now = self.now.max(time);
        // Once a second of capture time, whatever the packets carry.
        if time.saturating_sub(self.last_sweep) > 1_000_000_000 {
            self.last_sweep = time;
            self.sweep(sink, false);
        }
        let v6 = segment.src.is_ipv6();
        self.stats.count_tcp(v6, segment.ip_len);

        let mut mptcp_options: [&[u8]; MAX_MPTCP_OPTIONS] = [&[]; MAX_MPTCP_OPTIONS];
        let mut count = 0;
        for item in Options::new(segment.tcp.options()) {
            match item {
                Ok((_, TcpOption::Mptcp(bytes))) => {
                    self.stats.count_option(bytes);
                    if count < MAX_MPTCP_OPTIONS {
                        mptcp_options[count] = bytes;
                        count += 1;
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    self.anomaly(number, format!("TCP options: {error}"));
                    break;
                }
            }
        }
        let options = &mptcp_options[..count];

        let src = SocketAddr::new(segment.src, segment.tcp.src_port());
        let dst = SocketAddr::new(segment.dst, segment.tcp.dst_port());
        let (key, reversed) = FlowKey::of((src.ip(), src.port()), (dst.ip(), dst.port()));
        let flags = segment.flags();

        if flags.contains(TcpFlags::SYN) && !flags.contains(TcpFlags::ACK) {
            if let Some(existing) = self.flows.get(&key) {
                // A new SYN on a known 4-tuple: a port reused for a new subflow, unless it is the
                // same SYN again (a retransmission).
                let same_syn = existing.side(reversed) == Side::Client
                    && !existing.closed()
                    && existing.syn_seq == Some(segment.tcp.seq_number());
                if !same_syn {
                    self.retire(key, sink);
                }
            }
        }
        if !self.flows.contains_key(&key) {
            if options.is_empty() {
                return;
            }
            let Some(subflow) = self.open_subflow(number, time, segment, options) else {
                return;
            };
            let midstream = subflow.syn_time.is_none()
                && !flags.contains(TcpFlags::SYN)
                && !options.iter().any(|o| {
                    matches!(
                        mptcp::check_header(o),
                        Ok(mptcp::subtype::MP_CAPABLE | mptcp::subtype::MP_JOIN)
                    )
                });
            self.flows.insert(key, subflow);
            if midstream {
                self.create_connection(key, time);
            }
        }
        self.stats.count_mptcp(v6, segment.ip_len);
        self.apply(key, reversed, number, time, segment, options, sink);
    }

    /// A subflow for a packet of an unknown 4-tuple that carries MPTCP options.
    fn open_subflow(
        &mut self,
        number: u64,
        time: i64,
        segment: &Segment<'_>,
        options: &[&[u8]],
    ) -> Option<Subflow> {
        let src = SocketAddr::new(segment.src, segment.tcp.src_port());
        let dst = SocketAddr::new(segment.dst, segment.tcp.dst_port());
        let flags = segment.flags();
        let seq = segment.tcp.seq_number();
        let syn = flags.contains(TcpFlags::SYN);
        let ack = flags.contains(TcpFlags::ACK);
        let first_subtype = options
            .iter()
            .filter_map(|o| mptcp::check_header(o).ok())
            .find(|&s| s == mptcp::subtype::MP_CAPABLE || s == mptcp::subtype::MP_JOIN);
        let join = first_subtype == Some(mptcp::subtype::MP_JOIN);
        let role = if join {
            Role::Join {
                token: None,
                nonces: [None; 2],
                syn_ack_hmac: None,
            }
        } else {
            Role::Initial
        };
        // A SYN-ACK (or a later packet of a subflow whose SYN was not captured) goes from the
        // server: the client is its destination.
        let (client, server) = if syn && ack { (dst, src) } else { (src, dst) };
        let mut subflow = Subflow::new(client, server, role, number, time);
        if syn && !ack {
            subflow.syn_time = Some(time);
            subflow.syn_packet = Some(number);
            subflow.syn_seq = Some(seq);
        }
        if !syn && first_subtype.is_none() {
            // Mid-stream MPTCP traffic whose handshake was not captured: tracked as a connection of
            // its own so that its options and bytes are still counted.
            self.stats.midstream_subflows += 1;
        }
        if !syn && first_subtype == Some(mptcp::subtype::MP_JOIN) {
            // The third ACK of a join whose SYN and SYN-ACK were not captured.
            self.stats.midstream_subflows += 1;
        }
        Some(subflow)
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        key: FlowKey,
        reversed: bool,
        number: u64,
        time: i64,
        segment: &Segment<'_>,
        options: &[&[u8]],
        sink: &mut dyn Sink,
    ) {
        let flags = segment.flags();
        let syn = flags.contains(TcpFlags::SYN);
        let ack = flags.contains(TcpFlags::ACK);
        let Some(subflow) = self.flows.get_mut(&key) else {
            return;
        };
        let side = subflow.side(reversed);
        subflow.last_time = time;
        subflow.packets[side.index()] += 1;

        // The handshake, at the TCP level.
        if syn && ack && side == Side::Server {
            if subflow.syn_ack_time.is_none() {
                subflow.syn_ack_time = Some(time);
                subflow.syn_ack_seq = Some(segment.tcp.seq_number());
            }
        } else if !syn && ack && side == Side::Client && subflow.handshake_ack_time.is_none() {
            if let Some(seq) = subflow.syn_ack_seq {
                if segment.tcp.ack_number() == seq.wrapping_add(1) {
                    subflow.handshake_ack_time = Some(time);
                }
            }
        }
        if flags.contains(TcpFlags::FIN) {
            subflow.fin[side.index()] = true;
        }
        if flags.contains(TcpFlags::RST) {
            subflow.rst = true;
        }
        subflow.count_payload(side, segment.tcp.seq_number(), segment.payload_len);

        for option in options {
            self.option(key, side, number, time, segment, option);
        }
        if segment.payload_len > 0 {
            self.sample(key, side, time, segment);
        }

        // The answer to an MP_CAPABLE SYN: classify the pair like a scan would. Without MP_CAPABLE
        // (or reset) the flow is plain TCP, or a scan probe: forget it.
        let Some(subflow) = self.flows.get_mut(&key) else {
            return;
        };
        let answer = side == Side::Server && ((syn && ack) || flags.contains(TcpFlags::RST));
        if answer && subflow.role == Role::Initial && !subflow.paired {
            subflow.paired = true;
            if subflow.syn_packet.is_some() {
                let subflow = subflow.clone();
                self.scan_pair(&subflow, Some((number, segment)), sink);
            }
            let Some(subflow) = self.flows.get_mut(&key) else {
                return;
            };
            if subflow.connection.is_none() {
                self.stats.capable_syn_fallback += 1;
                self.flows.remove(&key);
                return;
            }
        }
        let Some(subflow) = self.flows.get_mut(&key) else {
            return;
        };
        if let Role::Join { .. } = subflow.role {
            if side == Side::Server && subflow.outcome == Outcome::Attempted {
                if flags.contains(TcpFlags::RST) {
                    subflow.outcome = Outcome::Failed("reset");
                } else if syn && ack && subflow.address_ids[1].is_none() {
                    subflow.outcome = Outcome::Failed("no MP_JOIN in SYN-ACK");
                }
            }
        }
        if let Some(id) = subflow.connection {
            let direction = direction_of(subflow, side);
            if let Some(connection) = self.connections.get_mut(&id) {
                connection.last_time = time;
                connection.packets[direction] += 1;
            }
        }
    }

    /// Applies one MPTCP option of a packet sent by `side` of the subflow at `key`.
    fn option(
        &mut self,
        key: FlowKey,
        side: Side,
        number: u64,
        time: i64,
        segment: &Segment<'_>,
        bytes: &[u8],
    ) {
        let Some(subflow) = self.flows.get(&key) else {
            return;
        };
        let version = subflow
            .connection
            .and_then(|id| self.connections.get(&id))
            .and_then(|c| c.version)
            .unwrap_or(Version::V1);
        let parsed = MptcpOption::parse(bytes, version);
        if let Some((_, line)) = self.dump.as_mut() {
            line.clear();
            match &parsed {
                Ok(option) => super::optdump::describe(line, number, option),
                Err(error) => super::optdump::describe_error(line, number, bytes, error),
            }
            self.write_dump();
        }
        let option = match parsed {
            Ok(option) => option,
            Err(error) => {
                self.stats.malformed_mptcp += 1;
                self.anomaly(number, format!("MPTCP option: {error}"));
                return;
            }
        };
        if let MptcpOption::Capable(capable) = option {
            self.capable(key, side, time, segment, &capable);
            return;
        }
        if let MptcpOption::Join(join) = option {
            self.join(key, side, &join);
            return;
        }
        // Every other option needs the connection.
        let Some(subflow) = self.flows.get_mut(&key) else {
            return;
        };
        let Some(connection) = subflow
            .connection
            .and_then(|id| self.connections.get_mut(&id))
        else {
            return;
        };
        let direction = direction_of(subflow, side);
        match option {
            MptcpOption::Capable(_) | MptcpOption::Join(_) | MptcpOption::Unknown { .. } => {}
            MptcpOption::Dss(dss) => {
                dss_option(connection, subflow, direction, side, segment, &dss)
            }
            MptcpOption::AddAddr(add) => {
                let hmac = match (
                    add.hmac,
                    connection.keys[direction],
                    connection.keys[1 - direction],
                ) {
                    (None, _, _) => None,
                    (Some(hmac), Some(sender), Some(receiver)) => Some(
                        crypto::verify_add_addr_hmac(
                            HmacKeys { sender, receiver },
                            add.addr_id,
                            add.address,
                            add.port,
                            u64::from_be_bytes(hmac),
                        )
                        .name()
                        .to_string(),
                    ),
                    (Some(_), _, _) => Some("unchecked (keys unknown)".into()),
                };
                connection.add_addr.push(AddAddrRecord {
                    direction: record_direction(direction),
                    packet: number,
                    id: add.addr_id,
                    address: add.address.to_string(),
                    port: add.port,
                    scope: AddressScope::of(add.address).to_string(),
                    echo: add.is_echo(),
                    hmac,
                });
            }
            MptcpOption::RemoveAddr(remove) => connection.remove_addr.push(RemoveAddrRecord {
                direction: record_direction(direction),
                packet: number,
                ids: remove.ids.to_vec(),
            }),
            MptcpOption::Prio(prio) => {
                connection.mp_prio[0] += 1;
                if prio.backup() {
                    connection.mp_prio[1] += 1;
                    subflow.backup = true;
                }
            }
            MptcpOption::Fail(_) => connection.mp_fail += 1,
            MptcpOption::Fastclose(_) => connection.fastclose[direction] = true,
            MptcpOption::TcpRst(rst) => {
                subflow.mp_tcprst = true;
                connection
                    .tcprst
                    .push(format!("{:#04x} {}", rst.reason.0, rst.reason.name()));
            }
        }
    }

    /// MP_JOIN: attach the subflow to its connection by token and check both HMACs.
    fn join(&mut self, key: FlowKey, side: Side, join: &MpJoin) {
        let Some(subflow) = self.flows.get_mut(&key) else {
            return;
        };
        let Role::Join {
            token,
            nonces,
            syn_ack_hmac,
        } = &mut subflow.role
        else {
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
                if subflow.connection.is_some() {
                    return;
                }
                let Some(&id) = self.tokens.get(&wire_token) else {
                    return;
                };
                let Some(connection) = self.connections.get_mut(&id) else {
                    return;
                };
                let version = connection.version.unwrap_or(Version::V1);
                // The token names the listener: the connection's server when the connection's
                // client opens the subflow (the usual case).
                subflow.same_direction_as_connection =
                    connection.keys[1].is_some_and(|k| crypto::token(version, k) == wire_token);
                subflow.connection = Some(id);
                subflow.index = connection.next_index;
                connection.next_index = connection.next_index.saturating_add(1);
                connection.subflows.push(key);
            }
            MpJoin::SynAck {
                flags,
                addr_id,
                hmac,
                nonce,
            } if side == Side::Server => {
                nonces[1] = Some(nonce);
                *syn_ack_hmac = Some(u64::from_be_bytes(hmac));
                subflow.address_ids[1] = Some(addr_id);
                subflow.backup |= flags.contains(BackupFlags::BACKUP);
                let handshake = self.handshake(&key);
                let Some(subflow) = self.flows.get_mut(&key) else {
                    return;
                };
                subflow.outcome = match handshake {
                    Some((h, version)) if !h.verify_syn_ack(version, u64::from_be_bytes(hmac)) => {
                        Outcome::Failed("bad HMAC")
                    }
                    _ => Outcome::Established,
                };
            }
            MpJoin::Ack { hmac, .. } if side == Side::Client => {
                let verdict = match self.handshake(&key) {
                    Some((h, version)) if !h.verify_ack(version, &hmac) => {
                        Some(Outcome::Failed("bad HMAC"))
                    }
                    // The client sends this ACK only after a good SYN-ACK: with only the
                    // client's direction captured, it is what shows the subflow established.
                    _ => None,
                };
                if let Some(subflow) = self.flows.get_mut(&key) {
                    match verdict {
                        Some(failed) => subflow.outcome = failed,
                        None if subflow.outcome == Outcome::Attempted => {
                            subflow.outcome = Outcome::Established;
                        }
                        None => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// The keys and nonces of a join subflow's handshake, when all four are known.
    fn handshake(&self, key: &FlowKey) -> Option<(JoinHandshake, Version)> {
        let subflow = self.flows.get(key)?;
        let Role::Join { nonces, .. } = &subflow.role else {
            return None;
        };
        let connection = self.connections.get(&subflow.connection?)?;
        let (initiator, listener) = if subflow.same_direction_as_connection {
            (0, 1)
        } else {
            (1, 0)
        };
        Some((
            JoinHandshake {
                initiator_key: connection.keys[initiator]?,
                listener_key: connection.keys[listener]?,
                initiator_nonce: nonces[0]?,
                listener_nonce: nonces[1]?,
            },
            connection.version.unwrap_or(Version::V1),
        ))
    }

    /// MP_CAPABLE: versions, keys, checksum negotiation, and the connection itself.
    fn capable(
        &mut self,
        key: FlowKey,
        side: Side,
        time: i64,
        segment: &Segment<'_>,
        capable: &mptcp::MpCapable,
    ) {
        let flags = segment.flags();
        let syn = flags.contains(TcpFlags::SYN);
        let ack = flags.contains(TcpFlags::ACK);
        let Some(subflow) = self.flows.get_mut(&key) else {
            return;
        };
        if subflow.role != Role::Initial {
            return;
        }
        if syn && !ack {
            // The SYN: keep it (options and key) until the answer shows whether MPTCP goes on.
            if subflow.syn_options.is_none() {
                subflow.syn_options = Some(segment.tcp.options().to_vec());
                self.stats.capable_syns += 1;
            }
            subflow.syn_capable = Some(*capable);
            return;
        }
        let id = match subflow.connection {
            Some(id) => id,
            None => self.create_connection(key, time),
        };
        let Some(subflow) = self.flows.get_mut(&key) else {
            return;
        };
        let Some(connection) = self.connections.get_mut(&id) else {
            return;
        };
        if syn && ack {
            // The server's answer decides the version (it may downgrade).
            if let Some(v) = Version::from_wire(capable.version) {
                connection.version = Some(v);
            }
            connection.keys[1] = capable.sender_key.or(connection.keys[1]);
            subflow.outcome = Outcome::Established;
        } else if side == Side::Client {
            connection.keys[0] = capable.sender_key.or(connection.keys[0]);
            connection.keys[1] = capable.receiver_key.or(connection.keys[1]);
            if connection.version.is_none() {
                connection.version = Version::from_wire(capable.version);
            }
            if subflow.outcome == Outcome::Attempted {
                subflow.outcome = Outcome::Established;
            }
        } else {
            connection.keys[1] = capable.sender_key.or(connection.keys[1]);
            connection.keys[0] = capable.receiver_key.or(connection.keys[0]);
        }
        connection.checksum_negotiated |= capable
            .flags
            .contains(mptcp::CapableFlags::CHECKSUM_REQUIRED);
        let version = connection.version.unwrap_or(Version::V1);
        // v1: the client's first data can ride on MP_CAPABLE, mapped from its IDSN + 1.
        if let (Some(len), Some(key), Side::Client) = (capable.data_len, capable.sender_key, side) {
            let direction = direction_of(subflow, side);
            let dsn = crypto::idsn(version, key).wrapping_add(1);
            connection.last_dsn[direction].get_or_insert(dsn);
            connection.data[direction].record(dsn, u64::from(len), subflow.index);
        }
        for k in connection.keys.iter().flatten() {
            self.tokens.insert(crypto::token(version, *k), id);
        }
    }

    /// Classifies an MP_CAPABLE SYN with its answer (or none) and hands the pair to the sink.
    fn scan_pair(
        &mut self,
        subflow: &Subflow,
        answer: Option<(u64, &Segment<'_>)>,
        sink: &mut dyn Sink,
    ) {
        let (Some(options), Some(seq), Some(syn_packet)) =
            (&subflow.syn_options, subflow.syn_seq, subflow.syn_packet)
        else {
            return;
        };
        let pair = super::pairs::classify_pair(options, seq, answer.map(|(_, s)| s));
        if answer.is_none() {
            self.stats.capable_syn_unanswered += 1;
        }
        *self
            .stats
            .scan_verdicts
            .entry(pair.class.clone())
            .or_insert(0) += 1;
        sink.scan_pair(ScanPairRecord {
            record: "scan_pair".into(),
            file: self.file_name(self.file),
            syn_packet,
            reply_packet: answer.map(|(n, _)| n),
            address: subflow.server.ip().to_string(),
            port: subflow.server.port(),
            optionshex: pair.optionshex,
            mptcpkey: pair.key.map(|k| format!("{k:016x}")),
            class: pair.class,
            mptcp_signals: pair.signals,
        });
    }

    /// Takes the subflow at `key` out of the flow table (its 4-tuple is being reused): kept in its
    /// connection, or reported now if it has none.
    fn retire(&mut self, key: FlowKey, sink: &mut dyn Sink) {
        let Some(subflow) = self.flows.remove(&key) else {
            return;
        };
        match subflow
            .connection
            .and_then(|id| self.connections.get_mut(&id))
        {
            Some(connection) => {
                connection.subflows.retain(|k| *k != key);
                connection.retired.push(subflow);
            }
            None => self.report_unattached(subflow, sink),
        }
    }

    /// Reports a subflow that never joined a connection: an unanswered MP_CAPABLE SYN, or an
    /// MP_JOIN whose token matched nothing.
    fn report_unattached(&mut self, subflow: Subflow, sink: &mut dyn Sink) {
        match subflow.role {
            Role::Initial => {
                if !subflow.paired {
                    self.scan_pair(&subflow, None, sink);
                }
            }
            Role::Join { .. } => {
                let record = self.subflow_record(&subflow, None);
                self.stats.orphan_joins += 1;
                sink.orphan_join(OrphanJoinRecord {
                    record: "orphan_join".into(),
                    file: self.file_name(self.file),
                    subflow: record,
                });
            }
        }
    }

    /// Finishes what has timed out; with `all`, finishes everything (end of the capture).
    pub fn sweep(&mut self, sink: &mut dyn Sink, all: bool) {
        let now = self.now;
        let settings = self.settings;
        // Unanswered SYNs and orphan joins.
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
                self.report_unattached(subflow, sink);
            }
        }
        let done: Vec<u64> = self
            .connections
            .values()
            .filter(|c| {
                let quiet = now.saturating_sub(c.last_time);
                all || quiet > settings.idle_timeout || (quiet > settings.linger && self.ended(c))
            })
            .map(|c| c.id)
            .collect();
        for id in done {
            if let Some(connection) = self.connections.remove(&id) {
                let record = self.finish(connection);
                sink.connection(record);
            }
        }
    }

    /// A subflow's record; `connection` gives the connection's initial SYN time for the delay.
    fn subflow_record(&self, subflow: &Subflow, connection: Option<&Connection>) -> SubflowRecord {
        let join_delay = match (&subflow.role, connection, subflow.syn_time) {
            (Role::Join { .. }, Some(c), Some(syn)) => {
                Some((syn - c.initial_syn_time.unwrap_or(c.first_time)) as f64 / 1e9)
            }
            _ => None,
        };
        let (kind, token) = match &subflow.role {
            Role::Initial => ("initial", None),
            Role::Join { token, .. } => ("join", token.map(|t| format!("{t:08x}"))),
        };
        let (state, failure) = match &subflow.outcome {
            Outcome::Established => ("established", None),
            Outcome::Failed(reason) => ("failed", Some(reason.to_string())),
            Outcome::Attempted if subflow.connection.is_none() => match subflow.role {
                Role::Join { token: Some(_), .. } => ("failed", Some("unknown token".to_string())),
                _ => ("attempted", Some("SYN not captured (no token)".to_string())),
            },
            Outcome::Attempted if subflow.syn_ack_time.is_none() && subflow.syn_time.is_some() => {
                ("failed", Some("no answer".to_string()))
            }
            Outcome::Attempted => ("attempted", None),
        };
        let ending = if subflow.mp_tcprst {
            "mp_tcprst"
        } else if subflow.rst {
            "rst"
        } else if subflow.fin[0] || subflow.fin[1] {
            "fin"
        } else {
            "open"
        };
        // Per direction of the connection: a subflow opened by the server counts the other way.
        let (c2s, s2c) = if subflow.same_direction_as_connection {
            (0, 1)
        } else {
            (1, 0)
        };
        SubflowRecord {
            kind: kind.into(),
            client: subflow.client.to_string(),
            server: subflow.server.to_string(),
            first_packet: subflow.first_packet,
            state: state.into(),
            failure,
            token,
            address_ids: PerDirection {
                client_to_server: subflow.address_ids[0],
                server_to_client: subflow.address_ids[1],
            },
            backup: subflow.backup,
            join_delay,
            handshake_rtt_ms: subflow.handshake_rtt_ms(),
            bytes: PerDirection {
                client_to_server: subflow.bytes[c2s],
                server_to_client: subflow.bytes[s2c],
            },
            packets: PerDirection {
                client_to_server: subflow.packets[c2s],
                server_to_client: subflow.packets[s2c],
            },
            ending: ending.into(),
        }
    }

    /// Turns a connection (and its subflows, removed from the flow table) into its record.
    fn finish(&mut self, mut connection: Connection) -> ConnectionRecord {
        let mut subflows: Vec<Subflow> = std::mem::take(&mut connection.retired);
        subflows.extend(
            connection
                .subflows
                .iter()
                .filter_map(|k| self.flows.remove(k)),
        );
        subflows.sort_by_key(|s| s.index);
        let version = connection.version.unwrap_or(Version::V1);
        for key in connection.keys.iter().flatten() {
            let token = crypto::token(version, *key);
            if self.tokens.get(&token) == Some(&connection.id) {
                self.tokens.remove(&token);
            }
        }
        let records: Vec<SubflowRecord> = subflows
            .iter()
            .map(|s| self.subflow_record(s, Some(&connection)))
            .collect();
        let established: Vec<&Subflow> = subflows
            .iter()
            .filter(|s| s.outcome == Outcome::Established)
            .collect();
        let rtts: Vec<f64> = established
            .iter()
            .filter_map(|s| s.handshake_rtt_ms())
            .collect();
        let rtt_spread_ms = (rtts.len() >= 2).then(|| {
            rtts.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                - rtts.iter().copied().fold(f64::INFINITY, f64::min)
        });
        let bytes = records.iter().fold([0u64; 2], |acc, r| {
            [
                acc[0] + r.bytes.client_to_server,
                acc[1] + r.bytes.server_to_client,
            ]
        });
        let total = bytes[0] + bytes[1];
        let initial_subflow_share = records
            .iter()
            .find(|r| r.kind == "initial")
            .filter(|_| total > 0)
            .map(|r| (r.bytes.client_to_server + r.bytes.server_to_client) as f64 / total as f64);
        let ending = if connection.fastclose.iter().any(|&f| f) {
            "fastclose"
        } else if connection.data_fin[0] && connection.data_fin[1] {
            "data_fin"
        } else if connection.data_fin[0] || connection.data_fin[1] {
            "data_fin_one_way"
        } else if subflows.iter().any(|s| s.mp_tcprst) && subflows.iter().all(|s| s.closed()) {
            "mp_tcprst"
        } else if subflows.iter().any(|s| s.rst) && subflows.iter().all(|s| s.closed()) {
            "tcp_rst"
        } else if !subflows.is_empty() && subflows.iter().all(|s| s.closed()) {
            "tcp_fin"
        } else {
            "open"
        };
        let hex_key = |k: Option<u64>| k.map(|k| format!("{k:016x}"));
        let hex_token = |k: Option<u64>| k.map(|k| format!("{:08x}", crypto::token(version, k)));
        let per = |a: [u64; 2]| PerDirection {
            client_to_server: a[0],
            server_to_client: a[1],
        };
        ConnectionRecord {
            record: "connection".into(),
            id: connection.id,
            file: self.file_name(connection.file),
            first_packet: connection.first_packet,
            start: connection.first_time as f64 / 1e9,
            duration: (connection.last_time - connection.first_time) as f64 / 1e9,
            version: match connection.version {
                Some(Version::V0) => "v0",
                Some(Version::V1) => "v1",
                None => "unknown",
            }
            .into(),
            client: connection.client.to_string(),
            server: connection.server.to_string(),
            initial_syn_seen: connection.initial_syn_time.is_some(),
            directions_seen: PerDirection {
                client_to_server: connection.packets[0] > 0,
                server_to_client: connection.packets[1] > 0,
            },
            keys: PerDirection {
                client_to_server: hex_key(connection.keys[0]),
                server_to_client: hex_key(connection.keys[1]),
            },
            tokens: PerDirection {
                client_to_server: hex_token(connection.keys[0]),
                server_to_client: hex_token(connection.keys[1]),
            },
            checksum_negotiated: connection.checksum_negotiated,
            dss_checksum_ok: connection.dss_checksum_ok,
            dss_checksum_failed: connection.dss_checksum_failed,
            mp_fail: connection.mp_fail,
            subflows_attempted: records.len() as u32,
            subflows_established: records.iter().filter(|r| r.state == "established").count()
                as u32,
            subflows_failed: records.iter().filter(|r| r.state == "failed").count() as u32,
            join_delays: records.iter().filter_map(|r| r.join_delay).collect(),
            rtt_spread_ms,
            add_addr: connection.add_addr,
            remove_addr: connection.remove_addr,
            mp_prio: connection.mp_prio[0],
            mp_prio_backup: connection.mp_prio[1],
            backup_subflows: records.iter().filter(|r| r.backup).count() as u32,
            data_fin: PerDirection {
                client_to_server: connection.data_fin[0],
                server_to_client: connection.data_fin[1],
            },
            fastclose: PerDirection {
                client_to_server: connection.fastclose[0],
                server_to_client: connection.fastclose[1],
            },
            tcprst: connection.tcprst,
            ending: ending.into(),
            bytes: per(bytes),
            initial_subflow_share,
            data_bytes: per([connection.data[0].covered, connection.data[1].covered]),
            reinjected_bytes: per([connection.data[0].reinjected, connection.data[1].reinjected]),
            subflows: records,
            series: connection.series.map(|samples| {
                let order: Vec<u16> = subflows.iter().map(|s| s.index).collect();
                series_record(&samples, connection.first_time, &order)
            }),
        }
    }

    fn ended(&self, connection: &Connection) -> bool {
        connection.fastclose.iter().any(|&f| f)
            || connection
                .subflows
                .iter()
                .all(|k| self.flows.get(k).map_or(true, |s| s.closed()))
                && connection.retired.iter().all(|s| s.closed())
    }
}

/// The connection direction (0: client → server) of a packet sent by `side` of `subflow`.
fn direction_of(subflow: &Subflow, side: Side) -> usize {
    let from_subflow_client = side == Side::Client;
    if from_subflow_client == subflow.same_direction_as_connection {
        0
    } else {
        1
    }
}

/// The samples as columns, times from `start`, sequence numbers from each direction's lowest,
/// subflows by their position in `order` (the subflow indices as the record lists them).
fn series_record(samples: &[Sample], start: i64, order: &[u16]) -> SeriesRecord {
    let mut lowest = [u64::MAX; 2];
    for s in samples {
        let d = usize::from(s.direction & 1);
        lowest[d] = lowest[d].min(s.dsn);
    }
    let mut out = SeriesRecord::default();
    for s in samples {
        out.t_us
            .push(u64::try_from(s.time.saturating_sub(start) / 1000).unwrap_or(0));
        let position = order.iter().position(|&i| i == s.subflow).unwrap_or(0);
        out.subflow
            .push(u16::try_from(position).unwrap_or(u16::MAX));
        out.direction.push(s.direction);
        out.dsn
            .push(s.dsn.wrapping_sub(lowest[usize::from(s.direction & 1)]));
        out.len.push(s.len);
    }
    out
}

fn record_direction(direction: usize) -> Direction {
    if direction == 0 {
        Direction::ClientToServer
    } else {
        Direction::ServerToClient
    }
}

/// DSS: data-level ranges (for reinjections), the DSS checksum, DATA_FIN, and the mapping
/// later segments of the subflow fall in.
fn dss_option(
    connection: &mut Connection,
    subflow: &mut Subflow,
    direction: usize,
    side: Side,
    segment: &Segment<'_>,
    dss: &mptcp::Dss,
) {
    if dss.data_fin() {
        connection.data_fin[direction] = true;
    }
    let Some(mapping) = dss.mapping else {
        return;
    };
    let version = connection.version.unwrap_or(Version::V1);
    let dsn = if dss.flags.contains(DssFlags::DSN_8) {
        mapping.dsn
    } else {
        // The upper 32 bits come from the latest DSN of this direction, or at first from the
        // sender's IDSN (derived from its key).
        let near = connection.last_dsn[direction]
            .or_else(|| connection.keys[direction].map(|k| crypto::idsn(version, k)))
            .unwrap_or(mapping.dsn);
        crypto::expand_dsn(mapping.dsn as u32, near)
    };
    connection.last_dsn[direction] = Some(dsn);
    // DATA_FIN takes one data-level sequence number but carries no byte.
    let data = u32::from(mapping.data_len).saturating_sub(u32::from(dss.data_fin()));
    if data > 0 {
        connection.data[direction].record(dsn, u64::from(data), subflow.index);
    }
    if data > 0 {
        // The mapping's first byte in this subflow's own sequence space: the SSN is relative to
        // the sender's initial sequence number; without the handshake in the capture, the segment
        // carrying the mapping is taken to start it.
        let isn = match side {
            Side::Client => subflow.syn_seq,
            Side::Server => subflow.syn_ack_seq,
        };
        let start = isn.map_or(segment.tcp.seq_number(), |isn| {
            isn.wrapping_add(mapping.ssn)
        });
        let kept = &mut subflow.mappings[side.index()];
        let mapping = Some(Mapping {
            dsn,
            start,
            len: data,
        });
        // Linux repeats a mapping on segments of one send: keep it once.
        if kept[0] != mapping {
            kept.rotate_right(1);
            kept[0] = mapping;
        }
    }
    if let Some(checksum) = mapping.checksum {
        // Checkable when the mapping covers exactly this segment's payload, fully captured.
        let payload = segment.tcp.payload();
        if data > 0 && data == segment.payload_len && payload.len() == data as usize {
            let header = DssPseudoHeader {
                dsn,
                ssn: mapping.ssn,
                data_len: mapping.data_len,
            };
            if crypto::verify_dss_checksum(&header, payload, checksum) {
                connection.dss_checksum_ok += 1;
            } else {
                connection.dss_checksum_failed += 1;
            }
        }
    }
}
