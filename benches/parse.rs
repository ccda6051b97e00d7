//! Parsing cost on the receive path: the whole option walk of a real SYN-ACK down to its
//! MP_CAPABLE key, and DSS options of the shapes real stacks send.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use mptcpscan::mptcp::{Dss, MpCapable, MptcpOption, Version};
use mptcpscan::options::{Options, TcpOption};

/// The options of the real v0 SYN-ACK in REFERENCE §1 (thesis ZMap output).
const THESIS_V0_SYNACK: [u8; 31] = [
    0x02, 0x04, 0x05, 0xac, 0x04, 0x02, 0x08, 0x0a, 0x26, 0x19, 0xf9, 0xd3, 0x0f, 0x0f, 0x0f, 0x01,
    0x03, 0x03, 0x06, 0x1e, 0x0c, 0x00, 0x81, 0xd2, 0x0f, 0xa4, 0x93, 0x00, 0xbd, 0xa2, 0x3d,
];

/// pymptcpanalyzer/iperf-mptcp-0-0.pcap, frame 9: 4-byte data ACK, mapping, checksum.
const DSS_ACK4_MAP4_CSUM: [u8; 20] = [
    0x1e, 0x14, 0x20, 0x05, 0xe2, 0x40, 0x02, 0x5b, 0xa2, 0xfd, 0x39, 0x0a, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x18, 0x3e, 0xa1,
];

/// ptcpdump/mptcp.pcap, frame 10: DATA_FIN, 8-byte data ACK, 8-byte DSN.
const DSS_FIN_ACK8_MAP8: [u8; 26] = [
    0x1e, 0x1a, 0x20, 0x1f, 0x36, 0x02, 0xa5, 0x7d, 0x9b, 0x36, 0x46, 0xa5, 0xe9, 0xe3, 0x7e, 0x0b,
    0xab, 0x76, 0x59, 0x98, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
];

// The measured functions are kept out of line so that `valgrind --tool=callgrind
// --toggle-collect='*synack_key*'` (and the others) can count instructions per call.

/// The walk of the whole option area, then MP_CAPABLE decoded: what a scanner does per reply.
#[inline(never)]
fn synack_key(area: &[u8]) -> Option<u64> {
    Options::new(area)
        .map_while(Result::ok)
        .find_map(|(_, option)| match option {
            TcpOption::Mptcp(bytes) => MpCapable::parse(bytes).ok(),
            _ => None,
        })
        .and_then(|capable| capable.sender_key)
}

#[inline(never)]
fn dss_parse(option: &[u8]) -> Option<Dss> {
    Dss::parse(option).ok()
}

#[inline(never)]
fn option_parse(option: &[u8]) -> Option<MptcpOption<'_>> {
    MptcpOption::parse(option, Version::V1).ok()
}

#[inline(never)]
fn dss_emit(dss: &Dss, buf: &mut [u8]) -> Option<usize> {
    dss.emit(buf).ok()
}

fn parse(c: &mut Criterion) {
    assert_eq!(synack_key(&THESIS_V0_SYNACK), Some(0xd20f_a493_00bd_a23d));
    c.bench_function("synack options: walk + MP_CAPABLE", |b| {
        b.iter(|| synack_key(black_box(&THESIS_V0_SYNACK)))
    });
    c.bench_function("DSS: data ACK + mapping + checksum (Dss::parse)", |b| {
        b.iter(|| dss_parse(black_box(&DSS_ACK4_MAP4_CSUM)))
    });
    c.bench_function(
        "DSS: DATA_FIN, 64-bit ACK and DSN (MptcpOption::parse)",
        |b| b.iter(|| option_parse(black_box(&DSS_FIN_ACK8_MAP8))),
    );
    let dss = Dss::parse(&DSS_FIN_ACK8_MAP8).unwrap();
    let mut buf = [0u8; 40];
    c.bench_function("DSS: emit (DATA_FIN, 64-bit ACK and DSN)", |b| {
        b.iter(|| dss_emit(black_box(&dss), black_box(&mut buf)))
    });
}

criterion_group!(benches, parse);
criterion_main!(benches);
