//! `dissect --options`: every MPTCP option of a capture, one line each, with the fields the core
//! decoded — what `tshark -T fields -e tcp.options.mptcp...` extracts, and what the tests compare
//! with tcpdump's own decode.
//!
//! A line is `packet<TAB>subtype<TAB>name=value ...`. Keys, tokens, nonces, HMACs and checksums
//! are hex (`0x…`), sequence numbers and lengths decimal; a malformed option gives
//! `error="…"` instead of fields.

use std::fmt::Write as _;

use mptcpscan::mptcp::{MpJoin, MptcpError, MptcpOption};

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + 2 * bytes.len());
    out.push_str("0x");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Appends the line of one decoded option (without its newline).
pub fn describe(out: &mut String, packet: u64, option: &MptcpOption<'_>) {
    let name = mptcpscan::mptcp::subtype::name(option.subtype());
    let _ = write!(out, "{packet}\t{name}\t");
    match option {
        MptcpOption::Capable(c) => {
            let _ = write!(out, "version={} flags=0x{:02x}", c.version, c.flags.bits());
            if let Some(k) = c.sender_key {
                let _ = write!(out, " sender_key=0x{k:016x}");
            }
            if let Some(k) = c.receiver_key {
                let _ = write!(out, " receiver_key=0x{k:016x}");
            }
            if let Some(len) = c.data_len {
                let _ = write!(out, " data_len={len}");
            }
            if let Some(sum) = c.checksum {
                let _ = write!(out, " checksum=0x{sum:04x}");
            }
        }
        MptcpOption::Join(MpJoin::Syn {
            flags,
            addr_id,
            token,
            nonce,
        }) => {
            let _ = write!(
                out,
                "step=syn flags=0x{:x} addr_id={addr_id} token=0x{token:08x} nonce=0x{nonce:08x}",
                flags.bits()
            );
        }
        MptcpOption::Join(MpJoin::SynAck {
            flags,
            addr_id,
            hmac,
            nonce,
        }) => {
            let _ = write!(
                out,
                "step=syn-ack flags=0x{:x} addr_id={addr_id} hmac={} nonce=0x{nonce:08x}",
                flags.bits(),
                hex(hmac)
            );
        }
        MptcpOption::Join(MpJoin::Ack { hmac, .. }) => {
            let _ = write!(out, "step=ack hmac={}", hex(hmac));
        }
        MptcpOption::Dss(d) => {
            let _ = write!(out, "flags=0x{:02x}", d.flags.bits());
            if let Some(ack) = d.data_ack {
                let _ = write!(out, " data_ack={ack}");
            }
            if let Some(m) = d.mapping {
                let _ = write!(out, " dsn={} ssn={} data_len={}", m.dsn, m.ssn, m.data_len);
                if let Some(sum) = m.checksum {
                    let _ = write!(out, " checksum=0x{sum:04x}");
                }
            }
            if d.data_fin() {
                out.push_str(" data_fin=1");
            }
        }
        MptcpOption::AddAddr(a) => {
            let _ = write!(
                out,
                "addr_id={} address={} echo={}",
                a.addr_id,
                a.address,
                u8::from(a.is_echo())
            );
            if let Some(port) = a.port {
                let _ = write!(out, " port={port}");
            }
            if let Some(h) = a.hmac {
                let _ = write!(out, " hmac={}", hex(&h));
            }
        }
        MptcpOption::RemoveAddr(r) => {
            let ids: Vec<String> = r.ids.iter().map(|id| id.to_string()).collect();
            let _ = write!(out, "ids={}", ids.join(","));
        }
        MptcpOption::Prio(p) => {
            let _ = write!(out, "backup={}", u8::from(p.backup()));
            if let Some(id) = p.addr_id {
                let _ = write!(out, " addr_id={id}");
            }
        }
        MptcpOption::Fail(f) => {
            let _ = write!(out, "dsn={}", f.dsn);
        }
        MptcpOption::Fastclose(f) => {
            let _ = write!(out, "receiver_key=0x{:016x}", f.receiver_key);
        }
        MptcpOption::TcpRst(r) => {
            let _ = write!(
                out,
                "transient={} reason={} reason_name=\"{}\"",
                u8::from(r.transient()),
                r.reason.0,
                r.reason.name()
            );
        }
        MptcpOption::Unknown { data, .. } => {
            let _ = write!(out, "data={}", hex(data));
        }
    }
}

/// Appends the line of an option that did not decode.
pub fn describe_error(out: &mut String, packet: u64, option: &[u8], error: &MptcpError) {
    let name = option
        .get(mptcpscan::mptcp::field::SUBTYPE)
        .map(|b| mptcpscan::mptcp::subtype::name(b >> 4))
        .unwrap_or("unreadable");
    let _ = write!(out, "{packet}\t{name}\terror=\"{error}\"");
}

#[cfg(test)]
mod tests {
    use super::*;
    use mptcpscan::mptcp::Version;

    #[test]
    fn a_v1_mp_capable_with_both_keys() {
        // Third ACK of tcpdump's mptcp-v1.pcap (packet 3).
        let bytes = [
            30, 20, 0x01, 0x01, 0x1f, 0xdb, 0x5d, 0xf3, 0x28, 0xbc, 0x3d, 0xef, 0x29, 0xa6, 0xc8,
            0x69, 0x81, 0xad, 0x93, 0x3c,
        ];
        let option = MptcpOption::parse(&bytes, Version::V1).unwrap();
        let mut line = String::new();
        describe(&mut line, 3, &option);
        assert_eq!(
            line,
            "3\tMP_CAPABLE\tversion=1 flags=0x01 sender_key=0x1fdb5df328bc3def \
             receiver_key=0x29a6c86981ad933c"
        );
    }

    #[test]
    fn a_malformed_dss_names_its_subtype() {
        let bytes = [30, 3, 0x20];
        let error = MptcpOption::parse(&bytes, Version::V0).unwrap_err();
        let mut line = String::new();
        describe_error(&mut line, 1, &bytes, &error);
        assert!(line.starts_with("1\tDSS\terror=\""), "{line}");
    }
}
