//! Reply classification against real handshakes: every SYN-ACK in the shared captures that
//! answers an MP_CAPABLE SYN came from a real stack (Linux v1, the out-of-tree v0 kernel,
//! ptcpdump's and pymptcpanalyzer's hosts), so each must classify as real MPTCP in the version
//! the SYN offered, with the key the SYN-ACK carries, and never as mirrored. Their keys also go
//! through the population statistics.
//!
//! Where the reply's TSecr is not the SYN's TSval (pymptcpanalyzer's v0 kernel, 8 of 14
//! handshakes: its SYNs carry a nonzero TSecr and the answers echo TSval plus it), the classifier
//! must say so (`TSECR_WRONG`) without holding it against the verdict.

mod support;

use std::collections::HashMap;
use std::net::IpAddr;

use mptcpscan::classify::{classify, Reply, Sent, Signals, Verdict};
use mptcpscan::mptcp::Version;
use mptcpscan::options::{Options, TcpOption};
use mptcpscan::stats::WeightHistogram;
use mptcpscan::wire::TcpFlags;

use support::pcap;

type Endpoint = (IpAddr, u16);

#[derive(Default, Debug)]
struct Counts {
    syns: usize,
    synacks: usize,
    v0: usize,
    v1: usize,
    tsecr_wrong: usize,
}

/// The timestamps of one option area.
fn timestamps(options: &[u8]) -> Option<(u32, u32)> {
    Options::new(options)
        .map_while(Result::ok)
        .find_map(|(_, option)| match option {
            TcpOption::Timestamp { tsval, tsecr } => Some((tsval, tsecr)),
            _ => None,
        })
}

#[test]
fn every_captured_handshake_is_real_mptcp() {
    let mut counts = Counts::default();
    let mut histogram = WeightHistogram::new();
    for path in pcap::all_captures() {
        let frames = pcap::read(&path).unwrap();
        // The latest MP_CAPABLE SYN of each (client, server) pair: its options and sequence number.
        let mut syns: HashMap<(Endpoint, Endpoint), (Vec<u8>, u32)> = HashMap::new();
        for frame in &frames {
            let Some(segment) = pcap::tcp_segment(frame).unwrap() else {
                continue;
            };
            if !segment.syn() || segment.options_truncated {
                continue;
            }
            let client = (segment.src, segment.src_port);
            let server = (segment.dst, segment.dst_port);
            if !segment.ack_flag() {
                if Sent::from_options(segment.options, segment.seq).is_ok() {
                    syns.insert((client, server), (segment.options.to_vec(), segment.seq));
                    counts.syns += 1;
                }
                continue;
            }
            let Some((syn_options, seq)) = syns.get(&(server, client)) else {
                continue;
            };
            let at = format!("{} frame {}", path.display(), frame.number);
            let sent = Sent::from_options(syn_options, *seq).unwrap();
            let reply = Reply {
                flags: TcpFlags::from_bits_retain(segment.flags),
                seq: segment.seq,
                ack: segment.ack,
                window: 0,
                options: segment.options,
                ttl: None,
            };
            let c = classify(&sent, &reply);
            counts.synacks += 1;
            let expected = match sent.version {
                Version::V0 => Verdict::MptcpV0,
                Version::V1 => Verdict::MptcpV1,
            };
            assert_eq!(c.verdict, expected, "{at}: {c:?}");
            assert!(
                !c.signals
                    .intersects(Signals::DECISIVE | Signals::SUSPICIOUS),
                "{at}: {c:?}"
            );
            let tsecr_wrong = matches!(
                (timestamps(syn_options), timestamps(segment.options)),
                (Some((tsval, _)), Some((_, tsecr))) if tsecr != tsval
            );
            assert_eq!(
                c.signals.contains(Signals::TSECR_WRONG),
                tsecr_wrong,
                "{at}"
            );
            counts.tsecr_wrong += usize::from(tsecr_wrong);
            assert_eq!(c.version, Some(sent.version.to_wire()), "{at}");
            let key = c.key.unwrap_or_else(|| panic!("{at}: no key"));
            assert_ne!(Some(key), sent.key, "{at}");
            assert!(c.token().is_some());
            histogram.add(key);
            match sent.version {
                Version::V0 => counts.v0 += 1,
                Version::V1 => counts.v1 += 1,
            }
        }
    }
    println!("{counts:?}");
    assert!(counts.v0 >= 1 && counts.v1 >= 1, "{counts:?}");
    assert_eq!(counts.synacks, 14, "{counts:?}");
    assert_eq!(counts.tsecr_wrong, 8, "{counts:?}");
    assert_eq!(histogram.total() as usize, counts.synacks);
    // Real keys: mean within four standard errors (σ = 4) of 32.
    let mean = histogram.mean().unwrap();
    let n = histogram.total() as f64;
    assert!(
        (mean - 32.0).abs() < 4.0 * 4.0 / n.sqrt(),
        "mean {mean} over {n} keys"
    );
}
