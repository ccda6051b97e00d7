//! MP_TCPRST (subtype 8): why a subflow was reset, RFC 8684 §3.6 (v1 only).
//!
//! ```text
//! 30 | 4 | 8, U V W T | reason
//! ```
//! T says the error is transient (the peer may retry the subflow); U, V and W are reserved and
//! kept as found.

use bitflags::bitflags;

use super::{check_subtype, emit_header, subtype, Expected, MptcpError};

/// Byte offsets of MP_TCPRST's fields.
pub mod field {
    /// Subtype (high nibble) and the flags U V W T (low nibble).
    pub const SUBTYPE_FLAGS: usize = 2;
    /// The reason code.
    pub const REASON: usize = 3;
}

/// MP_TCPRST's only length.
pub const LEN: usize = 4;

bitflags! {
    /// MP_TCPRST's flag nibble; the reserved bits U, V, W are kept as found.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct RstFlags: u8 {
        /// T: the error is transient, the subflow may be retried.
        const TRANSIENT = 0x01;
        const _ = 0x0f;
    }
}

/// An MP_TCPRST reason code (IANA "MPTCP MP_TCPRST Reason Codes"); unlisted codes are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RstReason(pub u8);

impl RstReason {
    /// Unspecified error.
    pub const UNSPECIFIED: RstReason = RstReason(0x00);
    /// MPTCP-specific error.
    pub const MPTCP_ERROR: RstReason = RstReason(0x01);
    /// Lack of resources.
    pub const LACK_OF_RESOURCES: RstReason = RstReason(0x02);
    /// Administratively prohibited.
    pub const ADMIN_PROHIBITED: RstReason = RstReason(0x03);
    /// Too much outstanding data.
    pub const TOO_MUCH_OUTSTANDING_DATA: RstReason = RstReason(0x04);
    /// Unacceptable performance.
    pub const UNACCEPTABLE_PERFORMANCE: RstReason = RstReason(0x05);
    /// Middlebox interference.
    pub const MIDDLEBOX_INTERFERENCE: RstReason = RstReason(0x06);

    /// The registry's name for the code, or `"unassigned"`.
    pub fn name(self) -> &'static str {
        match self.0 {
            0x00 => "unspecified error",
            0x01 => "MPTCP-specific error",
            0x02 => "lack of resources",
            0x03 => "administratively prohibited",
            0x04 => "too much outstanding data",
            0x05 => "unacceptable performance",
            0x06 => "middlebox interference",
            _ => "unassigned",
        }
    }
}

/// A zero-copy view of an MP_TCPRST option whose length has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks that `buffer` is one whole MP_TCPRST option of length 4.
    pub fn new_checked(buffer: T) -> Result<Self, MptcpError> {
        check_subtype(
            buffer.as_ref(),
            subtype::MP_TCPRST,
            "(flags and reason)",
            Expected::Exactly(LEN),
        )?;
        Ok(Packet { buffer })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The flag nibble.
    pub fn flags(&self) -> RstFlags {
        RstFlags::from_bits_retain(self.buffer.as_ref()[field::SUBTYPE_FLAGS] & 0x0f)
    }

    /// The reason code.
    pub fn reason(&self) -> RstReason {
        RstReason(self.buffer.as_ref()[field::REASON])
    }
}

/// An MP_TCPRST option, owned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MpTcpRst {
    /// The flags (T and the reserved U, V, W).
    pub flags: RstFlags,
    /// The reason code.
    pub reason: RstReason,
}

impl MpTcpRst {
    /// Decodes one whole MP_TCPRST option.
    pub fn parse(option: &[u8]) -> Result<MpTcpRst, MptcpError> {
        let packet = Packet::new_checked(option)?;
        Ok(MpTcpRst {
            flags: packet.flags(),
            reason: packet.reason(),
        })
    }

    /// Whether the error is transient.
    pub fn transient(&self) -> bool {
        self.flags.contains(RstFlags::TRANSIENT)
    }

    /// How many bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        LEN
    }

    /// Writes the option into the front of `buf` and returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, MptcpError> {
        let out = emit_header(buf, subtype::MP_TCPRST, self.flags.bits(), LEN)?;
        out[field::REASON] = self.reason.0;
        Ok(LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{quickcheck, Arbitrary, Gen};

    /// tcpdump/mptcp-tcprst.pcap, frame 1: no flags, unspecified error.
    const PLAIN: [u8; 4] = [0x1e, 0x04, 0x80, 0x00];
    /// tcpdump/mptcp-tcprst.pcap, frame 2: transient, MPTCP-specific error.
    const TRANSIENT: [u8; 4] = [0x1e, 0x04, 0x81, 0x01];

    #[test]
    fn flags_and_reasons_from_a_capture() {
        let mut buf = [0u8; 4];
        let plain = MpTcpRst::parse(&PLAIN).unwrap();
        assert!(!plain.transient());
        assert_eq!(plain.reason, RstReason::UNSPECIFIED);
        assert_eq!(plain.emit(&mut buf), Ok(4));
        assert_eq!(buf, PLAIN);
        let transient = MpTcpRst::parse(&TRANSIENT).unwrap();
        assert!(transient.transient());
        assert_eq!(transient.reason, RstReason::MPTCP_ERROR);
        assert_eq!(transient.reason.name(), "MPTCP-specific error");
        assert_eq!(transient.emit(&mut buf), Ok(4));
        assert_eq!(buf, TRANSIENT);
    }

    impl Arbitrary for MpTcpRst {
        fn arbitrary(g: &mut Gen) -> Self {
            MpTcpRst {
                flags: RstFlags::from_bits_retain(u8::arbitrary(g) & 0x0f),
                reason: RstReason(u8::arbitrary(g)),
            }
        }
    }

    quickcheck! {
        fn parse_of_emit_is_identity(repr: MpTcpRst) -> bool {
            let mut buf = [0u8; LEN];
            repr.emit(&mut buf).unwrap();
            MpTcpRst::parse(&buf) == Ok(repr)
        }

        fn emit_of_parse_is_identity(low: u8, reason: u8) -> bool {
            let bytes = [30, 4, 0x80 | (low & 0x0f), reason];
            let mut buf = [0u8; LEN];
            MpTcpRst::parse(&bytes).unwrap().emit(&mut buf).unwrap();
            buf == bytes
        }
    }
}
