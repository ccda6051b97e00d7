//! MP_FAIL (subtype 6): fall back after a checksum failure, RFC 6824 §3.6 and RFC 8684 §3.7.
//!
//! ```text
//! 30 | 12 | 6, reserved (12 bits) | data sequence number (8)
//! ```
//! The DSN is that of the start of the mapping whose checksum failed; the same layout in v0 and
//! v1.

use super::{
    check_subtype, emit_header_reserved12, read_reserved12, read_u64, subtype, Expected, MptcpError,
};

/// Byte offsets of MP_FAIL's fields.
pub mod field {
    use core::ops::Range;

    /// Subtype (high nibble) and the top four reserved bits.
    pub const SUBTYPE_RESERVED: usize = 2;
    /// The low eight reserved bits.
    pub const RESERVED: usize = 3;
    /// The data sequence number of the failed mapping.
    pub const DSN: Range<usize> = 4..12;
}

/// MP_FAIL's only length.
pub const LEN: usize = 12;

/// A zero-copy view of an MP_FAIL option whose length has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that `buffer` is one whole MP_FAIL option of length 12.
    pub fn new_checked(buffer: T) -> Result<Self, MptcpError> {
        check_subtype(
            buffer.as_ref(),
            subtype::MP_FAIL,
            "(with a 64-bit DSN)",
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

    /// The data sequence number of the failed mapping.
    pub fn dsn(&self) -> u64 {
        read_u64(&self.buffer.as_ref()[field::DSN])
    }
}

/// An MP_FAIL option, owned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MpFail {
    /// The 12 reserved bits.
    pub reserved: u16,
    /// The data sequence number of the failed mapping.
    pub dsn: u64,
}

impl MpFail {
    /// Decodes one whole MP_FAIL option.
    pub fn parse(option: &[u8]) -> Result<MpFail, MptcpError> {
        let packet = Packet::new_checked(option)?;
        Ok(MpFail {
            reserved: packet.reserved(),
            dsn: packet.dsn(),
        })
    }

    /// How many bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        LEN
    }

    /// Writes the option into the front of `buf` and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, MptcpError> {
        let out = emit_header_reserved12(buf, subtype::MP_FAIL, self.reserved, LEN)?;
        out[field::DSN].copy_from_slice(&self.dsn.to_be_bytes());
        Ok(LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{quickcheck, Arbitrary, Gen};

    // No capture carries MP_FAIL: the fixture follows RFC 8684 §3.7.
    const FAIL: [u8; 12] = [
        0x1e, 0x0c, 0x60, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    ];

    #[test]
    fn dsn() {
        let repr = MpFail::parse(&FAIL).unwrap();
        assert_eq!(
            repr,
            MpFail {
                reserved: 0,
                dsn: 0x0102_0304_0506_0708
            }
        );
        let mut buf = [0u8; 12];
        assert_eq!(repr.emit(&mut buf), Ok(12));
        assert_eq!(buf, FAIL);
        assert!(matches!(
            MpFail::parse(&FAIL[..8]),
            Err(MptcpError::LengthMismatch { .. })
        ));
    }

    impl Arbitrary for MpFail {
        fn arbitrary(g: &mut Gen) -> Self {
            MpFail {
                reserved: u16::arbitrary(g) & 0x0fff,
                dsn: u64::arbitrary(g),
            }
        }
    }

    quickcheck! {
        fn parse_of_emit_is_identity(repr: MpFail) -> bool {
            let mut buf = [0u8; LEN];
            repr.emit(&mut buf).unwrap();
            MpFail::parse(&buf) == Ok(repr)
        }

        fn emit_of_parse_is_identity(low: u8, reserved: u8, dsn: u64) -> bool {
            let mut bytes = [30, 12, 0x60 | (low & 0x0f), reserved, 0, 0, 0, 0, 0, 0, 0, 0];
            bytes[4..].copy_from_slice(&dsn.to_be_bytes());
            let mut buf = [0u8; LEN];
            MpFail::parse(&bytes).unwrap().emit(&mut buf).unwrap();
            buf == bytes
        }
    }
}
