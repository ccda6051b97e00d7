//! The TCP option walk (RFC 9293 §3.1) over the raw option bytes of one TCP header.
//!
//! [`Options`] is an iterator over `Result<(offset, TcpOption), OptionError>`. It knows the
//! single-byte kinds (EOL, NOP), checks the length byte of every other kind, decodes the kinds a
//! scanner compares (MSS, window scale, SACK, timestamps) and hands every other kind back as
//! [`TcpOption::Unknown`], so that options after an unknown one are still returned (unlike walkers
//! that stop at kind 30). MPTCP (kind 30) is returned as [`TcpOption::Mptcp`] with its whole option
//! bytes; [`crate::mptcp`] decodes those.
//!
//! A malformed length (0, 1, past the end, or wrong for a fixed-size kind) ends the walk with an
//! [`OptionError`] that names the offset and the kind: the walk can neither panic nor loop.

use core::fmt;

/// Option kinds from the IANA "TCP Option Kind Numbers" registry that the walk decodes.
pub mod kind {
    /// End of option list (single byte).
    pub const EOL: u8 = 0;
    /// No-operation, used as padding (single byte).
    pub const NOP: u8 = 1;
    /// Maximum segment size, length 4.
    pub const MSS: u8 = 2;
    /// Window scale, length 3.
    pub const WINDOW_SCALE: u8 = 3;
    /// SACK permitted, length 2.
    pub const SACK_PERMITTED: u8 = 4;
    /// SACK blocks, length 2 + 8·n.
    pub const SACK: u8 = 5;
    /// Timestamps, length 10.
    pub const TIMESTAMP: u8 = 8;
    /// TCP MD5 signature, length 18.
    pub const MD5: u8 = 19;
    /// TCP authentication option.
    pub const AUTH: u8 = 29;
    /// Multipath TCP.
    pub const MPTCP: u8 = 30;
    /// TCP Fast Open cookie.
    pub const FAST_OPEN: u8 = 34;
}

/// The largest option area a TCP header can carry (data offset 15 → 60 − 20 bytes).
pub const MAX_OPTIONS_LEN: usize = 40;

/// One TCP option, borrowing its variable parts from the walked buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpOption<'a> {
    /// Kind 0: the list ends here; the walk stops after it.
    EndOfList,
    /// Kind 1: padding.
    NoOperation,
    /// Kind 2: maximum segment size.
    MaxSegmentSize(u16),
    /// Kind 3: window scale shift count.
    WindowScale(u8),
    /// Kind 4: SACK permitted.
    SackPermitted,
    /// Kind 5: SACK blocks, raw (a multiple of 8 bytes: left and right edges).
    SelectiveAck(&'a [u8]),
    /// Kind 8: timestamps.
    Timestamp {
        /// The sender's clock (TSval).
        tsval: u32,
        /// The echoed peer clock (TSecr).
        tsecr: u32,
    },
    /// Kind 30: an MPTCP option, the whole option (kind and length bytes included).
    Mptcp(&'a [u8]),
    /// Any other kind, with the bytes after its length byte.
    Unknown {
        /// The option kind.
        kind: u8,
        /// The option's payload (length − 2 bytes).
        data: &'a [u8],
    },
}

impl<'a> TcpOption<'a> {
    /// The option's kind byte.
    pub fn kind(&self) -> u8 {
        match self {
            TcpOption::EndOfList => kind::EOL,
            TcpOption::NoOperation => kind::NOP,
            TcpOption::MaxSegmentSize(_) => kind::MSS,
            TcpOption::WindowScale(_) => kind::WINDOW_SCALE,
            TcpOption::SackPermitted => kind::SACK_PERMITTED,
            TcpOption::SelectiveAck(_) => kind::SACK,
            TcpOption::Timestamp { .. } => kind::TIMESTAMP,
            TcpOption::Mptcp(_) => kind::MPTCP,
            TcpOption::Unknown { kind, .. } => *kind,
        }
    }

    /// How many bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        match self {
            TcpOption::EndOfList | TcpOption::NoOperation => 1,
            TcpOption::MaxSegmentSize(_) => 4,
            TcpOption::WindowScale(_) => 3,
            TcpOption::SackPermitted => 2,
            TcpOption::SelectiveAck(blocks) => 2 + blocks.len(),
            TcpOption::Timestamp { .. } => 10,
            TcpOption::Mptcp(bytes) => bytes.len(),
            TcpOption::Unknown { data, .. } => 2 + data.len(),
        }
    }

    /// Writes the option into the front of `buf` and returns the number of bytes written.
    ///
    /// Fails with [`EmitError::BufferTooShort`] if `buf` is shorter than
    /// [`buffer_len`](Self::buffer_len), and with [`EmitError::TooLong`] if a variable option
    /// would not fit its one-byte length field.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, EmitError> {
        let len = self.buffer_len();
        if len > usize::from(u8::MAX) {
            return Err(EmitError::TooLong { len });
        }
        let available = buf.len();
        let out = buf.get_mut(..len).ok_or(EmitError::BufferTooShort {
            needed: len,
            available,
        })?;
        match *self {
            TcpOption::EndOfList | TcpOption::NoOperation => out[0] = self.kind(),
            TcpOption::MaxSegmentSize(mss) => {
                out.copy_from_slice(&[kind::MSS, 4, (mss >> 8) as u8, mss as u8])
            }
            TcpOption::WindowScale(shift) => out.copy_from_slice(&[kind::WINDOW_SCALE, 3, shift]),
            TcpOption::SackPermitted => out.copy_from_slice(&[kind::SACK_PERMITTED, 2]),
            TcpOption::SelectiveAck(data) | TcpOption::Unknown { data, .. } => {
                out[0] = self.kind();
                out[1] = len as u8;
                out[2..].copy_from_slice(data);
            }
            TcpOption::Timestamp { tsval, tsecr } => {
                out[..2].copy_from_slice(&[kind::TIMESTAMP, 10]);
                out[2..6].copy_from_slice(&tsval.to_be_bytes());
                out[6..10].copy_from_slice(&tsecr.to_be_bytes());
            }
            TcpOption::Mptcp(bytes) => out.copy_from_slice(bytes),
        }
        Ok(len)
    }
}

/// Why an option could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitError {
    /// The caller's buffer is shorter than the option.
    BufferTooShort {
        /// Bytes the option needs.
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// The option is longer than its one-byte length field can say.
    TooLong {
        /// The option's length.
        len: usize,
    },
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::BufferTooShort { needed, available } => {
                write!(f, "buffer too short: need {needed} bytes, have {available}")
            }
            EmitError::TooLong { len } => {
                write!(f, "option of {len} bytes does not fit a length byte")
            }
        }
    }
}

/// A malformed option: where it starts, which kind it is, and what is wrong with its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptionError {
    /// The last byte is a multi-byte kind with no room for its length byte.
    MissingLength {
        /// Offset of the kind byte in the option area.
        offset: usize,
        /// The option kind.
        kind: u8,
    },
    /// The length byte is 0 or 1, which cannot even cover kind and length.
    LengthTooSmall {
        /// Offset of the kind byte in the option area.
        offset: usize,
        /// The option kind.
        kind: u8,
        /// The length byte as found.
        len: u8,
    },
    /// The length byte runs past the end of the option area.
    Truncated {
        /// Offset of the kind byte in the option area.
        offset: usize,
        /// The option kind.
        kind: u8,
        /// The length byte as found.
        len: u8,
        /// Bytes left in the option area from `offset`.
        available: usize,
    },
    /// A fixed-size kind (MSS, window scale, SACK permitted, timestamps) or SACK with a length
    /// its definition does not allow.
    WrongLength {
        /// Offset of the kind byte in the option area.
        offset: usize,
        /// The option kind.
        kind: u8,
        /// The length byte as found.
        len: u8,
    },
}

impl OptionError {
    /// Offset of the offending option's kind byte in the option area.
    pub fn offset(&self) -> usize {
        match *self {
            OptionError::MissingLength { offset, .. }
            | OptionError::LengthTooSmall { offset, .. }
            | OptionError::Truncated { offset, .. }
            | OptionError::WrongLength { offset, .. } => offset,
        }
    }

    /// The offending option's kind.
    pub fn kind(&self) -> u8 {
        match *self {
            OptionError::MissingLength { kind, .. }
            | OptionError::LengthTooSmall { kind, .. }
            | OptionError::Truncated { kind, .. }
            | OptionError::WrongLength { kind, .. } => kind,
        }
    }
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            OptionError::MissingLength { offset, kind } => {
                write!(f, "option kind {kind} at offset {offset} has no length byte")
            }
            OptionError::LengthTooSmall { offset, kind, len } => write!(
                f,
                "option kind {kind} at offset {offset} has length {len}, less than 2"
            ),
            OptionError::Truncated {
                offset,
                kind,
                len,
                available,
            } => write!(
                f,
                "option kind {kind} at offset {offset} has length {len} but only {available} bytes remain"
            ),
            OptionError::WrongLength { offset, kind, len } => write!(
                f,
                "option kind {kind} at offset {offset} has length {len}, not allowed for this kind"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for OptionError {}

#[cfg(feature = "std")]
impl std::error::Error for EmitError {}

/// Iterator over the options of one TCP header's option area.
///
/// Yields `Ok((offset, option))`, `offset` being where the option's kind byte sits in the area.
/// Stops after [`TcpOption::EndOfList`], at the end of the area, or after the first error.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    area: &'a [u8],
    offset: usize,
    done: bool,
}

impl<'a> Options<'a> {
    /// Walks `area`, the bytes between the fixed 20-byte TCP header and the payload.
    pub fn new(area: &'a [u8]) -> Self {
        Options {
            area,
            offset: 0,
            done: false,
        }
    }

    /// The bytes not walked yet: after [`TcpOption::EndOfList`] these are padding.
    pub fn rest(&self) -> &'a [u8] {
        self.area.get(self.offset..).unwrap_or(&[])
    }

    /// One option at `offset` whose kind is neither EOL nor NOP (the caller answers those): reads
    /// the length byte and decodes the rest. Kept apart so that the single-byte fast path stays small enough
    /// to inline into every caller's loop.
    #[inline]
    fn step(
        &mut self,
        offset: usize,
        kind: u8,
        rest: &'a [u8],
    ) -> Result<(usize, TcpOption<'a>), OptionError> {
        let Some(&len) = rest.get(1) else {
            return Err(OptionError::MissingLength { offset, kind });
        };
        if len < 2 {
            return Err(OptionError::LengthTooSmall { offset, kind, len });
        }
        let Some(bytes) = rest.get(..usize::from(len)) else {
            return Err(OptionError::Truncated {
                offset,
                kind,
                len,
                available: rest.len(),
            });
        };
        let wrong = OptionError::WrongLength { offset, kind, len };
        let option = match kind {
            kind::MPTCP => TcpOption::Mptcp(bytes),
            kind::MSS => match *bytes {
                [_, _, hi, lo] => TcpOption::MaxSegmentSize(u16::from_be_bytes([hi, lo])),
                _ => return Err(wrong),
            },
            kind::WINDOW_SCALE => match *bytes {
                [_, _, shift] => TcpOption::WindowScale(shift),
                _ => return Err(wrong),
            },
            kind::SACK_PERMITTED => match *bytes {
                [_, _] => TcpOption::SackPermitted,
                _ => return Err(wrong),
            },
            kind::TIMESTAMP => match *bytes {
                [_, _, a, b, c, d, e, f, g, h] => TcpOption::Timestamp {
                    tsval: u32::from_be_bytes([a, b, c, d]),
                    tsecr: u32::from_be_bytes([e, f, g, h]),
                },
                _ => return Err(wrong),
            },
            kind::SACK => match bytes {
                [_, _, blocks @ ..] if !blocks.is_empty() && blocks.len() % 8 == 0 => {
                    TcpOption::SelectiveAck(blocks)
                }
                _ => return Err(wrong),
            },
            kind => TcpOption::Unknown {
                kind,
                data: &bytes[2..],
            },
        };
        self.offset = offset + usize::from(len);
        Ok((offset, option))
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = Result<(usize, TcpOption<'a>), OptionError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let offset = self.offset;
        let rest = self.area.get(offset..)?;
        // NOP padding and EOL are most of the kinds a walk meets: answered before any length
        // check.
        let kind = *rest.first()?;
        match kind {
            kind::NOP => {
                self.offset = offset + 1;
                Some(Ok((offset, TcpOption::NoOperation)))
            }
            kind::EOL => {
                self.offset = offset + 1;
                self.done = true;
                Some(Ok((offset, TcpOption::EndOfList)))
            }
            _ => {
                let item = self.step(offset, kind, rest);
                self.done = item.is_err();
                Some(item)
            }
        }
    }
}

impl core::iter::FusedIterator for Options<'_> {}

/// Walks `area` to the end and returns the first error, if any: a cheap validity check.
pub fn validate(area: &[u8]) -> Result<(), OptionError> {
    Options::new(area).try_for_each(|item| item.map(|_| ()))
}

/// The first MPTCP option in `area`, whole (kind and length included), if the walk reaches one.
///
/// Options before a malformed one are still searched; the malformed rest is not.
pub fn find_mptcp(area: &[u8]) -> Option<&[u8]> {
    Options::new(area)
        .map_while(Result::ok)
        .find_map(|(_, option)| match option {
            TcpOption::Mptcp(bytes) => Some(bytes),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;
    use std::vec::Vec;

    /// The options of the real v0 SYN-ACK in REFERENCE §1 (thesis ZMap output).
    const THESIS_V0_SYNACK: [u8; 31] = [
        0x02, 0x04, 0x05, 0xac, 0x04, 0x02, 0x08, 0x0a, 0x26, 0x19, 0xf9, 0xd3, 0x0f, 0x0f, 0x0f,
        0x01, 0x03, 0x03, 0x06, 0x1e, 0x0c, 0x00, 0x81, 0xd2, 0x0f, 0xa4, 0x93, 0x00, 0xbd, 0xa2,
        0x3d,
    ];

    fn walk(area: &[u8]) -> ([Option<(usize, TcpOption<'_>)>; 16], Option<OptionError>) {
        let mut out = [None; 16];
        let mut error = None;
        for (slot, item) in out.iter_mut().zip(Options::new(area)) {
            match item {
                Ok(found) => *slot = Some(found),
                Err(e) => error = Some(e),
            }
        }
        (out, error)
    }

    #[test]
    fn walks_the_thesis_synack() {
        let (found, error) = walk(&THESIS_V0_SYNACK);
        assert_eq!(error, None);
        assert_eq!(found[0], Some((0, TcpOption::MaxSegmentSize(1452))));
        assert_eq!(found[1], Some((4, TcpOption::SackPermitted)));
        assert_eq!(
            found[2],
            Some((
                6,
                TcpOption::Timestamp {
                    tsval: 0x2619_f9d3,
                    tsecr: 0x0f0f_0f01
                }
            ))
        );
        assert_eq!(found[3], Some((16, TcpOption::WindowScale(6))));
        assert_eq!(
            found[4],
            Some((19, TcpOption::Mptcp(&THESIS_V0_SYNACK[19..])))
        );
        assert_eq!(found[5], None);
        assert_eq!(find_mptcp(&THESIS_V0_SYNACK), Some(&THESIS_V0_SYNACK[19..]));
    }

    #[test]
    fn keeps_unknown_kinds_and_walks_past_them() {
        let area = [0xfd, 0x04, 0xaa, 0xbb, 0x01, 0x03, 0x03, 0x07];
        let (found, error) = walk(&area);
        assert_eq!(error, None);
        assert_eq!(
            found[0],
            Some((
                0,
                TcpOption::Unknown {
                    kind: 0xfd,
                    data: &[0xaa, 0xbb]
                }
            ))
        );
        assert_eq!(found[1], Some((4, TcpOption::NoOperation)));
        assert_eq!(found[2], Some((5, TcpOption::WindowScale(7))));
    }

    #[test]
    fn stops_at_end_of_list() {
        let area = [0x01, 0x00, 0x02, 0x04];
        let mut walk = Options::new(&area);
        assert_eq!(walk.next(), Some(Ok((0, TcpOption::NoOperation))));
        assert_eq!(walk.next(), Some(Ok((1, TcpOption::EndOfList))));
        assert_eq!(walk.next(), None);
        assert_eq!(walk.rest(), &[0x02, 0x04]);
    }

    #[test]
    fn reports_malformed_lengths() {
        assert_eq!(
            validate(&[0x01, 0x1e]),
            Err(OptionError::MissingLength {
                offset: 1,
                kind: 30
            })
        );
        assert_eq!(
            validate(&[0x1e, 0x00, 0x01]),
            Err(OptionError::LengthTooSmall {
                offset: 0,
                kind: 30,
                len: 0
            })
        );
        assert_eq!(
            validate(&[0x05, 0x01]),
            Err(OptionError::LengthTooSmall {
                offset: 0,
                kind: 5,
                len: 1
            })
        );
        assert_eq!(
            validate(&[0x01, 0x1e, 0x0c, 0x00]),
            Err(OptionError::Truncated {
                offset: 1,
                kind: 30,
                len: 12,
                available: 3
            })
        );
        assert_eq!(
            validate(&[0x02, 0x03, 0x05]),
            Err(OptionError::WrongLength {
                offset: 0,
                kind: 2,
                len: 3
            })
        );
        assert_eq!(
            validate(&[0x05, 0x06, 0, 0, 0, 0]),
            Err(OptionError::WrongLength {
                offset: 0,
                kind: 5,
                len: 6
            })
        );
    }

    #[test]
    fn every_decoded_option_emits_its_own_bytes() {
        let mut buf = [0u8; MAX_OPTIONS_LEN];
        for (offset, option) in Options::new(&THESIS_V0_SYNACK).map(Result::unwrap) {
            let len = option.emit(&mut buf).unwrap();
            assert_eq!(&buf[..len], &THESIS_V0_SYNACK[offset..offset + len]);
        }
        assert_eq!(
            TcpOption::Timestamp { tsval: 1, tsecr: 2 }.emit(&mut buf[..9]),
            Err(EmitError::BufferTooShort {
                needed: 10,
                available: 9
            })
        );
    }

    quickcheck! {
        fn walk_terminates_and_never_panics(area: Vec<u8>) -> bool {
            // Every step consumes at least one byte, so the walk yields at most len + 1 items.
            Options::new(&area).count() <= area.len() + 1
        }

        fn walked_options_reemit_exactly(area: Vec<u8>) -> bool {
            let mut buf = [0u8; 256];
            Options::new(&area).map_while(Result::ok).all(|(offset, option)| {
                let len = option.emit(&mut buf).unwrap();
                buf[..len] == area[offset..offset + len]
            })
        }
    }
}
