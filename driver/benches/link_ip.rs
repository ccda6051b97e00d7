//! `dissect`'s link and IP layers: the hand-written link-layer strip (`dissect/link.rs`) and the
//! core's IP/TCP views (`dissect/segment.rs`) against etherparse's lax slicer, on the frames of
//! the shared captures. Both produce what the tracker takes from each frame (addresses, TTL, IP
//! length on the wire, the TCP header); figures in docs/benchmarks.md.
//!
//! `cargo bench -p mptcpscan-driver --bench link_ip` (captures in ../shared/captures or
//! /work/shared/captures).

use std::hint::black_box;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};

use mptcpscan_driver::dissect::{capture, link, segment};

/// What both variants hand on per frame.
type Fields = (IpAddr, IpAddr, u8, u32, usize);

fn captures() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    [
        repo.join("../shared/captures"),
        PathBuf::from("/work/shared/captures"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
    .expect("the shared captures (../shared/captures or /work/shared/captures)")
}

/// Every frame of the pymptcpanalyzer captures (Ethernet and Linux cooked), with its link type.
fn frames() -> Vec<(u32, Vec<u8>)> {
    let mut frames = Vec::new();
    for name in ["client_2.pcap", "server_2.pcap", "iperf-mptcp-0-0.pcap"] {
        let path = captures().join("pymptcpanalyzer").join(name);
        let mut reader = capture::CaptureReader::open(&path).expect("opening a capture");
        while let Some(packet) = reader.next_packet().expect("reading a capture") {
            frames.push((packet.link_type, packet.data.to_vec()));
        }
    }
    frames
}

fn hand_written(link_type: u32, frame: &[u8]) -> Option<Fields> {
    let network = link::network_layer(link_type, frame).ok()?;
    match segment::parse(network).ok()? {
        segment::Parsed::Tcp(s) => Some((s.src, s.dst, s.ttl, s.ip_len, s.tcp.header_len())),
        segment::Parsed::NotTcp => None,
    }
}

fn with_etherparse(link_type: u32, frame: &[u8]) -> Option<Fields> {
    let packet = match link_type {
        link::link_type::ETHERNET => LaxSlicedPacket::from_ethernet(frame).ok()?,
        link::link_type::LINUX_SLL => {
            let ether_type = u16::from_be_bytes([*frame.get(14)?, *frame.get(15)?]);
            LaxSlicedPacket::from_ether_type(EtherType(ether_type), frame.get(16..)?)
        }
        _ => LaxSlicedPacket::from_ip(frame).ok()?,
    };
    let Some(TransportSlice::Tcp(tcp)) = packet.transport else {
        return None;
    };
    let header_len = usize::from(tcp.data_offset()) * 4;
    match packet.net? {
        LaxNetSlice::Ipv4(ip) => {
            let h = ip.header();
            let (src, dst) = (h.source_addr().into(), h.destination_addr().into());
            Some((src, dst, h.ttl(), u32::from(h.total_len()), header_len))
        }
        LaxNetSlice::Ipv6(ip) => {
            let h = ip.header();
            let (src, dst) = (h.source_addr().into(), h.destination_addr().into());
            let len = 40 + u32::from(h.payload_length());
            Some((src, dst, h.hop_limit(), len, header_len))
        }
        LaxNetSlice::Arp(_) => None,
    }
}

fn link_and_ip(c: &mut Criterion) {
    let frames = frames();
    // Where both read a frame they read the same fields; etherparse's lax slicer gives up on
    // frames whose TCP header is cut by the snap length, which the hand-written layers keep.
    let (mut both, mut only_ours) = (0, 0);
    for (link_type, frame) in &frames {
        match (
            hand_written(*link_type, frame),
            with_etherparse(*link_type, frame),
        ) {
            (Some(ours), Some(theirs)) => {
                assert_eq!(ours, theirs);
                both += 1;
            }
            (Some(_), None) => only_ours += 1,
            _ => {}
        }
    }
    eprintln!(
        "{} frames: {both} read alike, {only_ours} only by the hand-written layers",
        frames.len()
    );
    let mut group = c.benchmark_group("link_ip");
    group.throughput(Throughput::Elements(frames.len() as u64));
    group.bench_function("hand-written", |b| {
        b.iter(|| {
            for (link_type, frame) in &frames {
                black_box(hand_written(*link_type, black_box(frame)));
            }
        })
    });
    group.bench_function("etherparse", |b| {
        b.iter(|| {
            for (link_type, frame) in &frames {
                black_box(with_etherparse(*link_type, black_box(frame)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, link_and_ip);
criterion_main!(benches);
