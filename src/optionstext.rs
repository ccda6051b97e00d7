//! The `optionstext` output field: a reply's TCP options as one line of text.
//!
//! Every tool prints this same text (`mptcpscan scan`, `zmap -M mptcp_synscan`, the tshark
//! plugin, the tracebox module), so it is defined once, here. The format:
//!
//! * one token per option, in wire order, separated by single spaces; no token holds a space or
//!   a comma, so the field needs no quoting in CSV;
//! * `EOL`, `NOP`, `MSS:1460`, `WS:7`, `SACKPERM`, `SACK:<blocks in hex>`,
//!   `TS:<tsval>/<tsecr>` (decimal);
//! * an MP_CAPABLE: `MPCAPABLE:v<version>:flags=<two hex digits>`, then `:key=<16 hex digits>`
//!   when it carries the sender's key (e.g. `MPCAPABLE:v1:flags=01:key=d20fa49300bda23d`);
//! * any other MPTCP option: `MPTCP:<the whole option in hex>`;
//! * any other kind: `K<kind>:<the bytes after the length byte in hex>`;
//! * an option whose length is wrong ends the text with `MALFORMED@<offset>` (the offset of the
//!   bad option in the option area): what follows cannot be told apart from garbage.
//!
//! ```
//! use mptcpscan::optionstext::OptionsText;
//! let area = [2, 4, 5, 0xb4, 4, 2, 1, 3, 3, 7, 30, 4, 0x01, 0x01];
//! assert_eq!(
//!     OptionsText(&area).to_string(),
//!     "MSS:1460 SACKPERM NOP WS:7 MPCAPABLE:v1:flags=01"
//! );
//! ```

use core::fmt;

use crate::mptcp::capable;
use crate::options::{Options, TcpOption};

/// A TCP option area, displayed in the `optionstext` format (see the module documentation).
///
/// Displaying walks the area once and allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionsText<'a>(pub &'a [u8]);

struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

fn write_option(f: &mut fmt::Formatter<'_>, option: TcpOption<'_>) -> fmt::Result {
    match option {
        TcpOption::EndOfList => f.write_str("EOL"),
        TcpOption::NoOperation => f.write_str("NOP"),
        TcpOption::MaxSegmentSize(mss) => write!(f, "MSS:{mss}"),
        TcpOption::WindowScale(shift) => write!(f, "WS:{shift}"),
        TcpOption::SackPermitted => f.write_str("SACKPERM"),
        TcpOption::SelectiveAck(blocks) => write!(f, "SACK:{}", Hex(blocks)),
        TcpOption::Timestamp { tsval, tsecr } => write!(f, "TS:{tsval}/{tsecr}"),
        TcpOption::Mptcp(bytes) => match capable::Packet::new_checked(bytes) {
            Ok(mpc) => {
                write!(
                    f,
                    "MPCAPABLE:v{}:flags={:02x}",
                    mpc.version(),
                    mpc.flags().bits()
                )?;
                match mpc.sender_key() {
                    Some(key) => write!(f, ":key={key:016x}"),
                    None => Ok(()),
                }
            }
            Err(_) => write!(f, "MPTCP:{}", Hex(bytes)),
        },
        TcpOption::Unknown { kind, data } => write!(f, "K{kind}:{}", Hex(data)),
    }
}

impl fmt::Display for OptionsText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in Options::new(self.0).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match item {
                Ok((_, option)) => write_option(f, option)?,
                Err(e) => return write!(f, "MALFORMED@{}", e.offset()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn the_thesis_rows() {
        let real = [
            0x02, 0x04, 0x05, 0xac, 0x04, 0x02, 0x08, 0x0a, 0x26, 0x19, 0xf9, 0xd3, 0x0f, 0x0f,
            0x0f, 0x01, 0x03, 0x03, 0x06, 0x1e, 0x0c, 0x00, 0x81, 0xd2, 0x0f, 0xa4, 0x93, 0x00,
            0xbd, 0xa2, 0x3d,
        ];
        assert_eq!(
            OptionsText(&real).to_string(),
            "MSS:1452 SACKPERM TS:639236563/252645121 WS:6 MPCAPABLE:v0:flags=81:key=d20fa49300bda23d"
        );
    }

    #[test]
    fn other_kinds_and_a_bad_length() {
        // SACK block, MP_JOIN SYN-ACK (not MP_CAPABLE), kind 34 with a cookie, then EOL.
        let area = [
            5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 30, 4, 0x10, 0x01, 34, 4, 0xab, 0xcd, 0,
        ];
        assert_eq!(
            OptionsText(&area).to_string(),
            "SACK:0000000100000002 MPTCP:1e041001 K34:abcd EOL"
        );
        // An MSS whose length byte says 3: the walk stops there.
        assert_eq!(
            OptionsText(&[1, 2, 3, 5, 0xb4]).to_string(),
            "NOP MALFORMED@1"
        );
        assert_eq!(OptionsText(&[]).to_string(), "");
        assert_eq!(OptionsText(&[2]).to_string(), "MALFORMED@0");
    }

    #[test]
    fn no_token_holds_a_comma_or_a_space() {
        let v1 = [30, 12, 0x01, 0x81, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1];
        let text = OptionsText(&v1).to_string();
        assert_eq!(text, "MPCAPABLE:v1:flags=81:key=0102030405060708 NOP NOP");
        assert!(!text.contains(','));
    }
}
