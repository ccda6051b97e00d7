//! Fuzzes reply classification: arbitrary bytes as a whole IP packet, as a reply's option area
//! (with arbitrary flags and acknowledgment), and as a probe's option block. Checks the verdict's
//! own invariants besides "no panic".
#![no_main]

use libfuzzer_sys::fuzz_target;
use mptcpscan::classify::{classify, combine, Classification, Reply, Sent, Signals, Verdict};
use mptcpscan::stats::WeightHistogram;
use mptcpscan::wire::TcpFlags;

/// The 2021 study's v0 probe block (REFERENCE §1).
const STUDY_PROBE: [u8; 32] = [
    0x02, 0x04, 0x00, 0x01, 0x04, 0x02, 0x08, 0x0a, 0x0f, 0x0f, 0x0f, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x00, 0x1e, 0x0c, 0x00, 0x81, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
];
/// Linux's v1 SYN options (captures/tcpdump/mptcp-v1.pcap, frame 1).
const LINUX_V1_SYN: [u8; 24] = [
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x1b, 0xaf, 0x9e, 0xa1, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x08, 0x1e, 0x04, 0x01, 0x01,
];
const SEQ: u32 = 0x1234_5678;

fn check(c: &Classification) {
    match c.verdict {
        Verdict::Mirrored => assert!(c.signals.intersects(Signals::DECISIVE)),
        Verdict::Suspicious => assert!(
            !c.signals.intersects(Signals::DECISIVE) && c.signals.intersects(Signals::SUSPICIOUS)
        ),
        Verdict::MptcpV0 | Verdict::MptcpV1 => {
            assert!(!c.signals.intersects(Signals::DECISIVE | Signals::SUSPICIOUS))
        }
        _ => {}
    }
    assert_eq!(c.error.is_some(), c.verdict == Verdict::Malformed);
    assert_eq!(c.version.is_some(), c.verdict.has_mp_capable());
    let _ = c.token();
}

fuzz_target!(|data: &[u8]| {
    let (Ok(v0), Ok(v1)) = (
        Sent::from_options(&STUDY_PROBE, SEQ),
        Sent::from_options(&LINUX_V1_SYN, SEQ),
    ) else {
        return;
    };
    let v0 = v0.with_window(65_535);

    if let Ok(reply) = Reply::from_ip(data) {
        check(&classify(&v0, &reply));
    }

    let Some((&control, options)) = data.split_first() else {
        return;
    };
    let reply = Reply {
        flags: TcpFlags::from_bits_retain(control),
        seq: 0,
        // One control bit decides whether the reply acknowledges our SYN.
        ack: if control & 0x08 != 0 { SEQ + 1 } else { SEQ },
        window: 65_535,
        options,
        ttl: Some(control),
    };
    let a = classify(&v0, &reply);
    let b = classify(&v1, &reply);
    check(&a);
    check(&b);
    let host = combine(Some(&a), Some(&b), v0.key);
    assert!(host.verdict.name().len() > 1);

    if let Ok(sent) = Sent::from_options(options, SEQ) {
        let c = classify(&sent, &Reply { options, ..reply });
        check(&c);
    }

    let mut histogram = WeightHistogram::new();
    for chunk in data.chunks(8) {
        let mut key = [0u8; 8];
        key[..chunk.len()].copy_from_slice(chunk);
        histogram.add(u64::from_be_bytes(key));
    }
    if let Some(test) = histogram.test() {
        assert!((0.0..=1.0).contains(&test.p_value), "{test:?}");
    }
});
