//! ADD_ADDR (subtype 3): advertise an address, RFC 6824 §3.4.1 and RFC 8684 §3.4.1.
//!
//! ```text
//! v0: 30 | length | 3, IP version | address id | address (4 or 16) | port (2, optional)
//! v1: 30 | length | 3, rsv, E     | address id | address (4 or 16) | port (2, optional)
//!     | truncated HMAC (8, absent in an echo)
//! ```
//! The wire does not say which of the two layouts it uses, and they share lengths (8, 10, 20,
//! 22), so the caller gives the connection's [`Version`]. In v0 the IP version nibble gives the
//! family and the length says whether a port follows. In v1 the eight allowed lengths are all
//! different, so the length alone gives family, port and HMAC; the echo bit E is kept as found.
//! The HMAC is kept raw for [`crate::crypto`] to verify.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bitflags::bitflags;

use super::{check_header, emit_header, read_u16, subtype, Expected, MptcpError, Version};

/// Byte offsets of ADD_ADDR's fixed fields; port and HMAC follow the address.
pub mod field {
    /// Subtype (high nibble) and the IP version (v0) or reserved bits and E (v1).
    pub const SUBTYPE_LOW: usize = 2;
    /// The address id.
    pub const ADDR_ID: usize = 3;
    /// Where the address starts.
    pub const ADDRESS: usize = 4;
    /// The port's length.
    pub const PORT_LEN: usize = 2;
    /// The truncated HMAC's length.
    pub const HMAC_LEN: usize = 8;
}

/// The lengths v0 allows for an IPv4 address (without and with port).
pub const V0_IPV4_LENGTHS: Expected = Expected::Either(8, 10);
/// The lengths v0 allows for an IPv6 address (without and with port).
pub const V0_IPV6_LENGTHS: Expected = Expected::Either(20, 22);
/// The lengths v1 allows: IPv4/IPv6, with or without port, with or without HMAC.
pub const V1_LENGTHS: &[usize] = &[8, 10, 16, 18, 20, 22, 28, 30];

bitflags! {
    /// The low nibble of a v1 ADD_ADDR's subtype byte: the echo bit and three reserved bits,
    /// kept as found. Always empty in v0, where the nibble is the IP version.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct AddAddrFlags: u8 {
        /// E: this ADD_ADDR echoes one received from the peer (and carries no HMAC).
        const ECHO = 0x01;
        const _ = 0x0f;
    }
}

/// What a length says about a v1 ADD_ADDR: (IPv6, port present, HMAC present).
fn v1_layout(len: usize) -> Option<(bool, bool, bool)> {
    Some(match len {
        8 => (false, false, false),
        10 => (false, true, false),
        16 => (false, false, true),
        18 => (false, true, true),
        20 => (true, false, false),
        22 => (true, true, false),
        28 => (true, false, true),
        30 => (true, true, true),
        _ => return None,
    })
}

/// A zero-copy view of an ADD_ADDR option whose layout has been checked for a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
    version: Version,
    ipv6: bool,
    port: bool,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that `buffer` is one whole ADD_ADDR option in the layout of `version`.
    pub fn new_checked(buffer: T, version: Version) -> Result<Self, MptcpError> {
        let bytes = buffer.as_ref();
        let found = check_header(bytes)?;
        if found != subtype::ADD_ADDR {
            return Err(MptcpError::WrongSubtype {
                expected: subtype::ADD_ADDR,
                found,
            });
        }
        let len = bytes.len();
        let bad_length = |layout, expected| MptcpError::BadLength {
            subtype: subtype::ADD_ADDR,
            layout,
            expected,
            found: len,
        };
        let (ipv6, port) = match version {
            Version::V0 => {
                let (ipv6, layout, short) = match bytes[field::SUBTYPE_LOW] & 0x0f {
                    4 => (false, "v0 with IP version 4", 8),
                    6 => (true, "v0 with IP version 6", 20),
                    value => {
                        return Err(MptcpError::BadValue {
                            subtype: subtype::ADD_ADDR,
                            field: "v0 IP version",
                            value,
                        })
                    }
                };
                let expected = Expected::Either(short, short + field::PORT_LEN);
                if !expected.allows(len) {
                    return Err(bad_length(layout, expected));
                }
                (ipv6, len != short)
            }
            Version::V1 => match v1_layout(len) {
                Some((ipv6, port, _)) => (ipv6, port),
                None => return Err(bad_length("v1", Expected::OneOf(V1_LENGTHS))),
            },
        };
        Ok(Packet {
            buffer,
            version,
            ipv6,
            port,
        })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The layout this view was checked for.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The low nibble of the subtype byte: the IP version in v0, reserved bits and E in v1.
    pub fn low_bits(&self) -> u8 {
        self.bytes()[field::SUBTYPE_LOW] & 0x0f
    }

    /// The address id.
    pub fn addr_id(&self) -> u8 {
        self.bytes()[field::ADDR_ID]
    }

    fn address_len(&self) -> usize {
        match self.ipv6 {
            true => 16,
            false => 4,
        }
    }

    /// The advertised address.
    pub fn address(&self) -> IpAddr {
        let at = field::ADDRESS;
        let bytes = self.bytes();
        match self.ipv6 {
            true => {
                let mut octets = [0; 16];
                octets.copy_from_slice(&bytes[at..at + 16]);
                IpAddr::V6(Ipv6Addr::from(octets))
            }
            false => {
                let mut octets = [0; 4];
                octets.copy_from_slice(&bytes[at..at + 4]);
                IpAddr::V4(Ipv4Addr::from(octets))
            }
        }
    }

    /// The advertised port, if present.
    pub fn port(&self) -> Option<u16> {
        let at = field::ADDRESS + self.address_len();
        self.port
            .then(|| read_u16(&self.bytes()[at..at + field::PORT_LEN]))
    }

    /// The truncated HMAC (v1, not an echo), raw.
    pub fn hmac(&self) -> Option<[u8; 8]> {
        let at = field::ADDRESS + self.address_len() + usize::from(self.port) * field::PORT_LEN;
        let mut hmac = [0; 8];
        let bytes = self.bytes().get(at..at + field::HMAC_LEN)?;
        hmac.copy_from_slice(bytes);
        Some(hmac)
    }
}

/// An ADD_ADDR option, owned.
///
/// The layout follows from `version`, the address family, `port` and `hmac`; v0 has no flags and
/// no HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddAddr {
    /// The layout: v0 (IP version nibble) or v1 (echo bit, HMAC).
    pub version: Version,
    /// v1: the echo bit and the reserved bits; v0: empty.
    pub flags: AddAddrFlags,
    /// The sender's id for the address.
    pub addr_id: u8,
    /// The advertised address.
    pub address: IpAddr,
    /// The advertised port, if any.
    pub port: Option<u16>,
    /// v1: the rightmost 64 bits of the HMAC (absent in echoes), raw.
    pub hmac: Option<[u8; 8]>,
}

impl AddAddr {
    /// Decodes one whole ADD_ADDR option in the layout of `version`.
    pub fn parse(option: &[u8], version: Version) -> Result<AddAddr, MptcpError> {
        Packet::new_checked(option, version).map(|packet| AddAddr::from_packet(&packet))
    }

    /// Reads the representation out of a checked view.
    pub fn from_packet<T: AsRef<[u8]>>(packet: &Packet<T>) -> AddAddr {
        let flags = match packet.version() {
            Version::V0 => AddAddrFlags::empty(),
            Version::V1 => AddAddrFlags::from_bits_retain(packet.low_bits()),
        };
        AddAddr {
            version: packet.version(),
            flags,
            addr_id: packet.addr_id(),
            address: packet.address(),
            port: packet.port(),
            hmac: packet.hmac(),
        }
    }

    /// Whether this is an echo (v1, E set).
    pub fn is_echo(&self) -> bool {
        self.flags.contains(AddAddrFlags::ECHO)
    }

    /// How many bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        let address = match self.address {
            IpAddr::V4(_) => 4,
            IpAddr::V6(_) => 16,
        };
        field::ADDRESS
            + address
            + self.port.map_or(0, |_| field::PORT_LEN)
            + self.hmac.map_or(0, |_| field::HMAC_LEN)
    }

    /// Writes the option into the front of `buf` in the layout of `self.version`, and returns
    /// its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, MptcpError> {
        let low_bits = match (self.version, self.address) {
            (Version::V1, _) => self.flags.bits(),
            (Version::V0, _) if !self.flags.is_empty() => {
                return Err(MptcpError::Unrepresentable {
                    subtype: subtype::ADD_ADDR,
                    field: "flags (v0 has none)",
                })
            }
            (Version::V0, _) if self.hmac.is_some() => {
                return Err(MptcpError::Unrepresentable {
                    subtype: subtype::ADD_ADDR,
                    field: "HMAC (v0 has none)",
                })
            }
            (Version::V0, IpAddr::V4(_)) => 4,
            (Version::V0, IpAddr::V6(_)) => 6,
        };
        let len = self.buffer_len();
        let out = emit_header(buf, subtype::ADD_ADDR, low_bits, len)?;
        out[field::ADDR_ID] = self.addr_id;
        let mut at = field::ADDRESS;
        let mut put = |bytes: &[u8]| {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        match self.address {
            IpAddr::V4(address) => put(&address.octets()),
            IpAddr::V6(address) => put(&address.octets()),
        }
        if let Some(port) = self.port {
            put(&port.to_be_bytes());
        }
        if let Some(hmac) = self.hmac {
            put(&hmac);
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{quickcheck, Arbitrary, Gen};
    use std::vec::Vec;

    /// tcpdump/mptcp-v0.pcap, frame 4: v0, IPv4 10.1.2.2, address id 1.
    const V0_IPV4: [u8; 8] = [0x1e, 0x08, 0x34, 0x01, 0x0a, 0x01, 0x02, 0x02];
    /// tcpdump/mptcp-aa-echo.pcap, frame 1: v1 with HMAC, 10.0.2.1, address id 1.
    const V1_IPV4_HMAC: [u8; 16] = [
        0x1e, 0x10, 0x30, 0x01, 0x0a, 0x00, 0x02, 0x01, 0xf8, 0x29, 0x58, 0x62, 0xf6, 0x45, 0xdf,
        0x19,
    ];
    /// tcpdump/mptcp-aa-echo.pcap, frame 2: its echo.
    const V1_IPV4_ECHO: [u8; 8] = [0x1e, 0x08, 0x31, 0x01, 0x0a, 0x00, 0x02, 0x01];
    /// v1, IPv6 2001:db8::1 with port 443 and HMAC (RFC 8684 layout; no capture has one).
    const V1_IPV6_PORT_HMAC: [u8; 30] = [
        0x1e, 0x1e, 0x30, 0x07, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0x01, 0xbb, 1, 2, 3, 4, 5, 6, 7, 8,
    ];
    /// v0, IPv6 2001:db8::2 with port 80 (RFC 6824 layout; no capture has one).
    const V0_IPV6_PORT: [u8; 22] = [
        0x1e, 0x16, 0x36, 0x09, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
        0x00, 0x50,
    ];

    fn round_trip(bytes: &[u8], version: Version) -> AddAddr {
        let repr = AddAddr::parse(bytes, version).unwrap();
        let mut buf = [0u8; 40];
        let len = repr.emit(&mut buf).unwrap();
        assert_eq!(&buf[..len], bytes);
        assert_eq!(repr.buffer_len(), len);
        repr
    }

    #[test]
    fn v0_ipv4() {
        assert_eq!(
            round_trip(&V0_IPV4, Version::V0),
            AddAddr {
                version: Version::V0,
                flags: AddAddrFlags::empty(),
                addr_id: 1,
                address: IpAddr::V4(Ipv4Addr::new(10, 1, 2, 2)),
                port: None,
                hmac: None,
            }
        );
    }

    #[test]
    fn v0_ipv6_with_port() {
        let repr = round_trip(&V0_IPV6_PORT, Version::V0);
        assert_eq!(repr.address, "2001:db8::2".parse::<IpAddr>().unwrap());
        assert_eq!(repr.port, Some(80));
        assert_eq!(repr.addr_id, 9);
    }

    #[test]
    fn v1_with_hmac_and_its_echo() {
        let repr = round_trip(&V1_IPV4_HMAC, Version::V1);
        assert_eq!(repr.address, IpAddr::V4(Ipv4Addr::new(10, 0, 2, 1)));
        assert_eq!(
            repr.hmac,
            Some([0xf8, 0x29, 0x58, 0x62, 0xf6, 0x45, 0xdf, 0x19])
        );
        assert!(!repr.is_echo());
        let echo = round_trip(&V1_IPV4_ECHO, Version::V1);
        assert!(echo.is_echo());
        assert_eq!(echo.hmac, None);
        assert_eq!(echo.address, repr.address);
    }

    #[test]
    fn v1_ipv6_with_port_and_hmac() {
        let repr = round_trip(&V1_IPV6_PORT_HMAC, Version::V1);
        assert_eq!(repr.address, "2001:db8::1".parse::<IpAddr>().unwrap());
        assert_eq!(repr.port, Some(443));
        assert_eq!(repr.hmac, Some([1, 2, 3, 4, 5, 6, 7, 8]));
        assert_eq!(repr.addr_id, 7);
    }

    #[test]
    fn the_version_decides_the_layout() {
        assert!(matches!(
            AddAddr::parse(&V1_IPV4_HMAC, Version::V0),
            Err(MptcpError::BadValue {
                field: "v0 IP version",
                value: 0,
                ..
            })
        ));
        let mut v0_as_v6 = V0_IPV4;
        v0_as_v6[2] = 0x36;
        assert_eq!(
            AddAddr::parse(&v0_as_v6, Version::V0),
            Err(MptcpError::BadLength {
                subtype: subtype::ADD_ADDR,
                layout: "v0 with IP version 6",
                expected: V0_IPV6_LENGTHS,
                found: 8
            })
        );
        let eleven = [0x1e, 0x0b, 0x30, 1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(
            AddAddr::parse(&eleven, Version::V1),
            Err(MptcpError::BadLength {
                subtype: subtype::ADD_ADDR,
                layout: "v1",
                expected: Expected::OneOf(V1_LENGTHS),
                found: 11
            })
        );
    }

    #[test]
    fn v0_cannot_carry_flags_or_hmac() {
        let mut repr = AddAddr::parse(&V0_IPV4, Version::V0).unwrap();
        repr.hmac = Some([0; 8]);
        assert!(matches!(
            repr.emit(&mut [0u8; 40]),
            Err(MptcpError::Unrepresentable { .. })
        ));
    }

    impl Arbitrary for AddAddr {
        fn arbitrary(g: &mut Gen) -> Self {
            let version = *g.choose(&[Version::V0, Version::V1]).unwrap();
            let v1 = version == Version::V1;
            AddAddr {
                version,
                flags: match v1 {
                    true => AddAddrFlags::from_bits_retain(u8::arbitrary(g) & 0x0f),
                    false => AddAddrFlags::empty(),
                },
                addr_id: u8::arbitrary(g),
                address: IpAddr::arbitrary(g),
                port: Option::<u16>::arbitrary(g),
                hmac: match v1 && bool::arbitrary(g) {
                    true => Some(u64::arbitrary(g).to_be_bytes()),
                    false => None,
                },
            }
        }
    }

    quickcheck! {
        fn parse_of_emit_is_identity(repr: AddAddr) -> bool {
            let mut buf = [0u8; 40];
            let len = repr.emit(&mut buf).unwrap();
            AddAddr::parse(&buf[..len], repr.version) == Ok(repr)
        }

        fn emit_of_parse_is_identity(body: Vec<u8>, pick: usize, v0: bool, ipv6: bool) -> bool {
            let (version, len, low) = match v0 {
                true => {
                    let lens = [[8, 10], [20, 22]][usize::from(ipv6)];
                    (Version::V0, lens[pick % 2], [4, 6][usize::from(ipv6)])
                }
                false => (Version::V1, V1_LENGTHS[pick % V1_LENGTHS.len()], pick as u8 & 0x0f),
            };
            let mut bytes = [0u8; 30];
            for (dst, src) in bytes.iter_mut().zip(body) {
                *dst = src;
            }
            bytes[..3].copy_from_slice(&[30, len as u8, 0x30 | low]);
            let option = &bytes[..len];
            let mut buf = [0u8; 30];
            let written = AddAddr::parse(option, version).unwrap().emit(&mut buf).unwrap();
            &buf[..written] == option
        }
    }
}
