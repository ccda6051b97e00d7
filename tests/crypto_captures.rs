//! The crypto against values real MPTCP stacks put on the wire: every MP_JOIN token and HMAC,
//! ADD_ADDR HMAC and DSS checksum in the shared captures that can be checked (both keys seen, the
//! whole mapping inside one segment) must verify, and must fail once a byte of it is flipped.
//!
//! The test decodes only the MPTCP fields the crypto needs, by hand, so that it checks the crypto
//! against the wire independently of the option codec in `mptcpscan::mptcp`.

mod support;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use mptcpscan::crypto::{
    self, expand_dsn, AddAddrHmacCheck, DssPseudoHeader, HmacKeys, JoinHandshake,
};
use mptcpscan::mptcp::Version;
use mptcpscan::options::{Options, TcpOption};

// ---- Subflows ------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Endpoint(IpAddr, u16);

/// One direction of one subflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Flow {
    src: Endpoint,
    dst: Endpoint,
}

impl Flow {
    fn reversed(self) -> Flow {
        Flow {
            src: self.dst,
            dst: self.src,
        }
    }
}

struct Segment<'a> {
    flow: Flow,
    seq: u32,
    syn: bool,
    options: &'a [u8],
    payload: &'a [u8],
}

fn mptcp_options(seg: &Segment) -> Vec<Vec<u8>> {
    Options::new(seg.options)
        .map_while(Result::ok)
        .filter_map(|(_, opt)| match opt {
            TcpOption::Mptcp(bytes) => Some(bytes.to_vec()),
            _ => None,
        })
        .collect()
}

fn be64(b: &[u8]) -> u64 {
    u64::from_be_bytes(b.try_into().unwrap())
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes(b.try_into().unwrap())
}

// ---- What can be checked -------------------------------------------------------------------

/// One value from the wire the crypto must reproduce, with everything needed to recompute it.
#[derive(Debug, Clone)]
enum Check {
    JoinToken {
        version: Version,
        listener_key: u64,
        token: u32,
    },
    JoinSynAck {
        version: Version,
        join: JoinHandshake,
        hmac: u64,
    },
    JoinAck {
        version: Version,
        join: JoinHandshake,
        hmac: [u8; 20],
    },
    AddAddr {
        keys: HmacKeys,
        id: u8,
        addr: IpAddr,
        port: Option<u16>,
        hmac: u64,
    },
    Dss {
        header: DssPseudoHeader,
        payload: Vec<u8>,
        checksum: u16,
    },
}

/// What verifying a check gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Valid,
    PreRfcTruncation,
    Invalid,
}

impl Check {
    fn verify(&self) -> Outcome {
        let valid = |ok: bool| if ok { Outcome::Valid } else { Outcome::Invalid };
        match self {
            Check::JoinToken {
                version,
                listener_key,
                token,
            } => valid(crypto::token(*version, *listener_key) == *token),
            Check::JoinSynAck {
                version,
                join,
                hmac,
            } => valid(join.verify_syn_ack(*version, *hmac)),
            Check::JoinAck {
                version,
                join,
                hmac,
            } => valid(join.verify_ack(*version, hmac)),
            Check::AddAddr {
                keys,
                id,
                addr,
                port,
                hmac,
            } => match crypto::verify_add_addr_hmac(*keys, *id, *addr, *port, *hmac) {
                AddAddrHmacCheck::Valid => Outcome::Valid,
                AddAddrHmacCheck::PreRfcTruncation => Outcome::PreRfcTruncation,
                AddAddrHmacCheck::Invalid => Outcome::Invalid,
            },
            Check::Dss {
                header,
                payload,
                checksum,
            } => valid(crypto::verify_dss_checksum(header, payload, *checksum)),
        }
    }

    /// The same check with one byte of what was read from the wire flipped: the carried value,
    /// or for ADD_ADDR and DSS the data it protects.
    fn corrupted(&self, which: usize) -> Check {
        let mut c = self.clone();
        match &mut c {
            Check::JoinToken { token, .. } => *token ^= 0xff << (8 * (which % 4)),
            Check::JoinSynAck { hmac, .. } => *hmac ^= 0xff << (8 * (which % 8)),
            Check::JoinAck { hmac, .. } => hmac[which % 20] ^= 0xff,
            Check::AddAddr { addr, .. } => {
                *addr = match *addr {
                    IpAddr::V4(a) => IpAddr::V4((a.to_bits() ^ 0xff << (8 * (which % 4))).into()),
                    IpAddr::V6(a) => IpAddr::V6((a.to_bits() ^ 0xff << (8 * (which % 16))).into()),
                }
            }
            Check::Dss {
                payload, checksum, ..
            } => match payload.len() {
                0 => *checksum ^= 0xff,
                len => payload[which % len] ^= 0xff,
            },
        }
        c
    }

    fn kind(&self) -> &'static str {
        match self {
            Check::JoinToken { .. } => "join-token",
            Check::JoinSynAck { .. } => "join-synack-hmac",
            Check::JoinAck { .. } => "join-ack-hmac",
            Check::AddAddr { .. } => "add-addr-hmac",
            Check::Dss { .. } => "dss-checksum",
        }
    }
}

/// One MPTCP connection: the version and each host's key as soon as they are known.
struct Connection {
    version: Version,
    keys: HashMap<Endpoint, u64>,
}

/// Per direction of a subflow: whose keys it carries and where its sequence numbers start.
#[derive(Clone, Copy)]
struct Direction {
    version: Version,
    keys: HmacKeys,
    isn: Option<u32>,
    last_dsn: u64,
}

#[derive(Default)]
struct Analysis {
    checks: Vec<Check>,
    /// Values that are on the wire but lack what checking them needs, by reason.
    unchecked: HashMap<&'static str, usize>,
    connections: Vec<Connection>,
    /// The connection each initial subflow belongs to (both directions).
    initial: HashMap<Flow, usize>,
    directions: HashMap<Flow, Direction>,
    /// MP_JOIN subflows between the SYN and the third ACK.
    joins: HashMap<Flow, (Version, JoinHandshake)>,
    isns: HashMap<Flow, u32>,
}

impl Analysis {
    fn skip(&mut self, reason: &'static str) {
        *self.unchecked.entry(reason).or_default() += 1;
    }

    fn segment(&mut self, seg: &Segment) {
        if seg.syn {
            self.isns.insert(seg.flow, seg.seq);
            if let Some(d) = self.directions.get_mut(&seg.flow) {
                d.isn = Some(seg.seq);
            }
        }
        // Shorter options (the malformed DSS of mptcp-dss-oobr.pcap) carry nothing to check.
        for opt in mptcp_options(seg).into_iter().filter(|o| o.len() >= 4) {
            match opt.get(2).map(|b| b >> 4) {
                Some(0) => self.capable(seg, &opt),
                Some(1) => self.join(seg, &opt),
                Some(2) => self.dss(seg, &opt),
                Some(3) => self.add_addr(seg, &opt),
                _ => {}
            }
        }
    }

    fn capable(&mut self, seg: &Segment, opt: &[u8]) {
        let version = match opt[2] & 0x0f {
            0 => Version::V0,
            1 => Version::V1,
            _ => return,
        };
        let conn = match self.initial.get(&seg.flow) {
            Some(&c) => c,
            None => {
                self.connections.push(Connection {
                    version,
                    keys: HashMap::new(),
                });
                let c = self.connections.len() - 1;
                self.initial.insert(seg.flow, c);
                self.initial.insert(seg.flow.reversed(), c);
                c
            }
        };
        let keys = &mut self.connections[conn].keys;
        if let Some(key) = opt.get(4..12) {
            keys.insert(seg.flow.src, be64(key));
        }
        if let Some(key) = opt.get(12..20) {
            keys.insert(seg.flow.dst, be64(key));
        }
        if let (Some(&local), Some(&remote)) = (keys.get(&seg.flow.src), keys.get(&seg.flow.dst)) {
            for (flow, sender, receiver) in [
                (seg.flow, local, remote),
                (seg.flow.reversed(), remote, local),
            ] {
                self.directions.entry(flow).or_insert(Direction {
                    version,
                    keys: HmacKeys { sender, receiver },
                    isn: self.isns.get(&flow).copied(),
                    last_dsn: crypto::idsn(version, sender),
                });
            }
        }
    }

    fn join(&mut self, seg: &Segment, opt: &[u8]) {
        match opt.len() {
            12 => {
                let token = be32(&opt[4..8]);
                let found = self.connections.iter().find_map(|c| {
                    c.keys
                        .values()
                        .find(|&&k| crypto::token(c.version, k) == token)
                        .map(|&k| {
                            let other = c.keys.values().find(|&&o| o != k).copied();
                            (c.version, k, other)
                        })
                });
                let Some((version, listener_key, Some(initiator_key))) = found else {
                    return self.skip("join SYN with a token of no connection in the capture");
                };
                self.checks.push(Check::JoinToken {
                    version,
                    listener_key,
                    token,
                });
                let join = JoinHandshake {
                    initiator_key,
                    listener_key,
                    initiator_nonce: be32(&opt[8..12]),
                    listener_nonce: 0,
                };
                self.joins.insert(seg.flow, (version, join));
            }
            16 => {
                let Some((version, join)) = self.joins.get_mut(&seg.flow.reversed()) else {
                    return self.skip("join SYN-ACK without its SYN");
                };
                join.listener_nonce = be32(&opt[12..16]);
                let (version, join) = (*version, *join);
                self.checks.push(Check::JoinSynAck {
                    version,
                    join,
                    hmac: be64(&opt[4..12]),
                });
                let (i, l) = (join.initiator_key, join.listener_key);
                for (flow, sender, receiver) in [(seg.flow, l, i), (seg.flow.reversed(), i, l)] {
                    self.directions.insert(
                        flow,
                        Direction {
                            version,
                            keys: HmacKeys { sender, receiver },
                            isn: self.isns.get(&flow).copied(),
                            last_dsn: crypto::idsn(version, sender),
                        },
                    );
                }
            }
            24 => {
                let Some(&(version, join)) = self.joins.get(&seg.flow) else {
                    return self.skip("join ACK without its SYN");
                };
                let hmac: [u8; 20] = opt[4..24].try_into().unwrap();
                self.checks.push(Check::JoinAck {
                    version,
                    join,
                    hmac,
                });
            }
            _ => {}
        }
    }

    fn add_addr(&mut self, seg: &Segment, opt: &[u8]) {
        // v1 echoes carry no HMAC; in v0 the same nibble is the IP version, 4 or 6, never odd.
        if opt[2] & 0x01 != 0 {
            return;
        }
        let Some(dir) = self.directions.get(&seg.flow).copied() else {
            return self.skip("ADD_ADDR on a subflow whose keys are not in the capture");
        };
        // v0 ADD_ADDR options carry no HMAC.
        if dir.version == Version::V0 {
            return;
        }
        let (addr, rest) = match opt.len() {
            8 | 10 | 16 | 18 => {
                let a: [u8; 4] = opt[4..8].try_into().unwrap();
                (IpAddr::from(a), &opt[8..])
            }
            20 | 22 | 28 | 30 => {
                let a: [u8; 16] = opt[4..20].try_into().unwrap();
                (IpAddr::from(a), &opt[20..])
            }
            _ => return,
        };
        let (port, hmac) = match rest.len() {
            0 | 8 => (None, rest),
            _ => (Some(u16::from_be_bytes([rest[0], rest[1]])), &rest[2..]),
        };
        if hmac.is_empty() {
            return;
        }
        self.checks.push(Check::AddAddr {
            keys: dir.keys,
            id: opt[3],
            addr,
            port,
            hmac: be64(hmac),
        });
    }

    fn dss(&mut self, seg: &Segment<'_>, opt: &[u8]) {
        let flags = opt[3];
        if flags & 0x04 == 0 {
            return;
        }
        let ack_len = match flags & 0x03 {
            0x01 => 4,
            0x03 => 8,
            _ => 0,
        };
        let dsn_len = if flags & 0x08 != 0 { 8 } else { 4 };
        let map = 4 + ack_len;
        let end = map + dsn_len + 6;
        if opt.len() != end + 2 {
            return;
        }
        let Some(dir) = self.directions.get_mut(&seg.flow) else {
            return self.skip("DSS checksum on a subflow whose keys are not in the capture");
        };
        let dsn = match dsn_len {
            8 => be64(&opt[map..map + 8]),
            _ => expand_dsn(be32(&opt[map..map + 4]), dir.last_dsn),
        };
        dir.last_dsn = dsn;
        let ssn = be32(&opt[map + dsn_len..map + dsn_len + 4]);
        let data_len = u16::from_be_bytes([opt[end - 2], opt[end - 1]]);
        let checksum = u16::from_be_bytes([opt[end], opt[end + 1]]);
        let payload_len = usize::from(data_len) - usize::from(flags & 0x10 != 0);
        let Some(isn) = dir.isn else {
            return self.skip("DSS checksum on a subflow whose SYN is not in the capture");
        };
        // A DATA_FIN alone is mapped with subflow sequence number 0 and covers no payload.
        let lone_data_fin = flags & 0x10 != 0 && ssn == 0 && data_len == 1;
        let payload = if lone_data_fin { &[] } else { seg.payload };
        if !lone_data_fin && (seg.seq.wrapping_sub(isn) != ssn || payload.len() != payload_len) {
            return self.skip("DSS checksum over a mapping not exactly in this segment");
        }
        let header = DssPseudoHeader { dsn, ssn, data_len };
        self.checks.push(Check::Dss {
            header,
            payload: payload.to_vec(),
            checksum,
        });
    }
}

fn analyse(name: &str) -> Analysis {
    let mut analysis = Analysis::default();
    let frames = support::pcap::read(Path::new(name)).unwrap_or_else(|e| panic!("{e}"));
    for frame in &frames {
        let tcp = support::pcap::tcp_segment(frame).unwrap_or_else(|e| panic!("{name}: {e}"));
        let Some(tcp) = tcp else {
            continue;
        };
        if frame.orig_len > frame.data.len() || tcp.options_truncated {
            analysis.skip("segment cut short by the capture's snap length");
            continue;
        }
        let seg = Segment {
            flow: Flow {
                src: Endpoint(tcp.src, tcp.src_port),
                dst: Endpoint(tcp.dst, tcp.dst_port),
            },
            seq: tcp.seq,
            syn: tcp.syn(),
            options: tcp.options,
            payload: tcp.payload,
        };
        analysis.segment(&seg);
    }
    analysis
}

/// Verifies every check of a capture and its corrupted copies; returns the counts per kind and
/// how many values could not be checked, by reason.
fn check_capture(
    name: &str,
    expect_pre_rfc: bool,
) -> (HashMap<&'static str, usize>, HashMap<&'static str, usize>) {
    let analysis = analyse(name);
    let mut counts = HashMap::new();
    for (i, check) in analysis.checks.iter().enumerate() {
        let outcome = check.verify();
        let expected = match check {
            Check::AddAddr { .. } if expect_pre_rfc => Outcome::PreRfcTruncation,
            _ => Outcome::Valid,
        };
        assert_eq!(outcome, expected, "{name}: {check:?}");
        for which in [i, i + 1, i + 5] {
            let corrupted = check.corrupted(which);
            assert_eq!(
                corrupted.verify(),
                Outcome::Invalid,
                "{name}: corrupted {corrupted:?}"
            );
        }
        *counts.entry(check.kind()).or_insert(0) += 1;
    }
    println!(
        "{name}: verified {counts:?}; not checkable {:?}",
        analysis.unchecked
    );
    (counts, analysis.unchecked)
}

/// Checks a capture in which every value must be checkable, against the expected counts.
fn check_all(name: &str, expect_pre_rfc: bool, expected: &[(&str, usize)]) {
    let (counts, unchecked) = check_capture(name, expect_pre_rfc);
    assert!(unchecked.is_empty(), "{name}: {unchecked:?}");
    let mut expected: HashMap<&str, usize> = expected.iter().copied().collect();
    expected.retain(|_, n| *n > 0);
    assert_eq!(counts, expected, "{name}");
}

#[test]
fn tcpdump_v0_joins_and_dss_checksums() {
    // One joined subflow; 151 data mappings and 2 lone DATA_FINs, all with checksums.
    check_all(
        "tcpdump/mptcp-v0.pcap",
        false,
        &[
            ("join-token", 1),
            ("join-synack-hmac", 1),
            ("join-ack-hmac", 1),
            ("dss-checksum", 153),
        ],
    );
}

#[test]
fn tcpdump_v1_pre_rfc_add_addr() {
    // Linux 5.6 in February 2020 sent the leftmost 64 bits of the ADD_ADDR HMAC.
    check_all("tcpdump/mptcp-aa-v1.pcap", true, &[("add-addr-hmac", 1)]);
}

#[test]
fn tcpdump_fastclose_dss_checksums() {
    check_all("tcpdump/mptcp-fclose.pcap", false, &[("dss-checksum", 2)]);
}

#[test]
fn captures_without_checkable_values() {
    // v1 without checksums, joins or ADD_ADDR HMACs.
    for name in [
        "tcpdump/mptcp-v1.pcap",
        "tcpdump/mptcp-tcprst.pcap",
        "tcpdump/mptcp-dss-oobr.pcap",
        "ptcpdump/mptcp.pcap",
    ] {
        check_all(name, false, &[]);
    }
    // An ADD_ADDR HMAC and its echo, but not the MP_CAPABLE that carried the keys.
    let (counts, unchecked) = check_capture("tcpdump/mptcp-aa-echo.pcap", false);
    assert!(counts.is_empty(), "{counts:?}");
    assert_eq!(unchecked.values().sum::<usize>(), 1, "{unchecked:?}");
}

#[test]
fn pymptcpanalyzer_iperf_joins_and_dss_checksums() {
    // Seven join attempts, of which one was answered; checksums on every mapping.
    check_all(
        "pymptcpanalyzer/iperf-mptcp-0-0.pcap",
        false,
        &[
            ("join-token", 7),
            ("join-synack-hmac", 1),
            ("join-ack-hmac", 1),
            ("dss-checksum", 1659),
        ],
    );
}

#[test]
fn pymptcpanalyzer_client_and_server_joins() {
    // The same connections seen from both ends (retransmitted SYNs and ACKs included).
    check_all(
        "pymptcpanalyzer/client_2.pcap",
        false,
        &[
            ("join-token", 13),
            ("join-synack-hmac", 13),
            ("join-ack-hmac", 14),
        ],
    );
    check_all(
        "pymptcpanalyzer/server_2.pcap",
        false,
        &[
            ("join-token", 11),
            ("join-synack-hmac", 14),
            ("join-ack-hmac", 12),
        ],
    );
}

#[test]
fn plain_tcp_has_nothing_to_check() {
    check_all("pymptcpanalyzer/client_1_tcp_only.pcap", false, &[]);
}
