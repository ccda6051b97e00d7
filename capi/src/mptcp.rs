//! MPTCP options (kind 30) as C structs: decode (`mptcpscan_mptcp_parse`) and encode
//! (`mptcpscan_mptcp_emit`) of every subtype, and subtype and MP_TCPRST reason names.
//!
//! `mptcpscan_mptcp_option` is a tagged union: `subtype` says which member of `body` holds the
//! option (`MPTCPSCAN_MPTCP_SUBTYPE_*`); subtypes 9 to 15 (MP_EXPERIMENTAL included) use
//! `body.unknown`, which keeps the raw bytes. Optional fields come with a `has_*` byte (non-zero:
//! present). Reserved bits are kept, so an option decodes and re-encodes byte for byte. Variable
//! parts are arrays of `MPTCPSCAN_MAX_OPTIONS_LEN` bytes: no option in a TCP header can be longer.

use core::ffi::{c_char, CStr};
use core::net::IpAddr;

use core_lib::mptcp::{
    self, AddAddr, AddAddrFlags, BackupFlags, CapableFlags, Dss, DssFlags, Mapping, MpCapable,
    MpFail, MpFastclose, MpJoin, MpPrio, MpTcpRst, MptcpError, MptcpOption, RemoveAddr, RstFlags,
    RstReason, Version,
};

use crate::address::{self, mptcpscan_address, MPTCPSCAN_ADDRESS_FAMILY_IPV4};
use crate::error::mptcpscan_result;
use crate::ffi::{self, guard, Out};
use crate::options::MPTCPSCAN_MAX_OPTIONS_LEN;

/// The MPTCP option subtypes (the high nibble of the third byte).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_mptcp_subtype {
    /// MP_CAPABLE: `body.mp_capable`.
    MpCapable = 0,
    /// MP_JOIN: `body.mp_join`.
    MpJoin = 1,
    /// DSS: `body.dss`.
    Dss = 2,
    /// ADD_ADDR: `body.add_addr`.
    AddAddr = 3,
    /// REMOVE_ADDR: `body.remove_addr`.
    RemoveAddr = 4,
    /// MP_PRIO: `body.mp_prio`.
    MpPrio = 5,
    /// MP_FAIL: `body.mp_fail`.
    MpFail = 6,
    /// MP_FASTCLOSE: `body.mp_fastclose`.
    MpFastclose = 7,
    /// MP_TCPRST (v1 only): `body.mp_tcprst`.
    MpTcprst = 8,
    /// MP_EXPERIMENTAL (private use): `body.unknown`, like the unassigned subtypes 9 to 14.
    MpExperimental = 15,
}

/// Which MP_JOIN of a subflow handshake `mptcpscan_mp_join` holds (its length says it on the
/// wire: 12, 16 or 24).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_join_stage {
    /// The SYN's MP_JOIN: `flags`, `addr_id`, `token`, `nonce`.
    Syn = 0,
    /// The SYN-ACK's MP_JOIN: `flags`, `addr_id`, 8 bytes of `hmac`, `nonce`.
    SynAck = 1,
    /// The third ACK's MP_JOIN: `reserved`, 20 bytes of `hmac`.
    Ack = 2,
}

/// MP_CAPABLE flag A: the sender requires DSS checksums.
pub const MPTCPSCAN_CAPABLE_FLAG_CHECKSUM: u8 = 0x80;
/// MP_CAPABLE flag B: extensibility (Linux drops SYNs that set it).
pub const MPTCPSCAN_CAPABLE_FLAG_EXTENSIBILITY: u8 = 0x40;
/// MP_CAPABLE flag C (v1): do not open subflows to this packet's source address.
pub const MPTCPSCAN_CAPABLE_FLAG_NO_SOURCE_ADDRESS: u8 = 0x20;
/// MP_CAPABLE flag H: HMAC-SHA256 in v1, HMAC-SHA1 in v0.
pub const MPTCPSCAN_CAPABLE_FLAG_HMAC: u8 = 0x01;
/// DSS flag A: a data ACK is present.
pub const MPTCPSCAN_DSS_FLAG_DATA_ACK: u8 = 0x01;
/// DSS flag a: the data ACK is 8 bytes.
pub const MPTCPSCAN_DSS_FLAG_DATA_ACK_8: u8 = 0x02;
/// DSS flag M: a mapping is present.
pub const MPTCPSCAN_DSS_FLAG_MAPPING: u8 = 0x04;
/// DSS flag m: the mapping's DSN is 8 bytes.
pub const MPTCPSCAN_DSS_FLAG_DSN_8: u8 = 0x08;
/// DSS flag F: DATA_FIN.
pub const MPTCPSCAN_DSS_FLAG_DATA_FIN: u8 = 0x10;
/// MP_JOIN and MP_PRIO flag B: backup subflow.
pub const MPTCPSCAN_BACKUP_FLAG: u8 = 0x01;
/// ADD_ADDR (v1) flag E: an echo, without HMAC.
pub const MPTCPSCAN_ADD_ADDR_FLAG_ECHO: u8 = 0x01;
/// MP_TCPRST flag T: the error is transient.
pub const MPTCPSCAN_TCPRST_FLAG_TRANSIENT: u8 = 0x01;

/// MP_CAPABLE (subtype 0). Present fields decide the length: none (4), the sender's key (12),
/// both keys (20), plus `data_len` (22), plus `checksum` (24).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_mp_capable {
    /// The sender's key (when `has_sender_key`).
    pub sender_key: u64,
    /// The receiver's key (when `has_receiver_key`).
    pub receiver_key: u64,
    /// The data-level length of the first data (when `has_data_len`).
    pub data_len: u16,
    /// The DSS checksum of the first data (when `has_checksum`).
    pub checksum: u16,
    /// The version field (4 bits: 0 for RFC 6824, 1 for RFC 8684).
    pub version: u8,
    /// The flag byte, reserved bits included (`MPTCPSCAN_CAPABLE_FLAG_*`).
    pub flags: u8,
    /// Non-zero when `sender_key` is present.
    pub has_sender_key: u8,
    /// Non-zero when `receiver_key` is present.
    pub has_receiver_key: u8,
    /// Non-zero when `data_len` is present.
    pub has_data_len: u8,
    /// Non-zero when `checksum` is present.
    pub has_checksum: u8,
}

/// MP_JOIN (subtype 1), one of the three handshake stages.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_mp_join {
    /// SYN: the receiver's token.
    pub token: u32,
    /// SYN and SYN-ACK: the sender's nonce.
    pub nonce: u32,
    /// ACK: the 12 reserved bits.
    pub reserved: u16,
    /// An `mptcpscan_join_stage` value.
    pub stage: u8,
    /// SYN and SYN-ACK: the low nibble of the subtype byte (`MPTCPSCAN_BACKUP_FLAG` and reserved
    /// bits).
    pub flags: u8,
    /// SYN and SYN-ACK: the sender's address id.
    pub addr_id: u8,
    /// Bytes of `hmac` in use: 8 (SYN-ACK), 20 (ACK) or 0 (SYN). Ignored on encode (the stage
    /// decides).
    pub hmac_len: u8,
    /// SYN-ACK: the truncated HMAC (8 bytes); ACK: the HMAC (20 bytes); wire order.
    pub hmac: [u8; 20],
}

/// DSS (subtype 2). The flags decide the layout: the data ACK is there iff flag A is set, the
/// mapping (`dsn`, `ssn`, `data_len`, and `checksum` when `has_checksum`) iff flag M is set; with
/// flag a (m) clear the data ACK (DSN) is the 4-byte value as carried.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_dss {
    /// The data ACK (flag A).
    pub data_ack: u64,
    /// The mapping's data sequence number (flag M), the low 32 bits only without flag m (expand
    /// it with `mptcpscan_dss_expand_dsn`).
    pub dsn: u64,
    /// The mapping's relative subflow sequence number (flag M).
    pub ssn: u32,
    /// The mapping's data-level length (flag M).
    pub data_len: u16,
    /// The mapping's DSS checksum (flag M and `has_checksum`).
    pub checksum: u16,
    /// The flag byte, reserved bits included (`MPTCPSCAN_DSS_FLAG_*`).
    pub flags: u8,
    /// The four reserved bits of the subtype byte.
    pub reserved: u8,
    /// Non-zero when the mapping carries a checksum.
    pub has_checksum: u8,
}

/// ADD_ADDR (subtype 3) in the v0 or v1 layout.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_add_addr {
    /// The advertised address.
    pub address: mptcpscan_address,
    /// The advertised port (when `has_port`).
    pub port: u16,
    /// The layout: an `mptcpscan_mptcp_version` value (0: IP version nibble, no HMAC; 1: echo
    /// bit, HMAC).
    pub version: u8,
    /// v1: `MPTCPSCAN_ADD_ADDR_FLAG_ECHO` and the reserved bits; v0: 0.
    pub flags: u8,
    /// The sender's id for the address.
    pub addr_id: u8,
    /// Non-zero when `port` is present.
    pub has_port: u8,
    /// Non-zero when `hmac` is present (v1, not an echo).
    pub has_hmac: u8,
    /// v1: the HMAC as carried (8 bytes, wire order).
    pub hmac: [u8; 8],
}

/// REMOVE_ADDR (subtype 4).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct mptcpscan_remove_addr {
    /// The reserved low nibble of the subtype byte.
    pub reserved: u8,
    /// How many ids `ids` holds (at least 1).
    pub count: u8,
    /// The withdrawn address ids.
    pub ids: [u8; MPTCPSCAN_MAX_OPTIONS_LEN],
}

/// MP_PRIO (subtype 5).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_mp_prio {
    /// The low nibble of the subtype byte (`MPTCPSCAN_BACKUP_FLAG` and reserved bits).
    pub flags: u8,
    /// Non-zero when `addr_id` is present (v0; v1 removed it).
    pub has_addr_id: u8,
    /// The address id whose priority changes (when `has_addr_id`).
    pub addr_id: u8,
}

/// MP_FAIL (subtype 6).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_mp_fail {
    /// The DSN of the failed mapping.
    pub dsn: u64,
    /// The 12 reserved bits.
    pub reserved: u16,
}

/// MP_FASTCLOSE (subtype 7).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_mp_fastclose {
    /// The key of the option's receiver.
    pub receiver_key: u64,
    /// The 12 reserved bits.
    pub reserved: u16,
}

/// MP_TCPRST (subtype 8).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_mp_tcprst {
    /// The flag nibble (`MPTCPSCAN_TCPRST_FLAG_TRANSIENT` and reserved bits).
    pub flags: u8,
    /// The reason code (name it with `mptcpscan_tcprst_reason_name`).
    pub reason: u8,
}

/// Any other subtype (9 to 15), kept raw.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct mptcpscan_mptcp_unknown {
    /// Bytes of `data` in use (at least 1).
    pub data_len: u8,
    /// Everything after the length byte, starting with the subtype byte (whose high nibble must
    /// equal the option's `subtype`).
    pub data: [u8; MPTCPSCAN_MAX_OPTIONS_LEN],
}

/// The subtype-specific part of an MPTCP option; `mptcpscan_mptcp_option.subtype` says which
/// member is valid.
#[repr(C)]
#[derive(Clone, Copy)]
pub union mptcpscan_mptcp_body {
    /// Subtype 0.
    pub mp_capable: mptcpscan_mp_capable,
    /// Subtype 1.
    pub mp_join: mptcpscan_mp_join,
    /// Subtype 2.
    pub dss: mptcpscan_dss,
    /// Subtype 3.
    pub add_addr: mptcpscan_add_addr,
    /// Subtype 4.
    pub remove_addr: mptcpscan_remove_addr,
    /// Subtype 5.
    pub mp_prio: mptcpscan_mp_prio,
    /// Subtype 6.
    pub mp_fail: mptcpscan_mp_fail,
    /// Subtype 7.
    pub mp_fastclose: mptcpscan_mp_fastclose,
    /// Subtype 8.
    pub mp_tcprst: mptcpscan_mp_tcprst,
    /// Subtypes 9 to 15.
    pub unknown: mptcpscan_mptcp_unknown,
}

/// One MPTCP option of any subtype.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct mptcpscan_mptcp_option {
    /// The subtype (0 to 15): which member of `body` holds the option.
    pub subtype: u8,
    /// Decode: the option's whole length in bytes. Ignored on encode.
    pub length: u8,
    /// The subtype's fields.
    pub body: mptcpscan_mptcp_body,
}

fn flag(present: bool) -> u8 {
    u8::from(present)
}

fn option_from_core(option: &MptcpOption<'_>) -> Result<mptcpscan_mptcp_option, mptcpscan_result> {
    // SAFETY: every member of the union is plain integers and arrays of integers, for which the
    // all-zero pattern is valid; zeroing first means no byte the host may read is uninitialised.
    let mut body: mptcpscan_mptcp_body = unsafe { core::mem::zeroed() };
    match *option {
        MptcpOption::Capable(c) => {
            body.mp_capable = mptcpscan_mp_capable {
                sender_key: c.sender_key.unwrap_or(0),
                receiver_key: c.receiver_key.unwrap_or(0),
                data_len: c.data_len.unwrap_or(0),
                checksum: c.checksum.unwrap_or(0),
                version: c.version,
                flags: c.flags.bits(),
                has_sender_key: flag(c.sender_key.is_some()),
                has_receiver_key: flag(c.receiver_key.is_some()),
                has_data_len: flag(c.data_len.is_some()),
                has_checksum: flag(c.checksum.is_some()),
            }
        }
        MptcpOption::Join(j) => {
            let mut out = mptcpscan_mp_join::default();
            match j {
                MpJoin::Syn {
                    flags,
                    addr_id,
                    token,
                    nonce,
                } => {
                    out.stage = mptcpscan_join_stage::Syn as u8;
                    out.flags = flags.bits();
                    out.addr_id = addr_id;
                    out.token = token;
                    out.nonce = nonce;
                }
                MpJoin::SynAck {
                    flags,
                    addr_id,
                    hmac,
                    nonce,
                } => {
                    out.stage = mptcpscan_join_stage::SynAck as u8;
                    out.flags = flags.bits();
                    out.addr_id = addr_id;
                    out.hmac[..8].copy_from_slice(&hmac);
                    out.hmac_len = 8;
                    out.nonce = nonce;
                }
                MpJoin::Ack { reserved, hmac } => {
                    out.stage = mptcpscan_join_stage::Ack as u8;
                    out.reserved = reserved;
                    out.hmac = hmac;
                    out.hmac_len = 20;
                }
            }
            body.mp_join = out;
        }
        MptcpOption::Dss(d) => {
            let mapping = d.mapping;
            body.dss = mptcpscan_dss {
                data_ack: d.data_ack.unwrap_or(0),
                dsn: mapping.map_or(0, |m| m.dsn),
                ssn: mapping.map_or(0, |m| m.ssn),
                data_len: mapping.map_or(0, |m| m.data_len),
                checksum: mapping.and_then(|m| m.checksum).unwrap_or(0),
                flags: d.flags.bits(),
                reserved: d.reserved,
                has_checksum: flag(mapping.and_then(|m| m.checksum).is_some()),
            }
        }
        MptcpOption::AddAddr(a) => {
            body.add_addr = mptcpscan_add_addr {
                address: address_from_ip(a.address),
                port: a.port.unwrap_or(0),
                version: a.version.to_wire(),
                flags: a.flags.bits(),
                addr_id: a.addr_id,
                has_port: flag(a.port.is_some()),
                has_hmac: flag(a.hmac.is_some()),
                hmac: a.hmac.unwrap_or_default(),
            }
        }
        MptcpOption::RemoveAddr(r) => {
            let mut ids = [0; MPTCPSCAN_MAX_OPTIONS_LEN];
            ids.get_mut(..r.ids.len())
                .ok_or(mptcpscan_result::OptionTooLong)?
                .copy_from_slice(r.ids);
            body.remove_addr = mptcpscan_remove_addr {
                reserved: r.reserved,
                count: r.ids.len() as u8,
                ids,
            }
        }
        MptcpOption::Prio(p) => {
            body.mp_prio = mptcpscan_mp_prio {
                flags: p.flags.bits(),
                has_addr_id: flag(p.addr_id.is_some()),
                addr_id: p.addr_id.unwrap_or(0),
            }
        }
        MptcpOption::Fail(f) => {
            body.mp_fail = mptcpscan_mp_fail {
                dsn: f.dsn,
                reserved: f.reserved,
            }
        }
        MptcpOption::Fastclose(f) => {
            body.mp_fastclose = mptcpscan_mp_fastclose {
                receiver_key: f.receiver_key,
                reserved: f.reserved,
            }
        }
        MptcpOption::TcpRst(r) => {
            body.mp_tcprst = mptcpscan_mp_tcprst {
                flags: r.flags.bits(),
                reason: r.reason.0,
            }
        }
        MptcpOption::Unknown { data, .. } => {
            let mut raw = [0; MPTCPSCAN_MAX_OPTIONS_LEN];
            raw.get_mut(..data.len())
                .ok_or(mptcpscan_result::OptionTooLong)?
                .copy_from_slice(data);
            body.unknown = mptcpscan_mptcp_unknown {
                data_len: data.len() as u8,
                data: raw,
            }
        }
    }
    Ok(mptcpscan_mptcp_option {
        subtype: option.subtype(),
        length: u8::try_from(option.buffer_len()).map_err(|_| mptcpscan_result::OptionTooLong)?,
        body,
    })
}

fn address_from_ip(ip: IpAddr) -> mptcpscan_address {
    let mut bytes = [0; 16];
    let family = match ip {
        IpAddr::V4(v4) => {
            bytes[..4].copy_from_slice(&v4.octets());
            MPTCPSCAN_ADDRESS_FAMILY_IPV4
        }
        IpAddr::V6(v6) => {
            bytes = v6.octets();
            crate::address::MPTCPSCAN_ADDRESS_FAMILY_IPV6
        }
    };
    mptcpscan_address { family, bytes }
}

fn present<T>(has: u8, value: T) -> Option<T> {
    (has != 0).then_some(value)
}

/// Emits `option` (a C struct, any bit pattern) into `buf` through the core's representations.
fn emit_from_c(option: &mptcpscan_mptcp_option, buf: &mut [u8]) -> Result<usize, mptcpscan_result> {
    let body = option.body;
    // Every union read below is sound: each member is plain integers and integer arrays, so any
    // bit pattern the host left is a valid value; the tag only decides which one is meaningful.
    let written = match option.subtype {
        0 => {
            // SAFETY: an all-integer member: any bits are a valid value.
            let c = unsafe { body.mp_capable };
            MpCapable {
                version: c.version,
                flags: CapableFlags::from_bits_retain(c.flags),
                sender_key: present(c.has_sender_key, c.sender_key),
                receiver_key: present(c.has_receiver_key, c.receiver_key),
                data_len: present(c.has_data_len, c.data_len),
                checksum: present(c.has_checksum, c.checksum),
            }
            .emit(buf)
        }
        1 => {
            // SAFETY: an all-integer member: any bits are a valid value.
            let j = unsafe { body.mp_join };
            let flags = BackupFlags::from_bits_retain(j.flags);
            let join = match j.stage {
                0 => MpJoin::Syn {
                    flags,
                    addr_id: j.addr_id,
                    token: j.token,
                    nonce: j.nonce,
                },
                1 => {
                    let mut hmac = [0; 8];
                    hmac.copy_from_slice(&j.hmac[..8]);
                    MpJoin::SynAck {
                        flags,
                        addr_id: j.addr_id,
                        hmac,
                        nonce: j.nonce,
                    }
                }
                2 => MpJoin::Ack {
                    reserved: j.reserved,
                    hmac: j.hmac,
                },
                _ => return Err(mptcpscan_result::InvalidArgument),
            };
            join.emit(buf)
        }
        2 => {
            // SAFETY: an all-integer member: any bits are a valid value.
            let d = unsafe { body.dss };
            let flags = DssFlags::from_bits_retain(d.flags);
            Dss {
                reserved: d.reserved,
                flags,
                data_ack: flags.contains(DssFlags::DATA_ACK).then_some(d.data_ack),
                mapping: flags.contains(DssFlags::MAPPING).then_some(Mapping {
                    dsn: d.dsn,
                    ssn: d.ssn,
                    data_len: d.data_len,
                    checksum: present(d.has_checksum, d.checksum),
                }),
            }
            .emit(buf)
        }
        3 => {
            // SAFETY: an all-integer member: any bits are a valid value.
            let a = unsafe { body.add_addr };
            AddAddr {
                version: address::version(u32::from(a.version))?,
                flags: AddAddrFlags::from_bits_retain(a.flags),
                addr_id: a.addr_id,
                address: a.address.to_ip()?,
                port: present(a.has_port, a.port),
                hmac: present(a.has_hmac, a.hmac),
            }
            .emit(buf)
        }
        4 => {
            // SAFETY: an all-integer member: any bits are a valid value.
            let r = unsafe { body.remove_addr };
            let ids = r
                .ids
                .get(..usize::from(r.count))
                .ok_or(mptcpscan_result::InvalidArgument)?;
            RemoveAddr {
                reserved: r.reserved,
                ids,
            }
            .emit(buf)
        }
        5 => {
            // SAFETY: an all-integer member: any bits are a valid value.
            let p = unsafe { body.mp_prio };
            MpPrio {
                flags: BackupFlags::from_bits_retain(p.flags),
                addr_id: present(p.has_addr_id, p.addr_id),
            }
            .emit(buf)
        }
        6 => {
            // SAFETY: an all-integer member: any bits are a valid value.
            let f = unsafe { body.mp_fail };
            MpFail {
                reserved: f.reserved,
                dsn: f.dsn,
            }
            .emit(buf)
        }
        7 => {
            // SAFETY: an all-integer member: any bits are a valid value.
            let f = unsafe { body.mp_fastclose };
            MpFastclose {
                reserved: f.reserved,
                receiver_key: f.receiver_key,
            }
            .emit(buf)
        }
        8 => {
            // SAFETY: an all-integer member: any bits are a valid value.
            let r = unsafe { body.mp_tcprst };
            MpTcpRst {
                flags: RstFlags::from_bits_retain(r.flags),
                reason: RstReason(r.reason),
            }
            .emit(buf)
        }
        subtype @ 9..=15 => {
            // SAFETY: an all-integer member: any bits are a valid value.
            let u = unsafe { body.unknown };
            let data = u
                .data
                .get(..usize::from(u.data_len))
                .filter(|data| data.first().is_some_and(|first| first >> 4 == subtype))
                .ok_or(mptcpscan_result::InvalidArgument)?;
            MptcpOption::Unknown { subtype, data }.emit(buf)
        }
        _ => return Err(mptcpscan_result::InvalidArgument),
    };
    Ok(written?)
}

/// Decodes one whole MPTCP option (kind 30) into its C struct.
///
/// Reads `option_len` bytes at `option` (kind and length bytes included, as
/// `mptcpscan_options_find_mptcp` or `mptcpscan_option_next` locate them) and `version`, the
/// connection's `mptcpscan_mptcp_version`, which only ADD_ADDR's layout depends on (the v0 and v1
/// layouts share lengths). On success writes the option to `*out`, unused bytes zeroed.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown version), `MPTCP_*` (the
/// bytes are not a well-formed MPTCP option: see each code), `OPTION_TOO_LONG` (a variable part
/// longer than a TCP header can carry).
#[no_mangle]
pub extern "C" fn mptcpscan_mptcp_parse(
    option: *const u8,
    option_len: usize,
    version: u32,
    out: *mut mptcpscan_mptcp_option,
) -> mptcpscan_result {
    guard(|| {
        let version: Version = address::version(version)?;
        // SAFETY: the header documents `option` as `option_len` readable bytes and `out` as
        // writable.
        let (option, out) = unsafe { (ffi::bytes(option, option_len)?, Out::new(out)?) };
        let parsed = MptcpOption::parse(option, version)?;
        out.write(option_from_core(&parsed)?);
        Ok(())
    })
}

/// Encodes an MPTCP option from its C struct.
///
/// Reads `*option` (the member of `body` that `subtype` selects; `length` is ignored). On
/// success writes the whole option (kind and length bytes included) to the front of the
/// `buf_len` bytes at `buf` and its length to `*written`. Decoding what a parse returned gives
/// the same bytes back.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT`, `INVALID_ARGUMENT` (subtype above
/// 15, unknown join stage, ADD_ADDR version or address family, `count` or `data_len` out of
/// range, an unknown subtype whose first data byte disagrees), `MPTCP_UNREPRESENTABLE` (fields
/// that make no valid layout: MP_CAPABLE's receiver key without the sender's, a nibble or 12-bit
/// field with higher bits set, a DSS value wider than 32 bits without flag a or m, v0 ADD_ADDR
/// flags or HMAC, an empty REMOVE_ADDR).
#[no_mangle]
pub extern "C" fn mptcpscan_mptcp_emit(
    option: *const mptcpscan_mptcp_option,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `option` as readable; it is copied before the output is
        // borrowed, so only a genuine overlap (checked next) could alias.
        let option = unsafe { *ffi::input(option)? };
        // SAFETY: the header documents `buf` as `buf_len` writable bytes and `written` as
        // writable.
        let (buf, written) = unsafe { (ffi::bytes_mut(buf, buf_len)?, Out::new(written)?) };
        let mut scratch = [0u8; 256];
        let len = emit_from_c(&option, &mut scratch)?;
        buf.get_mut(..len)
            .ok_or(mptcpscan_result::BufferTooShort)?
            .copy_from_slice(&scratch[..len]);
        written.write(len);
        Ok(())
    })
}

/// Names an MPTCP subtype ("MP_CAPABLE", "DSS", ..., "MP_EXPERIMENTAL", "unknown" for 9 to 14).
///
/// Reads `subtype`. On success writes a static NUL-terminated string (never to be freed) to
/// `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`subtype` above 15).
#[no_mangle]
pub extern "C" fn mptcpscan_mptcp_subtype_name(
    subtype: u32,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        let subtype = u8::try_from(subtype)
            .ok()
            .filter(|s| *s <= 15)
            .ok_or(mptcpscan_result::InvalidArgument)?;
        name.write(subtype_name(subtype).as_ptr());
        Ok(())
    })
}

/// Names an MP_TCPRST reason code ("middlebox interference", ...; "unassigned" for codes RFC 8684
/// does not define).
///
/// Reads `reason`. On success writes a static NUL-terminated string (never to be freed) to
/// `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_tcprst_reason_name(
    reason: u8,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        name.write(reason_name(RstReason(reason)).as_ptr());
        Ok(())
    })
}

/// The core's subtype names as C strings (a test checks that both agree).
fn subtype_name(subtype: u8) -> &'static CStr {
    match subtype {
        mptcp::subtype::MP_CAPABLE => c"MP_CAPABLE",
        mptcp::subtype::MP_JOIN => c"MP_JOIN",
        mptcp::subtype::DSS => c"DSS",
        mptcp::subtype::ADD_ADDR => c"ADD_ADDR",
        mptcp::subtype::REMOVE_ADDR => c"REMOVE_ADDR",
        mptcp::subtype::MP_PRIO => c"MP_PRIO",
        mptcp::subtype::MP_FAIL => c"MP_FAIL",
        mptcp::subtype::MP_FASTCLOSE => c"MP_FASTCLOSE",
        mptcp::subtype::MP_TCPRST => c"MP_TCPRST",
        mptcp::subtype::MP_EXPERIMENTAL => c"MP_EXPERIMENTAL",
        _ => c"unknown",
    }
}

/// The core's reason names as C strings (a test checks that both agree).
fn reason_name(reason: RstReason) -> &'static CStr {
    match reason.0 {
        0x00 => c"unspecified error",
        0x01 => c"MPTCP-specific error",
        0x02 => c"lack of resources",
        0x03 => c"administratively prohibited",
        0x04 => c"too much outstanding data",
        0x05 => c"unacceptable performance",
        0x06 => c"middlebox interference",
        _ => c"unassigned",
    }
}

impl From<MptcpError> for mptcpscan_result {
    fn from(e: MptcpError) -> Self {
        match e {
            MptcpError::NotMptcp { .. } => mptcpscan_result::MptcpNotMptcp,
            MptcpError::TooShort { .. } => mptcpscan_result::MptcpTooShort,
            MptcpError::LengthMismatch { .. } => mptcpscan_result::MptcpLengthMismatch,
            MptcpError::WrongSubtype { .. } => mptcpscan_result::MptcpWrongSubtype,
            MptcpError::BadLength { .. } => mptcpscan_result::MptcpBadLength,
            MptcpError::BadValue { .. } => mptcpscan_result::MptcpBadValue,
            MptcpError::BufferTooShort { .. } => mptcpscan_result::BufferTooShort,
            MptcpError::Unrepresentable { .. } => mptcpscan_result::MptcpUnrepresentable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn parse(bytes: &[u8], version: u32) -> Result<mptcpscan_mptcp_option, mptcpscan_result> {
        // SAFETY: an all-integer struct; zero is a valid value.
        let mut out: mptcpscan_mptcp_option = unsafe { core::mem::zeroed() };
        match mptcpscan_mptcp_parse(bytes.as_ptr(), bytes.len(), version, &mut out) {
            mptcpscan_result::Ok => Ok(out),
            e => Err(e),
        }
    }

    fn emit(option: &mptcpscan_mptcp_option) -> Result<Vec<u8>, mptcpscan_result> {
        let mut buf = [0u8; 40];
        let mut len = 0usize;
        match mptcpscan_mptcp_emit(option, buf.as_mut_ptr(), buf.len(), &mut len) {
            mptcpscan_result::Ok => Ok(buf[..len].to_vec()),
            e => Err(e),
        }
    }

    /// One option of every subtype and layout the shared captures hold (capture, frame), plus
    /// the two subtypes no capture has (MP_PRIO, MP_FAIL) and an experimental one.
    const FIXTURES: &[(&str, u32)] = &[
        ("1e040101", 1),                                             // mptcp-v1.pcap 1
        ("1e0c00819c9eabd1e46a33b2", 0),                             // mptcp-v0.pcap 1
        ("1e1401011fdb5df328bc3def29a6c86981ad933c", 1),             // mptcp-v1.pcap 3
        ("1e1601011fdb5df328bc3def29a6c86981ad933c2000", 1),         // mptcp-v1.pcap 4
        ("1e0c1000e47f01421b665a18", 0),                             // mptcp-v0.pcap 8
        ("1e1010015ab680c7884af03d33abe9d5", 0),                     // mptcp-v0.pcap 9
        ("1e181000cb7b87f5e5f0502f43b535fb70ef6607df2e6c7a", 0),     // mptcp-v0.pcap 10
        ("1e082001b1712fb7", 0),                                     // mptcp-fclose.pcap 7
        ("1e142005c9dc1c61b1712fb60000000100019e91", 0),             // mptcp-fclose.pcap 6
        ("1e1a200fc8072fb90edab04ea28e87fddd1d30f2000000012000", 1), // mptcp-v1.pcap 7
        ("1e16200dab7659983602a57d9b3646a0000000060004", 1),         // ptcpdump mptcp.pcap 6
        ("1e0834010a010202", 0),                                     // mptcp-v0.pcap 4
        ("1e0831010a000201", 1),                                     // mptcp-aa-echo.pcap 2
        ("1e103001c0a888e1669928744366716c", 1),                     // mptcp-aa-v1.pcap 13
        ("1e044000", 0),                                             // mptcp-v0.pcap 210
        ("1e0351", 1),
        ("1e045105", 0),
        ("1e0c6000a28e87fddd1d30f2", 1),
        ("1e0c7000d005b1ab34bad344", 0), // mptcp-fclose.pcap 10
        ("1e048000", 1),                 // mptcp-tcprst.pcap 1
        ("1e05f0aabb", 1),
    ];

    #[test]
    fn every_fixture_decodes_and_reencodes_byte_for_byte() {
        for (text, version) in FIXTURES {
            let bytes = hex(text);
            let option = parse(&bytes, *version).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(usize::from(option.length), bytes.len(), "{text}");
            assert_eq!(option.subtype, bytes[2] >> 4, "{text}");
            assert_eq!(emit(&option), Ok(bytes.clone()), "{text}");
        }
    }

    #[test]
    fn fields_of_real_options() {
        let synack = parse(&hex("1e0c010129a6c86981ad933c"), 1).unwrap();
        // SAFETY: subtype 0 selects `mp_capable`.
        let capable = unsafe { synack.body.mp_capable };
        assert_eq!((capable.version, capable.flags), (1, 0x01));
        assert_eq!(capable.has_sender_key, 1);
        assert_eq!(capable.sender_key, 0x29a6_c869_81ad_933c);
        assert_eq!(capable.has_receiver_key, 0);

        let dss = parse(&hex("1e142005c9dc1c61b1712fb60000000100019e91"), 0).unwrap();
        // SAFETY: subtype 2 selects `dss`.
        let dss = unsafe { dss.body.dss };
        assert_eq!(
            dss.flags,
            MPTCPSCAN_DSS_FLAG_DATA_ACK | MPTCPSCAN_DSS_FLAG_MAPPING
        );
        assert_eq!((dss.data_ack, dss.dsn), (0xc9dc_1c61, 0xb171_2fb6));
        assert_eq!((dss.ssn, dss.data_len), (1, 1));
        assert_eq!((dss.has_checksum, dss.checksum), (1, 0x9e91));

        let add = parse(&hex("1e103001c0a888e1669928744366716c"), 1).unwrap();
        // SAFETY: subtype 3 selects `add_addr`.
        let add = unsafe { add.body.add_addr };
        assert_eq!((add.addr_id, add.has_port, add.has_hmac), (1, 0, 1));
        assert_eq!(add.address.family, 4);
        assert_eq!(add.address.bytes[..4], [192, 168, 136, 225]);
        assert_eq!(add.hmac, 0x6699_2874_4366_716c_u64.to_be_bytes());

        let join = parse(&hex("1e1010015ab680c7884af03d33abe9d5"), 0).unwrap();
        // SAFETY: subtype 1 selects `mp_join`.
        let join = unsafe { join.body.mp_join };
        assert_eq!(join.stage, mptcpscan_join_stage::SynAck as u8);
        assert_eq!((join.flags, join.addr_id, join.hmac_len), (0, 1, 8));
        assert_eq!(join.nonce, 0x33ab_e9d5);
    }

    #[test]
    fn malformed_and_unrepresentable_options_are_refused() {
        assert_eq!(
            parse(&hex("020405b4"), 1).err(),
            Some(mptcpscan_result::MptcpNotMptcp)
        );
        assert_eq!(
            parse(&hex("1e0320"), 1).err(),
            Some(mptcpscan_result::MptcpBadLength)
        );
        assert_eq!(
            parse(&hex("1e0c0101"), 1).err(),
            Some(mptcpscan_result::MptcpLengthMismatch)
        );
        assert_eq!(
            parse(&hex("1e040101"), 2).err(),
            Some(mptcpscan_result::InvalidArgument)
        );
        let mut option = parse(&hex("1e1401011fdb5df328bc3def29a6c86981ad933c"), 1).unwrap();
        // Writing a union member of a Copy type needs no `unsafe`.
        option.body.mp_capable.has_sender_key = 0;
        assert_eq!(emit(&option), Err(mptcpscan_result::MptcpUnrepresentable));
        option.subtype = 16;
        assert_eq!(emit(&option), Err(mptcpscan_result::InvalidArgument));
        option.subtype = 9;
        assert_eq!(emit(&option), Err(mptcpscan_result::InvalidArgument));
    }

    #[test]
    fn names_match_the_core() {
        for subtype in 0..=15u8 {
            let mut name = core::ptr::null();
            assert_eq!(
                mptcpscan_mptcp_subtype_name(u32::from(subtype), &mut name),
                mptcpscan_result::Ok
            );
            // SAFETY: a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(name) };
            assert_eq!(name.to_str().unwrap(), mptcp::subtype::name(subtype));
        }
        for reason in 0..=255u8 {
            assert_eq!(
                reason_name(RstReason(reason)).to_str().unwrap(),
                RstReason(reason).name()
            );
        }
        assert_eq!(
            mptcpscan_mptcp_subtype_name(16, &mut core::ptr::null()),
            mptcpscan_result::InvalidArgument
        );
    }
}
