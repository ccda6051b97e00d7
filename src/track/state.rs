//! The state kept per subflow and per connection while segments are fed.

use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};

use crate::crypto::DssChecksum;
use crate::mptcp::{MpCapable, RstReason, Version};

use super::ranges::DataRanges;
use super::summary::{AddAddrSeen, ChecksumCounts, FailReason, RemoveAddrSeen};

/// Most DSS ranges kept per connection and direction (see [`DataRanges`]).
pub const RANGE_LIMIT: usize = 4096;

/// A TCP 4-tuple with its endpoints in a canonical order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    low: (IpAddr, u16),
    high: (IpAddr, u16),
}

impl FlowKey {
    /// The key of a packet from `src` to `dst`, and whether it goes from the high endpoint to
    /// the low one.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not complete yet.
    Attempted,
    /// Completed with MPTCP.
    Established,
    /// Failed.
    Failed(FailReason),
}

/// What kind of subflow this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The connection's first subflow, opened with MP_CAPABLE.
    Initial,
    /// An additional subflow, opened with MP_JOIN.
    Join {
        /// The token in the SYN (the listener's token).
        token: Option<u32>,
        /// The nonces of the SYN sender and of the SYN-ACK sender.
        nonces: [Option<u32>; 2],
    },
}

/// Mappings kept per subflow side: enough to place retransmissions of recent sends.
pub const MAPPINGS_KEPT: usize = 8;

/// A DSS mapping in its subflow's own sequence space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapped {
    /// Data sequence number of its first byte.
    pub dsn: u64,
    /// Subflow sequence number of its first byte (absolute).
    pub start: u32,
    /// Bytes mapped.
    pub len: u32,
}

/// A checksummed DSS mapping whose payload goes on in later segments of one side.
#[derive(Debug, Clone)]
pub struct Span {
    /// The running sum (pseudo-header and the payload so far).
    pub sum: DssChecksum,
    /// The frame whose DSS announced the mapping.
    pub frame: u64,
    /// The mapping's SSN (a later segment repeating the mapping is part of it).
    pub ssn: u32,
    /// The sequence number the next piece must start at.
    pub next_seq: u32,
    /// Payload bytes still to come.
    pub remaining: u32,
    /// The checksum on the wire.
    pub checksum: u16,
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
    /// First frame.
    pub first_frame: u64,
    /// Times (ns) of the SYN, the SYN-ACK and the ACK completing the handshake.
    pub syn_time: Option<i64>,
    /// See `syn_time`.
    pub syn_ack_time: Option<i64>,
    /// See `syn_time`.
    pub handshake_ack_time: Option<i64>,
    /// The SYN-ACK's sequence number, to recognise the ACK that completes the handshake.
    pub syn_ack_seq: Option<u32>,
    /// Per side: the initial sequence number (SSNs are relative to it).
    pub isn: [Option<u32>; 2],
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
    /// The SYN's whole option area, for the classification of its answer.
    pub syn_options: Option<Vec<u8>>,
    /// The SYN's sequence number.
    pub syn_seq: Option<u32>,
    /// The SYN's receive window: a reply repeating it is reported (`window-echoed`).
    pub syn_window: Option<u16>,
    /// The SYN's MP_CAPABLE, until the connection exists.
    pub syn_capable: Option<MpCapable>,
    /// The SYN has been paired with its answer.
    pub paired: bool,
    /// Position in the connection's subflow list.
    pub index: u16,
    /// The SYN's frame.
    pub syn_frame: Option<u64>,
    /// Per side: a checksummed mapping being summed across segments.
    pub spans: [Option<Span>; 2],
    /// Per side: the latest mappings with data, newest first, to place later segments.
    pub mappings: [[Option<Mapped>; MAPPINGS_KEPT]; 2],
}

impl Subflow {
    /// A subflow whose SYN goes (or would go) from `client` to `server`.
    pub fn new(client: SocketAddr, server: SocketAddr, role: Role, frame: u64, time: i64) -> Self {
        Subflow {
            client,
            server,
            client_is_low: (client.ip(), client.port()) <= (server.ip(), server.port()),
            connection: None,
            same_direction_as_connection: true,
            role,
            outcome: Outcome::Attempted,
            first_frame: frame,
            syn_time: None,
            syn_ack_time: None,
            handshake_ack_time: None,
            syn_ack_seq: None,
            isn: [None; 2],
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
            syn_window: None,
            syn_seq: None,
            syn_capable: None,
            paired: false,
            index: 0,
            syn_frame: None,
            spans: [None, None],
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

    /// The connection direction (0: client → server) of a packet sent by `side`.
    pub fn direction(&self, side: Side) -> usize {
        if (side == Side::Client) == self.same_direction_as_connection {
            0
        } else {
            1
        }
    }

    /// Counts a payload of `len` bytes at `seq` from `side`, each sequence number once.
    pub fn count_payload(&mut self, side: Side, seq: u32, len: u32) {
        if len == 0 {
            return;
        }
        let i = side.index();
        let end = seq.wrapping_add(len);
        let (Some(high), Some(bytes)) = (self.high_seq.get_mut(i), self.bytes.get_mut(i)) else {
            return;
        };
        match *high {
            None => {
                *bytes = bytes.saturating_add(u64::from(len));
                *high = Some(end);
            }
            Some(top) => {
                let ahead = end.wrapping_sub(top) as i32;
                if ahead > 0 {
                    *bytes = bytes.saturating_add(u64::from((ahead as u32).min(len)));
                    *high = Some(end);
                }
            }
        }
    }

    /// Keeps a mapping of `side` (once: Linux repeats a mapping on the segments of one send).
    pub fn remember_mapping(&mut self, side: Side, mapped: Mapped) {
        if let Some(kept) = self.mappings.get_mut(side.index()) {
            if kept[0] != Some(mapped) {
                kept.rotate_right(1);
                kept[0] = Some(mapped);
            }
        }
    }

    /// Where `len` payload bytes at `seq` from `side` sit in the data sequence space, through
    /// the recent mappings (payload outside them, a late retransmission of old data, has none).
    pub fn place(&self, side: Side, seq: u32, len: u32) -> Option<(u64, u32)> {
        self.mappings
            .get(side.index())?
            .iter()
            .flatten()
            .map(|m| (m, seq.wrapping_sub(m.start)))
            .find(|&(m, offset)| offset < m.len)
            .map(|(m, offset)| {
                (
                    m.dsn.wrapping_add(u64::from(offset)),
                    len.min(m.len - offset),
                )
            })
    }

    /// Handshake round trip (ns): SYN to the ACK of the SYN-ACK (or to the SYN-ACK if that ACK
    /// is missing and the capture is at the client).
    pub fn handshake_rtt(&self) -> Option<i64> {
        let syn = self.syn_time?;
        let end = self.handshake_ack_time.or(self.syn_ack_time)?;
        Some(end.saturating_sub(syn))
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
    /// The capture file it started in (the host's numbering).
    pub file: u32,
    /// Its first frame.
    pub first_frame: u64,
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
    /// DSS checksum outcomes.
    pub checksums: ChecksumCounts,
    /// MP_FAIL options.
    pub mp_fail: u64,
    /// The subflows in the flow table, initial first.
    pub subflows: Vec<FlowKey>,
    /// Subflows taken out of the flow table because their 4-tuple was reused.
    pub retired: Vec<Subflow>,
    /// The index the next joining subflow gets (the initial subflow has 0).
    pub next_index: u16,
    /// ADD_ADDR options.
    pub add_addr: Vec<AddAddrSeen>,
    /// REMOVE_ADDR options.
    pub remove_addr: Vec<RemoveAddrSeen>,
    /// MP_PRIO count and how many asked for backup.
    pub mp_prio: [u64; 2],
    /// DATA_FIN per direction.
    pub data_fin: [bool; 2],
    /// MP_FASTCLOSE per direction.
    pub fastclose: [bool; 2],
    /// MP_TCPRST reasons.
    pub tcprst: Vec<RstReason>,
    /// Data-level ranges per direction.
    pub data: [DataRanges; 2],
    /// Latest 64-bit DSN per direction, to expand 4-byte DSNs.
    pub last_dsn: [Option<u64>; 2],
}

impl Connection {
    /// A new connection whose initial subflow is `initial`, from `client` to `server`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: u64,
        file: u32,
        frame: u64,
        time: i64,
        client: SocketAddr,
        server: SocketAddr,
        initial: FlowKey,
    ) -> Connection {
        let mut subflows = Vec::with_capacity(2);
        subflows.push(initial);
        Connection {
            id,
            file,
            first_frame: frame,
            first_time: time,
            last_time: time,
            version: None,
            client,
            server,
            initial_syn_time: None,
            packets: [0; 2],
            keys: [None; 2],
            checksum_negotiated: false,
            checksums: ChecksumCounts::default(),
            mp_fail: 0,
            subflows,
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
        }
    }

    /// The version the connection speaks, v1 until MP_CAPABLE says otherwise.
    pub fn version(&self) -> Version {
        self.version.unwrap_or(Version::V1)
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
