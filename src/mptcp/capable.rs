//! MP_CAPABLE (subtype 0): the first subflow's handshake, RFC 6824 §3.1 and RFC 8684 §3.1.
//!
//! ```text
//!  kind=30 | length | subtype 0, version | A B C D E F G H | sender's key (8) | receiver's key (8)
//!  | data-level length (2) | checksum (2)
//! ```
//! The layout follows from the length alone, in both versions: 4 (v1 SYN, no key), 12 (v0 SYN,
//! SYN-ACK: the sender's key), 20 (third ACK: both keys), 22 (v1 ACK carrying data: both keys and
//! the data-level length), 24 (the same with a DSS checksum).

use core::ops::Range;

use bitflags::bitflags;

use super::{check_subtype, emit_header, read_u16, read_u64, subtype, Expected, MptcpError};

/// Byte offsets of MP_CAPABLE's fields.
pub mod field {
    use core::ops::Range;

    /// Subtype (high nibble) and version (low nibble).
    pub const SUBTYPE_VERSION: usize = 2;
    /// Flags A to H.
    pub const FLAGS: usize = 3;
    /// The sender's 64-bit key (lengths 12 and up).
    pub const SENDER_KEY: Range<usize> = 4..12;
    /// The receiver's 64-bit key (lengths 20 and up).
    pub const RECEIVER_KEY: Range<usize> = 12..20;
    /// The data-level length of the first data (lengths 22 and 24, v1).
    pub const DATA_LEN: Range<usize> = 20..22;
    /// The DSS checksum of the first data (length 24, v1).
    pub const CHECKSUM: Range<usize> = 22..24;
}

/// The option lengths MP_CAPABLE allows.
pub const LENGTHS: &[usize] = &[4, 12, 20, 22, 24];

const LAYOUT: &str = "(layout follows from length)";

bitflags! {
    /// MP_CAPABLE's flag byte. Bits without a name are kept, so a flag byte re-emits unchanged.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct CapableFlags: u8 {
        /// A: the sender requires DSS checksums.
        const CHECKSUM_REQUIRED = 0x80;
        /// B: extensibility; no extension is defined, and Linux drops SYNs that set it.
        const EXTENSIBILITY = 0x40;
        /// C (v1 only): do not open subflows to this packet's source address.
        const NO_SOURCE_ADDRESS = 0x20;
        /// H in v1: HMAC-SHA256 is the crypto algorithm; the only one defined.
        const HMAC_SHA256 = 0x01;
        /// H in v0 (RFC 6824's "S" in later drafts): HMAC-SHA1; the same bit as in v1.
        const HMAC_SHA1 = 0x01;
        // Reserved bits D to G (and C in v0) are kept as found.
        const _ = !0;
    }
}

/// A zero-copy view of an MP_CAPABLE option whose length has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that `buffer` is one whole MP_CAPABLE option of an allowed length.
    pub fn new_checked(buffer: T) -> Result<Self, MptcpError> {
        check_subtype(
            buffer.as_ref(),
            subtype::MP_CAPABLE,
            LAYOUT,
            Expected::OneOf(LENGTHS),
        )?;
        Ok(Packet { buffer })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn field(&self, range: Range<usize>) -> Option<&[u8]> {
        self.bytes().get(range)
    }

    /// The option's length (4, 12, 20, 22 or 24).
    pub fn len(&self) -> usize {
        self.bytes().len()
    }

    /// Never true: a checked option has at least 4 bytes. Here for clippy's `len` convention.
    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// The version field (0 for RFC 6824, 1 for RFC 8684; any 4-bit value as found).
    pub fn version(&self) -> u8 {
        self.bytes()[field::SUBTYPE_VERSION] & 0x0f
    }

    /// The flag byte.
    pub fn flags(&self) -> CapableFlags {
        CapableFlags::from_bits_retain(self.bytes()[field::FLAGS])
    }

    /// The sender's key, present from length 12 on.
    pub fn sender_key(&self) -> Option<u64> {
        self.field(field::SENDER_KEY).map(read_u64)
    }

    /// The receiver's key, present from length 20 on.
    pub fn receiver_key(&self) -> Option<u64> {
        self.field(field::RECEIVER_KEY).map(read_u64)
    }

    /// The data-level length of the data the ACK carries, present from length 22 on.
    pub fn data_len(&self) -> Option<u16> {
        self.field(field::DATA_LEN).map(read_u16)
    }

    /// The DSS checksum of that data, present at length 24.
    pub fn checksum(&self) -> Option<u16> {
        self.field(field::CHECKSUM).map(read_u16)
    }
}

/// An MP_CAPABLE option, owned.
///
/// Which fields are present decides the length: none (4), `sender_key` (12), both keys (20),
/// both keys and `data_len` (22), and `checksum` too (24). Other combinations cannot be emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MpCapable {
    /// The version field: 0 (RFC 6824) or 1 (RFC 8684), or whatever 4-bit value a peer sent.
    pub version: u8,
    /// The flag byte, reserved bits included.
    pub flags: CapableFlags,
    /// The sender's key (SYN in v0, SYN-ACK, third ACK).
    pub sender_key: Option<u64>,
    /// The receiver's key (third ACK).
    pub receiver_key: Option<u64>,
    /// The data-level length of the first data (v1 ACK with data).
    pub data_len: Option<u16>,
    /// The DSS checksum of the first data (v1 ACK with data, checksums in use).
    pub checksum: Option<u16>,
}

impl MpCapable {
    /// Decodes one whole MP_CAPABLE option.
    pub fn parse(option: &[u8]) -> Result<MpCapable, MptcpError> {
        Packet::new_checked(option).map(|packet| MpCapable::from_packet(&packet))
    }

    /// Reads the representation out of a checked view.
    pub fn from_packet<T: AsRef<[u8]>>(packet: &Packet<T>) -> MpCapable {
        MpCapable {
            version: packet.version(),
            flags: packet.flags(),
            sender_key: packet.sender_key(),
            receiver_key: packet.receiver_key(),
            data_len: packet.data_len(),
            checksum: packet.checksum(),
        }
    }

    /// The option's length, or why the present fields make no valid layout.
    fn layout_len(&self) -> Result<usize, &'static str> {
        match (
            self.sender_key,
            self.receiver_key,
            self.data_len,
            self.checksum,
        ) {
            (None, None, None, None) => Ok(4),
            (Some(_), None, None, None) => Ok(12),
            (Some(_), Some(_), None, None) => Ok(20),
            (Some(_), Some(_), Some(_), None) => Ok(22),
            (Some(_), Some(_), Some(_), Some(_)) => Ok(24),
            (None, ..) => Err("receiver key, data length or checksum without the sender key"),
            (Some(_), None, ..) => Err("data length or checksum without the receiver key"),
            (Some(_), Some(_), None, Some(_)) => Err("checksum without the data length"),
        }
    }

    /// How many bytes [`emit`](Self::emit) writes; for a representation that cannot be
    /// emitted, the length its present fields would need.
    pub fn buffer_len(&self) -> usize {
        [
            self.sender_key.map(|_| 8),
            self.receiver_key.map(|_| 8),
            self.data_len.map(|_| 2),
            self.checksum.map(|_| 2),
        ]
        .iter()
        .flatten()
        .sum::<usize>()
            + 4
    }

    /// Writes the option into the front of `buf` and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, MptcpError> {
        let len = self
            .layout_len()
            .map_err(|field| MptcpError::Unrepresentable {
                subtype: subtype::MP_CAPABLE,
                field,
            })?;
        if self.version > 0x0f {
            return Err(MptcpError::Unrepresentable {
                subtype: subtype::MP_CAPABLE,
                field: "version (wider than 4 bits)",
            });
        }
        let out = emit_header(buf, subtype::MP_CAPABLE, self.version, len)?;
        out[field::FLAGS] = self.flags.bits();
        let fields = [
            (field::SENDER_KEY, self.sender_key.map(u64::to_be_bytes)),
            (field::RECEIVER_KEY, self.receiver_key.map(u64::to_be_bytes)),
        ];
        for (range, value) in fields {
            if let Some(bytes) = value {
                out[range].copy_from_slice(&bytes);
            }
        }
        let fields = [
            (field::DATA_LEN, self.data_len),
            (field::CHECKSUM, self.checksum),
        ];
        for (range, value) in fields {
            if let Some(value) = value {
                out[range].copy_from_slice(&value.to_be_bytes());
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

    /// The v0 SYN-ACK option of the real server in REFERENCE §1 (thesis ZMap output).
    const THESIS_V0_SYNACK: [u8; 12] = [
        0x1e, 0x0c, 0x00, 0x81, 0xd2, 0x0f, 0xa4, 0x93, 0x00, 0xbd, 0xa2, 0x3d,
    ];
    /// ptcpdump/mptcp.pcap, frame 1: v1 SYN, flag H.
    const V1_SYN: [u8; 4] = [0x1e, 0x04, 0x01, 0x01];
    /// ptcpdump/mptcp.pcap, frame 3: v1 third ACK with both keys.
    const V1_ACK: [u8; 20] = [
        0x1e, 0x14, 0x01, 0x01, 0xfe, 0x7b, 0x93, 0xdc, 0x89, 0x4d, 0xcb, 0x73, 0xe3, 0x56, 0xa8,
        0xf2, 0x52, 0xe4, 0x19, 0x76,
    ];
    /// ptcpdump/mptcp.pcap, frame 4: v1 ACK carrying 5 bytes of data, no checksum.
    const V1_ACK_DATA: [u8; 22] = [
        0x1e, 0x16, 0x01, 0x01, 0xfe, 0x7b, 0x93, 0xdc, 0x89, 0x4d, 0xcb, 0x73, 0xe3, 0x56, 0xa8,
        0xf2, 0x52, 0xe4, 0x19, 0x76, 0x00, 0x05,
    ];
    /// A v1 ACK carrying data with a checksum (RFC 8684 §3.1, length 24; no capture has one).
    const V1_ACK_DATA_CSUM: [u8; 24] = [
        0x1e, 0x18, 0x01, 0x81, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0x05, 0xdc,
        0xbe, 0xef,
    ];

    fn round_trip(bytes: &[u8]) -> MpCapable {
        let repr = MpCapable::parse(bytes).unwrap();
        let mut buf = [0u8; 40];
        let len = repr.emit(&mut buf).unwrap();
        assert_eq!(&buf[..len], bytes);
        assert_eq!(repr.buffer_len(), len);
        repr
    }

    #[test]
    fn thesis_v0_synack() {
        let repr = round_trip(&THESIS_V0_SYNACK);
        assert_eq!(repr.version, 0);
        assert_eq!(
            repr.flags,
            CapableFlags::CHECKSUM_REQUIRED | CapableFlags::HMAC_SHA1
        );
        assert_eq!(repr.sender_key, Some(0xd20f_a493_00bd_a23d));
        assert_eq!(repr.receiver_key, None);
        assert_eq!(repr.data_len, None);
    }

    #[test]
    fn v1_syn_and_ack() {
        let syn = round_trip(&V1_SYN);
        assert_eq!(syn.version, 1);
        assert_eq!(syn.flags, CapableFlags::HMAC_SHA256);
        assert_eq!(syn.sender_key, None);
        let ack = round_trip(&V1_ACK);
        assert_eq!(ack.sender_key, Some(0xfe7b_93dc_894d_cb73));
        assert_eq!(ack.receiver_key, Some(0xe356_a8f2_52e4_1976));
        assert_eq!(ack.checksum, None);
    }

    #[test]
    fn v1_ack_with_data() {
        let full = round_trip(&V1_ACK_DATA_CSUM);
        assert_eq!(full.data_len, Some(1500));
        assert_eq!(full.checksum, Some(0xbeef));
        let no_csum = round_trip(&V1_ACK_DATA);
        assert_eq!(no_csum.data_len, Some(5));
        assert_eq!(no_csum.checksum, None);
    }

    #[test]
    fn keeps_reserved_flag_bits() {
        let repr = round_trip(&[0x1e, 0x04, 0x01, 0x5e]);
        assert!(repr.flags.contains(CapableFlags::EXTENSIBILITY));
        assert_eq!(repr.flags.bits(), 0x5e);
    }

    #[test]
    fn rejects_bad_lengths() {
        let mut bytes = [0u8; 16];
        bytes[..12].copy_from_slice(&THESIS_V0_SYNACK);
        bytes[1] = 16;
        assert_eq!(
            MpCapable::parse(&bytes),
            Err(MptcpError::BadLength {
                subtype: subtype::MP_CAPABLE,
                layout: LAYOUT,
                expected: Expected::OneOf(LENGTHS),
                found: 16
            })
        );
        assert_eq!(
            MpCapable::parse(&THESIS_V0_SYNACK[..11]),
            Err(MptcpError::LengthMismatch {
                declared: 12,
                found: 11
            })
        );
        assert_eq!(
            MpCapable::parse(&[0x1e, 0x04, 0x21, 0x01]),
            Err(MptcpError::WrongSubtype {
                expected: subtype::MP_CAPABLE,
                found: subtype::DSS
            })
        );
    }

    #[test]
    fn refuses_to_emit_impossible_layouts() {
        let mut buf = [0u8; 40];
        let repr = MpCapable {
            version: 1,
            flags: CapableFlags::empty(),
            sender_key: None,
            receiver_key: Some(1),
            data_len: None,
            checksum: None,
        };
        assert!(matches!(
            repr.emit(&mut buf),
            Err(MptcpError::Unrepresentable { .. })
        ));
        let repr = MpCapable {
            version: 0,
            sender_key: Some(1),
            receiver_key: None,
            ..repr
        };
        assert_eq!(
            repr.emit(&mut buf[..11]),
            Err(MptcpError::BufferTooShort {
                subtype: subtype::MP_CAPABLE,
                needed: 12,
                available: 11
            })
        );
    }

    impl Arbitrary for MpCapable {
        fn arbitrary(g: &mut Gen) -> Self {
            let len = *g.choose(LENGTHS).unwrap();
            MpCapable {
                version: u8::arbitrary(g) & 0x0f,
                flags: CapableFlags::from_bits_retain(u8::arbitrary(g)),
                sender_key: (len >= 12).then(|| u64::arbitrary(g)),
                receiver_key: (len >= 20).then(|| u64::arbitrary(g)),
                data_len: (len >= 22).then(|| u16::arbitrary(g)),
                checksum: (len >= 24).then(|| u16::arbitrary(g)),
            }
        }
    }

    quickcheck! {
        fn parse_of_emit_is_identity(repr: MpCapable) -> bool {
            let mut buf = [0u8; 24];
            let len = repr.emit(&mut buf).unwrap();
            MpCapable::parse(&buf[..len]) == Ok(repr)
        }

        fn emit_of_parse_is_identity(body: Vec<u8>, pick: usize) -> bool {
            let len = LENGTHS[pick % LENGTHS.len()];
            let mut bytes = [0u8; 24];
            for (dst, src) in bytes.iter_mut().zip(body) {
                *dst = src;
            }
            bytes[0] = 30;
            bytes[1] = len as u8;
            bytes[2] &= 0x0f;
            let option = &bytes[..len];
            let mut buf = [0u8; 24];
            let written = MpCapable::parse(option).unwrap().emit(&mut buf).unwrap();
            &buf[..written] == option
        }
    }
}
