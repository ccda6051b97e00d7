//! `dissect --checks`: every check the core's tracker made on a frame, one line per frame that
//! has any, in the form `tshark -T fields -E separator='|' -E occurrence=a` prints the tshark
//! plugin's fields for the same frame, so that the two tools can be compared frame by frame:
//!
//! `frame|verdict|token|join.token_known|join.hmac|add_addr.hmac|fastclose.key|dss.checksum|unverifiable`
//!
//! Each field lists its values in the order the plugin's tree has them (a mapping continued from
//! an earlier segment first, then the options in segment order), comma-separated. Check values
//! are the core's names (valid, invalid, pre-rfc-truncation, spans-segments, unverifiable);
//! `unverifiable` gives why, per check that was. Each capture file starts with `# NAME`.

use std::fmt::Write as _;

use mptcpscan::track::{Check, Findings, JoinToken};

/// The line of one frame (with its newline), or nothing when no check applied.
pub fn line(frame: u64, findings: &Findings) -> Option<String> {
    let mut fields: [Vec<String>; 8] = Default::default();
    let [verdict, token, known, join, add_addr, fastclose, dss, why] = &mut fields;
    let check = |list: &mut Vec<String>, why: &mut Vec<String>, c: Option<Check>| {
        if let Some(c) = c {
            list.push(c.name().to_string());
            if let Some(reason) = c.unverifiable() {
                why.push(reason.name().to_string());
            }
        }
    };
    if let Some(Ok(c)) = findings.handshake.map(|h| h.result) {
        verdict.push(c.verdict.name().to_string());
    }
    if let Some(c) = findings.continuation {
        check(dss, why, Some(c.checksum));
    }
    for option in findings.options() {
        if option.error.is_some() {
            continue;
        }
        for key in option.keys.iter().flatten() {
            token.push(format!("0x{:08x}", key.token));
        }
        match option.subtype {
            Some(mptcpscan::mptcp::subtype::MP_JOIN) => {
                if let Some(t) = option.join_token {
                    known.push(u8::from(matches!(t, JoinToken::Known { .. })).to_string());
                }
                check(join, why, option.hmac);
            }
            Some(mptcpscan::mptcp::subtype::ADD_ADDR) => check(add_addr, why, option.hmac),
            Some(mptcpscan::mptcp::subtype::MP_FASTCLOSE) => {
                check(fastclose, why, option.fastclose_key)
            }
            _ => {}
        }
        check(dss, why, option.dss_checksum);
    }
    if fields.iter().all(Vec::is_empty) {
        return None;
    }
    let mut out = frame.to_string();
    for field in &fields {
        let _ = write!(out, "|{}", field.join(","));
    }
    out.push('\n');
    Some(out)
}
