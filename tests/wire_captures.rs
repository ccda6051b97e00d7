//! The wire views and checksums against real packets: every TCP segment in the shared captures is
//! read with `mptcpscan::wire` and compared with the test support's separate decoder, its IPv4
//! header checksum must verify, and its TCP checksum must be either correct or exactly what
//! checksum offload leaves in the field (the folded pseudo-header sum, REFERENCE §2 "veth").

mod support;

use std::net::IpAddr;

use mptcpscan::wire::checksum::{self, PROTOCOL_TCP};
use mptcpscan::wire::{Ipv4Packet, Ipv6Packet, TcpPacket};

/// Where the TCP header starts in the frame: the support decoder hands out sub-slices of the
/// frame, so the option area's address gives it away.
fn tcp_start(frame: &[u8], options: &[u8]) -> Option<usize> {
    let at = (options.as_ptr() as usize).checked_sub(frame.as_ptr() as usize)?;
    at.checked_sub(20)
}

#[derive(Default, Debug)]
struct Counts {
    segments: usize,
    v4_headers: usize,
    tcp_correct: usize,
    tcp_offloaded: usize,
    cut: usize,
}

#[test]
fn views_and_checksums_agree_with_every_capture() {
    let mut counts = Counts::default();
    for path in support::pcap::all_captures() {
        let frames = support::pcap::read(&path).unwrap();
        for frame in &frames {
            let Ok(Some(seg)) = support::pcap::tcp_segment(frame) else {
                continue;
            };
            let data = &frame.data[..];
            let Some(tcp_at) = tcp_start(data, seg.options) else {
                continue;
            };
            let whole = frame.orig_len == data.len() && !seg.options_truncated;
            let tcp_end = tcp_at + 20 + seg.options.len() + seg.payload.len();
            let segment = &data[tcp_at..tcp_end];
            let tcp = TcpPacket::new_checked(segment)
                .unwrap_or_else(|e| panic!("{path:?} frame {}: {e}", frame.number));
            let at = format!("{path:?} frame {}", frame.number);
            assert_eq!(
                (tcp.src_port(), tcp.dst_port(), tcp.seq_number()),
                (seg.src_port, seg.dst_port, seg.seq),
                "{at}"
            );
            assert_eq!(
                (tcp.ack_number(), tcp.flags().bits()),
                (seg.ack, seg.flags),
                "{at}"
            );
            assert_eq!(tcp.options(), seg.options, "{at}");
            counts.segments += 1;

            let pseudo = match seg.src {
                IpAddr::V4(_) => {
                    let Some(ip) = (20..=60)
                        .step_by(4)
                        .filter_map(|ihl| tcp_at.checked_sub(ihl).map(|s| (s, ihl)))
                        .find(|&(s, ihl)| data[s] == 0x40 | (ihl / 4) as u8)
                        .map(|(s, _)| Ipv4Packet::new_unchecked(&data[s..]))
                    else {
                        continue;
                    };
                    ip.check_header().unwrap();
                    assert_eq!(
                        (IpAddr::V4(ip.src_addr()), IpAddr::V4(ip.dst_addr())),
                        (seg.src, seg.dst),
                        "{at}"
                    );
                    assert!(ip.verify_checksum(), "{at}: IPv4 header checksum");
                    assert_eq!(ip.checksum(), checksum::ipv4_header(ip.header()), "{at}");
                    counts.v4_headers += 1;
                    checksum::pseudo_header_v4(
                        ip.src_addr(),
                        ip.dst_addr(),
                        PROTOCOL_TCP,
                        segment.len() as u16,
                    )
                }
                IpAddr::V6(_) => {
                    let Some(start) = tcp_at.checked_sub(40) else {
                        continue;
                    };
                    let ip = Ipv6Packet::new_unchecked(&data[start..]);
                    if ip.check_header().is_err() || ip.next_header() != PROTOCOL_TCP {
                        continue;
                    }
                    assert_eq!(
                        (IpAddr::V6(ip.src_addr()), IpAddr::V6(ip.dst_addr())),
                        (seg.src, seg.dst),
                        "{at}"
                    );
                    checksum::pseudo_header_v6(
                        ip.src_addr(),
                        ip.dst_addr(),
                        PROTOCOL_TCP,
                        segment.len() as u32,
                    )
                }
            };
            if !whole {
                counts.cut += 1;
                continue;
            }
            if checksum::verifies(pseudo + checksum::sum(segment)) {
                counts.tcp_correct += 1;
            } else {
                assert_eq!(
                    tcp.checksum(),
                    checksum::fold(pseudo),
                    "{at}: TCP checksum neither correct nor an offload placeholder"
                );
                counts.tcp_offloaded += 1;
            }
        }
    }
    eprintln!("{counts:?}");
    assert!(counts.segments > 1000, "{counts:?}");
    assert!(counts.v4_headers > 100, "{counts:?}");
    assert!(counts.tcp_correct > 100, "{counts:?}");
}
