//! DSS (subtype 2): data sequence signal, RFC 6824 §3.3 and RFC 8684 §3.3.
//!
//! ```text
//!  30 | length | 2, reserved | reserved (3 bits), F m M a A
//!  | data ACK (4 or 8, if A) | DSN (4 or 8, if M) | SSN (4, if M) | data-level length (2, if M)
//!  | checksum (2, if M and checksums are in use)
//! ```
//! A: data ACK present, a: it is 8 bytes; M: mapping present, m: its DSN is 8 bytes;
//! F: DATA_FIN. The flags decide the layout; the length then says whether the checksum is there
//! (it is whenever either side asked for checksums in MP_CAPABLE). The layout is the same in v0
//! and v1. The checksum is kept raw for [`crate::crypto`] to verify.

use bitflags::bitflags;

use super::{check_header, emit_header, read_u16, read_u32, read_u64, subtype, Expected};
use super::{MptcpError, MptcpError::Unrepresentable};

/// Byte offsets of DSS's fixed fields; the rest sit at offsets that follow from the flags.
pub mod field {
    /// Subtype (high nibble) and four reserved bits.
    pub const SUBTYPE_RESERVED: usize = 2;
    /// Three reserved bits and the flags F m M a A.
    pub const FLAGS: usize = 3;
    /// Where the first optional field (data ACK, or the mapping without one) starts.
    pub const OPTIONAL: usize = 4;
    /// The subflow sequence number's length.
    pub const SSN_LEN: usize = 4;
    /// The data-level length's length.
    pub const DATA_LEN_LEN: usize = 2;
    /// The checksum's length.
    pub const CHECKSUM_LEN: usize = 2;
}

/// The smallest DSS: no data ACK, no mapping.
pub const MIN_LEN: usize = 4;

bitflags! {
    /// DSS's flag byte. The three reserved high bits are kept as found.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct DssFlags: u8 {
        /// A: a data ACK is present.
        const DATA_ACK = 0x01;
        /// a: the data ACK is 8 bytes (4 otherwise).
        const DATA_ACK_8 = 0x02;
        /// M: a mapping (DSN, SSN, data-level length, optional checksum) is present.
        const MAPPING = 0x04;
        /// m: the mapping's DSN is 8 bytes (4 otherwise).
        const DSN_8 = 0x08;
        /// F: DATA_FIN, the mapping's last data-level byte is the end of the data stream.
        const DATA_FIN = 0x10;
        const _ = !0;
    }
}

impl DssFlags {
    /// Bytes of data ACK these flags announce (0, 4 or 8).
    pub fn data_ack_len(self) -> usize {
        match (
            self.contains(DssFlags::DATA_ACK),
            self.contains(DssFlags::DATA_ACK_8),
        ) {
            (false, _) => 0,
            (true, false) => 4,
            (true, true) => 8,
        }
    }

    /// Bytes of DSN these flags announce (0 without a mapping, 4 or 8).
    pub fn dsn_len(self) -> usize {
        match (
            self.contains(DssFlags::MAPPING),
            self.contains(DssFlags::DSN_8),
        ) {
            (false, _) => 0,
            (true, false) => 4,
            (true, true) => 8,
        }
    }

    /// The option's length without a checksum.
    pub fn base_len(self) -> usize {
        let mapping = match self.dsn_len() {
            0 => 0,
            dsn => dsn + field::SSN_LEN + field::DATA_LEN_LEN,
        };
        MIN_LEN + self.data_ack_len() + mapping
    }

    /// The lengths these flags allow: the base length, plus the checksummed one with a mapping.
    pub fn allowed_lengths(self) -> Expected {
        match self.contains(DssFlags::MAPPING) {
            true => Expected::Either(self.base_len(), self.base_len() + field::CHECKSUM_LEN),
            false => Expected::Exactly(self.base_len()),
        }
    }

    /// Words for the layout these flags announce, for error messages.
    fn layout(self) -> &'static str {
        match (self.data_ack_len(), self.dsn_len()) {
            (0, 0) => "with no data ACK and no mapping",
            (4, 0) => "with a 4-byte data ACK and no mapping",
            (8, 0) => "with an 8-byte data ACK and no mapping",
            (0, 4) => "with no data ACK and a mapping with 4-byte DSN",
            (4, 4) => "with a 4-byte data ACK and a mapping with 4-byte DSN",
            (8, 4) => "with an 8-byte data ACK and a mapping with 4-byte DSN",
            (0, _) => "with no data ACK and a mapping with 8-byte DSN",
            (4, _) => "with a 4-byte data ACK and a mapping with 8-byte DSN",
            _ => "with an 8-byte data ACK and a mapping with 8-byte DSN",
        }
    }
}

/// A zero-copy view of a DSS option whose length has been checked against its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that `buffer` is one whole DSS option whose length fits its flags.
    pub fn new_checked(buffer: T) -> Result<Self, MptcpError> {
        let bytes = buffer.as_ref();
        let found = check_header(bytes)?;
        if found != subtype::DSS {
            return Err(MptcpError::WrongSubtype {
                expected: subtype::DSS,
                found,
            });
        }
        let flags = match bytes.get(field::FLAGS) {
            Some(&flags) => DssFlags::from_bits_retain(flags),
            None => {
                return Err(MptcpError::BadLength {
                    subtype: subtype::DSS,
                    layout: "(the flag byte is missing)",
                    expected: Expected::Between {
                        min: MIN_LEN,
                        max: 30,
                    },
                    found: bytes.len(),
                })
            }
        };
        let allowed = flags.allowed_lengths();
        if !allowed.allows(bytes.len()) {
            return Err(MptcpError::BadLength {
                subtype: subtype::DSS,
                layout: flags.layout(),
                expected: allowed,
                found: bytes.len(),
            });
        }
        Ok(Packet { buffer })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The four reserved bits of the subtype byte.
    pub fn reserved(&self) -> u8 {
        self.bytes()[field::SUBTYPE_RESERVED] & 0x0f
    }

    /// The flag byte, reserved bits included.
    pub fn flags(&self) -> DssFlags {
        DssFlags::from_bits_retain(self.bytes()[field::FLAGS])
    }

    fn number(&self, at: usize, len: usize) -> u64 {
        let bytes = &self.bytes()[at..at + len];
        match len {
            8 => read_u64(bytes),
            _ => u64::from(read_u32(bytes)),
        }
    }

    /// The data ACK, widened to 64 bits, if A is set.
    pub fn data_ack(&self) -> Option<u64> {
        match self.flags().data_ack_len() {
            0 => None,
            len => Some(self.number(field::OPTIONAL, len)),
        }
    }

    /// Where the mapping starts and its DSN's width, if M is set.
    fn mapping_at(&self) -> Option<(usize, usize)> {
        let flags = self.flags();
        match flags.dsn_len() {
            0 => None,
            dsn => Some((field::OPTIONAL + flags.data_ack_len(), dsn)),
        }
    }

    /// The mapping's data sequence number, widened to 64 bits, if M is set.
    pub fn dsn(&self) -> Option<u64> {
        self.mapping_at().map(|(at, len)| self.number(at, len))
    }

    /// The mapping's subflow sequence number (relative to the subflow's initial one).
    pub fn ssn(&self) -> Option<u32> {
        self.mapping_at()
            .map(|(at, len)| read_u32(&self.bytes()[at + len..at + len + field::SSN_LEN]))
    }

    /// The mapping's data-level length.
    pub fn data_len(&self) -> Option<u16> {
        self.mapping_at().map(|(at, len)| {
            let at = at + len + field::SSN_LEN;
            read_u16(&self.bytes()[at..at + field::DATA_LEN_LEN])
        })
    }

    /// The mapping's checksum, when the length says it is there.
    pub fn checksum(&self) -> Option<u16> {
        let base = self.flags().base_len();
        self.bytes()
            .get(base..base + field::CHECKSUM_LEN)
            .map(read_u16)
    }
}

/// A DSS mapping: which data-level bytes a stretch of the subflow carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mapping {
    /// The data sequence number (the low 32 bits of it when the DSN is 4 bytes).
    pub dsn: u64,
    /// The subflow sequence number, relative to the subflow's initial sequence number.
    pub ssn: u32,
    /// How many data-level bytes the mapping covers (0 with DATA_FIN alone: infinite mapping
    /// when DSN and SSN are 0 too).
    pub data_len: u16,
    /// The DSS checksum, raw, when checksums are in use.
    pub checksum: Option<u16>,
}

/// A DSS option, owned.
///
/// `flags` decides the layout and must agree with the fields: A set iff `data_ack` is present,
/// M set iff `mapping` is present; without a or m the values must fit 32 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dss {
    /// The four reserved bits of the subtype byte.
    pub reserved: u8,
    /// The flag byte, reserved bits included.
    pub flags: DssFlags,
    /// The data ACK (a 4-byte one widened).
    pub data_ack: Option<u64>,
    /// The mapping.
    pub mapping: Option<Mapping>,
}

impl Dss {
    /// Decodes one whole DSS option.
    pub fn parse(option: &[u8]) -> Result<Dss, MptcpError> {
        Packet::new_checked(option).map(|packet| Dss::from_packet(&packet))
    }

    /// Reads the representation out of a checked view.
    pub fn from_packet<T: AsRef<[u8]>>(packet: &Packet<T>) -> Dss {
        // One pass with a cursor: the view's accessors each recompute their offset from the
        // flags, which costs more than the reads on the per-packet path.
        let flags = packet.flags();
        let mut at = field::OPTIONAL;
        let data_ack = match flags.data_ack_len() {
            0 => None,
            len => {
                at += len;
                Some(packet.number(at - len, len))
            }
        };
        let mapping = match flags.dsn_len() {
            0 => None,
            len => {
                let bytes = packet.bytes();
                let dsn = packet.number(at, len);
                at += len;
                let ssn = read_u32(&bytes[at..at + field::SSN_LEN]);
                at += field::SSN_LEN;
                let data_len = read_u16(&bytes[at..at + field::DATA_LEN_LEN]);
                at += field::DATA_LEN_LEN;
                let checksum = bytes.get(at..at + field::CHECKSUM_LEN).map(read_u16);
                Some(Mapping {
                    dsn,
                    ssn,
                    data_len,
                    checksum,
                })
            }
        };
        Dss {
            reserved: packet.reserved(),
            flags,
            data_ack,
            mapping,
        }
    }

    /// Whether DATA_FIN is set.
    pub fn data_fin(&self) -> bool {
        self.flags.contains(DssFlags::DATA_FIN)
    }

    /// How many bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        let checksum = match self.mapping {
            Some(Mapping {
                checksum: Some(_), ..
            }) => field::CHECKSUM_LEN,
            _ => 0,
        };
        self.flags.base_len() + checksum
    }

    /// Writes the option into the front of `buf` and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, MptcpError> {
        let unrepresentable = |field| Unrepresentable {
            subtype: subtype::DSS,
            field,
        };
        let flags = self.flags;
        if flags.contains(DssFlags::DATA_ACK) != self.data_ack.is_some() {
            return Err(unrepresentable("data ACK (disagrees with flag A)"));
        }
        if flags.contains(DssFlags::MAPPING) != self.mapping.is_some() {
            return Err(unrepresentable("mapping (disagrees with flag M)"));
        }
        let len = self.buffer_len();
        let out = emit_header(buf, subtype::DSS, self.reserved, len)?;
        out[field::FLAGS] = flags.bits();
        let mut at = field::OPTIONAL;
        let mut put = |value: u64, width: usize, what| -> Result<(), MptcpError> {
            match width {
                8 => out[at..at + 8].copy_from_slice(&value.to_be_bytes()),
                _ => {
                    let narrow = u32::try_from(value).map_err(|_| unrepresentable(what))?;
                    out[at..at + 4].copy_from_slice(&narrow.to_be_bytes());
                }
            }
            at += width;
            Ok(())
        };
        if let Some(ack) = self.data_ack {
            put(ack, flags.data_ack_len(), "data ACK (wider than 4 bytes)")?;
        }
        if let Some(mapping) = self.mapping {
            put(mapping.dsn, flags.dsn_len(), "DSN (wider than 4 bytes)")?;
            put(mapping.ssn.into(), 4, "SSN")?;
            let tail = [Some(mapping.data_len), mapping.checksum];
            for value in tail.into_iter().flatten() {
                out[at..at + 2].copy_from_slice(&value.to_be_bytes());
                at += 2;
            }
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{quickcheck, Arbitrary, Gen};
    use std::vec::Vec;

    /// ptcpdump/mptcp.pcap, frame 11: a 4-byte data ACK alone.
    const ACK4: [u8; 8] = [0x1e, 0x08, 0x20, 0x01, 0xab, 0x76, 0x59, 0x99];
    /// ptcpdump/mptcp.pcap, frame 5: an 8-byte data ACK alone.
    const ACK8: [u8; 12] = [
        0x1e, 0x0c, 0x20, 0x03, 0x36, 0x02, 0xa5, 0x7d, 0x9b, 0x36, 0x46, 0xa0,
    ];
    /// pymptcpanalyzer/client_2.pcap, frame 8: 4-byte data ACK, mapping with 4-byte DSN.
    const ACK4_MAP4: [u8; 18] = [
        0x1e, 0x12, 0x20, 0x05, 0xe5, 0x89, 0xf0, 0xd4, 0x4e, 0x92, 0xc2, 0xfd, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x25,
    ];
    /// pymptcpanalyzer/iperf-mptcp-0-0.pcap, frame 9: the same with a checksum.
    const ACK4_MAP4_CSUM: [u8; 20] = [
        0x1e, 0x14, 0x20, 0x05, 0xe2, 0x40, 0x02, 0x5b, 0xa2, 0xfd, 0x39, 0x0a, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x18, 0x3e, 0xa1,
    ];
    /// ptcpdump/mptcp.pcap, frame 6: 4-byte data ACK, mapping with 8-byte DSN.
    const ACK4_MAP8: [u8; 22] = [
        0x1e, 0x16, 0x20, 0x0d, 0xab, 0x76, 0x59, 0x98, 0x36, 0x02, 0xa5, 0x7d, 0x9b, 0x36, 0x46,
        0xa0, 0x00, 0x00, 0x00, 0x06, 0x00, 0x04,
    ];
    /// ptcpdump/mptcp.pcap, frame 10: DATA_FIN with 8-byte data ACK and 8-byte DSN.
    const FIN_ACK8_MAP8: [u8; 26] = [
        0x1e, 0x1a, 0x20, 0x1f, 0x36, 0x02, 0xa5, 0x7d, 0x9b, 0x36, 0x46, 0xa5, 0xe9, 0xe3, 0x7e,
        0x0b, 0xab, 0x76, 0x59, 0x98, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    ];
    /// tcpdump/mptcp-dss-oobr.pcap, frame 1: a DSS cut off before its flag byte.
    const OOBR: [u8; 3] = [0x1e, 0x03, 0x20];

    fn round_trip(bytes: &[u8]) -> Dss {
        let repr = Dss::parse(bytes).unwrap();
        let mut buf = [0u8; 40];
        let len = repr.emit(&mut buf).unwrap();
        assert_eq!(&buf[..len], bytes);
        assert_eq!(repr.buffer_len(), len);
        repr
    }

    #[test]
    fn data_acks_alone() {
        let ack4 = round_trip(&ACK4);
        assert_eq!(ack4.data_ack, Some(0xab76_5999));
        assert_eq!(ack4.mapping, None);
        let ack8 = round_trip(&ACK8);
        assert_eq!(ack8.data_ack, Some(0x3602_a57d_9b36_46a0));
        assert_eq!(ack8.flags, DssFlags::DATA_ACK | DssFlags::DATA_ACK_8);
    }

    #[test]
    fn mappings_with_and_without_checksum() {
        let plain = round_trip(&ACK4_MAP4);
        assert_eq!(
            plain.mapping,
            Some(Mapping {
                dsn: 0x4e92_c2fd,
                ssn: 1,
                data_len: 0x25,
                checksum: None
            })
        );
        let summed = round_trip(&ACK4_MAP4_CSUM);
        assert_eq!(summed.data_ack, Some(0xe240_025b));
        assert_eq!(
            summed.mapping,
            Some(Mapping {
                dsn: 0xa2fd_390a,
                ssn: 1,
                data_len: 0x18,
                checksum: Some(0x3ea1)
            })
        );
        let wide = round_trip(&ACK4_MAP8);
        assert_eq!(wide.mapping.map(|m| m.dsn), Some(0x3602_a57d_9b36_46a0));
        assert_eq!(wide.mapping.map(|m| m.ssn), Some(6));
        assert!(!wide.data_fin());
    }

    #[test]
    fn data_fin() {
        let fin = round_trip(&FIN_ACK8_MAP8);
        assert!(fin.data_fin());
        assert_eq!(fin.data_ack, Some(0x3602_a57d_9b36_46a5));
        assert_eq!(
            fin.mapping,
            Some(Mapping {
                dsn: 0xe9e3_7e0b_ab76_5998,
                ssn: 0,
                data_len: 1,
                checksum: None
            })
        );
    }

    #[test]
    fn empty_dss_and_reserved_bits() {
        let repr = round_trip(&[0x1e, 0x04, 0x2a, 0xe0]);
        assert_eq!(repr.reserved, 0x0a);
        assert_eq!(repr.flags.bits(), 0xe0);
        assert_eq!(repr.data_ack, None);
    }

    #[test]
    fn out_of_bounds_capture_gives_a_clear_error() {
        let error = Dss::parse(&OOBR).unwrap_err();
        assert_eq!(
            error,
            MptcpError::BadLength {
                subtype: subtype::DSS,
                layout: "(the flag byte is missing)",
                expected: Expected::Between { min: 4, max: 30 },
                found: 3
            }
        );
        assert_eq!(
            std::format!("{error}"),
            "MPTCP DSS (subtype 2) (the flag byte is missing): expected length 4 to 30, found 3"
        );
    }

    #[test]
    fn length_must_fit_flags() {
        let mut bytes = ACK4_MAP8;
        bytes[3] = 0x05;
        let error = Dss::parse(&bytes).unwrap_err();
        assert_eq!(
            error,
            MptcpError::BadLength {
                subtype: subtype::DSS,
                layout: "with a 4-byte data ACK and a mapping with 4-byte DSN",
                expected: Expected::Either(18, 20),
                found: 22
            }
        );
    }

    #[test]
    fn refuses_inconsistent_reprs() {
        let mut buf = [0u8; 40];
        let mut repr = Dss::parse(&ACK4).unwrap();
        repr.data_ack = Some(u64::from(u32::MAX) + 1);
        assert!(matches!(repr.emit(&mut buf), Err(Unrepresentable { .. })));
        repr.data_ack = None;
        assert!(matches!(repr.emit(&mut buf), Err(Unrepresentable { .. })));
    }

    impl Arbitrary for Dss {
        fn arbitrary(g: &mut Gen) -> Self {
            let flags = DssFlags::from_bits_retain(u8::arbitrary(g));
            let value = |g: &mut Gen, len: usize| match len {
                8 => u64::arbitrary(g),
                _ => u64::from(u32::arbitrary(g)),
            };
            let data_ack = match flags.data_ack_len() {
                0 => None,
                len => Some(value(g, len)),
            };
            let mapping = match flags.dsn_len() {
                0 => None,
                len => Some(Mapping {
                    dsn: value(g, len),
                    ssn: u32::arbitrary(g),
                    data_len: u16::arbitrary(g),
                    checksum: Option::<u16>::arbitrary(g),
                }),
            };
            Dss {
                reserved: u8::arbitrary(g) & 0x0f,
                flags,
                data_ack,
                mapping,
            }
        }
    }

    quickcheck! {
        fn parse_of_emit_is_identity(repr: Dss) -> bool {
            let mut buf = [0u8; 40];
            let len = repr.emit(&mut buf).unwrap();
            Dss::parse(&buf[..len]) == Ok(repr)
        }

        fn emit_of_parse_is_identity(body: Vec<u8>, flags: u8, checksum: bool) -> bool {
            let flags = DssFlags::from_bits_retain(flags);
            let len = flags.base_len()
                + usize::from(checksum && flags.contains(DssFlags::MAPPING)) * 2;
            let mut bytes = [0u8; 30];
            for (dst, src) in bytes.iter_mut().zip(body) {
                *dst = src;
            }
            let low = bytes[2] & 0x0f;
            bytes[..4].copy_from_slice(&[30, len as u8, 0x20 | low, flags.bits()]);
            let option = &bytes[..len];
            let mut buf = [0u8; 30];
            let written = Dss::parse(option).unwrap().emit(&mut buf).unwrap();
            &buf[..written] == option
        }
    }
}
