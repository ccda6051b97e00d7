//! MP_JOIN (subtype 1): an additional subflow's handshake, RFC 6824 §3.2 and RFC 8684 §3.2.
//!
//! ```text
//! SYN (12):     30 | 12 | 1, rsv, B | address id | receiver's token (4) | sender's nonce (4)
//! SYN-ACK (16): 30 | 16 | 1, rsv, B | address id | sender's truncated HMAC (8) | sender's nonce (4)
//! ACK (24):     30 | 24 | 1, reserved (12 bits)  | sender's HMAC (20)
//! ```
//! The layout follows from the length and is the same in v0 and v1; only the HMAC algorithm
//! differs (HMAC-SHA1 in v0, HMAC-SHA256 truncated to 160 bits in v1). HMACs are kept as raw
//! bytes for [`crate::crypto`] to verify.

use core::ops::Range;

use bitflags::bitflags;

use super::{
    check_subtype, emit_header, emit_header_reserved12, read_reserved12, read_u32, subtype,
    Expected, MptcpError,
};

/// Byte offsets of MP_JOIN's fields.
pub mod field {
    use core::ops::Range;

    /// Subtype (high nibble), reserved bits and the backup flag (low nibble).
    pub const SUBTYPE_FLAGS: usize = 2;
    /// The address id (SYN and SYN-ACK); reserved in the ACK.
    pub const ADDR_ID: usize = 3;
    /// SYN: the receiver's token.
    pub const TOKEN: Range<usize> = 4..8;
    /// SYN: the sender's random nonce.
    pub const SYN_NONCE: Range<usize> = 8..12;
    /// SYN-ACK: the leftmost 64 bits of the sender's HMAC.
    pub const SYNACK_HMAC: Range<usize> = 4..12;
    /// SYN-ACK: the sender's random nonce.
    pub const SYNACK_NONCE: Range<usize> = 12..16;
    /// ACK: the sender's HMAC (160 bits).
    pub const ACK_HMAC: Range<usize> = 4..24;
}

/// Length of the SYN's MP_JOIN.
pub const SYN_LEN: usize = 12;
/// Length of the SYN-ACK's MP_JOIN.
pub const SYNACK_LEN: usize = 16;
/// Length of the third ACK's MP_JOIN.
pub const ACK_LEN: usize = 24;
/// The option lengths MP_JOIN allows.
pub const LENGTHS: &[usize] = &[SYN_LEN, SYNACK_LEN, ACK_LEN];

const LAYOUT: &str = "(12: SYN, 16: SYN-ACK, 24: ACK)";

bitflags! {
    /// The low nibble of the subtype byte of MP_JOIN (SYN, SYN-ACK) and MP_PRIO: the backup flag
    /// and three reserved bits, kept as found.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct BackupFlags: u8 {
        /// B: the sender wants this subflow used only as a backup.
        const BACKUP = 0x01;
        const _ = 0x0f;
    }
}

/// A zero-copy view of an MP_JOIN option whose length has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that `buffer` is one whole MP_JOIN option of length 12, 16 or 24.
    pub fn new_checked(buffer: T) -> Result<Self, MptcpError> {
        check_subtype(
            buffer.as_ref(),
            subtype::MP_JOIN,
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

    /// The option's length: 12 (SYN), 16 (SYN-ACK) or 24 (ACK).
    pub fn len(&self) -> usize {
        self.bytes().len()
    }

    /// Never true for a checked option.
    pub fn is_empty(&self) -> bool {
        self.bytes().is_empty()
    }

    /// The low nibble of the subtype byte (backup flag in SYN and SYN-ACK, reserved in the ACK).
    pub fn low_bits(&self) -> u8 {
        self.bytes()[field::SUBTYPE_FLAGS] & 0x0f
    }

    /// The fourth byte: the address id in SYN and SYN-ACK, reserved in the ACK.
    pub fn addr_id(&self) -> u8 {
        self.bytes()[field::ADDR_ID]
    }

    fn field_of(&self, len: usize, range: Range<usize>) -> Option<&[u8]> {
        match self.len() == len {
            true => self.bytes().get(range),
            false => None,
        }
    }

    /// SYN: the receiver's token.
    pub fn token(&self) -> Option<u32> {
        self.field_of(SYN_LEN, field::TOKEN).map(read_u32)
    }

    /// SYN and SYN-ACK: the sender's random nonce.
    pub fn nonce(&self) -> Option<u32> {
        self.field_of(SYN_LEN, field::SYN_NONCE)
            .or_else(|| self.field_of(SYNACK_LEN, field::SYNACK_NONCE))
            .map(read_u32)
    }

    /// SYN-ACK: the leftmost 64 bits of the sender's HMAC, raw.
    pub fn truncated_hmac(&self) -> Option<&[u8]> {
        self.field_of(SYNACK_LEN, field::SYNACK_HMAC)
    }

    /// ACK: the sender's 160-bit HMAC, raw.
    pub fn hmac(&self) -> Option<&[u8]> {
        self.field_of(ACK_LEN, field::ACK_HMAC)
    }
}

/// An MP_JOIN option, owned: one variant per handshake step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MpJoin {
    /// The SYN of a new subflow (length 12).
    Syn {
        /// Backup flag and reserved bits.
        flags: BackupFlags,
        /// The sender's id for the address the SYN comes from.
        addr_id: u8,
        /// The receiver's token, naming the connection to join.
        token: u32,
        /// The sender's random nonce.
        nonce: u32,
    },
    /// The SYN-ACK (length 16).
    SynAck {
        /// Backup flag and reserved bits.
        flags: BackupFlags,
        /// The sender's id for the address the SYN-ACK comes from.
        addr_id: u8,
        /// The leftmost 64 bits of the sender's HMAC, raw.
        hmac: [u8; 8],
        /// The sender's random nonce.
        nonce: u32,
    },
    /// The third ACK (length 24).
    Ack {
        /// The 12 reserved bits (low nibble of the subtype byte, then the fourth byte).
        reserved: u16,
        /// The sender's HMAC (160 bits), raw.
        hmac: [u8; 20],
    },
}

impl MpJoin {
    /// Decodes one whole MP_JOIN option.
    pub fn parse(option: &[u8]) -> Result<MpJoin, MptcpError> {
        Packet::new_checked(option).map(|packet| MpJoin::from_packet(&packet))
    }

    /// Reads the representation out of a checked view.
    pub fn from_packet<T: AsRef<[u8]>>(packet: &Packet<T>) -> MpJoin {
        let flags = BackupFlags::from_bits_retain(packet.low_bits());
        let addr_id = packet.addr_id();
        let nonce = packet.nonce().unwrap_or_default();
        if let Some(token) = packet.token() {
            return MpJoin::Syn {
                flags,
                addr_id,
                token,
                nonce,
            };
        }
        if let Some(bytes) = packet.truncated_hmac() {
            let mut hmac = [0; 8];
            hmac.copy_from_slice(bytes);
            return MpJoin::SynAck {
                flags,
                addr_id,
                hmac,
                nonce,
            };
        }
        let mut hmac = [0; 20];
        if let Some(bytes) = packet.hmac() {
            hmac.copy_from_slice(bytes);
        }
        MpJoin::Ack {
            reserved: read_reserved12(packet.bytes()),
            hmac,
        }
    }

    /// How many bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        match self {
            MpJoin::Syn { .. } => SYN_LEN,
            MpJoin::SynAck { .. } => SYNACK_LEN,
            MpJoin::Ack { .. } => ACK_LEN,
        }
    }

    /// Writes the option into the front of `buf` and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, MptcpError> {
        let len = self.buffer_len();
        match *self {
            MpJoin::Syn {
                flags,
                addr_id,
                token,
                nonce,
            } => {
                let out = emit_header(buf, subtype::MP_JOIN, flags.bits(), len)?;
                out[field::ADDR_ID] = addr_id;
                out[field::TOKEN].copy_from_slice(&token.to_be_bytes());
                out[field::SYN_NONCE].copy_from_slice(&nonce.to_be_bytes());
            }
            MpJoin::SynAck {
                flags,
                addr_id,
                hmac,
                nonce,
            } => {
                let out = emit_header(buf, subtype::MP_JOIN, flags.bits(), len)?;
                out[field::ADDR_ID] = addr_id;
                out[field::SYNACK_HMAC].copy_from_slice(&hmac);
                out[field::SYNACK_NONCE].copy_from_slice(&nonce.to_be_bytes());
            }
            MpJoin::Ack { reserved, hmac } => {
                let out = emit_header_reserved12(buf, subtype::MP_JOIN, reserved, len)?;
                out[field::ACK_HMAC].copy_from_slice(&hmac);
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

    /// pymptcpanalyzer/client_2.pcap, frame 16: MP_JOIN SYN (address id 3).
    const SYN: [u8; 12] = [
        0x1e, 0x0c, 0x10, 0x03, 0x2f, 0xf5, 0xf1, 0xf0, 0x3b, 0x22, 0x64, 0xd8,
    ];
    /// pymptcpanalyzer/client_2.pcap, frame 24: the SYN-ACK answering it.
    const SYNACK: [u8; 16] = [
        0x1e, 0x10, 0x10, 0x03, 0x84, 0x03, 0x7d, 0xed, 0xa6, 0x7a, 0x45, 0x4c, 0x0f, 0x0c, 0xc0,
        0x49,
    ];
    /// pymptcpanalyzer/client_2.pcap, frame 26: the third ACK.
    const ACK: [u8; 24] = [
        0x1e, 0x18, 0x10, 0x00, 0x66, 0xe3, 0x66, 0x26, 0x70, 0x3e, 0xac, 0xb8, 0xf7, 0x2e, 0xc5,
        0xbe, 0x13, 0xf8, 0xc4, 0xef, 0x4f, 0x6d, 0x4d, 0xd8,
    ];

    fn round_trip(bytes: &[u8]) -> MpJoin {
        let repr = MpJoin::parse(bytes).unwrap();
        let mut buf = [0u8; 40];
        let len = repr.emit(&mut buf).unwrap();
        assert_eq!(&buf[..len], bytes);
        assert_eq!(repr.buffer_len(), len);
        repr
    }

    #[test]
    fn syn() {
        assert_eq!(
            round_trip(&SYN),
            MpJoin::Syn {
                flags: BackupFlags::empty(),
                addr_id: 3,
                token: 0x2ff5_f1f0,
                nonce: 0x3b22_64d8,
            }
        );
    }

    #[test]
    fn synack() {
        assert_eq!(
            round_trip(&SYNACK),
            MpJoin::SynAck {
                flags: BackupFlags::empty(),
                addr_id: 3,
                hmac: [0x84, 0x03, 0x7d, 0xed, 0xa6, 0x7a, 0x45, 0x4c],
                nonce: 0x0f0c_c049,
            }
        );
        let mut backup = SYNACK;
        backup[2] |= 0x01;
        assert!(matches!(
            round_trip(&backup),
            MpJoin::SynAck {
                flags: BackupFlags::BACKUP,
                ..
            }
        ));
    }

    #[test]
    fn ack_keeps_reserved_bits() {
        let repr = round_trip(&ACK);
        let mut hmac = [0u8; 20];
        hmac.copy_from_slice(&ACK[4..]);
        assert_eq!(repr, MpJoin::Ack { reserved: 0, hmac });
        let mut odd = ACK;
        odd[2] = 0x1a;
        odd[3] = 0xbc;
        assert!(matches!(
            round_trip(&odd),
            MpJoin::Ack {
                reserved: 0x0abc,
                ..
            }
        ));
    }

    #[test]
    fn rejects_other_lengths() {
        let mut bytes = [0u8; 20];
        bytes[..12].copy_from_slice(&SYN);
        bytes[1] = 20;
        assert_eq!(
            MpJoin::parse(&bytes),
            Err(MptcpError::BadLength {
                subtype: subtype::MP_JOIN,
                layout: LAYOUT,
                expected: Expected::OneOf(LENGTHS),
                found: 20
            })
        );
    }

    impl Arbitrary for BackupFlags {
        fn arbitrary(g: &mut Gen) -> Self {
            BackupFlags::from_bits_retain(u8::arbitrary(g) & 0x0f)
        }
    }

    impl Arbitrary for MpJoin {
        fn arbitrary(g: &mut Gen) -> Self {
            match u8::arbitrary(g) % 3 {
                0 => MpJoin::Syn {
                    flags: BackupFlags::arbitrary(g),
                    addr_id: u8::arbitrary(g),
                    token: u32::arbitrary(g),
                    nonce: u32::arbitrary(g),
                },
                1 => MpJoin::SynAck {
                    flags: BackupFlags::arbitrary(g),
                    addr_id: u8::arbitrary(g),
                    hmac: u64::arbitrary(g).to_be_bytes(),
                    nonce: u32::arbitrary(g),
                },
                _ => {
                    let mut hmac = [0u8; 20];
                    hmac.iter_mut().for_each(|b| *b = u8::arbitrary(g));
                    MpJoin::Ack {
                        reserved: u16::arbitrary(g) & 0x0fff,
                        hmac,
                    }
                }
            }
        }
    }

    quickcheck! {
        fn parse_of_emit_is_identity(repr: MpJoin) -> bool {
            let mut buf = [0u8; ACK_LEN];
            let len = repr.emit(&mut buf).unwrap();
            MpJoin::parse(&buf[..len]) == Ok(repr)
        }

        fn emit_of_parse_is_identity(body: Vec<u8>, pick: usize) -> bool {
            let len = LENGTHS[pick % LENGTHS.len()];
            let mut bytes = [0u8; ACK_LEN];
            for (dst, src) in bytes.iter_mut().zip(body) {
                *dst = src;
            }
            bytes[0] = 30;
            bytes[1] = len as u8;
            bytes[2] = 0x10 | (bytes[2] & 0x0f);
            let option = &bytes[..len];
            let mut buf = [0u8; ACK_LEN];
            let written = MpJoin::parse(option).unwrap().emit(&mut buf).unwrap();
            &buf[..written] == option
        }
    }
}
