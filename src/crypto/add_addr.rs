//! The ADD_ADDR HMAC of MPTCP v1 (RFC 8684 §3.4.1).
//!
//! A v1 ADD_ADDR carries the rightmost 64 bits of `HMAC-SHA256(key_sender ‖ key_receiver,
//! address_id ‖ address ‖ port)`, where the port is two bytes, zero when the option has none.
//! Linux kernels from before the RFC was final (5.6–5.8, 2020) sent the *leftmost* 64 bits
//! instead; tcpdump's `mptcp-aa-v1.pcap` is such a capture. [`verify_add_addr_hmac`] tells that
//! apart from a wrong HMAC, since it says something about the sender rather than the packet.
//! v0 ADD_ADDR options carry no HMAC.
//!
//! ```
//! use core::net::{IpAddr, Ipv4Addr};
//! use mptcpscan::crypto::{add_addr_hmac, verify_add_addr_hmac, AddAddrHmacCheck, HmacKeys};
//!
//! // The server of tcpdump's mptcp-aa-v1.pcap advertises 192.168.136.225 as address 1.
//! let keys = HmacKeys { sender: 0x73bb_1503_58a0_aecb, receiver: 0x8f0c_7c64_a6a3_2ac1 };
//! let addr = IpAddr::V4(Ipv4Addr::new(192, 168, 136, 225));
//! let check = verify_add_addr_hmac(keys, 1, addr, None, 0x6699_2874_4366_716c);
//! assert_eq!(check, AddAddrHmacCheck::PreRfcTruncation);
//! let rfc = add_addr_hmac(keys, 1, addr, None);
//! assert_eq!(verify_add_addr_hmac(keys, 1, addr, None, rfc), AddAddrHmacCheck::Valid);
//! ```

use core::net::IpAddr;

use super::mac::{HmacKeys, MacOutput};
use crate::mptcp::Version;

/// What an ADD_ADDR HMAC turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddAddrHmacCheck {
    /// The rightmost 64 bits of the HMAC, as RFC 8684 specifies.
    Valid,
    /// The leftmost 64 bits: a sender implementing a pre-RFC draft (Linux 5.6–5.8).
    PreRfcTruncation,
    /// Neither: wrong keys, a rewritten address or port, or a corrupted option.
    Invalid,
}

impl AddAddrHmacCheck {
    /// A short lower-case name for reports.
    pub const fn name(self) -> &'static str {
        match self {
            AddAddrHmacCheck::Valid => "valid",
            AddAddrHmacCheck::PreRfcTruncation => "pre-rfc-truncation",
            AddAddrHmacCheck::Invalid => "invalid",
        }
    }
}

fn full_hmac(keys: HmacKeys, id: u8, addr: IpAddr, port: Option<u16>) -> MacOutput {
    let port = port.unwrap_or(0).to_be_bytes();
    match addr {
        IpAddr::V4(v4) => MacOutput::compute(Version::V1, keys, &[&[id], &v4.octets(), &port]),
        IpAddr::V6(v6) => MacOutput::compute(Version::V1, keys, &[&[id], &v6.octets(), &port]),
    }
}

/// The HMAC a v1 ADD_ADDR advertising address `id` = `addr` (and `port`, if the option carries
/// one) must carry, with `keys.sender` the key of the host that sends the ADD_ADDR.
pub fn add_addr_hmac(keys: HmacKeys, id: u8, addr: IpAddr, port: Option<u16>) -> u64 {
    full_hmac(keys, id, addr, port).rightmost_u64()
}

/// Checks the `hmac` a v1 ADD_ADDR carries (arguments as for [`add_addr_hmac`]).
pub fn verify_add_addr_hmac(
    keys: HmacKeys,
    id: u8,
    addr: IpAddr,
    port: Option<u16>,
    hmac: u64,
) -> AddAddrHmacCheck {
    let full = full_hmac(keys, id, addr, port);
    if full.rightmost_u64() == hmac {
        AddAddrHmacCheck::Valid
    } else if full.leftmost_u64() == hmac {
        AddAddrHmacCheck::PreRfcTruncation
    } else {
        AddAddrHmacCheck::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};

    /// mptcp-aa-v1.pcap (tcpdump's tests), packets 3–5 and 13: the server (key 0x73bb…)
    /// advertises id 1 = 192.168.136.225 to the client (key 0x8f0c…) with the leftmost bits.
    const AA_V1_KEYS: HmacKeys = HmacKeys {
        sender: 0x73bb_1503_58a0_aecb,
        receiver: 0x8f0c_7c64_a6a3_2ac1,
    };
    const AA_V1_ADDR: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 168, 136, 225));

    #[test]
    fn pre_rfc_capture_is_recognised() {
        let check = verify_add_addr_hmac(AA_V1_KEYS, 1, AA_V1_ADDR, None, 0x6699_2874_4366_716c);
        assert_eq!(check, AddAddrHmacCheck::PreRfcTruncation);
        assert_eq!(check.name(), "pre-rfc-truncation");
        let swapped = verify_add_addr_hmac(
            AA_V1_KEYS.reversed(),
            1,
            AA_V1_ADDR,
            None,
            0x6699_2874_4366_716c,
        );
        assert_eq!(swapped, AddAddrHmacCheck::Invalid);
    }

    #[test]
    fn absent_port_hashes_as_zero() {
        let addr = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
        assert_eq!(
            add_addr_hmac(AA_V1_KEYS, 7, addr, None),
            add_addr_hmac(AA_V1_KEYS, 7, addr, Some(0))
        );
        assert_ne!(
            add_addr_hmac(AA_V1_KEYS, 7, addr, None),
            add_addr_hmac(AA_V1_KEYS, 7, addr, Some(80))
        );
    }

    #[test]
    fn computed_hmacs_verify_and_changes_do_not() {
        fn prop(keys: (u64, u64), id: u8, addr: IpAddr, port: Option<u16>, bit: u8) -> bool {
            let keys = HmacKeys {
                sender: keys.0,
                receiver: keys.1,
            };
            let hmac = add_addr_hmac(keys, id, addr, port);
            let flipped = hmac ^ 1 << (bit % 64);
            verify_add_addr_hmac(keys, id, addr, port, hmac) == AddAddrHmacCheck::Valid
                && verify_add_addr_hmac(keys, id, addr, port, flipped) != AddAddrHmacCheck::Valid
                && verify_add_addr_hmac(keys, id.wrapping_add(1), addr, port, hmac)
                    == AddAddrHmacCheck::Invalid
        }
        quickcheck::quickcheck(prop as fn((u64, u64), u8, IpAddr, Option<u16>, u8) -> bool);
    }
}
