//! The rings on a real kernel (root; `make test-rings`): a thread moves into a network namespace
//! of its own (nothing outside it sees a packet, and it vanishes with the thread), joins two veth
//! ends, sends a mix of frames from one end through the transmit ring and reads what the
//! filtered receive ring lets through at the other.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use mptcpscan::mptcp::Version;
use mptcpscan::wire::{Ipv4Packet, TcpFlags, TcpPacket};

use super::filter::ReplyFilter;
use super::link::{self, Link};
use super::rx::RingReceiver;
use super::transmit::Transmitter;
use super::tx::FrameSender;
use crate::scan::probes::{OptionSet, ProbeBuilder};
use crate::scan::reply::TcpReply;

const US4: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 3);
const OTHER4: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 4);
const THEM4: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 5);
const US6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 3);
const OTHER6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 4);
const THEM6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 1, 1, 0, 0, 0, 5);
const WINDOW: (u16, u16) = (40000, 40999);
const MAC_A: [u8; 6] = [2, 0x6d, 0x74, 0, 0, 0xa];
const MAC_B: [u8; 6] = [2, 0x6d, 0x74, 0, 0, 0xb];

/// Runs `body` in a thread inside a fresh network namespace holding the veth pair vscan <-> vgw.
fn in_private_netns(body: impl FnOnce() + Send + 'static) {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "this test needs root (it creates a network namespace): run `make test-rings`"
    );
    std::thread::spawn(move || {
        // SAFETY: unshare(CLONE_NEWNET) moves only this thread into a new namespace.
        assert_eq!(unsafe { libc::unshare(libc::CLONE_NEWNET) }, 0, "unshare");
        let mac = |m: [u8; 6]| {
            m.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":")
        };
        for cmd in [
            "link set lo up".to_string(),
            format!(
                "link add vscan address {} type veth peer name vgw address {}",
                mac(MAC_A),
                mac(MAC_B)
            ),
            "link set vscan up".into(),
            "link set vgw up".into(),
            "addr add 198.18.0.2/24 dev vscan".into(),
            "-6 addr add 2001:db8::2/64 dev vscan nodad".into(),
            format!(
                "neigh add 198.18.0.1 lladdr {} dev vscan nud permanent",
                mac(MAC_B)
            ),
            format!(
                "-6 neigh add 2001:db8::1 lladdr {} dev vscan nud permanent",
                mac(MAC_B)
            ),
            "route add 198.18.1.0/24 via 198.18.0.1".into(),
            "-6 route add 2001:db8:1::/48 via 2001:db8::1".into(),
        ] {
            // Children start from this thread, so they run in its namespace.
            let status = Command::new("ip")
                .args(cmd.split_whitespace())
                .status()
                .expect("running ip");
            assert!(status.success(), "ip {cmd}");
        }
        body();
    })
    .join()
    .expect("the test thread");
}

fn ifindex(name: &str) -> u32 {
    let name = std::ffi::CString::new(name).unwrap();
    // SAFETY: `name` is a live NUL-terminated string.
    unsafe { libc::if_nametoindex(name.as_ptr()) }
}

fn probes() -> ProbeBuilder {
    ProbeBuilder::new(&OptionSet::LINUX, 0x0c0c_0c0c_0c0c_0c0c).unwrap()
}

/// A TCP SYN from `src` to `dst`:`dport`, written by the core's template.
fn syn(src: IpAddr, dst: IpAddr, dport: u16, seq: u32) -> Vec<u8> {
    let mut buf = [0u8; 128];
    let len = probes()
        .build(&mut buf, src, dst, 12345, dport, seq, 64, Version::V1)
        .unwrap();
    buf[..len].to_vec()
}

/// An IPv4 packet of `protocol` with a small payload, built with the core's header setters.
fn ipv4(dst: Ipv4Addr, protocol: u8, frag_offset: u16) -> Vec<u8> {
    let mut p = vec![0u8; 28];
    let mut ip = Ipv4Packet::new_unchecked(&mut p[..]);
    ip.set_version_and_header_len(20);
    ip.set_total_len(28);
    ip.set_ttl(64);
    ip.set_protocol(protocol);
    ip.set_flags_frag(frag_offset);
    ip.set_src_addr(THEM4);
    ip.set_dst_addr(dst);
    ip.fill_checksum();
    p
}

/// An IPv6 packet of `next_header` with an 8-byte payload.
fn ipv6(dst: Ipv6Addr, next_header: u8) -> Vec<u8> {
    let mut p = vec![0u8; 48];
    p[0] = 0x60;
    p[4..6].copy_from_slice(&8u16.to_be_bytes());
    p[6] = next_header;
    p[7] = 64;
    p[8..24].copy_from_slice(&THEM6.octets());
    p[24..40].copy_from_slice(&dst.octets());
    p
}

fn frame(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len());
    f.extend_from_slice(&MAC_B);
    f.extend_from_slice(&MAC_A);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// Every packet the ring delivers until it has been quiet for half a second (blocks are handed
/// over after 10 ms at the latest), so that anything that leaked through is seen too.
fn collect(receiver: &mut RingReceiver) -> Vec<Vec<u8>> {
    let mut got = Vec::new();
    while let Some(p) = receiver
        .recv(Instant::now() + Duration::from_millis(500))
        .unwrap()
    {
        got.push(p.to_vec());
    }
    got
}

#[test]
#[ignore = "needs root: run by `make test-rings`"]
fn the_filter_passes_our_replies_and_drops_the_rest() {
    in_private_netns(|| {
        let filter = ReplyFilter {
            v4: vec![US4],
            v6: vec![US6],
            ports: WINDOW,
        };
        let mut receiver = RingReceiver::open(&filter, None).unwrap();
        let (them4, them6) = (IpAddr::V4(THEM4), IpAddr::V6(THEM6));
        let ours = [
            frame(0x0800, &syn(them4, IpAddr::V4(US4), 40000, 1)),
            frame(0x0800, &syn(them4, IpAddr::V4(US4), 40999, 2)),
            frame(0x0800, &ipv4(US4, 1, 0)),
            frame(0x86dd, &syn(them6, IpAddr::V6(US6), 40500, 3)),
            frame(0x86dd, &ipv6(US6, 58)),
        ];
        let unrelated = [
            // Our address, ports outside the window.
            frame(0x0800, &syn(them4, IpAddr::V4(US4), 39999, 4)),
            frame(0x0800, &syn(them4, IpAddr::V4(US4), 41000, 5)),
            frame(0x0800, &syn(them4, IpAddr::V4(US4), 80, 6)),
            frame(0x86dd, &syn(them6, IpAddr::V6(US6), 443, 7)),
            // Another address, a port inside the window.
            frame(0x0800, &syn(them4, IpAddr::V4(OTHER4), 40000, 8)),
            frame(0x86dd, &syn(them6, IpAddr::V6(OTHER6), 40000, 9)),
            frame(0x0800, &ipv4(OTHER4, 1, 0)),
            frame(0x86dd, &ipv6(OTHER6, 58)),
            // Our address, other protocols; a later fragment.
            frame(0x0800, &ipv4(US4, 17, 0)),
            frame(0x86dd, &ipv6(US6, 17)),
            frame(0x0800, &ipv4(US4, 6, 100)),
            // Not IP at all (an ARP request's length).
            frame(0x0806, &[0u8; 28]),
        ];
        let mut tx = FrameSender::open(ifindex("vscan"), 0).unwrap();
        for f in unrelated.iter().chain(&ours) {
            tx.queue(|slot: &mut [u8]| -> Result<usize, ()> {
                slot[..f.len()].copy_from_slice(f);
                Ok(f.len())
            })
            .unwrap()
            .unwrap();
        }
        tx.flush().unwrap();
        let got = collect(&mut receiver);
        let want: Vec<Vec<u8>> = ours.iter().map(|f| f[14..].to_vec()).collect();
        assert_eq!(
            got, want,
            "the ring holds exactly our packets, byte for byte"
        );
        let stats = receiver.stats().unwrap();
        assert_eq!((stats.packets, stats.drops), (ours.len() as u64, 0));
    });
}

#[test]
#[ignore = "needs root: run by `make test-rings`"]
fn probes_leave_as_frames_to_the_gateway_and_decode() {
    in_private_netns(|| {
        let (us4, us6) = (
            IpAddr::V4("198.18.0.2".parse().unwrap()),
            IpAddr::V6("2001:db8::2".parse().unwrap()),
        );
        for dst in [IpAddr::V4(THEM4), IpAddr::V6(THEM6)] {
            let link = link::resolve(dst, None).unwrap().unwrap();
            assert_eq!(
                link,
                Link {
                    ifindex: ifindex("vscan"),
                    src_mac: MAC_A,
                    gateway_mac: MAC_B
                }
            );
        }
        // No route: the scanner is told why and falls back to raw sockets.
        let why = link::resolve(IpAddr::V4(Ipv4Addr::new(198, 19, 0, 1)), None)
            .unwrap()
            .unwrap_err();
        assert!(why.contains("no route"), "{why}");

        // The frames arrive at vgw, the gateway's end: watch b for frames of the probes' shape.
        let filter = ReplyFilter {
            v4: vec![THEM4],
            v6: vec![THEM6],
            ports: (80, 80),
        };
        let mut receiver = RingReceiver::open(&filter, None).unwrap();
        let (mut tx, notes) = Transmitter::open(
            (Some(IpAddr::V4(THEM4)), Some(IpAddr::V6(THEM6))),
            None,
            None,
            0,
        )
        .unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        let builder = probes();
        // More probes than one batch, so the ring wraps within a flush's batches: two batches
        // of both families (each frame's EtherType read by the kernel), one of IPv4 only and a
        // last one of IPv6 only (the batch's EtherType named in the send).
        let batch = super::tx::BATCH as u32;
        let count = 3 * batch + 7;
        let mut sent = Vec::new();
        for n in 0..count {
            let v4 = match n / batch {
                0 | 1 => n % 2 == 0,
                2 => true,
                _ => false,
            };
            let (src, dst) = if v4 {
                (us4, IpAddr::V4(THEM4))
            } else {
                (us6, IpAddr::V6(THEM6))
            };
            let seq = 0x1000_0000 + n;
            let lost = tx
                .send(dst, |buf| {
                    builder.build(
                        buf,
                        src,
                        dst,
                        40000 + (n % 1000) as u16,
                        80,
                        seq,
                        64,
                        Version::V1,
                    )
                })
                .unwrap();
            assert!(lost.is_none(), "{lost:?}");
            sent.push((src, dst, seq));
        }
        assert!(tx.flush().is_none());
        let got = collect(&mut receiver);
        assert_eq!(got.len(), sent.len());
        for (packet, &(src, dst, seq)) in got.iter().zip(&sent) {
            let reply = TcpReply::parse(packet).expect("a TCP packet");
            assert_eq!((reply.src, reply.dst, reply.ttl), (src, dst, 64));
            let tcp: &TcpPacket<&[u8]> = &reply.tcp;
            assert_eq!((tcp.dst_port(), tcp.seq_number()), (80, seq));
            assert_eq!(tcp.flags(), TcpFlags::SYN);
            assert_eq!(tcp.options(), builder.block(Version::V1));
            let ok = match (src, dst) {
                (IpAddr::V4(s), IpAddr::V4(d)) => {
                    Ipv4Packet::new_checked(&packet[..])
                        .unwrap()
                        .verify_checksum()
                        && tcp.verify_checksum_v4(s, d)
                }
                (IpAddr::V6(s), IpAddr::V6(d)) => tcp.verify_checksum_v6(s, d),
                _ => false,
            };
            assert!(ok, "checksums of the probe to {dst}");
        }
    });
}
