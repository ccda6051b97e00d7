//! `mptcpscan_address`: an IPv4 or IPv6 address as C hosts hold one, and the MPTCP version enum
//! shared by the crypto and option functions.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use core_lib::mptcp::Version;

use crate::error::mptcpscan_result;

/// `mptcpscan_address.family` of an IPv4 address.
pub const MPTCPSCAN_ADDRESS_FAMILY_IPV4: u8 = 4;
/// `mptcpscan_address.family` of an IPv6 address.
pub const MPTCPSCAN_ADDRESS_FAMILY_IPV6: u8 = 6;

/// An IPv4 or IPv6 address in network byte order.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_address {
    /// `MPTCPSCAN_ADDRESS_FAMILY_IPV4` (4) or `MPTCPSCAN_ADDRESS_FAMILY_IPV6` (6); any other
    /// value is `INVALID_ARGUMENT`.
    pub family: u8,
    /// The address: 4 bytes for IPv4 (the other 12 are ignored on input and zero on output),
    /// 16 for IPv6.
    pub bytes: [u8; 16],
}

impl mptcpscan_address {
    pub(crate) fn from_ip(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => {
                let mut bytes = [0; 16];
                bytes[..4].copy_from_slice(&v4.octets());
                mptcpscan_address {
                    family: MPTCPSCAN_ADDRESS_FAMILY_IPV4,
                    bytes,
                }
            }
            IpAddr::V6(v6) => mptcpscan_address {
                family: MPTCPSCAN_ADDRESS_FAMILY_IPV6,
                bytes: v6.octets(),
            },
        }
    }

    pub(crate) fn to_ip(self) -> Result<IpAddr, mptcpscan_result> {
        match self.family {
            MPTCPSCAN_ADDRESS_FAMILY_IPV4 => {
                let [a, b, c, d, ..] = self.bytes;
                Ok(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
            }
            MPTCPSCAN_ADDRESS_FAMILY_IPV6 => Ok(IpAddr::V6(Ipv6Addr::from(self.bytes))),
            _ => Err(mptcpscan_result::InvalidArgument),
        }
    }
}

/// An MPTCP protocol version, as its wire value (the MP_CAPABLE version field).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_mptcp_version {
    /// MPTCP v0, RFC 6824 (SHA-1, the sender's key in the SYN).
    V0 = 0,
    /// MPTCP v1, RFC 8684 (SHA-256, no key in the SYN).
    V1 = 1,
}

/// The core's version for an integer from C: 0 or 1, anything else `INVALID_ARGUMENT`.
pub(crate) fn version(value: u32) -> Result<Version, mptcpscan_result> {
    u8::try_from(value)
        .ok()
        .and_then(Version::from_wire)
        .ok_or(mptcpscan_result::InvalidArgument)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_and_bad_families_are_refused() {
        let mut v6 = mptcpscan_address {
            family: 6,
            bytes: [0; 16],
        };
        v6.bytes[..2].copy_from_slice(&[0x20, 0x01]);
        assert_eq!(
            v6.to_ip(),
            Ok(IpAddr::V6(Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0)))
        );
        v6.family = 4;
        assert_eq!(v6.to_ip(), Ok(IpAddr::V4(Ipv4Addr::new(0x20, 1, 0, 0))));
        let bad = mptcpscan_address {
            family: 5,
            bytes: [0; 16],
        };
        assert_eq!(bad.to_ip(), Err(mptcpscan_result::InvalidArgument));
        assert_eq!(version(1), Ok(Version::V1));
        assert_eq!(version(0), Ok(Version::V0));
        assert_eq!(version(256), Err(mptcpscan_result::InvalidArgument));
        assert_eq!(version(2), Err(mptcpscan_result::InvalidArgument));
        assert_eq!(mptcpscan_mptcp_version::V1 as u32, 1);
    }
}
