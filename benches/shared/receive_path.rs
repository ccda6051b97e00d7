//! The receive path's real option bytes and the hand-written parse calls that `benches/parse.rs`
//! and `benches/nom_options.rs` both measure, kept in one place so that both count the same
//! work. The measured functions are out of line so that callgrind's `--toggle-collect` (for
//! example `'*synack_key*'`) can count each one's instructions per call.

use mptcpscan::mptcp::{Dss, MpCapable};
use mptcpscan::options::{Options, TcpOption};

/// The options of the real v0 SYN-ACK in REFERENCE §1 (thesis ZMap output).
pub const THESIS_V0_SYNACK: [u8; 31] = [
    0x02, 0x04, 0x05, 0xac, 0x04, 0x02, 0x08, 0x0a, 0x26, 0x19, 0xf9, 0xd3, 0x0f, 0x0f, 0x0f, 0x01,
    0x03, 0x03, 0x06, 0x1e, 0x0c, 0x00, 0x81, 0xd2, 0x0f, 0xa4, 0x93, 0x00, 0xbd, 0xa2, 0x3d,
];

/// The MP_CAPABLE key in [`THESIS_V0_SYNACK`].
pub const THESIS_V0_KEY: u64 = 0xd20f_a493_00bd_a23d;

/// pymptcpanalyzer/iperf-mptcp-0-0.pcap, frame 9: 4-byte data ACK, mapping, checksum.
pub const DSS_ACK4_MAP4_CSUM: [u8; 20] = [
    0x1e, 0x14, 0x20, 0x05, 0xe2, 0x40, 0x02, 0x5b, 0xa2, 0xfd, 0x39, 0x0a, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x18, 0x3e, 0xa1,
];

/// The walk of the whole option area, then MP_CAPABLE decoded: what a scanner does per reply.
#[inline(never)]
pub fn synack_key(area: &[u8]) -> Option<u64> {
    Options::new(area)
        .map_while(Result::ok)
        .find_map(|(_, option)| match option {
            TcpOption::Mptcp(bytes) => MpCapable::parse(bytes).ok(),
            _ => None,
        })
        .and_then(|capable| capable.sender_key)
}

/// One DSS option decoded.
#[inline(never)]
pub fn dss_parse(option: &[u8]) -> Option<Dss> {
    Dss::parse(option).ok()
}
