//! REMOVE_ADDR (subtype 4): withdraw one or more addresses, RFC 6824 §3.4.2 and RFC 8684 §3.4.2.
//!
//! ```text
//! 30 | length | 4, reserved | address id | address id | ...
//! ```
//! One id per byte after the subtype byte, at least one; the same layout in v0 and v1.

use super::{check_subtype, emit_header, field::HEADER_LEN, subtype, Expected, MptcpError};

/// Byte offsets of REMOVE_ADDR's fields.
pub mod field {
    use core::ops::RangeFrom;

    /// Subtype (high nibble) and four reserved bits.
    pub const SUBTYPE_RESERVED: usize = 2;
    /// The address ids, one per byte, to the end of the option.
    pub const IDS: RangeFrom<usize> = 3..;
}

/// The lengths REMOVE_ADDR allows: one id up to what a length byte can say.
pub const LENGTHS: Expected = Expected::Between {
    min: HEADER_LEN + 1,
    max: u8::MAX as usize,
};

/// A zero-copy view of a REMOVE_ADDR option with at least one id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that `buffer` is one whole REMOVE_ADDR option with at least one id.
    pub fn new_checked(buffer: T) -> Result<Self, MptcpError> {
        check_subtype(
            buffer.as_ref(),
            subtype::REMOVE_ADDR,
            "(at least one address id)",
            LENGTHS,
        )?;
        Ok(Packet { buffer })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The four reserved bits of the subtype byte.
    pub fn reserved(&self) -> u8 {
        self.buffer.as_ref()[field::SUBTYPE_RESERVED] & 0x0f
    }

    /// The withdrawn address ids.
    pub fn ids(&self) -> &[u8] {
        &self.buffer.as_ref()[field::IDS]
    }
}

/// A REMOVE_ADDR option, borrowing its ids from the parsed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RemoveAddr<'a> {
    /// The four reserved bits of the subtype byte.
    pub reserved: u8,
    /// The withdrawn address ids (at least one).
    pub ids: &'a [u8],
}

impl<'a> RemoveAddr<'a> {
    /// Decodes one whole REMOVE_ADDR option.
    pub fn parse(option: &'a [u8]) -> Result<RemoveAddr<'a>, MptcpError> {
        let packet = Packet::new_checked(option)?;
        Ok(RemoveAddr {
            reserved: packet.reserved(),
            ids: &option[field::IDS],
        })
    }

    /// How many bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.ids.len()
    }

    /// Writes the option into the front of `buf` and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, MptcpError> {
        if self.ids.is_empty() {
            return Err(MptcpError::Unrepresentable {
                subtype: subtype::REMOVE_ADDR,
                field: "address ids (none)",
            });
        }
        let len = self.buffer_len();
        let out = emit_header(buf, subtype::REMOVE_ADDR, self.reserved, len)?;
        out[field::IDS].copy_from_slice(self.ids);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;
    use std::vec::Vec;

    /// tcpdump/mptcp-v0.pcap, frame 210: remove address id 0.
    const ONE: [u8; 4] = [0x1e, 0x04, 0x40, 0x00];

    #[test]
    fn one_id_from_a_capture() {
        let repr = RemoveAddr::parse(&ONE).unwrap();
        assert_eq!(repr.ids, &[0]);
        let mut buf = [0u8; 4];
        assert_eq!(repr.emit(&mut buf), Ok(4));
        assert_eq!(buf, ONE);
    }

    #[test]
    fn several_ids() {
        let bytes = [0x1e, 0x06, 0x40, 3, 7, 9];
        let repr = RemoveAddr::parse(&bytes).unwrap();
        assert_eq!(repr.ids, &[3, 7, 9]);
        let mut buf = [0u8; 6];
        assert_eq!(repr.emit(&mut buf), Ok(6));
        assert_eq!(buf, bytes);
    }

    #[test]
    fn needs_an_id() {
        assert_eq!(
            RemoveAddr::parse(&[0x1e, 0x03, 0x40]),
            Err(MptcpError::BadLength {
                subtype: subtype::REMOVE_ADDR,
                layout: "(at least one address id)",
                expected: LENGTHS,
                found: 3
            })
        );
        let empty = RemoveAddr {
            reserved: 0,
            ids: &[],
        };
        assert!(empty.emit(&mut [0u8; 4]).is_err());
    }

    quickcheck! {
        fn parse_of_emit_is_identity(reserved: u8, ids: Vec<u8>) -> bool {
            let ids = &ids[..ids.len().min(37)];
            let repr = RemoveAddr { reserved: reserved & 0x0f, ids };
            let mut buf = [0u8; 40];
            match repr.emit(&mut buf) {
                Ok(len) => RemoveAddr::parse(&buf[..len]) == Ok(repr),
                Err(_) => ids.is_empty(),
            }
        }

        fn emit_of_parse_is_identity(low: u8, ids: Vec<u8>) -> bool {
            let mut bytes = Vec::from([30, 0, 0x40 | (low & 0x0f), 0]);
            bytes.extend(ids.iter().take(36));
            bytes[1] = bytes.len() as u8;
            let mut buf = [0u8; 40];
            let written = RemoveAddr::parse(&bytes).unwrap().emit(&mut buf).unwrap();
            buf[..written] == bytes[..]
        }
    }
}
