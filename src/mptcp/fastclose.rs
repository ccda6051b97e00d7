//! MP_FASTCLOSE (subtype 7): abort the whole connection, RFC 6824 §3.5 and RFC 8684 §3.5.
//!
//! ```text
//! 30 | 12 | 7, reserved (12 bits) | receiver's key (8)
//! ```
//! The key is the receiver's, proving the sender knows the connection; the same layout in v0
//! and v1.

use super::{
    check_subtype, emit_header_reserved12, read_reserved12, read_u64, subtype, Expected, MptcpError,
};

/// Byte offsets of MP_FASTCLOSE's fields.
pub mod field {
    use core::ops::Range;

    /// Subtype (high nibble) and the top four reserved bits.
    pub const SUBTYPE_RESERVED: usize = 2;
    /// The low eight reserved bits.
    pub const RESERVED: usize = 3;
    /// The receiver's key.
    pub const KEY: Range<usize> = 4..12;
}

/// MP_FASTCLOSE's only length.
pub const LEN: usize = 12;

/// A zero-copy view of an MP_FASTCLOSE option whose length has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that `buffer` is one whole MP_FASTCLOSE option of length 12.
    pub fn new_checked(buffer: T) -> Result<Self, MptcpError> {
        check_subtype(
            buffer.as_ref(),
            subtype::MP_FASTCLOSE,
            "(with the receiver's 64-bit key)",
            Expected::Exactly(LEN),
        )?;
        Ok(Packet { buffer })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The 12 reserved bits.
    pub fn reserved(&self) -> u16 {
        read_reserved12(self.buffer.as_ref())
    }

    /// The receiver's key.
    pub fn receiver_key(&self) -> u64 {
        read_u64(&self.buffer.as_ref()[field::KEY])
    }
}

/// An MP_FASTCLOSE option, owned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MpFastclose {
    /// The 12 reserved bits.
    pub reserved: u16,
    /// The receiver's key.
    pub receiver_key: u64,
}

impl MpFastclose {
    /// Decodes one whole MP_FASTCLOSE option.
    pub fn parse(option: &[u8]) -> Result<MpFastclose, MptcpError> {
        let packet = Packet::new_checked(option)?;
        Ok(MpFastclose {
            reserved: packet.reserved(),
            receiver_key: packet.receiver_key(),
        })
    }

    /// How many bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        LEN
    }

    /// Writes the option into the front of `buf` and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, MptcpError> {
        let out = emit_header_reserved12(buf, subtype::MP_FASTCLOSE, self.reserved, LEN)?;
        out[field::KEY].copy_from_slice(&self.receiver_key.to_be_bytes());
        Ok(LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{quickcheck, Arbitrary, Gen};

    /// tcpdump/mptcp-fclose.pcap, frame 10.
    const FASTCLOSE: [u8; 12] = [
        0x1e, 0x0c, 0x70, 0x00, 0xd0, 0x05, 0xb1, 0xab, 0x34, 0xba, 0xd3, 0x44,
    ];

    #[test]
    fn key_from_a_capture() {
        let repr = MpFastclose::parse(&FASTCLOSE).unwrap();
        assert_eq!(repr.receiver_key, 0xd005_b1ab_34ba_d344);
        assert_eq!(repr.reserved, 0);
        let mut buf = [0u8; 12];
        assert_eq!(repr.emit(&mut buf), Ok(12));
        assert_eq!(buf, FASTCLOSE);
        let mut long = [0u8; 16];
        long[..12].copy_from_slice(&FASTCLOSE);
        long[1] = 16;
        assert_eq!(
            MpFastclose::parse(&long),
            Err(MptcpError::BadLength {
                subtype: subtype::MP_FASTCLOSE,
                layout: "(with the receiver's 64-bit key)",
                expected: Expected::Exactly(12),
                found: 16
            })
        );
    }

    impl Arbitrary for MpFastclose {
        fn arbitrary(g: &mut Gen) -> Self {
            MpFastclose {
                reserved: u16::arbitrary(g) & 0x0fff,
                receiver_key: u64::arbitrary(g),
            }
        }
    }

    quickcheck! {
        fn parse_of_emit_is_identity(repr: MpFastclose) -> bool {
            let mut buf = [0u8; LEN];
            repr.emit(&mut buf).unwrap();
            MpFastclose::parse(&buf) == Ok(repr)
        }

        fn emit_of_parse_is_identity(low: u8, reserved: u8, key: u64) -> bool {
            let mut bytes = [30, 12, 0x70 | (low & 0x0f), reserved, 0, 0, 0, 0, 0, 0, 0, 0];
            bytes[4..].copy_from_slice(&key.to_be_bytes());
            let mut buf = [0u8; LEN];
            MpFastclose::parse(&bytes).unwrap().emit(&mut buf).unwrap();
            buf == bytes
        }
    }
}
