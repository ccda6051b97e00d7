//! What the C ABI costs on the per-packet paths: the same work through the core's Rust API and
//! through the exported functions, side by side in one process (so machine load hits both
//! alike). `tests/c/bench_capi.c` (make bench-capi) measures the same calls from C.

use core::net::Ipv4Addr;

use core_lib::classify::{classify, Reply, Sent};
use core_lib::options::{Options, TcpOption};
use core_lib::probe::{Companions, Ipv4Target, Offer, ProbeSpec, SynTemplateV4, STUDY2021_KEY};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use mptcpscan_capi::classify::{
    mptcpscan_classification, mptcpscan_classify_ip, mptcpscan_probe_describe, mptcpscan_probe_info,
};
use mptcpscan_capi::mptcpscan_result;
use mptcpscan_capi::options::{mptcpscan_options_walk, mptcpscan_tcp_option};
use mptcpscan_capi::probe::{
    mptcpscan_ipv4_target, mptcpscan_probe_spec, mptcpscan_probe_spec_default,
    mptcpscan_syn_template_new, mptcpscan_syn_template_patch_v4, mptcpscan_syn_template_prepare,
};

/// tcpdump/mptcp-v1.pcap packet 1: the v1 SYN's options.
const V1_SYN_OPTIONS: [u8; 24] = [
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x1b, 0xaf, 0x9e, 0xa1, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x08, 0x1e, 0x04, 0x01, 0x01,
];
/// tcpdump/mptcp-v1.pcap packet 2: the server's SYN-ACK from the IP header on.
const V1_SYNACK: [u8; 72] = [
    0x45, 0x00, 0x00, 0x48, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x23, 0xaf, 0x0a, 0x00, 0x02, 0x01,
    0x0a, 0x00, 0x01, 0x01, 0x27, 0x14, 0x82, 0x1a, 0x2f, 0x2c, 0x0b, 0x6d, 0x81, 0xfb, 0xb5, 0xfe,
    0xd0, 0x12, 0xff, 0xff, 0x17, 0x3c, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
    0xc3, 0x37, 0xc5, 0x93, 0x1b, 0xaf, 0x9e, 0xa1, 0x01, 0x03, 0x03, 0x08, 0x1e, 0x0c, 0x01, 0x01,
    0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad, 0x93, 0x3c,
];
const V1_SEQ: u32 = 2_180_756_989;

fn patch(c: &mut Criterion) {
    let mut group = c.benchmark_group("patch_v4");
    let spec = ProbeSpec::new(Offer::V0 { key: STUDY2021_KEY }, Companions::Study2021);
    let core_template = SynTemplateV4::from_spec(&spec).expect("study block fits");
    let mut buf = [0u8; 80];
    core_template.prepare(&mut buf).expect("buffer fits");
    let target = Ipv4Target {
        src: Ipv4Addr::new(198, 18, 0, 1),
        dst: Ipv4Addr::new(198, 19, 0, 7),
        src_port: 40000,
        dst_port: 80,
        seq: 0x1234_5678,
        ip_id: 7,
        ttl: 64,
    };
    group.bench_function("core", |b| {
        b.iter(|| core_template.patch(black_box(&mut buf), black_box(&target)))
    });

    // SAFETY: an all-integer struct, filled by the call below.
    let mut c_spec: mptcpscan_probe_spec = unsafe { core::mem::zeroed() };
    assert_eq!(
        mptcpscan_probe_spec_default(0, STUDY2021_KEY, 4, &mut c_spec),
        mptcpscan_result::Ok
    );
    let mut template = core::ptr::null_mut();
    assert_eq!(
        mptcpscan_syn_template_new(4, &c_spec, &mut template),
        mptcpscan_result::Ok
    );
    let mut len = 0;
    mptcpscan_syn_template_prepare(template, buf.as_mut_ptr(), buf.len(), &mut len);
    let c_target = mptcpscan_ipv4_target {
        src: [198, 18, 0, 1],
        dst: [198, 19, 0, 7],
        seq: 0x1234_5678,
        src_port: 40000,
        dst_port: 80,
        ip_id: 7,
        ttl: 64,
    };
    group.bench_function("abi", |b| {
        b.iter(|| {
            mptcpscan_syn_template_patch_v4(
                black_box(template),
                black_box(&c_target),
                buf.as_mut_ptr(),
                buf.len(),
                &mut len,
            )
        })
    });
    group.finish();
    mptcpscan_capi::probe::mptcpscan_syn_template_free(template);
}

fn classify_reply(c: &mut Criterion) {
    let mut group = c.benchmark_group("classify_ip");
    let sent = Sent::from_options(&V1_SYN_OPTIONS, V1_SEQ).expect("a probe");
    group.bench_function("core", |b| {
        b.iter(|| {
            let reply = Reply::from_ip(black_box(&V1_SYNACK)).expect("a TCP packet");
            classify(black_box(&sent), &reply)
        })
    });
    // SAFETY: an all-integer struct, filled by the call below.
    let mut probe: mptcpscan_probe_info = unsafe { core::mem::zeroed() };
    assert_eq!(
        mptcpscan_probe_describe(V1_SYN_OPTIONS.as_ptr(), V1_SYN_OPTIONS.len(), &mut probe),
        mptcpscan_result::Ok
    );
    let mut out = mptcpscan_classification::default();
    group.bench_function("abi", |b| {
        b.iter(|| {
            mptcpscan_classify_ip(
                black_box(&probe),
                V1_SEQ,
                black_box(V1_SYNACK.as_ptr()),
                V1_SYNACK.len(),
                &mut out,
            )
        })
    });
    group.finish();
}

fn walk(c: &mut Criterion) {
    let mut group = c.benchmark_group("options_walk");
    let area = &V1_SYNACK[40..];
    group.bench_function("core", |b| {
        b.iter(|| {
            let mut found = [TcpOption::EndOfList; 40];
            let mut n = 0;
            for item in Options::new(black_box(area)) {
                found[n] = item.expect("well-formed").1;
                n += 1;
            }
            (found, n)
        })
    });
    let mut options = [mptcpscan_tcp_option::default(); 40];
    let mut count = 0;
    group.bench_function("abi", |b| {
        b.iter(|| {
            mptcpscan_options_walk(
                black_box(area.as_ptr()),
                area.len(),
                options.as_mut_ptr(),
                options.len(),
                &mut count,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, patch, classify_reply, walk);
criterion_main!(benches);
