//! Classifies arbitrary bytes as a reply, read as an IP packet and as a bare TCP segment,
//! against a v0 probe (the 2021 study's option block) and a v1 probe: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mptcpscan::classify::{classify, Reply, Sent};

/// MSS 1, SACK permitted, timestamps (TSval 0x0f0f0f01), NOP, window scale 0, MP_CAPABLE v0
/// flags 0x81 key 0x0c0c0c0c0c0c0c0c: the 2021 study's probe (REFERENCE §1).
const V0_PROBE: [u8; 32] = [
    0x02, 0x04, 0x00, 0x01, 0x04, 0x02, 0x08, 0x0a, 0x0f, 0x0f, 0x0f, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x00, 0x1e, 0x0c, 0x00, 0x81, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
];
/// A Linux-like v1 probe: MSS 1460, SACK permitted, timestamps, NOP, window scale 7,
/// MP_CAPABLE v1 flags 0x01.
const V1_PROBE: [u8; 24] = [
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x03, 0x03, 0x07, 0x1e, 0x04, 0x01, 0x01,
];

fuzz_target!(|data: &[u8]| {
    let sent = [
        Sent::from_options(&V0_PROBE, 0x1234_5678).expect("the v0 probe block is valid"),
        Sent::from_options(&V1_PROBE, 0x1234_5678).expect("the v1 probe block is valid"),
    ];
    let replies = [Reply::from_ip(data).ok(), Reply::from_tcp(data, Some(64)).ok()];
    for reply in replies.iter().flatten() {
        for sent in &sent {
            let _ = classify(sent, reply);
        }
    }
});
