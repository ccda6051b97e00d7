//! Trace-wide counters: packets and bytes (the paper's Table 1), MPTCP options by subtype, and
//! the problems met on the way.

use std::collections::BTreeMap;

use mptcpscan::mptcp;
use serde::{Deserialize, Serialize};

/// How many problem messages are kept word for word (all are counted).
pub const KEPT_ANOMALIES: usize = 50;

/// Counters over a whole trace.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TraceStats {
    /// Records read from the capture files.
    pub packets: u64,
    /// Records that were not IP (ARP, other link protocols).
    pub not_ip: u64,
    /// IP packets that were not TCP (or non-first fragments).
    pub not_tcp: u64,
    /// TCP packets over IPv4 and IPv6.
    pub tcp_packets: [u64; 2],
    /// Bytes of those packets (IP header included, as on the wire).
    pub tcp_bytes: [u64; 2],
    /// Packets of MPTCP subflows (or carrying MPTCP options), IPv4 and IPv6.
    pub mptcp_packets: [u64; 2],
    /// Bytes of those.
    pub mptcp_bytes: [u64; 2],
    /// MPTCP options per subtype name, malformed ones included (as tshark counts them).
    pub options: BTreeMap<String, u64>,
    /// MPTCP options whose subtype could not even be read.
    pub options_unreadable: u64,
    /// Options counted by subtype number and not yet added to `options` by name
    /// ([`TraceStats::settle_options`]): a name lookup for every option cost more than the rest
    /// of the count.
    #[serde(skip)]
    pending_options: [u64; 16],
    /// MPTCP options that did not decode.
    pub malformed_mptcp: u64,
    /// SYNs carrying MP_CAPABLE.
    pub capable_syns: u64,
    /// MP_CAPABLE SYNs answered without MP_CAPABLE or reset.
    pub capable_syn_fallback: u64,
    /// MP_CAPABLE SYNs never answered in the capture.
    pub capable_syn_unanswered: u64,
    /// MPTCP connections seen.
    pub connections_opened: u64,
    /// Subflows first seen mid-stream (handshake not captured).
    pub midstream_subflows: u64,
    /// MP_JOIN subflows whose token matched no connection.
    pub orphan_joins: u64,
    /// SYN/SYN-ACK pairs per verdict.
    pub scan_verdicts: BTreeMap<String, u64>,
    /// Packets with a problem (malformed headers or options).
    pub anomalies: u64,
    /// The first problems, as messages naming file and packet.
    pub anomaly_messages: Vec<String>,
}

impl TraceStats {
    /// Counts a TCP packet.
    pub fn count_tcp(&mut self, v6: bool, bytes: u32) {
        self.tcp_packets[usize::from(v6)] += 1;
        self.tcp_bytes[usize::from(v6)] += u64::from(bytes);
    }

    /// Counts a packet of an MPTCP subflow.
    pub fn count_mptcp(&mut self, v6: bool, bytes: u32) {
        self.mptcp_packets[usize::from(v6)] += 1;
        self.mptcp_bytes[usize::from(v6)] += u64::from(bytes);
    }

    /// Counts one MPTCP option by its subtype, whether or not it decodes.
    /// Call [`TraceStats::settle_options`] before reading `options`.
    pub fn count_option(&mut self, option: &[u8]) {
        match option.get(2) {
            Some(byte) if option.len() >= 3 => {
                if let Some(n) = self.pending_options.get_mut(usize::from(byte >> 4)) {
                    *n += 1;
                }
            }
            _ => self.options_unreadable += 1,
        }
    }

    /// Adds the options counted since the last call to `options`, by subtype name.
    pub fn settle_options(&mut self) {
        for (subtype, pending) in (0u8..).zip(self.pending_options.iter_mut()) {
            if *pending > 0 {
                let name = mptcp::subtype::name(subtype);
                *self.options.entry(name.to_string()).or_insert(0) += *pending;
                *pending = 0;
            }
        }
    }

    /// Adds another trace's counters (kept messages up to the limit).
    pub fn merge(&mut self, other: &TraceStats) {
        let add2 = |a: &mut [u64; 2], b: &[u64; 2]| {
            a[0] += b[0];
            a[1] += b[1];
        };
        self.packets += other.packets;
        self.not_ip += other.not_ip;
        self.not_tcp += other.not_tcp;
        add2(&mut self.tcp_packets, &other.tcp_packets);
        add2(&mut self.tcp_bytes, &other.tcp_bytes);
        add2(&mut self.mptcp_packets, &other.mptcp_packets);
        add2(&mut self.mptcp_bytes, &other.mptcp_bytes);
        for (k, v) in &other.options {
            *self.options.entry(k.clone()).or_insert(0) += v;
        }
        self.options_unreadable += other.options_unreadable;
        self.malformed_mptcp += other.malformed_mptcp;
        self.capable_syns += other.capable_syns;
        self.capable_syn_fallback += other.capable_syn_fallback;
        self.capable_syn_unanswered += other.capable_syn_unanswered;
        self.connections_opened += other.connections_opened;
        self.midstream_subflows += other.midstream_subflows;
        self.orphan_joins += other.orphan_joins;
        for (k, v) in &other.scan_verdicts {
            *self.scan_verdicts.entry(k.clone()).or_insert(0) += v;
        }
        self.anomalies += other.anomalies;
        for m in &other.anomaly_messages {
            if self.anomaly_messages.len() < KEPT_ANOMALIES {
                self.anomaly_messages.push(m.clone());
            }
        }
    }

    /// Records a problem in packet `number` of `file`.
    pub fn anomaly(&mut self, file: &str, number: u64, message: String) {
        self.anomalies += 1;
        if self.anomaly_messages.len() < KEPT_ANOMALIES {
            self.anomaly_messages
                .push(format!("{file}: packet {number}: {message}"));
        }
    }
}
