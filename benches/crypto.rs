//! Cost of the MPTCP crypto per call: key derivation, the MP_JOIN and ADD_ADDR HMACs, and the DSS
//! checksum over a full-size segment.

use core::net::{IpAddr, Ipv4Addr};
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mptcpscan::crypto::{
    self, add_addr_hmac, dss_checksum, verify_add_addr_hmac, verify_dss_checksum, DssPseudoHeader,
    HmacKeys, JoinHandshake,
};
use mptcpscan::mptcp::Version;

const JOIN: JoinHandshake = JoinHandshake {
    initiator_key: 0x9c9e_abd1_e46a_33b2,
    listener_key: 0x967d_2770_b696_0552,
    initiator_nonce: 0x1b66_5a18,
    listener_nonce: 0x33ab_e9d5,
};

fn versions() -> [(Version, &'static str); 2] {
    [(Version::V0, "v0"), (Version::V1, "v1")]
}

fn key_derivation(c: &mut Criterion) {
    let mut group = c.benchmark_group("key");
    for (version, name) in versions() {
        group.bench_function(format!("token/{name}"), |b| {
            b.iter(|| crypto::token(version, black_box(0x29a6_c869_81ad_933c)))
        });
        group.bench_function(format!("idsn/{name}"), |b| {
            b.iter(|| crypto::idsn(version, black_box(0x29a6_c869_81ad_933c)))
        });
    }
    group.finish();
}

fn join_hmacs(c: &mut Criterion) {
    let mut group = c.benchmark_group("join");
    for (version, name) in versions() {
        let syn_ack = JOIN.syn_ack_hmac(version);
        let ack = JOIN.ack_hmac(version);
        group.bench_function(format!("verify_syn_ack/{name}"), |b| {
            b.iter(|| black_box(JOIN).verify_syn_ack(version, black_box(syn_ack)))
        });
        group.bench_function(format!("verify_ack/{name}"), |b| {
            b.iter(|| black_box(JOIN).verify_ack(version, black_box(&ack)))
        });
    }
    group.finish();
}

fn add_addr(c: &mut Criterion) {
    let keys = HmacKeys {
        sender: 0x73bb_1503_58a0_aecb,
        receiver: 0x8f0c_7c64_a6a3_2ac1,
    };
    let addr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
    let hmac = add_addr_hmac(keys, 1, addr, None);
    let mut group = c.benchmark_group("add_addr");
    group.bench_function("hmac", |b| {
        b.iter(|| add_addr_hmac(black_box(keys), 1, black_box(addr), None))
    });
    group.bench_function("verify", |b| {
        b.iter(|| verify_add_addr_hmac(black_box(keys), 1, black_box(addr), None, hmac))
    });
    group.finish();
}

fn dss(c: &mut Criterion) {
    let payload: Vec<u8> = (0..1400u32).map(|i| (i * 7 + 3) as u8).collect();
    let header = DssPseudoHeader {
        dsn: 0x0102_0304_0506_0708,
        ssn: 1,
        data_len: 1400,
    };
    let checksum = dss_checksum(&header, &payload);
    let mut group = c.benchmark_group("dss");
    group.throughput(Throughput::Bytes(payload.len() as u64));
    group.bench_function("checksum/1400", |b| {
        b.iter(|| dss_checksum(black_box(&header), black_box(&payload)))
    });
    group.bench_function("verify/1400", |b| {
        b.iter(|| verify_dss_checksum(black_box(&header), black_box(&payload), checksum))
    });
    group.finish();
}

criterion_group!(benches, key_derivation, join_hmacs, add_addr, dss);
criterion_main!(benches);
