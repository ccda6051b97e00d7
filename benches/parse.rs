//! Parsing cost on the receive path: the whole option walk of a real SYN-ACK down to its
//! MP_CAPABLE key, and DSS options of the shapes real stacks send.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use mptcpscan::mptcp::{Dss, MptcpOption, Version};

#[path = "shared/receive_path.rs"]
mod receive_path;
use receive_path::{dss_parse, synack_key, DSS_ACK4_MAP4_CSUM, THESIS_V0_KEY, THESIS_V0_SYNACK};

/// ptcpdump/mptcp.pcap, frame 10: DATA_FIN, 8-byte data ACK, 8-byte DSN.
const DSS_FIN_ACK8_MAP8: [u8; 26] = [
    0x1e, 0x1a, 0x20, 0x1f, 0x36, 0x02, 0xa5, 0x7d, 0x9b, 0x36, 0x46, 0xa5, 0xe9, 0xe3, 0x7e, 0x0b,
    0xab, 0x76, 0x59, 0x98, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
];

// The measured functions are kept out of line, as in `shared/receive_path.rs`.

#[inline(never)]
fn option_parse(option: &[u8]) -> Option<MptcpOption<'_>> {
    MptcpOption::parse(option, Version::V1).ok()
}

#[inline(never)]
fn dss_emit(dss: &Dss, buf: &mut [u8]) -> Option<usize> {
    dss.emit(buf).ok()
}

fn parse(c: &mut Criterion) {
    assert_eq!(synack_key(&THESIS_V0_SYNACK), Some(THESIS_V0_KEY));
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
