//! Multipath TCP options (option kind 30): v0 (RFC 6824) and v1 (RFC 8684), one file per subtype.
//!
//! Every subtype has a zero-copy view (`Packet<T: AsRef<[u8]>>`, checked once by `new_checked`,
//! after which its accessors cannot fail) and an owned representation with `parse`, `buffer_len`
//! and `emit` into a caller's buffer. [`MptcpOption::parse`] dispatches on the subtype of one whole
//! option as [`crate::options::Options`] yields it (kind and length bytes included).
//!
//! # What the caller must say
//! Most layouts describe themselves through the option's length and flags:
//! * MP_CAPABLE's layout follows from its length alone (4: no key, 12: sender's key, 20: both
//!   keys, 22: both keys and data-level length, 24: and a DSS checksum), in v0 and v1 alike, so it
//!   does not need the caller's version; its own version field says which version it speaks.
//! * MP_JOIN's layout follows from its length (12: SYN, 16: SYN-ACK, 24: third ACK).
//! * DSS's layout follows from its flags, and the checksum's presence from its length.
//! * ADD_ADDR is the exception: v0 puts an IP version in the low nibble of the subtype byte and
//!   has no HMAC, v1 puts the echo bit there and appends an HMAC unless echoing, and the two
//!   layouts share lengths (8, 10, 20, 22). [`MptcpOption::parse`] therefore takes the
//!   connection's [`Version`], which the caller knows from the connection's MP_CAPABLE.
//!
//! Reserved bits are kept in the representations, so every option re-emits byte for byte and a
//! middlebox that sets them can be seen.

use core::fmt;

pub mod add_addr;
pub mod capable;
pub mod dss;
pub mod fail;
pub mod fastclose;
pub mod join;
pub mod prio;
pub mod remove_addr;
pub mod tcprst;

pub use add_addr::{AddAddr, AddAddrFlags};
pub use capable::{CapableFlags, MpCapable};
pub use dss::{Dss, DssFlags, Mapping};
pub use fail::MpFail;
pub use fastclose::MpFastclose;
pub use join::{BackupFlags, MpJoin};
pub use prio::MpPrio;
pub use remove_addr::RemoveAddr;
pub use tcprst::{MpTcpRst, RstFlags, RstReason};

use crate::options::kind::MPTCP as KIND_MPTCP;

/// The MPTCP protocol version a connection speaks.
///
/// Most options describe themselves, but a few layouts differ by version without saying so on the
/// wire (ADD_ADDR above all), so parsers that need it take the version from the caller, who knows
/// it from the connection's MP_CAPABLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// MPTCP v0, RFC 6824: SHA-1, the sender's key in the SYN.
    V0,
    /// MPTCP v1, RFC 8684: SHA-256, no key in the SYN.
    V1,
}

impl Version {
    /// The version an MP_CAPABLE's version field announces, if it is one this crate knows.
    pub fn from_wire(version: u8) -> Option<Version> {
        match version {
            0 => Some(Version::V0),
            1 => Some(Version::V1),
            _ => None,
        }
    }

    /// The value of MP_CAPABLE's version field for this version.
    pub fn to_wire(self) -> u8 {
        match self {
            Version::V0 => 0,
            Version::V1 => 1,
        }
    }
}

/// MPTCP option subtypes (IANA "MPTCP Option Subtypes"), the high nibble of the third byte.
pub mod subtype {
    /// MP_CAPABLE: the handshake of the first subflow.
    pub const MP_CAPABLE: u8 = 0x0;
    /// MP_JOIN: the handshake of an additional subflow.
    pub const MP_JOIN: u8 = 0x1;
    /// DSS: data sequence signal (data ACK and mapping).
    pub const DSS: u8 = 0x2;
    /// ADD_ADDR: advertise an address.
    pub const ADD_ADDR: u8 = 0x3;
    /// REMOVE_ADDR: withdraw addresses.
    pub const REMOVE_ADDR: u8 = 0x4;
    /// MP_PRIO: change a subflow's backup priority.
    pub const MP_PRIO: u8 = 0x5;
    /// MP_FAIL: fall back to plain TCP after a checksum failure.
    pub const MP_FAIL: u8 = 0x6;
    /// MP_FASTCLOSE: abort the whole connection.
    pub const MP_FASTCLOSE: u8 = 0x7;
    /// MP_TCPRST: the reason for a subflow reset (v1 only).
    pub const MP_TCPRST: u8 = 0x8;
    /// MP_EXPERIMENTAL: private use; decoded as unknown.
    pub const MP_EXPERIMENTAL: u8 = 0xf;

    /// The subtype's registry name, or `"unknown"`.
    pub fn name(subtype: u8) -> &'static str {
        match subtype {
            MP_CAPABLE => "MP_CAPABLE",
            MP_JOIN => "MP_JOIN",
            DSS => "DSS",
            ADD_ADDR => "ADD_ADDR",
            REMOVE_ADDR => "REMOVE_ADDR",
            MP_PRIO => "MP_PRIO",
            MP_FAIL => "MP_FAIL",
            MP_FASTCLOSE => "MP_FASTCLOSE",
            MP_TCPRST => "MP_TCPRST",
            MP_EXPERIMENTAL => "MP_EXPERIMENTAL",
            _ => "unknown",
        }
    }
}

/// Offsets shared by every MPTCP option.
pub mod field {
    /// The option kind (30).
    pub const KIND: usize = 0;
    /// The option length, kind and length bytes included.
    pub const LENGTH: usize = 1;
    /// Subtype in the high nibble, subtype-specific bits in the low nibble.
    pub const SUBTYPE: usize = 2;
    /// Kind, length and the subtype byte: the smallest possible MPTCP option.
    pub const HEADER_LEN: usize = 3;
}

/// The lengths a layout allows, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    /// Exactly this many bytes.
    Exactly(usize),
    /// Either of two lengths.
    Either(usize, usize),
    /// One of the listed lengths.
    OneOf(&'static [usize]),
    /// From `min` to `max` bytes, both included.
    Between {
        /// Smallest allowed length.
        min: usize,
        /// Largest allowed length.
        max: usize,
    },
}

impl Expected {
    /// Whether `len` is allowed.
    pub fn allows(&self, len: usize) -> bool {
        match *self {
            Expected::Exactly(n) => len == n,
            Expected::Either(a, b) => len == a || len == b,
            Expected::OneOf(list) => list.contains(&len),
            Expected::Between { min, max } => (min..=max).contains(&len),
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Expected::Exactly(n) => write!(f, "{n}"),
            Expected::Either(a, b) => write!(f, "{a} or {b}"),
            Expected::OneOf(list) => {
                for (i, n) in list.iter().enumerate() {
                    match i {
                        0 => write!(f, "{n}")?,
                        _ if i + 1 == list.len() => write!(f, " or {n}")?,
                        _ => write!(f, ", {n}")?,
                    }
                }
                Ok(())
            }
            Expected::Between { min, max } => write!(f, "{min} to {max}"),
        }
    }
}

/// Why MPTCP option bytes could not be parsed, or a representation could not be emitted.
///
/// Every variant names the subtype where one is known; length errors say what the layout needed
/// and what was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MptcpError {
    /// The option kind is not 30.
    NotMptcp {
        /// The kind byte found.
        kind: u8,
    },
    /// Fewer than the three bytes (kind, length, subtype) every MPTCP option has.
    TooShort {
        /// Bytes given.
        found: usize,
    },
    /// The length byte disagrees with the number of bytes given.
    LengthMismatch {
        /// The option's length byte.
        declared: u8,
        /// Bytes given.
        found: usize,
    },
    /// A subtype view was given an option of another subtype.
    WrongSubtype {
        /// The subtype the view decodes.
        expected: u8,
        /// The subtype found.
        found: u8,
    },
    /// The option's length does not fit its subtype's layout.
    BadLength {
        /// The subtype.
        subtype: u8,
        /// The layout the length was checked against, e.g. "mapping with 8-byte DSN".
        layout: &'static str,
        /// The lengths that layout allows.
        expected: Expected,
        /// The option's length.
        found: usize,
    },
    /// A field holds a value its definition does not allow.
    BadValue {
        /// The subtype.
        subtype: u8,
        /// The field, e.g. "IP version".
        field: &'static str,
        /// The value found.
        value: u8,
    },
    /// The caller's buffer is too short for the option being emitted.
    BufferTooShort {
        /// The subtype.
        subtype: u8,
        /// Bytes the option needs.
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// A representation that no encoding can carry, e.g. a receiver's key without a sender's key,
    /// a flag that disagrees with a present field, or a value wider than its field.
    Unrepresentable {
        /// The subtype.
        subtype: u8,
        /// The field at fault.
        field: &'static str,
    },
}

impl MptcpError {
    /// The subtype the error is about, if it got that far.
    pub fn subtype(&self) -> Option<u8> {
        match *self {
            MptcpError::NotMptcp { .. }
            | MptcpError::TooShort { .. }
            | MptcpError::LengthMismatch { .. } => None,
            MptcpError::WrongSubtype { found, .. } => Some(found),
            MptcpError::BadLength { subtype, .. }
            | MptcpError::BadValue { subtype, .. }
            | MptcpError::BufferTooShort { subtype, .. }
            | MptcpError::Unrepresentable { subtype, .. } => Some(subtype),
        }
    }
}

impl fmt::Display for MptcpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MptcpError::NotMptcp { kind } => {
                write!(f, "option kind {kind} is not MPTCP (kind {KIND_MPTCP})")
            }
            MptcpError::TooShort { found } => write!(
                f,
                "MPTCP option of {found} bytes: expected at least {} (kind, length, subtype)",
                field::HEADER_LEN
            ),
            MptcpError::LengthMismatch { declared, found } => write!(
                f,
                "MPTCP option length byte says {declared} but {found} bytes were given"
            ),
            MptcpError::WrongSubtype { expected, found } => write!(
                f,
                "MPTCP subtype {found} ({}) given to the {} decoder",
                subtype::name(found),
                subtype::name(expected)
            ),
            MptcpError::BadLength {
                subtype,
                layout,
                expected,
                found,
            } => write!(
                f,
                "MPTCP {} (subtype {subtype}) {layout}: expected length {expected}, found {found}",
                subtype::name(subtype)
            ),
            MptcpError::BadValue {
                subtype,
                field,
                value,
            } => write!(
                f,
                "MPTCP {} (subtype {subtype}): {field} {value} is not allowed",
                subtype::name(subtype)
            ),
            MptcpError::BufferTooShort {
                subtype,
                needed,
                available,
            } => write!(
                f,
                "MPTCP {} (subtype {subtype}): buffer too short, need {needed} bytes, have {available}",
                subtype::name(subtype)
            ),
            MptcpError::Unrepresentable { subtype, field } => write!(
                f,
                "MPTCP {} (subtype {subtype}): {field} cannot be encoded",
                subtype::name(subtype)
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for MptcpError {}

/// Checks the three bytes every MPTCP option starts with and that the length byte matches the
/// slice; returns the subtype.
pub fn check_header(option: &[u8]) -> Result<u8, MptcpError> {
    let (kind, len, byte) = match *option {
        [kind, len, byte, ..] => (kind, len, byte),
        _ => {
            return match option.first() {
                Some(&kind) if kind != KIND_MPTCP => Err(MptcpError::NotMptcp { kind }),
                _ => Err(MptcpError::TooShort {
                    found: option.len(),
                }),
            }
        }
    };
    if kind != KIND_MPTCP {
        return Err(MptcpError::NotMptcp { kind });
    }
    if usize::from(len) != option.len() {
        return Err(MptcpError::LengthMismatch {
            declared: len,
            found: option.len(),
        });
    }
    Ok(byte >> 4)
}

/// Checks the header of `option` for a view of `expected`'s subtype and that its length is one
/// `layout` allows.
fn check_subtype(
    option: &[u8],
    expected: u8,
    layout: &'static str,
    allowed: Expected,
) -> Result<(), MptcpError> {
    let found = check_header(option)?;
    if found != expected {
        return Err(MptcpError::WrongSubtype { expected, found });
    }
    if !allowed.allows(option.len()) {
        return Err(MptcpError::BadLength {
            subtype: expected,
            layout,
            expected: allowed,
            found: option.len(),
        });
    }
    Ok(())
}

/// The front `len` bytes of `buf` with kind, length and the subtype byte written, ready for the
/// rest of an option of `subtype` whose low nibble is `low_bits`.
fn emit_header(
    buf: &mut [u8],
    subtype: u8,
    low_bits: u8,
    len: usize,
) -> Result<&mut [u8], MptcpError> {
    let available = buf.len();
    let out = buf.get_mut(..len).ok_or(MptcpError::BufferTooShort {
        subtype,
        needed: len,
        available,
    })?;
    if low_bits > 0x0f {
        return Err(MptcpError::Unrepresentable {
            subtype,
            field: "low nibble of the subtype byte",
        });
    }
    let wire_len = u8::try_from(len).map_err(|_| MptcpError::Unrepresentable {
        subtype,
        field: "length",
    })?;
    out[field::KIND] = KIND_MPTCP;
    out[field::LENGTH] = wire_len;
    out[field::SUBTYPE] = (subtype << 4) | low_bits;
    Ok(out)
}

/// [`emit_header`] for the layouts (MP_FAIL, MP_FASTCLOSE, MP_JOIN's ACK) whose subtype nibble is
/// followed by 12 reserved bits: the low nibble of the subtype byte, then the fourth byte.
fn emit_header_reserved12(
    buf: &mut [u8],
    subtype: u8,
    reserved: u16,
    len: usize,
) -> Result<&mut [u8], MptcpError> {
    if reserved > 0x0fff {
        return Err(MptcpError::Unrepresentable {
            subtype,
            field: "reserved (wider than 12 bits)",
        });
    }
    let out = emit_header(buf, subtype, (reserved >> 8) as u8, len)?;
    out[field::HEADER_LEN] = reserved as u8;
    Ok(out)
}

/// The 12 reserved bits that [`emit_header_reserved12`] writes, from a checked option.
fn read_reserved12(option: &[u8]) -> u16 {
    u16::from(option[field::SUBTYPE] & 0x0f) << 8 | u16::from(option[field::HEADER_LEN])
}

fn read_u16(bytes: &[u8]) -> u16 {
    let mut out = [0; 2];
    out.copy_from_slice(bytes);
    u16::from_be_bytes(out)
}

fn read_u32(bytes: &[u8]) -> u32 {
    let mut out = [0; 4];
    out.copy_from_slice(bytes);
    u32::from_be_bytes(out)
}

fn read_u64(bytes: &[u8]) -> u64 {
    let mut out = [0; 8];
    out.copy_from_slice(bytes);
    u64::from_be_bytes(out)
}

/// One decoded MPTCP option of any subtype.
///
/// Borrows from the parsed bytes only where the option has a variable part (REMOVE_ADDR's ids,
/// an unknown subtype's payload); everything else is owned and `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MptcpOption<'a> {
    /// MP_CAPABLE (subtype 0).
    Capable(MpCapable),
    /// MP_JOIN (subtype 1).
    Join(MpJoin),
    /// DSS (subtype 2).
    Dss(Dss),
    /// ADD_ADDR (subtype 3).
    AddAddr(AddAddr),
    /// REMOVE_ADDR (subtype 4).
    RemoveAddr(RemoveAddr<'a>),
    /// MP_PRIO (subtype 5).
    Prio(MpPrio),
    /// MP_FAIL (subtype 6).
    Fail(MpFail),
    /// MP_FASTCLOSE (subtype 7).
    Fastclose(MpFastclose),
    /// MP_TCPRST (subtype 8).
    TcpRst(MpTcpRst),
    /// Any other subtype (9 to 15, MP_EXPERIMENTAL included), kept whole.
    Unknown {
        /// The subtype (the high nibble of `data[0]`).
        subtype: u8,
        /// Everything after the length byte, starting with the subtype byte (whose low nibble
        /// is the subtype's own business).
        data: &'a [u8],
    },
}

impl<'a> MptcpOption<'a> {
    /// Decodes one whole MPTCP option (kind and length bytes included, as
    /// [`crate::options::TcpOption::Mptcp`] holds it).
    ///
    /// `version` is the connection's MPTCP version; only ADD_ADDR's layout depends on it (see the
    /// module documentation). Every other subtype ignores it.
    ///
    /// ```
    /// use mptcpscan::mptcp::{MptcpOption, Version};
    /// use mptcpscan::options::{find_mptcp, Options};
    ///
    /// // A v1 SYN-ACK's options: MSS, SACK permitted, timestamps, NOP, window scale, MP_CAPABLE.
    /// let area = [
    ///     0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x03,
    ///     0x03, 0x07, 0x1e, 0x0c, 0x01, 0x01, 0x73, 0xbb, 0x15, 0x03, 0x58, 0xa0, 0xae, 0xcb,
    /// ];
    /// assert!(Options::new(&area).all(|item| item.is_ok()));
    /// let option = find_mptcp(&area).unwrap();
    /// match MptcpOption::parse(option, Version::V1) {
    ///     Ok(MptcpOption::Capable(capable)) => {
    ///         assert_eq!(capable.version, 1);
    ///         assert_eq!(capable.sender_key, Some(0x73bb_1503_58a0_aecb));
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn parse(option: &'a [u8], version: Version) -> Result<MptcpOption<'a>, MptcpError> {
        Ok(match check_header(option)? {
            subtype::MP_CAPABLE => MptcpOption::Capable(MpCapable::parse(option)?),
            subtype::MP_JOIN => MptcpOption::Join(MpJoin::parse(option)?),
            subtype::DSS => MptcpOption::Dss(Dss::parse(option)?),
            subtype::ADD_ADDR => MptcpOption::AddAddr(AddAddr::parse(option, version)?),
            subtype::REMOVE_ADDR => MptcpOption::RemoveAddr(RemoveAddr::parse(option)?),
            subtype::MP_PRIO => MptcpOption::Prio(MpPrio::parse(option)?),
            subtype::MP_FAIL => MptcpOption::Fail(MpFail::parse(option)?),
            subtype::MP_FASTCLOSE => MptcpOption::Fastclose(MpFastclose::parse(option)?),
            subtype::MP_TCPRST => MptcpOption::TcpRst(MpTcpRst::parse(option)?),
            subtype => MptcpOption::Unknown {
                subtype,
                data: &option[field::SUBTYPE..],
            },
        })
    }

    /// The option's subtype.
    pub fn subtype(&self) -> u8 {
        match self {
            MptcpOption::Capable(_) => subtype::MP_CAPABLE,
            MptcpOption::Join(_) => subtype::MP_JOIN,
            MptcpOption::Dss(_) => subtype::DSS,
            MptcpOption::AddAddr(_) => subtype::ADD_ADDR,
            MptcpOption::RemoveAddr(_) => subtype::REMOVE_ADDR,
            MptcpOption::Prio(_) => subtype::MP_PRIO,
            MptcpOption::Fail(_) => subtype::MP_FAIL,
            MptcpOption::Fastclose(_) => subtype::MP_FASTCLOSE,
            MptcpOption::TcpRst(_) => subtype::MP_TCPRST,
            MptcpOption::Unknown { subtype, .. } => *subtype,
        }
    }

    /// How many bytes [`emit`](Self::emit) writes (the whole option).
    pub fn buffer_len(&self) -> usize {
        match self {
            MptcpOption::Capable(repr) => repr.buffer_len(),
            MptcpOption::Join(repr) => repr.buffer_len(),
            MptcpOption::Dss(repr) => repr.buffer_len(),
            MptcpOption::AddAddr(repr) => repr.buffer_len(),
            MptcpOption::RemoveAddr(repr) => repr.buffer_len(),
            MptcpOption::Prio(repr) => repr.buffer_len(),
            MptcpOption::Fail(repr) => repr.buffer_len(),
            MptcpOption::Fastclose(repr) => repr.buffer_len(),
            MptcpOption::TcpRst(repr) => repr.buffer_len(),
            MptcpOption::Unknown { data, .. } => field::SUBTYPE + data.len(),
        }
    }

    /// Writes the whole option into the front of `buf` and returns its length.
    ///
    /// ADD_ADDR is written in the layout its own representation records (v0 or v1).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, MptcpError> {
        match self {
            MptcpOption::Capable(repr) => repr.emit(buf),
            MptcpOption::Join(repr) => repr.emit(buf),
            MptcpOption::Dss(repr) => repr.emit(buf),
            MptcpOption::AddAddr(repr) => repr.emit(buf),
            MptcpOption::RemoveAddr(repr) => repr.emit(buf),
            MptcpOption::Prio(repr) => repr.emit(buf),
            MptcpOption::Fail(repr) => repr.emit(buf),
            MptcpOption::Fastclose(repr) => repr.emit(buf),
            MptcpOption::TcpRst(repr) => repr.emit(buf),
            MptcpOption::Unknown { subtype, data } => {
                let consistent = data.first().map(|byte| byte >> 4) == Some(*subtype);
                if !consistent {
                    return Err(MptcpError::Unrepresentable {
                        subtype: *subtype,
                        field: "data (must start with the subtype byte)",
                    });
                }
                let len = self.buffer_len();
                let out = emit_header(buf, *subtype, data[0] & 0x0f, len)?;
                out[field::SUBTYPE..].copy_from_slice(data);
                Ok(len)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{quickcheck, Arbitrary, Gen};
    use std::vec::Vec;

    /// A whole option as it could come out of the walk: kind 30, a length byte matching the
    /// bytes, any subtype and any body.
    #[derive(Debug, Clone)]
    struct RandomOption(Vec<u8>);

    impl Arbitrary for RandomOption {
        fn arbitrary(g: &mut Gen) -> Self {
            let len = usize::from(u8::arbitrary(g) % 38) + 3;
            let mut bytes: Vec<u8> = (0..len).map(|_| u8::arbitrary(g)).collect();
            bytes[0] = KIND_MPTCP;
            bytes[1] = len as u8;
            // Weight the nine known subtypes over the unknown ones.
            bytes[2] = (u8::arbitrary(g) % 10) << 4 | (bytes[2] & 0x0f);
            RandomOption(bytes)
        }
    }

    #[test]
    fn dispatches_on_subtype() {
        let v1_syn = [0x1e, 0x04, 0x01, 0x01];
        assert!(matches!(
            MptcpOption::parse(&v1_syn, Version::V1),
            Ok(MptcpOption::Capable(MpCapable { version: 1, .. }))
        ));
        let experimental = [0x1e, 0x05, 0xf3, 0xaa, 0xbb];
        let parsed = MptcpOption::parse(&experimental, Version::V1).unwrap();
        assert_eq!(
            parsed,
            MptcpOption::Unknown {
                subtype: subtype::MP_EXPERIMENTAL,
                data: &[0xf3, 0xaa, 0xbb]
            }
        );
        let mut buf = [0u8; 5];
        assert_eq!(parsed.emit(&mut buf), Ok(5));
        assert_eq!(buf, experimental);
        let add_addr_v0 = [0x1e, 0x08, 0x34, 0x01, 0x0a, 0x01, 0x02, 0x02];
        assert!(matches!(
            MptcpOption::parse(&add_addr_v0, Version::V0),
            Ok(MptcpOption::AddAddr(AddAddr {
                version: Version::V0,
                ..
            }))
        ));
        assert!(MptcpOption::parse(&add_addr_v0, Version::V1).is_ok());
    }

    #[test]
    fn version_on_the_wire() {
        for version in [Version::V0, Version::V1] {
            assert_eq!(Version::from_wire(version.to_wire()), Some(version));
        }
        assert_eq!(Version::from_wire(2), None);
    }

    #[test]
    fn header_errors() {
        assert_eq!(
            MptcpOption::parse(&[], Version::V1),
            Err(MptcpError::TooShort { found: 0 })
        );
        assert_eq!(
            MptcpOption::parse(&[0x1e, 0x02], Version::V1),
            Err(MptcpError::TooShort { found: 2 })
        );
        assert_eq!(
            MptcpOption::parse(&[0x02, 0x04, 0x05, 0xb4], Version::V1),
            Err(MptcpError::NotMptcp { kind: 2 })
        );
        assert_eq!(
            MptcpOption::parse(&[0x1e, 0x0c, 0x01, 0x01], Version::V1),
            Err(MptcpError::LengthMismatch {
                declared: 12,
                found: 4
            })
        );
    }

    #[test]
    fn errors_read_well() {
        let error = MptcpOption::parse(&[0x1e, 0x05, 0x01, 0x01, 0x00], Version::V1).unwrap_err();
        assert_eq!(
            std::format!("{error}"),
            "MPTCP MP_CAPABLE (subtype 0) (layout follows from length): \
             expected length 4, 12, 20, 22 or 24, found 5"
        );
        assert_eq!(error.subtype(), Some(subtype::MP_CAPABLE));
    }

    quickcheck! {
        fn parse_never_panics_and_reemits_exactly(option: RandomOption, v0: bool) -> bool {
            let version = if v0 { Version::V0 } else { Version::V1 };
            match MptcpOption::parse(&option.0, version) {
                Ok(parsed) => {
                    let mut buf = [0u8; 64];
                    let len = parsed.emit(&mut buf).unwrap();
                    len == parsed.buffer_len() && buf[..len] == option.0[..]
                }
                Err(error) => error.subtype().is_some(),
            }
        }

        fn parse_never_panics_on_raw_bytes(bytes: Vec<u8>, v0: bool) -> bool {
            let version = if v0 { Version::V0 } else { Version::V1 };
            let _ = MptcpOption::parse(&bytes, version);
            true
        }

        fn every_repr_round_trips(
            first: (MpCapable, MpJoin, Dss, AddAddr),
            second: (MpPrio, MpFail, MpFastclose, MpTcpRst)
        ) -> bool {
            let (capable, join, dss, add_addr) = first;
            let (prio, fail, fastclose, tcprst) = second;
            [
                MptcpOption::Capable(capable),
                MptcpOption::Join(join),
                MptcpOption::Dss(dss),
                MptcpOption::AddAddr(add_addr),
                MptcpOption::Prio(prio),
                MptcpOption::Fail(fail),
                MptcpOption::Fastclose(fastclose),
                MptcpOption::TcpRst(tcprst),
            ]
            .iter()
            .all(|option| {
                let mut buf = [0u8; 40];
                let len = option.emit(&mut buf).unwrap();
                let version = match option {
                    MptcpOption::AddAddr(repr) => repr.version,
                    _ => Version::V1,
                };
                MptcpOption::parse(&buf[..len], version) == Ok(*option)
            })
        }
    }
}
