//! Walks arbitrary bytes as a TCP option area and decodes every MPTCP option in it in both
//! versions: nothing may panic, and whatever decodes must re-emit to the very same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mptcpscan::mptcp::{MptcpOption, Version};
use mptcpscan::options::{Options, TcpOption};

fuzz_target!(|area: &[u8]| {
    let mut buf = [0u8; 256];
    for (offset, option) in Options::new(area).map_while(Result::ok) {
        let len = option.emit(&mut buf).expect("a walked option re-emits");
        assert_eq!(&buf[..len], &area[offset..offset + len]);
        let TcpOption::Mptcp(bytes) = option else {
            continue;
        };
        for version in [Version::V0, Version::V1] {
            if let Ok(parsed) = MptcpOption::parse(bytes, version) {
                let len = parsed.emit(&mut buf).expect("a parsed option re-emits");
                assert_eq!(len, parsed.buffer_len());
                assert_eq!(&buf[..len], bytes, "{parsed:?}");
            }
        }
    }
});
