//! The TCP option walk: one option at a time (`mptcpscan_option_next`), a whole area at once
//! (`mptcpscan_options_walk`), and the first MPTCP option (`mptcpscan_options_find_mptcp`).
//!
//! Options are described by offsets into the caller's area rather than pointers, so a host can
//! keep the struct after moving the packet and nothing here holds on to caller memory.

use core_lib::options::{Options, TcpOption};
use core_lib::optionstext::OptionsText;

use crate::error::mptcpscan_result;
use crate::ffi::{self, guard, Out};

// cbindgen copies only literal constants into the header, so the values are repeated here and a
// test checks them against the core's.

/// Option kind 0: end of option list.
pub const MPTCPSCAN_OPTION_KIND_EOL: u8 = 0;
/// Option kind 1: no-operation (padding).
pub const MPTCPSCAN_OPTION_KIND_NOP: u8 = 1;
/// Option kind 2: maximum segment size.
pub const MPTCPSCAN_OPTION_KIND_MSS: u8 = 2;
/// Option kind 3: window scale.
pub const MPTCPSCAN_OPTION_KIND_WINDOW_SCALE: u8 = 3;
/// Option kind 4: SACK permitted.
pub const MPTCPSCAN_OPTION_KIND_SACK_PERMITTED: u8 = 4;
/// Option kind 5: SACK blocks.
pub const MPTCPSCAN_OPTION_KIND_SACK: u8 = 5;
/// Option kind 8: timestamps.
pub const MPTCPSCAN_OPTION_KIND_TIMESTAMP: u8 = 8;
/// Option kind 30: Multipath TCP.
pub const MPTCPSCAN_OPTION_KIND_MPTCP: u8 = 30;
/// The largest TCP option area: 40 bytes (data offset 15).
pub const MPTCPSCAN_MAX_OPTIONS_LEN: usize = 40;

/// A buffer this long always holds the `optionstext` of a 40-byte option area and its NUL (the
/// longest is 40 NOPs: 159 characters).
pub const MPTCPSCAN_OPTIONS_TEXT_LEN: usize = 256;

/// One TCP option found by the walk, as offsets into the walked area plus the decoded values of
/// the kinds a scanner compares.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_tcp_option {
    /// Offset of the option's kind byte in the area.
    pub offset: usize,
    /// The option's total length in bytes, kind and length bytes included (1 for EOL and NOP).
    /// For kind 30, `area + offset` and `length` are what `mptcpscan_mptcp_parse` takes.
    pub length: usize,
    /// Where the walk continues: `offset + length`, or the area's length after EOL (the rest is
    /// padding). A loop ends when `next` reaches the area's length.
    pub next: usize,
    /// Offset of the bytes after the length byte (SACK blocks, an unknown kind's payload).
    pub data_offset: usize,
    /// Number of bytes after the length byte (0 for EOL and NOP).
    pub data_length: usize,
    /// Timestamps (kind 8): TSval; 0 for other kinds.
    pub tsval: u32,
    /// Timestamps (kind 8): TSecr; 0 for other kinds.
    pub tsecr: u32,
    /// Maximum segment size (kind 2); 0 for other kinds.
    pub mss: u16,
    /// The option kind (`MPTCPSCAN_OPTION_KIND_*` or any other value).
    pub kind: u8,
    /// Window scale shift count (kind 3); 0 for other kinds.
    pub window_scale: u8,
}

impl mptcpscan_tcp_option {
    fn new(base: usize, offset: usize, option: &TcpOption<'_>, area_len: usize) -> Self {
        let offset = base + offset;
        let length = option.buffer_len();
        let header = length.min(2);
        let mut out = mptcpscan_tcp_option {
            offset,
            length,
            next: offset + length,
            data_offset: offset + header,
            data_length: length - header,
            kind: option.kind(),
            ..Default::default()
        };
        match *option {
            TcpOption::EndOfList => out.next = area_len,
            TcpOption::MaxSegmentSize(mss) => out.mss = mss,
            TcpOption::WindowScale(shift) => out.window_scale = shift,
            TcpOption::Timestamp { tsval, tsecr } => {
                out.tsval = tsval;
                out.tsecr = tsecr;
            }
            _ => {}
        }
        out
    }
}

/// Decodes the single TCP option that starts at `offset` in an option area.
///
/// Reads `area_len` bytes at `area` (the bytes between the fixed 20-byte TCP header and the
/// payload) and decodes the option at `offset`. On success writes it to `*option`; walk a whole
/// area with `for (off = 0; off < area_len; off = opt.next)`.
///
/// Errors: `NULL_PARAMETER` (`area` or `option` NULL), `INVALID_ARGUMENT` (`offset >= area_len`),
/// `OPTION_MISSING_LENGTH`, `OPTION_LENGTH_TOO_SMALL`, `OPTION_TRUNCATED`,
/// `OPTION_WRONG_LENGTH` (the option at `offset` is malformed: the walk cannot go on).
#[no_mangle]
pub extern "C" fn mptcpscan_option_next(
    area: *const u8,
    area_len: usize,
    offset: usize,
    option: *mut mptcpscan_tcp_option,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `area` as `area_len` readable bytes and `option` as
        // writable; NULL is rejected inside.
        let (area, option) = unsafe { (ffi::bytes(area, area_len)?, Out::new(option)?) };
        let rest = area
            .get(offset..)
            .filter(|rest| !rest.is_empty())
            .ok_or(mptcpscan_result::InvalidArgument)?;
        let (at, found) = Options::new(rest)
            .next()
            .ok_or(mptcpscan_result::InvalidArgument)??;
        option.write(mptcpscan_tcp_option::new(offset, at, &found, area.len()));
        Ok(())
    })
}

/// Walks a whole option area into a caller array.
///
/// Reads `area_len` bytes at `area`. On success writes the options in order to
/// `options[0..*count]` (EOL included, the padding after it not) and their number to `*count`.
/// An empty area is a success with `*count == 0`.
///
/// Errors: `NULL_PARAMETER` (`area`, `options` or `count` NULL), `BUFFER_TOO_SHORT` (more than
/// `capacity` options; `MPTCPSCAN_MAX_OPTIONS_LEN` entries always suffice for a TCP header's
/// area), `OPTION_TOO_LONG` (more than 41 options: an area longer than any TCP header), and the
/// `OPTION_*` code of the first malformed option. On error nothing is written.
#[no_mangle]
pub extern "C" fn mptcpscan_options_walk(
    area: *const u8,
    area_len: usize,
    options: *mut mptcpscan_tcp_option,
    capacity: usize,
    count: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `area` is documented as `area_len` readable bytes, `count` as writable.
        let (area, count) = unsafe { (ffi::bytes(area, area_len)?, Out::new(count)?) };
        if options.is_null() {
            return Err(mptcpscan_result::NullParameter);
        }
        if !options.is_aligned() {
            return Err(mptcpscan_result::Misaligned);
        }
        // One walk into a stack copy, then one copy out: a malformed area writes nothing, and
        // the caller's array is not touched before the walk succeeded. The copy is left
        // uninitialised (no 2 KiB memset per call); only its first `found` entries are read.
        let mut walked = [core::mem::MaybeUninit::<mptcpscan_tcp_option>::uninit();
            MPTCPSCAN_MAX_OPTIONS_LEN + 1];
        let mut found = 0usize;
        for item in Options::new(area) {
            let (at, option) = item?;
            // A walk yields at most one option per byte; areas longer than a TCP header can
            // hold more, and are refused rather than cut.
            let slot = walked
                .get_mut(found)
                .ok_or(mptcpscan_result::OptionTooLong)?;
            slot.write(mptcpscan_tcp_option::new(0, at, &option, area.len()));
            found += 1;
        }
        if found > capacity {
            return Err(mptcpscan_result::BufferTooShort);
        }
        // SAFETY: the first `found` entries of `walked` were written above; `options` is non-NULL
        // and aligned, documented as `capacity` writable structs, `found <= capacity`, and it
        // cannot overlap the stack copy.
        unsafe {
            core::ptr::copy_nonoverlapping(
                walked.as_ptr().cast::<mptcpscan_tcp_option>(),
                options,
                found,
            )
        };
        count.write(found);
        Ok(())
    })
}

/// Finds the first MPTCP option (kind 30) in an option area.
///
/// Reads `area_len` bytes at `area`. On success writes the option's offset to `*offset` and its
/// whole length (kind and length bytes included) to `*length`: pass `area + *offset` and
/// `*length` to `mptcpscan_mptcp_parse`. Options before a malformed one are searched, the rest is
/// not.
///
/// Errors: `NULL_PARAMETER` (any pointer NULL), `NOT_FOUND` (no MPTCP option before the end,
/// EOL or a malformed option).
#[no_mangle]
pub extern "C" fn mptcpscan_options_find_mptcp(
    area: *const u8,
    area_len: usize,
    offset: *mut usize,
    length: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `area` is documented as `area_len` readable bytes, the outputs as writable.
        let (area, offset, length) = unsafe {
            (
                ffi::bytes(area, area_len)?,
                Out::new(offset)?,
                Out::new(length)?,
            )
        };
        let (at, option) = Options::new(area)
            .map_while(|item| item.ok())
            .find(|(_, option)| matches!(option, TcpOption::Mptcp(_)))
            .ok_or(mptcpscan_result::NotFound)?;
        offset.write(at);
        length.write(option.buffer_len());
        Ok(())
    })
}

/// Finds the TCP option area of a whole IPv4 or IPv6 packet carrying TCP (no link layer, no IPv6
/// extension headers), as every mptcpscan tool finds it (`mptcpscan::wire::tcp_in_ip`).
///
/// Reads `packet_len` bytes at `packet`. On success writes the offset of the option area in
/// `packet` to `*offset` and its length (0 without options) to `*length`: pass them to
/// `mptcpscan_options_text` or `mptcpscan_options_walk`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `WIRE_*` (not IP, not TCP, a later IPv4 fragment, or
/// cut short before the end of the TCP header its data offset announces).
#[no_mangle]
pub extern "C" fn mptcpscan_ip_tcp_options(
    packet: *const u8,
    packet_len: usize,
    offset: *mut usize,
    length: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `packet` as `packet_len` readable bytes and `offset` and
        // `length` as writable.
        let (packet, offset, length) = unsafe {
            (
                ffi::bytes(packet, packet_len)?,
                Out::new(offset)?,
                Out::new(length)?,
            )
        };
        let ip = core_lib::wire::tcp_in_ip(packet)?;
        let options = ip.options();
        offset.write(options.as_ptr() as usize - packet.as_ptr() as usize);
        length.write(options.len());
        Ok(())
    })
}

/// Writes an option area as the `optionstext` output field every mptcpscan tool prints: one
/// space-separated token per option in wire order, e.g.
/// "MSS:1460 SACKPERM TS:3087443263/0 NOP WS:7 MPCAPABLE:v1:flags=01:key=d20fa49300bda23d".
///
/// Tokens: `EOL`, `NOP`, `MSS:<n>`, `WS:<n>`, `SACKPERM`, `SACK:<hex>`, `TS:<tsval>/<tsecr>`,
/// `MPCAPABLE:v<version>:flags=<2 hex digits>[:key=<16 hex digits>]`, `MPTCP:<whole option in
/// hex>` (other MPTCP options), `K<kind>:<hex after the length byte>` (other kinds), and
/// `MALFORMED@<offset>` ending the text at an option whose length is wrong. No token holds a
/// space or a comma. The format is the core's (`mptcpscan::optionstext`).
///
/// Reads `area_len` bytes at `area` (the bytes between the fixed TCP header and the payload, or
/// as many of them as were captured). On success writes the NUL-terminated text to the front of
/// the `buf_len` bytes at `buf` and its length (without the NUL) to `*written`; on error nothing
/// is written. A malformed area is not an error: its text says where it breaks.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT` (`MPTCPSCAN_OPTIONS_TEXT_LEN`
/// bytes always suffice for an area of at most 40 bytes).
#[no_mangle]
pub extern "C" fn mptcpscan_options_text(
    area: *const u8,
    area_len: usize,
    buf: *mut core::ffi::c_char,
    buf_len: usize,
    written: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `area` as `area_len` readable bytes.
        let area = unsafe { ffi::bytes(area, area_len)? };
        // SAFETY: the header documents `buf` as `buf_len` writable bytes and `written` as
        // writable; `buf` must not overlap `area`, which the text is rendered from first.
        let (buf, written) = unsafe { (ffi::bytes_mut(buf.cast(), buf_len)?, Out::new(written)?) };
        let len = crate::text::write_c_string(buf, |text| {
            // Text never fails; overflow is reported by write_c_string.
            let _ = core::fmt::Write::write_fmt(text, format_args!("{}", OptionsText(area)));
        })?;
        written.write(len);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core_lib::options::kind;

    /// Options of the v1 SYN-ACK, packet 2 of tcpdump's `mptcp-v1.pcap`.
    const V1_SYNACK: [u8; 32] = [
        0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xc3, 0x37, 0xc5, 0x93, 0x1b, 0xaf, 0x9e,
        0xa1, 0x01, 0x03, 0x03, 0x08, 0x1e, 0x0c, 0x01, 0x01, 0x29, 0xa6, 0xc8, 0x69, 0x81, 0xad,
        0x93, 0x3c,
    ];

    #[test]
    fn constants_match_the_core() {
        let pairs = [
            (MPTCPSCAN_OPTION_KIND_EOL, kind::EOL),
            (MPTCPSCAN_OPTION_KIND_NOP, kind::NOP),
            (MPTCPSCAN_OPTION_KIND_MSS, kind::MSS),
            (MPTCPSCAN_OPTION_KIND_WINDOW_SCALE, kind::WINDOW_SCALE),
            (MPTCPSCAN_OPTION_KIND_SACK_PERMITTED, kind::SACK_PERMITTED),
            (MPTCPSCAN_OPTION_KIND_SACK, kind::SACK),
            (MPTCPSCAN_OPTION_KIND_TIMESTAMP, kind::TIMESTAMP),
            (MPTCPSCAN_OPTION_KIND_MPTCP, kind::MPTCP),
        ];
        for (ours, core) in pairs {
            assert_eq!(ours, core);
        }
        assert_eq!(
            MPTCPSCAN_MAX_OPTIONS_LEN,
            core_lib::options::MAX_OPTIONS_LEN
        );
    }

    #[test]
    fn walks_a_real_synack_one_option_at_a_time_and_at_once() {
        let mut one = mptcpscan_tcp_option::default();
        let mut all = [mptcpscan_tcp_option::default(); 8];
        let mut count = 0usize;
        assert_eq!(
            mptcpscan_options_walk(V1_SYNACK.as_ptr(), 32, all.as_mut_ptr(), 8, &mut count),
            mptcpscan_result::Ok
        );
        assert_eq!(count, 6);
        let mut offset = 0;
        for expected in &all[..count] {
            assert_eq!(
                mptcpscan_option_next(V1_SYNACK.as_ptr(), 32, offset, &mut one),
                mptcpscan_result::Ok
            );
            assert_eq!(&one, expected);
            offset = one.next;
        }
        assert_eq!(offset, 32);
        assert_eq!((all[0].kind, all[0].mss), (2, 1460));
        assert_eq!((all[2].tsval, all[2].tsecr), (0xc337_c593, 0x1baf_9ea1));
        assert_eq!((all[4].kind, all[4].window_scale), (3, 8));
        assert_eq!(
            (all[5].offset, all[5].length, all[5].data_length),
            (20, 12, 10)
        );
        let (mut at, mut len) = (0usize, 0usize);
        assert_eq!(
            mptcpscan_options_find_mptcp(V1_SYNACK.as_ptr(), 32, &mut at, &mut len),
            mptcpscan_result::Ok
        );
        assert_eq!((at, len), (20, 12));
    }

    #[test]
    fn malformed_areas_write_nothing() {
        let area = [0x01, 0x1e, 0x0c, 0x00];
        let mut all = [mptcpscan_tcp_option::default(); 8];
        let mut count = 99usize;
        assert_eq!(
            mptcpscan_options_walk(area.as_ptr(), 4, all.as_mut_ptr(), 8, &mut count),
            mptcpscan_result::OptionTruncated
        );
        assert_eq!(count, 99);
        assert_eq!(all[0], mptcpscan_tcp_option::default());
        assert_eq!(
            mptcpscan_options_walk(V1_SYNACK.as_ptr(), 32, all.as_mut_ptr(), 5, &mut count),
            mptcpscan_result::BufferTooShort
        );
        let mut one = mptcpscan_tcp_option::default();
        assert_eq!(
            mptcpscan_option_next(area.as_ptr(), 4, 4, &mut one),
            mptcpscan_result::InvalidArgument
        );
    }

    #[test]
    fn the_longest_options_text_fits_the_documented_buffer() {
        let mut buf = [0u8; MPTCPSCAN_OPTIONS_TEXT_LEN];
        let mut written = 0;
        for area in [[1u8; 40], [0xff, 2].repeat(20).try_into().unwrap()] {
            let r = mptcpscan_options_text(
                area.as_ptr(),
                area.len(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut written,
            );
            assert_eq!(r, mptcpscan_result::Ok);
            assert!(written < MPTCPSCAN_OPTIONS_TEXT_LEN);
        }
        assert_eq!(written, "K255:".len() * 20 + 19);
    }
}
