//! Diffing an ICMP quote against the probe sent: an untouched full quote, a quote whose
//! MP_CAPABLE was overwritten with NOPs, and an RFC 792 (8-byte) quote; plus extracting the quote
//! from a whole ICMP time-exceeded packet.

use core::net::Ipv4Addr;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use mptcpscan::probe::{Companions, Ipv4Target, Offer, ProbeSpec, SynTemplateV4, STUDY2021_KEY};
use mptcpscan::quote::QuoteDiff;
use mptcpscan::wire::icmp::{v4_type, IcmpError, Icmpv4Packet, PROTOCOL_ICMPV4};
use mptcpscan::wire::{Ipv4Packet, TcpPacket};

const SRC: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const DST: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 80);

fn sent() -> Vec<u8> {
    let spec = ProbeSpec::new(Offer::V0 { key: STUDY2021_KEY }, Companions::Study2021);
    let template = SynTemplateV4::from_spec(&spec).expect("study block fits");
    let mut buf = vec![0u8; template.len()];
    let target = Ipv4Target {
        src: SRC,
        dst: DST,
        src_port: 40000,
        dst_port: 80,
        seq: 0x0102_0304,
        ip_id: 777,
        ttl: 5,
    };
    template.write(&mut buf, &target).expect("buffer fits");
    buf
}

/// The quote a router at hop 5 sends, with the MP_CAPABLE bytes replaced by `fill` if given.
fn quoted(nops: bool) -> Vec<u8> {
    let mut q = sent();
    if nops {
        q[60..72].fill(1);
    }
    let mut ip = Ipv4Packet::new_unchecked(&mut q[..]);
    ip.set_ttl(1);
    ip.fill_checksum();
    TcpPacket::new_unchecked(&mut q[20..]).fill_checksum_v4(SRC, DST);
    q
}

fn time_exceeded(quote: &[u8]) -> Vec<u8> {
    let total = 28 + quote.len();
    let mut p = vec![0u8; total];
    let mut ip = Ipv4Packet::new_unchecked(&mut p[..]);
    ip.set_version_and_header_len(20);
    ip.set_total_len(total as u16);
    ip.set_ttl(60);
    ip.set_protocol(PROTOCOL_ICMPV4);
    ip.set_src_addr(Ipv4Addr::new(198, 18, 5, 1));
    ip.set_dst_addr(SRC);
    ip.fill_checksum();
    let mut icmp = Icmpv4Packet::new_unchecked(&mut p[20..]);
    icmp.set_type_code(v4_type::TIME_EXCEEDED, 0);
    icmp.body_mut().copy_from_slice(quote);
    icmp.fill_checksum();
    p
}

fn quotes(c: &mut Criterion) {
    let sent = sent();
    let intact = quoted(false);
    let nops = quoted(true);
    c.bench_function("quote/diff_intact", |b| {
        b.iter(|| QuoteDiff::compare(black_box(&sent), black_box(&intact)))
    });
    c.bench_function("quote/diff_nops", |b| {
        b.iter(|| QuoteDiff::compare(black_box(&sent), black_box(&nops)))
    });
    c.bench_function("quote/diff_rfc792", |b| {
        b.iter(|| QuoteDiff::compare(black_box(&sent), black_box(&nops[..28])))
    });
    let icmp = time_exceeded(&nops);
    c.bench_function("quote/icmp_parse_and_diff", |b| {
        b.iter(|| {
            let error = IcmpError::parse(black_box(&icmp)).expect("built above");
            QuoteDiff::compare(black_box(&sent), error.quote)
        })
    });
}

criterion_group!(benches, quotes);
criterion_main!(benches);
