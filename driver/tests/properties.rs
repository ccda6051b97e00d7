//! quickcheck properties of the driver's parsers: what they print they read back, and no input
//! makes them panic or loop.

use std::net::{IpAddr, SocketAddr};

use mptcpscan_driver::dissect::capture::CaptureReader;
use mptcpscan_driver::scan::parse_key;
use mptcpscan_driver::trace::parse_endpoint;
use quickcheck::{quickcheck, TestResult};

quickcheck! {
    /// `--key` takes back any key written as 16 hex digits, with or without `0x`.
    fn keys_round_trip(key: u64, prefix: bool) -> bool {
        let text = format!("{}{key:016x}", if prefix { "0x" } else { "" });
        parse_key(&text).ok() == Some(key)
    }

    /// Anything that is not 16 hex digits is refused, never misread.
    fn other_keys_are_refused(text: String) -> TestResult {
        let digits = text.trim().trim_start_matches("0x");
        if digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return TestResult::discard();
        }
        TestResult::from_bool(parse_key(&text).is_err())
    }

    /// `trace` targets: an address takes every port given, ADDRESS:PORT its own.
    fn endpoints_round_trip(addr: IpAddr, port: u16, ports: Vec<u16>) -> TestResult {
        if port == 0 {
            return TestResult::discard();
        }
        let bare = parse_endpoint(&addr.to_string(), &ports).ok();
        let with_port = parse_endpoint(&SocketAddr::new(addr, port).to_string(), &ports).ok();
        TestResult::from_bool(
            bare == Some(ports.iter().map(|&p| (addr, p)).collect())
                && with_port == Some(vec![(addr, port)]),
        )
    }

    /// The capture reader ends (a packet count, a clean end or an error) on any bytes after a
    /// pcap or pcapng magic, and never panics.
    fn captures_of_any_bytes_end(pcapng: bool, body: Vec<u8>) -> bool {
        let magic: [u8; 4] = if pcapng { [0x0a, 0x0d, 0x0d, 0x0a] } else { [0xd4, 0xc3, 0xb2, 0xa1] };
        let bytes: Vec<u8> = magic.iter().copied().chain(body).collect();
        let Ok(mut reader) = CaptureReader::new(bytes.as_slice()) else {
            return true;
        };
        // Each record consumes bytes, so a reader that loops would exceed this bound.
        for _ in 0..=bytes.len() {
            match reader.next_packet() {
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => return true,
            }
        }
        false
    }
}
