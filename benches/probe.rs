//! Building SYN probes: the per-probe patch of a prepared buffer (ZMap's make_packet), the whole
//! write (prepare + patch), and building a template.

use core::net::{Ipv4Addr, Ipv6Addr};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use mptcpscan::probe::{
    Companions, Ipv4Target, Ipv6Target, Offer, ProbeSpec, SynTemplateV4, SynTemplateV6, MAX_V4_LEN,
    MAX_V6_LEN, STUDY2021_KEY,
};

fn probes(c: &mut Criterion) {
    let spec = ProbeSpec::new(Offer::V0 { key: STUDY2021_KEY }, Companions::Study2021);
    let v4 = SynTemplateV4::from_spec(&spec).expect("study block fits");
    let mut buf = [0u8; MAX_V4_LEN];
    v4.prepare(&mut buf).expect("buffer fits");
    let mut n: u32 = 0;
    c.bench_function("probe/v4_patch", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            let target = Ipv4Target {
                src: Ipv4Addr::new(198, 18, 0, 1),
                dst: Ipv4Addr::from_bits(0xc613_0000 | (n & 0xffff)),
                src_port: 32768 + (n & 0x3fff) as u16,
                dst_port: 80,
                seq: n.wrapping_mul(0x9e37_79b9),
                ip_id: n as u16,
                ttl: 64,
            };
            v4.patch(black_box(&mut buf), black_box(&target))
        })
    });
    c.bench_function("probe/v4_write", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            let target = Ipv4Target {
                src: Ipv4Addr::new(198, 18, 0, 1),
                dst: Ipv4Addr::from_bits(0xc613_0000 | (n & 0xffff)),
                src_port: 40000,
                dst_port: 80,
                seq: n,
                ip_id: n as u16,
                ttl: 64,
            };
            v4.write(black_box(&mut buf), black_box(&target))
        })
    });
    let v6 = SynTemplateV6::from_spec(&ProbeSpec::new(Offer::V1, Companions::Linux))
        .expect("linux block fits");
    let mut buf6 = [0u8; MAX_V6_LEN];
    v6.prepare(&mut buf6).expect("buffer fits");
    let src6: Ipv6Addr = "2001:db8::1".parse().expect("literal address");
    c.bench_function("probe/v6_patch", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            let target = Ipv6Target {
                src: src6,
                dst: Ipv6Addr::from_bits(0x2001_0db8_0001_u128 << 80 | u128::from(n)),
                src_port: 40000,
                dst_port: 443,
                seq: n,
                hop_limit: 64,
            };
            v6.patch(black_box(&mut buf6), black_box(&target))
        })
    });
    c.bench_function("probe/v4_template", |b| {
        b.iter(|| SynTemplateV4::from_spec(black_box(&spec)))
    });
}

criterion_group!(benches, probes);
criterion_main!(benches);
