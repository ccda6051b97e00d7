//! Connections built option by option with the core's own emitters and crypto, fed segment by
//! segment. Real kernel captures go through the same tracker in the driver's and the tshark
//! plugin's tests.

use std::vec::Vec;

use super::*;
use crate::classify::Verdict;
use crate::crypto::{dss_checksum, DssPseudoHeader};
use crate::mptcp::{
    AddAddr, AddAddrFlags, CapableFlags, Dss, DssFlags, Mapping, MpCapable, MpFastclose, MpJoin,
    MptcpOption,
};

const CLIENT: &str = "198.18.0.1";
const SERVER: &str = "198.18.0.2";
const KEY_A: u64 = 0x0102_0304_0506_0708;
const KEY_B: u64 = 0x1112_1314_1516_1718;
const SYN: TcpFlags = TcpFlags::SYN;
const SYN_ACK: TcpFlags = TcpFlags::SYN.union(TcpFlags::ACK);
const ACK: TcpFlags = TcpFlags::ACK;

fn emit(option: MptcpOption<'_>) -> Vec<u8> {
    let mut buf = [0u8; 40];
    let n = option.emit(&mut buf).unwrap();
    buf[..n].to_vec()
}

/// A TCP segment with `options` (padded with NOPs) and `payload`.
fn tcp(
    sport: u16,
    dport: u16,
    flags: TcpFlags,
    seq: u32,
    ack: u32,
    options: &[Vec<u8>],
) -> Vec<u8> {
    let mut area: Vec<u8> = options.concat();
    while !area.len().is_multiple_of(4) {
        area.insert(0, 1);
    }
    let mut b = std::vec![0u8; 20];
    b[0..2].copy_from_slice(&sport.to_be_bytes());
    b[2..4].copy_from_slice(&dport.to_be_bytes());
    b[4..8].copy_from_slice(&seq.to_be_bytes());
    b[8..12].copy_from_slice(&ack.to_be_bytes());
    b[12] = (((20 + area.len()) / 4) as u8) << 4;
    b[13] = flags.bits();
    b[14] = 0xff;
    b.extend(area);
    b
}

/// Feeds one segment from `src` to `dst` (ports from the TCP bytes).
struct Feeder {
    tracker: Tracker,
    frame: u64,
}

impl Feeder {
    fn new() -> Feeder {
        Feeder {
            tracker: Tracker::default(),
            frame: 0,
        }
    }

    fn feed(&mut self, from_client: bool, mut bytes: Vec<u8>, payload: &[u8]) -> Findings {
        bytes.extend_from_slice(payload);
        let (src, dst) = if from_client {
            (CLIENT, SERVER)
        } else {
            (SERVER, CLIENT)
        };
        self.frame += 1;
        let segment = Segment {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            tcp: TcpPacket::new_checked(&bytes[..]).unwrap(),
            payload_len: payload.len() as u32,
            ttl: Some(64),
        };
        *self
            .tracker
            .feed(self.frame, self.frame as i64 * 1_000_000, &segment)
    }

    fn summaries(&mut self) -> Vec<ConnectionSummary> {
        self.tracker.finish_all();
        let mut out = Vec::new();
        while let Some(record) = self.tracker.pop_finished() {
            if let Finished::Connection(c) = record {
                out.push(c);
            }
        }
        out
    }
}

fn capable(version: u8, sender: Option<u64>, receiver: Option<u64>) -> MpCapable {
    MpCapable {
        version,
        flags: CapableFlags::CHECKSUM_REQUIRED | CapableFlags::HMAC_SHA256,
        sender_key: sender,
        receiver_key: receiver,
        data_len: None,
        checksum: None,
    }
}

const ISN_C: u32 = 1000;
const ISN_S: u32 = 5000;

/// SYN, SYN-ACK and third ACK of a v1 connection with checksums, client port 40000.
fn handshake(f: &mut Feeder) -> [Findings; 3] {
    let syn = f.feed(
        true,
        tcp(
            40000,
            80,
            SYN,
            ISN_C,
            0,
            &[emit(MptcpOption::Capable(capable(1, None, None)))],
        ),
        &[],
    );
    let syn_ack = f.feed(
        false,
        tcp(
            80,
            40000,
            SYN_ACK,
            ISN_S,
            ISN_C + 1,
            &[emit(MptcpOption::Capable(capable(1, Some(KEY_B), None)))],
        ),
        &[],
    );
    let ack = f.feed(
        true,
        tcp(
            40000,
            80,
            ACK,
            ISN_C + 1,
            ISN_S + 1,
            &[emit(MptcpOption::Capable(capable(
                1,
                Some(KEY_A),
                Some(KEY_B),
            )))],
        ),
        &[],
    );
    [syn, syn_ack, ack]
}

fn dss_mapping(dsn: u64, ssn: u32, payload: &[u8], data_len: u16, fin: bool) -> Vec<u8> {
    let header = DssPseudoHeader { dsn, ssn, data_len };
    let mut flags = DssFlags::MAPPING | DssFlags::DSN_8;
    if fin {
        flags |= DssFlags::DATA_FIN;
    }
    emit(MptcpOption::Dss(Dss {
        reserved: 0,
        flags,
        data_ack: None,
        mapping: Some(Mapping {
            dsn,
            ssn,
            data_len,
            checksum: Some(dss_checksum(&header, payload)),
        }),
    }))
}

#[test]
fn a_v1_handshake_gives_keys_tokens_and_a_verdict() {
    let mut f = Feeder::new();
    let [syn, syn_ack, ack] = handshake(&mut f);
    assert!(syn.tracked && syn.connection.is_none());
    let handshake = syn_ack.handshake.unwrap();
    assert_eq!(handshake.syn_frame, 1);
    assert_eq!(handshake.result.unwrap().verdict, Verdict::MptcpV1);
    let key = syn_ack.options()[0].keys[0].unwrap();
    assert_eq!(
        (key.key, key.token),
        (KEY_B, crypto::token(Version::V1, KEY_B))
    );
    assert_eq!(
        ack.options()[0].keys.map(|k| k.map(|k| k.key)),
        [Some(KEY_A), Some(KEY_B)]
    );
    assert_eq!((ack.connection, ack.subflow), (Some(1), Some(0)));
    assert!(ack.events.contains(Events::SUBFLOW_ESTABLISHED));
}

/// The SYN-ACK is classified against its SYN's window too, as a scan reply is: a reply that
/// repeats the window gets `window-echoed` (informational: the verdict stays).
#[test]
fn the_syn_ack_is_classified_against_the_syn_window() {
    use crate::classify::Signals;

    for (server_window, echoed) in [(0xff00u16, true), (0x7210, false)] {
        let mut f = Feeder::new();
        let capable_syn = emit(MptcpOption::Capable(capable(1, None, None)));
        f.feed(true, tcp(40000, 80, SYN, ISN_C, 0, &[capable_syn]), &[]);
        let mut syn_ack = tcp(
            80,
            40000,
            SYN_ACK,
            ISN_S,
            ISN_C + 1,
            &[emit(MptcpOption::Capable(capable(1, Some(KEY_B), None)))],
        );
        syn_ack[14..16].copy_from_slice(&server_window.to_be_bytes());
        let found = f.feed(false, syn_ack, &[]);
        let c = found.handshake.unwrap().result.unwrap();
        assert_eq!(c.verdict, Verdict::MptcpV1);
        assert_eq!(c.signals.contains(Signals::WINDOW_ECHOED), echoed);
    }
}

#[test]
fn dss_checksums_over_one_segment_several_segments_and_data_fin_alone() {
    let mut f = Feeder::new();
    handshake(&mut f);
    let idsn = crypto::idsn(Version::V1, KEY_A);
    let one = b"hello, world";
    let found = f.feed(
        true,
        tcp(
            40000,
            80,
            ACK,
            ISN_C + 1,
            ISN_S + 1,
            &[dss_mapping(idsn + 1, 1, one, 12, false)],
        ),
        one,
    );
    assert_eq!(found.options()[0].dss_checksum, Some(Check::Valid));

    // One mapping of 20 bytes over two segments of 10.
    let whole: Vec<u8> = (0..20).collect();
    let first = f.feed(
        true,
        tcp(
            40000,
            80,
            ACK,
            ISN_C + 13,
            ISN_S + 1,
            &[dss_mapping(idsn + 13, 13, &whole, 20, false)],
        ),
        &whole[..10],
    );
    assert_eq!(first.options()[0].dss_checksum, Some(Check::SpansSegments));
    let second = f.feed(
        true,
        tcp(40000, 80, ACK, ISN_C + 23, ISN_S + 1, &[]),
        &whole[10..],
    );
    let c = second.continuation.unwrap();
    assert_eq!((c.mapping_frame, c.checksum), (f.frame - 1, Check::Valid));

    // DATA_FIN alone: one data-level byte, no payload.
    let fin = f.feed(
        true,
        tcp(
            40000,
            80,
            ACK,
            ISN_C + 33,
            ISN_S + 1,
            &[dss_mapping(idsn + 33, 0, &[], 1, true)],
        ),
        &[],
    );
    assert_eq!(fin.options()[0].dss_checksum, Some(Check::Valid));
    assert!(fin.events.contains(Events::DATA_FIN));

    // A payload byte flipped after the checksum was computed.
    let mut bad = *b"abcd";
    let option = dss_mapping(idsn + 34, 33, &bad, 4, false);
    bad[0] ^= 0xff;
    let found = f.feed(
        true,
        tcp(40000, 80, ACK, ISN_C + 33, ISN_S + 1, &[option]),
        &bad,
    );
    assert_eq!(found.options()[0].dss_checksum, Some(Check::Invalid));
    assert!(found.events.contains(Events::BAD_CHECKSUM));
    let summary = &f.summaries()[0];
    assert_eq!((summary.checksums.valid, summary.checksums.invalid), (3, 1));
    assert_eq!(summary.data_fin, [true, false]);
}

#[test]
fn the_first_data_on_mp_capable_is_checked() {
    let mut f = Feeder::new();
    f.feed(
        true,
        tcp(
            40000,
            80,
            SYN,
            ISN_C,
            0,
            &[emit(MptcpOption::Capable(capable(1, None, None)))],
        ),
        &[],
    );
    f.feed(
        false,
        tcp(
            80,
            40000,
            SYN_ACK,
            ISN_S,
            ISN_C + 1,
            &[emit(MptcpOption::Capable(capable(1, Some(KEY_B), None)))],
        ),
        &[],
    );
    let data = b"GET / HTTP/1.0\r\n\r\n";
    let header = DssPseudoHeader {
        dsn: crypto::idsn(Version::V1, KEY_A) + 1,
        ssn: 1,
        data_len: data.len() as u16,
    };
    let mut with_data = capable(1, Some(KEY_A), Some(KEY_B));
    with_data.data_len = Some(data.len() as u16);
    with_data.checksum = Some(dss_checksum(&header, data));
    let found = f.feed(
        true,
        tcp(
            40000,
            80,
            ACK,
            ISN_C + 1,
            ISN_S + 1,
            &[emit(MptcpOption::Capable(with_data))],
        ),
        data,
    );
    assert_eq!(found.options()[0].dss_checksum, Some(Check::Valid));
}

#[test]
fn syn_then_syn_ack_then_reset_is_not_an_established_subflow() {
    let mut f = Feeder::new();
    f.feed(
        true,
        tcp(
            40000,
            80,
            SYN,
            ISN_C,
            0,
            &[emit(MptcpOption::Capable(capable(1, None, None)))],
        ),
        &[],
    );
    f.feed(
        false,
        tcp(
            80,
            40000,
            SYN_ACK,
            ISN_S,
            ISN_C + 1,
            &[emit(MptcpOption::Capable(capable(1, Some(KEY_B), None)))],
        ),
        &[],
    );
    let rst = f.feed(true, tcp(40000, 80, TcpFlags::RST, ISN_C + 1, 0, &[]), &[]);
    assert!(rst.events.contains(Events::SUBFLOW_FAILED));
    let summary = &f.summaries()[0];
    assert_eq!(
        summary.subflows[0].state,
        SubflowState::Failed(FailReason::Reset)
    );
    assert_eq!(summary.subflows_in("established"), 0);
}

#[test]
fn a_syn_ack_to_an_unknown_version_still_gets_key_token_and_idsn() {
    let mut f = Feeder::new();
    let syn = f.feed(
        true,
        tcp(
            40000,
            80,
            SYN,
            ISN_C,
            0,
            &[emit(MptcpOption::Capable(capable(2, None, None)))],
        ),
        &[],
    );
    assert_eq!(syn.options()[0].error, None);
    let syn_ack = f.feed(
        false,
        tcp(
            80,
            40000,
            SYN_ACK,
            ISN_S,
            ISN_C + 1,
            &[emit(MptcpOption::Capable(capable(1, Some(KEY_B), None)))],
        ),
        &[],
    );
    let option = syn_ack.options()[0];
    assert_eq!(option.error, None);
    let key = option.keys[0].unwrap();
    let derived = crypto::key::derive(Version::V1, KEY_B);
    assert_eq!(
        (key.key, key.token, key.idsn),
        (KEY_B, derived.token, derived.idsn)
    );
    assert_eq!(
        syn_ack.handshake.unwrap().result.unwrap().verdict,
        Verdict::MptcpV1
    );
}

fn join_syn(token: u32, nonce: u32) -> Vec<u8> {
    emit(MptcpOption::Join(MpJoin::Syn {
        flags: BackupFlags::empty(),
        addr_id: 1,
        token,
        nonce,
    }))
}

#[test]
fn joins_are_attached_by_token_and_their_hmacs_checked() {
    for flip in [false, true] {
        let mut f = Feeder::new();
        handshake(&mut f);
        let token = crypto::token(Version::V1, KEY_B);
        let h = JoinHandshake {
            initiator_key: KEY_A,
            listener_key: KEY_B,
            initiator_nonce: 7,
            listener_nonce: 9,
        };
        let syn = f.feed(
            true,
            tcp(40001, 80, SYN, 100, 0, &[join_syn(token, 7)]),
            &[],
        );
        assert_eq!(
            syn.options()[0].join_token,
            Some(JoinToken::Known {
                connection: 1,
                first_frame: 1
            })
        );
        assert_eq!((syn.connection, syn.subflow), (Some(1), Some(1)));
        let mut hmac = h.syn_ack_hmac(Version::V1).to_be_bytes();
        if flip {
            hmac[0] ^= 1;
        }
        let syn_ack = f.feed(
            false,
            tcp(
                80,
                40001,
                SYN_ACK,
                200,
                101,
                &[emit(MptcpOption::Join(MpJoin::SynAck {
                    flags: BackupFlags::empty(),
                    addr_id: 0,
                    hmac,
                    nonce: 9,
                }))],
            ),
            &[],
        );
        let want = if flip { Check::Invalid } else { Check::Valid };
        assert_eq!(syn_ack.options()[0].hmac, Some(want));
        let ack = f.feed(
            true,
            tcp(
                40001,
                80,
                ACK,
                101,
                201,
                &[emit(MptcpOption::Join(MpJoin::Ack {
                    reserved: 0,
                    hmac: h.ack_hmac(Version::V1),
                }))],
            ),
            &[],
        );
        assert_eq!(ack.options()[0].hmac, Some(Check::Valid));
        let summary = &f.summaries()[0];
        let state = if flip {
            SubflowState::Failed(FailReason::BadHmac)
        } else {
            SubflowState::Established
        };
        assert_eq!(summary.subflows[1].state, state);
    }
    let mut f = Feeder::new();
    let orphan = f.feed(
        true,
        tcp(40001, 80, SYN, 100, 0, &[join_syn(0xdead_beef, 7)]),
        &[],
    );
    assert_eq!(orphan.options()[0].join_token, Some(JoinToken::Unknown));
}

#[test]
fn add_addr_hmac_and_fastclose_key() {
    let mut f = Feeder::new();
    handshake(&mut f);
    let address = "198.18.5.5".parse().unwrap();
    let keys = HmacKeys {
        sender: KEY_B,
        receiver: KEY_A,
    };
    let add = AddAddr {
        version: Version::V1,
        flags: AddAddrFlags::empty(),
        addr_id: 3,
        address,
        port: None,
        hmac: Some(crypto::add_addr_hmac(keys, 3, address, None).to_be_bytes()),
    };
    let found = f.feed(
        false,
        tcp(
            80,
            40000,
            ACK,
            ISN_S + 1,
            ISN_C + 1,
            &[emit(MptcpOption::AddAddr(add))],
        ),
        &[],
    );
    assert_eq!(found.options()[0].hmac, Some(Check::Valid));
    assert_eq!(found.options()[0].scope, Some(AddressScope::of(address)));
    let close = |key| {
        emit(MptcpOption::Fastclose(MpFastclose {
            reserved: 0,
            receiver_key: key,
        }))
    };
    let good = f.feed(
        true,
        tcp(40000, 80, ACK, ISN_C + 1, ISN_S + 1, &[close(KEY_B)]),
        &[],
    );
    assert_eq!(good.options()[0].fastclose_key, Some(Check::Valid));
    let bad = f.feed(
        true,
        tcp(40000, 80, ACK, ISN_C + 1, ISN_S + 1, &[close(KEY_A)]),
        &[],
    );
    assert_eq!(bad.options()[0].fastclose_key, Some(Check::Invalid));
    let summary = &f.summaries()[0];
    assert_eq!(summary.add_addr[0].hmac, Some(Check::Valid));
    assert_eq!(summary.ending, ConnectionEnding::Fastclose);
}

#[test]
fn without_keys_checks_are_unverifiable_and_say_why() {
    let mut f = Feeder::new();
    let idsn = 77;
    let found = f.feed(
        true,
        tcp(
            40000,
            80,
            ACK,
            10,
            20,
            &[dss_mapping(idsn, 1, b"x", 1, false)],
        ),
        b"x",
    );
    // Mid-stream: a connection of its own, the 8-byte DSN needs no key, but the SSN cannot be
    // placed without the ISN: the single-segment mapping is still checked.
    assert_eq!(found.options()[0].dss_checksum, Some(Check::Valid));
    let close = emit(MptcpOption::Fastclose(MpFastclose {
        reserved: 0,
        receiver_key: 1,
    }));
    let found = f.feed(true, tcp(40000, 80, ACK, 11, 20, &[close]), &[]);
    assert_eq!(
        found.options()[0].fastclose_key,
        Some(Check::Unverifiable(Unverifiable::KeysUnknown))
    );
    assert_eq!(
        Check::Unverifiable(Unverifiable::KeysUnknown).name(),
        "unverifiable"
    );
}

#[test]
fn garbage_never_panics() {
    let mut tracker = Tracker::default();
    let mut state = 0x1234_5678u32;
    for frame in 0..20_000u64 {
        let mut bytes = [0u8; 80];
        for b in bytes.iter_mut() {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            *b = state as u8;
        }
        // Mostly MPTCP options, some ports shared, so that state builds up.
        bytes[12] = 0xf0;
        bytes[20] = 30;
        bytes[0..4].copy_from_slice(&[0, 80, 0, (frame % 7) as u8]);
        let Ok(tcp) = TcpPacket::new_checked(&bytes[..]) else {
            continue;
        };
        let segment = Segment {
            src: CLIENT.parse().unwrap(),
            dst: SERVER.parse().unwrap(),
            tcp,
            payload_len: state % 100,
            ttl: None,
        };
        tracker.feed(frame, frame as i64 * 1000, &segment);
    }
    tracker.finish_all();
    while tracker.pop_finished().is_some() {}
}
