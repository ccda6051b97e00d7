//! Cost of classifying one reply, the per-packet work of ZMap's `process_packet`: a real v0 reply
//! (the thesis row), a real v1 reply (Linux, from a capture), a mirrored reply (the study's block
//! echoed), the same from raw IPv4 bytes, the combined verdict, and the population statistics.
//!
//! `MPTCPSCAN_BENCH_ITERS=N cargo bench --bench classify` skips criterion and runs each case N
//! times: running that under `valgrind --tool=callgrind` for two values of N and dividing the
//! difference in instructions by the difference in N gives instructions per call, a figure that
//! does not depend on how busy the machine is.

use std::hint::black_box;

use criterion::Criterion;
use mptcpscan::classify::{classify, combine, Classification, Reply, Sent, Verdict};
use mptcpscan::stats::WeightHistogram;
use mptcpscan::wire::TcpFlags;

/// The 2021 study's probe block (REFERENCE §1).
const STUDY_PROBE: [u8; 32] = [
    0x02, 0x04, 0x00, 0x01, 0x04, 0x02, 0x08, 0x0a, 0x0f, 0x0f, 0x0f, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x00, 0x1e, 0x0c, 0x00, 0x81, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
];
/// The real v0 row of the thesis (REFERENCE §1).
const THESIS_V0_REPLY: [u8; 31] = [
    0x02, 0x04, 0x05, 0xac, 0x04, 0x02, 0x08, 0x0a, 0x26, 0x19, 0xf9, 0xd3, 0x0f, 0x0f, 0x0f, 0x01,
    0x03, 0x03, 0x06, 0x1e, 0x0c, 0x00, 0x81, 0xd2, 0x0f, 0xa4, 0x93, 0x00, 0xbd, 0xa2, 0x3d,
];
/// Linux's v1 SYN and SYN-ACK options (captures/tcpdump/mptcp-v1.pcap, frames 1 and 2).
const LINUX_V1_SYN: [u8; 24] = [
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x1b, 0xaf, 0x9e, 0xa1, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x08, 0x1e, 0x04, 0x01, 0x01,
];
const LINUX_V1_SYNACK: [u8; 32] = [
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xc3, 0x37, 0xc5, 0x93, 0x1b, 0xaf, 0x9e, 0xa1,
    0x01, 0x03, 0x03, 0x08, 0x1e, 0x0c, 0x01, 0x01, 0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c,
];
const SEQ: u32 = 0x1234_5678;

fn synack(options: &[u8]) -> Reply<'_> {
    Reply {
        flags: TcpFlags::SYN | TcpFlags::ACK,
        seq: 0xdead_beef,
        ack: SEQ.wrapping_add(1),
        window: 29_200,
        options,
        ttl: Some(52),
    }
}

/// The thesis' real v0 reply as a whole IPv4 packet answering a probe with sequence number `SEQ`.
fn ipv4_packet() -> Vec<u8> {
    let total = 20 + 20 + 32;
    let mut packet = vec![0x45, 0, 0, total as u8, 0, 0, 0x40, 0, 52, 6, 0, 0];
    packet.extend_from_slice(&[198, 18, 0, 2, 198, 19, 0, 1]);
    packet.extend_from_slice(&[0, 80, 0x9c, 0x40]);
    packet.extend_from_slice(&0xdead_beefu32.to_be_bytes());
    packet.extend_from_slice(&SEQ.wrapping_add(1).to_be_bytes());
    packet.extend_from_slice(&[0xd0, 0x12, 0x72, 0x10, 0, 0, 0, 0]);
    packet.extend_from_slice(&THESIS_V0_REPLY);
    packet.push(0);
    packet
}

struct Cases {
    v0_sent: Sent<'static>,
    v1_sent: Sent<'static>,
    packet: Vec<u8>,
    v0_reply: Classification,
    v1_reply: Classification,
    histogram: WeightHistogram,
}

fn cases() -> Cases {
    let v0_sent = Sent::from_options(&STUDY_PROBE, SEQ).expect("study probe");
    let v1_sent = Sent::from_options(&LINUX_V1_SYN, SEQ).expect("v1 probe");
    let mut histogram = WeightHistogram::new();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..10_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        histogram.add(state);
    }
    let packet = ipv4_packet();
    let from_bytes = classify(&v0_sent, &Reply::from_ip(&packet).expect("valid packet"));
    assert_eq!(from_bytes.verdict, Verdict::MptcpV0);
    let mirrored = classify(&v0_sent, &synack(&STUDY_PROBE));
    assert_eq!(mirrored.verdict, Verdict::Mirrored);
    let v0_reply = classify(&v0_sent, &synack(&THESIS_V0_REPLY));
    let v1_reply = classify(&v1_sent, &synack(&LINUX_V1_SYNACK));
    assert_eq!(v0_reply.verdict, Verdict::MptcpV0);
    assert_eq!(v1_reply.verdict, Verdict::MptcpV1);
    Cases {
        v0_reply,
        v1_reply,
        v0_sent,
        v1_sent,
        packet,
        histogram,
    }
}

type Case = (&'static str, fn(&Cases) -> u64);

/// Each case returns something derived from its result, so nothing is optimised away.
const CASES: [Case; 7] = [
    ("reply/v0-real", |c| {
        let r = classify(black_box(&c.v0_sent), black_box(&synack(&THESIS_V0_REPLY)));
        r.verdict as u64
    }),
    ("reply/v1-real", |c| {
        let r = classify(black_box(&c.v1_sent), black_box(&synack(&LINUX_V1_SYNACK)));
        r.verdict as u64
    }),
    ("reply/mirrored", |c| {
        let r = classify(black_box(&c.v0_sent), black_box(&synack(&STUDY_PROBE)));
        r.verdict as u64 | u64::from(r.signals.bits())
    }),
    ("reply/ipv4-bytes-v0-real", |c| {
        let reply = Reply::from_ip(black_box(&c.packet)).expect("valid packet");
        classify(black_box(&c.v0_sent), &reply).verdict as u64
    }),
    ("host/combine", |c| {
        let host = combine(
            black_box(Some(&c.v0_reply)),
            black_box(Some(&c.v1_reply)),
            Some(0x0c0c_0c0c_0c0c_0c0c),
        );
        host.verdict as u64
    }),
    ("stats/add-key", |c| {
        let mut histogram = black_box(WeightHistogram::new());
        histogram.add(black_box(c.v0_reply.key.unwrap_or_default()));
        histogram.total()
    }),
    ("stats/binomial-test", |c| {
        let test = black_box(&c.histogram).test().expect("enough keys");
        test.dof.into()
    }),
];

fn main() {
    let cases = cases();
    if let Some(iterations) = std::env::var("MPTCPSCAN_BENCH_ITERS")
        .ok()
        .and_then(|n| n.parse::<u64>().ok())
    {
        let only = std::env::var("MPTCPSCAN_BENCH_CASE").ok();
        for (name, run) in CASES {
            if only.as_deref().is_some_and(|o| o != name) {
                continue;
            }
            let mut sink = 0u64;
            for _ in 0..iterations {
                sink = sink.wrapping_add(run(&cases));
            }
            black_box(sink);
        }
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("classify");
    for (name, run) in CASES {
        group.bench_function(name, |b| b.iter(|| run(&cases)));
    }
    group.finish();
    criterion.final_summary();
}
