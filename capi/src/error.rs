//! The one result type every fallible export returns, and [`mptcpscan_strerror`].

use core::ffi::{c_char, CStr};

use core_lib::options::{EmitError, OptionError};

/// The outcome of a call: `MPTCPSCAN_RESULT_OK` (0) or the reason it failed.
///
/// Codes are grouped by hundreds: 0–99 the call itself (pointers, buffers, arguments), 100–199 the
/// TCP option walk, 200–299 MPTCP options, 400–499 packet headers, 500–599 quote diffs. A new code may appear in a
/// minor ABI version, so hosts should treat an unknown non-zero code as a failure and print it
/// with `mptcpscan_strerror`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_result {
    /// Success: the outputs are written.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 1,
    /// The caller's output buffer is too small for the result; nothing was written.
    BufferTooShort = 2,
    /// An integer argument is out of range (an unknown enum value, flag bits, an offset past the
    /// end of its buffer) or arguments contradict each other.
    InvalidArgument = 3,
    /// A bug inside the library was caught at the boundary; please report it.
    Panic = 4,
    /// Input buffers overlap an output buffer.
    OverlappingBuffers = 5,
    /// A pointer is not aligned for its type.
    Misaligned = 6,
    /// What was asked for is not in the input (e.g. no MPTCP option in an option area).
    NotFound = 7,
    /// A multi-byte TCP option is the last byte of the area: it has no length byte.
    OptionMissingLength = 100,
    /// A TCP option's length byte is 0 or 1.
    OptionLengthTooSmall = 101,
    /// A TCP option's length runs past the end of the option area.
    OptionTruncated = 102,
    /// A fixed-size TCP option (MSS, window scale, SACK permitted, timestamps) or SACK has a length
    /// its definition does not allow.
    OptionWrongLength = 103,
    /// An option is longer than its one-byte length field, or its variable part longer than the
    /// 40-byte option area, allows.
    OptionTooLong = 104,
    /// The option is not kind 30 (MPTCP).
    MptcpNotMptcp = 200,
    /// The option is shorter than kind, length and subtype (3 bytes).
    MptcpTooShort = 201,
    /// The option's length byte disagrees with the number of bytes given.
    MptcpLengthMismatch = 202,
    /// The option's subtype is not the one the decoder handles.
    MptcpWrongSubtype = 203,
    /// The option's length is not one its subtype (and flags) allow.
    MptcpBadLength = 204,
    /// A field holds a value its subtype does not allow (e.g. an ADD_ADDR v0 IP version).
    MptcpBadValue = 205,
    /// The fields given for encoding make no valid layout.
    MptcpUnrepresentable = 206,
    /// A packet is shorter than its headers say or need.
    WireTruncated = 400,
    /// An IP header has another version than expected.
    WireVersion = 401,
    /// A header length field is shorter than the fixed header.
    WireHeaderLength = 402,
    /// An IPv4 total length is shorter than its header.
    WireTotalLength = 403,
    /// A packet carries another protocol than expected (e.g. not TCP).
    WireProtocol = 404,
    /// An ICMP message is not an error quoting a packet.
    WireNotAnError = 405,
    /// The packet given as sent is not an IPv4/IPv6 TCP packet.
    QuoteSentInvalid = 500,
    /// The quote is IPv4 and the sent packet IPv6, or the reverse.
    QuoteFamilyMismatch = 501,
}

impl mptcpscan_result {
    /// Every result, in code order (for `strerror` and tests).
    pub const ALL: &'static [mptcpscan_result] = &[
        mptcpscan_result::Ok,
        mptcpscan_result::NullParameter,
        mptcpscan_result::BufferTooShort,
        mptcpscan_result::InvalidArgument,
        mptcpscan_result::Panic,
        mptcpscan_result::OverlappingBuffers,
        mptcpscan_result::Misaligned,
        mptcpscan_result::NotFound,
        mptcpscan_result::OptionMissingLength,
        mptcpscan_result::OptionLengthTooSmall,
        mptcpscan_result::OptionTruncated,
        mptcpscan_result::OptionWrongLength,
        mptcpscan_result::OptionTooLong,
        mptcpscan_result::MptcpNotMptcp,
        mptcpscan_result::MptcpTooShort,
        mptcpscan_result::MptcpLengthMismatch,
        mptcpscan_result::MptcpWrongSubtype,
        mptcpscan_result::MptcpBadLength,
        mptcpscan_result::MptcpBadValue,
        mptcpscan_result::MptcpUnrepresentable,
        mptcpscan_result::WireTruncated,
        mptcpscan_result::WireVersion,
        mptcpscan_result::WireHeaderLength,
        mptcpscan_result::WireTotalLength,
        mptcpscan_result::WireProtocol,
        mptcpscan_result::WireNotAnError,
        mptcpscan_result::QuoteSentInvalid,
        mptcpscan_result::QuoteFamilyMismatch,
    ];

    /// The code as a static NUL-terminated description.
    pub fn text(self) -> &'static CStr {
        match self {
            mptcpscan_result::Ok => c"success",
            mptcpscan_result::NullParameter => c"a required pointer argument is NULL",
            mptcpscan_result::BufferTooShort => c"output buffer too short",
            mptcpscan_result::InvalidArgument => c"invalid argument (out-of-range value)",
            mptcpscan_result::Panic => c"internal error (panic caught at the C boundary)",
            mptcpscan_result::OverlappingBuffers => c"input and output buffers overlap",
            mptcpscan_result::Misaligned => c"pointer not aligned for its type",
            mptcpscan_result::NotFound => c"not found",
            mptcpscan_result::OptionMissingLength => c"TCP option has no length byte",
            mptcpscan_result::OptionLengthTooSmall => c"TCP option length is less than 2",
            mptcpscan_result::OptionTruncated => c"TCP option runs past the end of the option area",
            mptcpscan_result::OptionWrongLength => c"TCP option length not allowed for its kind",
            mptcpscan_result::OptionTooLong => {
                c"TCP option too long for its length byte or the option area"
            }
            mptcpscan_result::MptcpNotMptcp => c"not an MPTCP option (kind 30)",
            mptcpscan_result::MptcpTooShort => c"MPTCP option shorter than 3 bytes",
            mptcpscan_result::MptcpLengthMismatch => {
                c"MPTCP option length byte disagrees with the bytes given"
            }
            mptcpscan_result::MptcpWrongSubtype => c"MPTCP option of another subtype",
            mptcpscan_result::MptcpBadLength => c"MPTCP option length not allowed for its subtype",
            mptcpscan_result::MptcpBadValue => c"MPTCP option field value not allowed",
            mptcpscan_result::MptcpUnrepresentable => c"MPTCP option fields make no valid layout",
            mptcpscan_result::WireTruncated => c"packet truncated",
            mptcpscan_result::WireVersion => c"unexpected IP version",
            mptcpscan_result::WireHeaderLength => c"header length shorter than the fixed header",
            mptcpscan_result::WireTotalLength => c"IPv4 total length shorter than its header",
            mptcpscan_result::WireProtocol => c"unexpected protocol (not TCP or ICMP)",
            mptcpscan_result::WireNotAnError => c"ICMP message is not an error quoting a packet",
            mptcpscan_result::QuoteSentInvalid => c"sent packet is not an IPv4/IPv6 TCP packet",
            mptcpscan_result::QuoteFamilyMismatch => c"quote and sent packet differ in IP version",
        }
    }
}

impl From<OptionError> for mptcpscan_result {
    fn from(e: OptionError) -> Self {
        match e {
            OptionError::MissingLength { .. } => mptcpscan_result::OptionMissingLength,
            OptionError::LengthTooSmall { .. } => mptcpscan_result::OptionLengthTooSmall,
            OptionError::Truncated { .. } => mptcpscan_result::OptionTruncated,
            OptionError::WrongLength { .. } => mptcpscan_result::OptionWrongLength,
        }
    }
}

impl From<EmitError> for mptcpscan_result {
    fn from(e: EmitError) -> Self {
        match e {
            EmitError::BufferTooShort { .. } => mptcpscan_result::BufferTooShort,
            EmitError::TooLong { .. } => mptcpscan_result::OptionTooLong,
        }
    }
}

/// Describes a result code in English.
///
/// Reads `code` (any integer, typically an `mptcpscan_result`). Returns a static NUL-terminated
/// string that lives as long as the library is loaded and must not be freed; an unknown code gives
/// "unknown mptcpscan result code". Never fails.
#[no_mangle]
pub extern "C" fn mptcpscan_strerror(code: u32) -> *const c_char {
    crate::ffi::guard_value(c"unknown mptcpscan result code".as_ptr(), || {
        mptcpscan_result::ALL
            .iter()
            .find(|r| **r as u32 == code)
            .map_or(c"unknown mptcpscan result code", |r| r.text())
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_code_has_its_own_text_and_unknown_codes_are_named() {
        let texts: Vec<&CStr> = mptcpscan_result::ALL.iter().map(|r| r.text()).collect();
        for (i, text) in texts.iter().enumerate() {
            assert!(!text.is_empty());
            assert!(!texts[..i].contains(text), "duplicate text {text:?}");
        }
        // SAFETY: strerror returns a static NUL-terminated string.
        let unknown = unsafe { CStr::from_ptr(mptcpscan_strerror(9999)) };
        assert_eq!(unknown, c"unknown mptcpscan result code");
        // SAFETY: as above.
        let truncated = unsafe { CStr::from_ptr(mptcpscan_strerror(102)) };
        assert_eq!(
            truncated,
            c"TCP option runs past the end of the option area"
        );
    }
}
