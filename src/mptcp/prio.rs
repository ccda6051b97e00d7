//! MP_PRIO (subtype 5): change a subflow's backup priority, RFC 6824 §3.3.8 and RFC 8684 §3.3.8.
//!
//! ```text
//! 30 | 3 or 4 | 5, rsv, B | address id (optional)
//! ```
//! RFC 6824 lets the option name an address id (length 4); RFC 8684 dropped it (length 3, the
//! subflow it travels on). Both lengths are accepted in either version.

use super::{check_subtype, emit_header, subtype, BackupFlags, Expected, MptcpError};

/// Byte offsets of MP_PRIO's fields.
pub mod field {
    /// Subtype (high nibble), reserved bits and the backup flag (low nibble).
    pub const SUBTYPE_FLAGS: usize = 2;
    /// The address id (length 4 only).
    pub const ADDR_ID: usize = 3;
}

/// The lengths MP_PRIO allows: without and with an address id.
pub const LENGTHS: Expected = Expected::Either(3, 4);

/// A zero-copy view of an MP_PRIO option whose length has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that `buffer` is one whole MP_PRIO option of length 3 or 4.
    pub fn new_checked(buffer: T) -> Result<Self, MptcpError> {
        check_subtype(
            buffer.as_ref(),
            subtype::MP_PRIO,
            "(3: no address id, 4: address id)",
            LENGTHS,
        )?;
        Ok(Packet { buffer })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Backup flag and reserved bits.
    pub fn flags(&self) -> BackupFlags {
        BackupFlags::from_bits_retain(self.buffer.as_ref()[field::SUBTYPE_FLAGS] & 0x0f)
    }

    /// The address id, if the option has one.
    pub fn addr_id(&self) -> Option<u8> {
        self.buffer.as_ref().get(field::ADDR_ID).copied()
    }
}

/// An MP_PRIO option, owned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MpPrio {
    /// Backup flag and reserved bits.
    pub flags: BackupFlags,
    /// The address id whose priority changes (v0 only; absent: the subflow carrying it).
    pub addr_id: Option<u8>,
}

impl MpPrio {
    /// Decodes one whole MP_PRIO option.
    pub fn parse(option: &[u8]) -> Result<MpPrio, MptcpError> {
        let packet = Packet::new_checked(option)?;
        Ok(MpPrio {
            flags: packet.flags(),
            addr_id: packet.addr_id(),
        })
    }

    /// Whether the subflow becomes a backup.
    pub fn backup(&self) -> bool {
        self.flags.contains(BackupFlags::BACKUP)
    }

    /// How many bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        3 + usize::from(self.addr_id.is_some())
    }

    /// Writes the option into the front of `buf` and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, MptcpError> {
        let len = self.buffer_len();
        let out = emit_header(buf, subtype::MP_PRIO, self.flags.bits(), len)?;
        if let Some(id) = self.addr_id {
            out[field::ADDR_ID] = id;
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{quickcheck, Arbitrary, Gen};

    // No capture carries MP_PRIO: the fixtures follow RFC 8684 §3.3.8 and RFC 6824 §3.3.8.
    const V1_BACKUP: [u8; 3] = [0x1e, 0x03, 0x51];
    const V0_WITH_ID: [u8; 4] = [0x1e, 0x04, 0x50, 0x02];

    #[test]
    fn without_and_with_address_id() {
        let mut buf = [0u8; 4];
        let v1 = MpPrio::parse(&V1_BACKUP).unwrap();
        assert!(v1.backup());
        assert_eq!(v1.addr_id, None);
        assert_eq!(v1.emit(&mut buf), Ok(3));
        assert_eq!(buf[..3], V1_BACKUP);
        let v0 = MpPrio::parse(&V0_WITH_ID).unwrap();
        assert!(!v0.backup());
        assert_eq!(v0.addr_id, Some(2));
        assert_eq!(v0.emit(&mut buf), Ok(4));
        assert_eq!(buf, V0_WITH_ID);
        assert!(matches!(
            MpPrio::parse(&[0x1e, 0x05, 0x51, 0, 0]),
            Err(MptcpError::BadLength { found: 5, .. })
        ));
    }

    impl Arbitrary for MpPrio {
        fn arbitrary(g: &mut Gen) -> Self {
            MpPrio {
                flags: BackupFlags::arbitrary(g),
                addr_id: Option::<u8>::arbitrary(g),
            }
        }
    }

    quickcheck! {
        fn parse_of_emit_is_identity(repr: MpPrio) -> bool {
            let mut buf = [0u8; 4];
            let len = repr.emit(&mut buf).unwrap();
            MpPrio::parse(&buf[..len]) == Ok(repr)
        }

        fn emit_of_parse_is_identity(low: u8, id: Option<u8>) -> bool {
            let mut bytes = [30, 3, 0x50 | (low & 0x0f), 0];
            if let Some(id) = id {
                bytes[1] = 4;
                bytes[3] = id;
            }
            let option = &bytes[..usize::from(bytes[1])];
            let mut buf = [0u8; 4];
            let written = MpPrio::parse(option).unwrap().emit(&mut buf).unwrap();
            &buf[..written] == option
        }
    }
}
