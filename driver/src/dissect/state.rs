//! The state kept per subflow and per connection while a capture is read.

use std::net::{IpAddr, SocketAddr};

use mptcpscan::mptcp::Version;

use super::ranges::DataRanges;

/// Most DSS ranges kept per connection and direction (see [`DataRanges`]).
pub const RANGE_LIMIT: usize = 4096;

/// A TCP 4-tuple with its endpoints in a canonical order, plus which way a packet went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    low: (IpAddr, u16),
    high: (IpAddr, u16),
}

impl FlowKey {
    /// The key of a packet from `src` to `dst`, and whether it goes from the low to the high
    /// endpoint (`false`) or the other way (`true`).
    pub fn of(src: (IpAddr, u16), dst: (IpAddr, u16)) -> (FlowKey, bool) {
        if src <= dst {
            (
                FlowKey {
                    low: src,
                    high: dst,
                },
                false,
            )
        } else {
            (
                FlowKey {
                    low: dst,
                    high: src,
                },
                true,
            )
        }
    }
}

/// Which side of a subflow sent a packet: its SYN sender (the subflow's client) or the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The subflow's SYN sender.
    Client,
    /// The subflow's SYN receiver.
    Server,
}

impl Side {
    /// 0 for the client, 1 for the server: an index into per-side arrays.
    pub fn index(self) -> usize {
        match self {
            Side::Client => 0,
            Side::Server => 1,
        }
    }
}

/// How a subflow's handshake went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No answer yet.
    Attempted,
    /// The SYN-ACK carried MPTCP and (for joins) the HMACs were right or could not be checked.
    Established,
    /// The handshake failed for the reason given.
    Failed(&'static str),
}

/// What kind of subflow this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The connection's first subflow, opened with MP_CAPABLE.
    Initial,
    /// An additional subflow, opened with MP_JOIN.
    Join {
        /// The token in the SYN (the listener's token).
        token: Option<u32>,
        /// The nonces of the SYN sender and of the SYN-ACK sender.
        nonces: [Option<u32>; 2],
        /// The truncated HMAC of the SYN-ACK.
        syn_ack_hmac: Option<u64>,
    },
}

/// One TCP subflow.
#[derive(Debug, Clone)]
pub struct Subflow {
    /// The SYN sender's endpoint (or the first packet's sender when the SYN was not seen).
    pub client: SocketAddr,
    /// The other endpoint.
    pub server: SocketAddr,
    /// Whether the FlowKey's low endpoint is the client.
    pub client_is_low: bool,
    /// The connection it belongs to, once known.
    pub connection: Option<u64>,
    /// Whether the subflow's client is the connection's client (false: the server opened it).
    pub same_direction_as_connection: bool,
    /// Initial or join.
    pub role: Role,
    /// Handshake result.
    pub outcome: Outcome,
    /// File and packet number of the first packet.
    pub first_packet: u64,
    /// Times (ns) of the SYN, the SYN-ACK and the ACK completing the handshake.
    pub syn_time: Option<i64>,
    /// See `syn_time`.
    pub syn_ack_time: Option<i64>,
    /// See `syn_time`.
    pub handshake_ack_time: Option<i64>,
    /// The SYN-ACK's sequence number, to recognise the ACK that completes the handshake.
    pub syn_ack_seq: Option<u32>,
    /// Time of the latest packet (ns).
    pub last_time: i64,
    /// Per side: highest sequence number + 1 seen with payload.
    pub high_seq: [Option<u32>; 2],
    /// Per side: payload bytes, each sequence number counted once.
    pub bytes: [u64; 2],
    /// Per side: packets.
    pub packets: [u64; 2],
    /// Per side: FIN seen.
    pub fin: [bool; 2],
    /// RST seen.
    pub rst: bool,
    /// MP_TCPRST seen.
    pub mp_tcprst: bool,
    /// Backup (MP_JOIN B flag or MP_PRIO).
    pub backup: bool,
    /// Address identifiers in the MP_JOIN SYN (client) and SYN-ACK (server).
    pub address_ids: [Option<u8>; 2],
    /// The SYN's whole option area and sequence number, for scan classification.
    pub syn_options: Option<Vec<u8>>,
    /// See `syn_options`.
    pub syn_seq: Option<u32>,
    /// The SYN's MP_CAPABLE, until the connection exists.
    pub syn_capable: Option<mptcpscan::mptcp::MpCapable>,
    /// The SYN has been paired with its answer.
    pub paired: bool,
    /// Position in the connection's subflow list.
    pub index: u16,
    /// Packet number of the SYN.
    pub syn_packet: Option<u64>,
    /// Per side: the latest DSS mappings with data, newest first, to place later segments and
    /// retransmissions (`--series`).
    pub mappings: [[Option<Mapping>; MAPPINGS_KEPT]; 2],
}

/// Mappings kept per subflow side: enough for retransmissions of recent sends.
pub const MAPPINGS_KEPT: usize = 8;

/// A DSS mapping in a subflow's own sequence space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// Data sequence number of its first byte.
    pub dsn: u64,
    /// Subflow sequence number of its first byte (absolute).
    pub start: u32,
    /// Bytes mapped.
    pub len: u32,
}

impl Subflow {
    /// A subflow first seen in a packet from `src` to `dst`.
    pub fn new(src: SocketAddr, dst: SocketAddr, role: Role, packet: u64, time: i64) -> Subflow {
        Subflow {
            client: src,
            server: dst,
            client_is_low: (src.ip(), src.port()) <= (dst.ip(), dst.port()),
            connection: None,
            same_direction_as_connection: true,
            role,
            outcome: Outcome::Attempted,
            first_packet: packet,
            syn_time: None,
            syn_ack_time: None,
            handshake_ack_time: None,
            syn_ack_seq: None,
            last_time: time,
            high_seq: [None; 2],
            bytes: [0; 2],
            packets: [0; 2],
            fin: [false; 2],
            rst: false,
            mp_tcprst: false,
            backup: false,
            address_ids: [None; 2],
            syn_options: None,
            syn_seq: None,
            syn_capable: None,
            paired: false,
            index: 0,
            syn_packet: None,
            mappings: [[None; MAPPINGS_KEPT]; 2],
        }
    }

    /// Which side sent a packet that went high → low (`reversed`) or low → high.
    pub fn side(&self, reversed: bool) -> Side {
        if reversed != self.client_is_low {
            Side::Client
        } else {
            Side::Server
        }
    }

    /// Counts a payload of `len` bytes at `seq` from `side`, each sequence number once.
    pub fn count_payload(&mut self, side: Side, seq: u32, len: u32) {
        if len == 0 {
            return;
        }
        let i = side.index();
        let end = seq.wrapping_add(len);
        match self.high_seq[i] {
            None => {
                self.bytes[i] += u64::from(len);
                self.high_seq[i] = Some(end);
            }
            Some(high) => {
                let ahead = end.wrapping_sub(high) as i32;
                if ahead > 0 {
                    self.bytes[i] += u64::from((ahead as u32).min(len));
                    self.high_seq[i] = Some(end);
                }
            }
        }
    }

    /// Handshake RTT in ms: SYN to the ACK of the SYN-ACK (or to the SYN-ACK if that ACK is
    /// missing and the capture is at the client).
    pub fn handshake_rtt_ms(&self) -> Option<f64> {
        let syn = self.syn_time?;
        let end = self.handshake_ack_time.or(self.syn_ack_time)?;
        Some((end - syn) as f64 / 1e6)
    }

    /// Whether both sides closed (FIN both ways) or the subflow was reset.
    pub fn closed(&self) -> bool {
        self.rst || (self.fin[0] && self.fin[1])
    }
}

/// One MPTCP connection.
#[derive(Debug)]
pub struct Connection {
    /// Number in order of appearance, from 1.
    pub id: u64,
    /// File the connection started in.
    pub file: usize,
    /// Packet number of its first packet.
    pub first_packet: u64,
    /// Time of the first packet (ns).
    pub first_time: i64,
    /// Time of the latest packet (ns).
    pub last_time: i64,
    /// The version from MP_CAPABLE.
    pub version: Option<Version>,
    /// The initial subflow's endpoints: connection client and server.
    pub client: SocketAddr,
    /// See `client`.
    pub server: SocketAddr,
    /// Time of the initial SYN, if seen.
    pub initial_syn_time: Option<i64>,
    /// Packets seen per direction (client → server first).
    pub packets: [u64; 2],
    /// Keys of client and server.
    pub keys: [Option<u64>; 2],
    /// Either side asked for DSS checksums.
    pub checksum_negotiated: bool,
    /// DSS checksums that verified.
    pub dss_checksum_ok: u64,
    /// DSS checksums that failed.
    pub dss_checksum_failed: u64,
    /// MP_FAIL options.
    pub mp_fail: u64,
    /// The subflows in the flow table, initial first.
    pub subflows: Vec<FlowKey>,
    /// Subflows taken out of the flow table because their 4-tuple was reused.
    pub retired: Vec<Subflow>,
    /// The index the next joining subflow gets (the initial subflow has 0).
    pub next_index: u16,
    /// ADD_ADDR records.
    pub add_addr: Vec<super::record::AddAddrRecord>,
    /// REMOVE_ADDR records.
    pub remove_addr: Vec<super::record::RemoveAddrRecord>,
    /// MP_PRIO count and how many asked for backup.
    pub mp_prio: [u64; 2],
    /// DATA_FIN per direction.
    pub data_fin: [bool; 2],
    /// MP_FASTCLOSE per direction.
    pub fastclose: [bool; 2],
    /// MP_TCPRST reasons.
    pub tcprst: Vec<String>,
    /// Data-level ranges per direction.
    pub data: [DataRanges; 2],
    /// Latest 64-bit DSN per direction, to expand 32-bit DSNs (`mptcpscan::crypto::expand_dsn`).
    pub last_dsn: [Option<u64>; 2],
    /// Data-level position of every mapped segment, when time series are asked for.
    pub series: Option<Vec<Sample>>,
}

/// One segment's payload placed in the data sequence space (for `dissect --series`).
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Capture time (ns).
    pub time: i64,
    /// 64-bit data sequence number of the first payload byte.
    pub dsn: u64,
    /// Payload bytes.
    pub len: u32,
    /// The subflow's index in its connection.
    pub subflow: u16,
    /// Connection direction (0: client → server).
    pub direction: u8,
}

impl Connection {
    /// A new connection whose initial subflow goes from `client` to `server`.
    pub fn new(
        id: u64,
        file: usize,
        packet: u64,
        time: i64,
        client: SocketAddr,
        server: SocketAddr,
        initial: FlowKey,
    ) -> Connection {
        Connection {
            id,
            file,
            first_packet: packet,
            first_time: time,
            last_time: time,
            version: None,
            client,
            server,
            initial_syn_time: None,
            packets: [0; 2],
            keys: [None; 2],
            checksum_negotiated: false,
            dss_checksum_ok: 0,
            dss_checksum_failed: 0,
            mp_fail: 0,
            subflows: vec![initial],
            retired: Vec::new(),
            next_index: 1,
            add_addr: Vec::new(),
            remove_addr: Vec::new(),
            mp_prio: [0; 2],
            data_fin: [false; 2],
            fastclose: [false; 2],
            tcprst: Vec::new(),
            data: [DataRanges::new(RANGE_LIMIT), DataRanges::new(RANGE_LIMIT)],
            last_dsn: [None; 2],
            series: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_counts_each_sequence_number_once() {
        let a: SocketAddr = "198.18.0.1:1000".parse().unwrap();
        let b: SocketAddr = "198.18.0.2:80".parse().unwrap();
        let mut s = Subflow::new(a, b, Role::Initial, 1, 0);
        s.count_payload(Side::Client, u32::MAX - 9, 100);
        s.count_payload(Side::Client, u32::MAX - 9, 100);
        s.count_payload(Side::Client, 50, 100);
        assert_eq!(s.bytes[0], 150 + 10);
    }
}
