//! MPTCP crypto: key → token and IDSN, MP_JOIN and ADD_ADDR HMACs, the DSS checksum (compute
//! and verify) and 32-bit DSN expansion.
//!
//! Keys, nonces and tokens cross as host-order integers (the numbers the options carry, as
//! `mptcpscan_mptcp_parse` returns them); every HMAC, truncated or full, as bytes in wire order
//! (as the options carry them too).

use core_lib::crypto::{
    self, AddAddrHmacCheck, DssChecksum, DssPseudoHeader, HmacKeys, JoinHandshake,
};
use core_lib::mptcp::Version;

use crate::address::{self, mptcpscan_address};
use crate::error::mptcpscan_result;
use crate::ffi::{self, guard, Out};

/// The two keys that key an HMAC, named by who sends the HMAC.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_hmac_keys {
    /// The key announced (in MP_CAPABLE) by the host that sends the HMAC.
    pub sender: u64,
    /// The key announced by the host that receives it.
    pub receiver: u64,
}

impl From<mptcpscan_hmac_keys> for HmacKeys {
    fn from(keys: mptcpscan_hmac_keys) -> Self {
        HmacKeys {
            sender: keys.sender,
            receiver: keys.receiver,
        }
    }
}

/// Everything the MP_JOIN HMACs of one subflow depend on, named by role.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_join_handshake {
    /// The key of the host that sends the MP_JOIN SYN (from its MP_CAPABLE).
    pub initiator_key: u64,
    /// The key of the host that receives the MP_JOIN SYN.
    pub listener_key: u64,
    /// The nonce in the MP_JOIN SYN.
    pub initiator_nonce: u32,
    /// The nonce in the MP_JOIN SYN-ACK.
    pub listener_nonce: u32,
}

impl From<&mptcpscan_join_handshake> for JoinHandshake {
    fn from(h: &mptcpscan_join_handshake) -> Self {
        JoinHandshake {
            initiator_key: h.initiator_key,
            listener_key: h.listener_key,
            initiator_nonce: h.initiator_nonce,
            listener_nonce: h.listener_nonce,
        }
    }
}

/// The size of the largest full HMAC (HMAC-SHA256).
pub const MPTCPSCAN_MAX_HMAC_LEN: usize = 32;
/// The size of the truncated HMAC an MP_JOIN third ACK carries (160 bits).
pub const MPTCPSCAN_JOIN_ACK_HMAC_LEN: usize = 20;
/// The size of the truncated HMACs an MP_JOIN SYN-ACK and a v1 ADD_ADDR carry (64 bits).
pub const MPTCPSCAN_SHORT_HMAC_LEN: usize = 8;

/// Everything MP_JOIN's crypto produces for one handshake.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_join_hmacs {
    /// The listener's token, which the MP_JOIN SYN must carry.
    pub expected_token: u32,
    /// Bytes used in `listener_hmac` and `initiator_hmac`: 20 (v0, HMAC-SHA1) or 32 (v1).
    pub full_len: u32,
    /// The 64-bit truncated HMAC the MP_JOIN SYN-ACK must carry (the listener's, leftmost bits).
    pub syn_ack_hmac: [u8; MPTCPSCAN_SHORT_HMAC_LEN],
    /// The 160-bit HMAC the MP_JOIN third ACK must carry (the initiator's, leftmost bits).
    pub ack_hmac: [u8; MPTCPSCAN_JOIN_ACK_HMAC_LEN],
    /// The listener's full HMAC (its key and nonce first); `full_len` bytes used, rest zero.
    pub listener_hmac: [u8; MPTCPSCAN_MAX_HMAC_LEN],
    /// The initiator's full HMAC; `full_len` bytes used, rest zero.
    pub initiator_hmac: [u8; MPTCPSCAN_MAX_HMAC_LEN],
}

/// What a v1 ADD_ADDR HMAC turned out to be.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_add_addr_check {
    /// The rightmost 64 bits of the HMAC, as RFC 8684 specifies.
    Valid = 0,
    /// The leftmost 64 bits: a sender implementing a pre-RFC draft (Linux 5.6 to 5.8).
    PreRfcTruncation = 1,
    /// Neither: wrong keys, a rewritten address or port, or a corrupted option.
    Invalid = 2,
}

/// Derives the connection token and initial data sequence number of an MP_CAPABLE key.
///
/// Reads `version` (`mptcpscan_mptcp_version`: 0 hashes with SHA-1, 1 with SHA-256) and `key`.
/// On success writes the token (most significant 32 bits of the hash) to `*token` and the IDSN
/// (least significant 64 bits) to `*idsn`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown version).
#[no_mangle]
pub extern "C" fn mptcpscan_key_derive(
    version: u32,
    key: u64,
    token: *mut u32,
    idsn: *mut u64,
) -> mptcpscan_result {
    guard(|| {
        let version = address::version(version)?;
        // SAFETY: the header documents both outputs as writable.
        let (token, idsn) = unsafe { (Out::new(token)?, Out::new(idsn)?) };
        let derived = crypto::key::derive(version, key);
        token.write(derived.token);
        idsn.write(derived.idsn);
        Ok(())
    })
}

/// Computes every MP_JOIN HMAC of one handshake.
///
/// Reads `version` (`mptcpscan_mptcp_version`) and `*handshake`. On success writes the expected
/// token, the truncated HMACs the SYN-ACK and third ACK carry, and both full HMACs to `*hmacs`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown version).
#[no_mangle]
pub extern "C" fn mptcpscan_join_compute(
    version: u32,
    handshake: *const mptcpscan_join_handshake,
    hmacs: *mut mptcpscan_join_hmacs,
) -> mptcpscan_result {
    guard(|| {
        let version = address::version(version)?;
        // SAFETY: the header documents `handshake` as readable and `hmacs` as writable.
        let (handshake, hmacs) = unsafe { (ffi::input(handshake)?, Out::new(hmacs)?) };
        let join = JoinHandshake::from(handshake);
        let listener = join.listener_hmac(version);
        let initiator = join.initiator_hmac(version);
        let mut out = mptcpscan_join_hmacs {
            expected_token: join.expected_token(version),
            full_len: listener.as_bytes().len() as u32,
            syn_ack_hmac: listener.truncated_64().to_be_bytes(),
            ack_hmac: initiator.truncated_160(),
            ..Default::default()
        };
        out.listener_hmac[..listener.as_bytes().len()].copy_from_slice(listener.as_bytes());
        out.initiator_hmac[..initiator.as_bytes().len()].copy_from_slice(initiator.as_bytes());
        hmacs.write(out);
        Ok(())
    })
}

/// Checks the 64-bit HMAC read from an MP_JOIN SYN-ACK.
///
/// Reads `version`, `*handshake` and `hmac_len` bytes at `hmac` (wire order). On success writes
/// whether they are the listener's truncated HMAC to `*valid`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown version, or `hmac_len`
/// not `MPTCPSCAN_SHORT_HMAC_LEN`).
#[no_mangle]
pub extern "C" fn mptcpscan_join_verify_syn_ack(
    version: u32,
    handshake: *const mptcpscan_join_handshake,
    hmac: *const u8,
    hmac_len: usize,
    valid: *mut bool,
) -> mptcpscan_result {
    join_verify(
        version,
        handshake,
        hmac,
        hmac_len,
        valid,
        |version, handshake, hmac| Ok(handshake.verify_syn_ack(version, short_hmac(hmac)?)),
    )
}

/// What both MP_JOIN HMAC checks do around `verify`: read the version, the handshake and the
/// HMAC's wire bytes, and write `verify`'s answer to `*valid`.
fn join_verify(
    version: u32,
    handshake: *const mptcpscan_join_handshake,
    hmac: *const u8,
    hmac_len: usize,
    valid: *mut bool,
    verify: impl FnOnce(Version, JoinHandshake, &[u8]) -> Result<bool, mptcpscan_result>,
) -> mptcpscan_result {
    guard(|| {
        let version = address::version(version)?;
        // SAFETY: the header documents `handshake` as readable, `hmac` as `hmac_len` readable
        // bytes and `valid` as writable.
        let (handshake, hmac, valid) = unsafe {
            (
                ffi::input(handshake)?,
                ffi::bytes(hmac, hmac_len)?,
                Out::new(valid)?,
            )
        };
        valid.write(verify(version, JoinHandshake::from(handshake), hmac)?);
        Ok(())
    })
}

/// A 64-bit HMAC from its wire bytes; any other length is `INVALID_ARGUMENT`.
fn short_hmac(bytes: &[u8]) -> Result<u64, mptcpscan_result> {
    let bytes: [u8; MPTCPSCAN_SHORT_HMAC_LEN] = bytes
        .try_into()
        .map_err(|_| mptcpscan_result::InvalidArgument)?;
    Ok(u64::from_be_bytes(bytes))
}

/// Checks the 160-bit HMAC read from an MP_JOIN third ACK.
///
/// Reads `version`, `*handshake` and `hmac_len` bytes at `hmac` (wire order). On success writes
/// whether they are the initiator's HMAC to `*valid`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown version, or `hmac_len`
/// not `MPTCPSCAN_JOIN_ACK_HMAC_LEN`).
#[no_mangle]
pub extern "C" fn mptcpscan_join_verify_ack(
    version: u32,
    handshake: *const mptcpscan_join_handshake,
    hmac: *const u8,
    hmac_len: usize,
    valid: *mut bool,
) -> mptcpscan_result {
    join_verify(
        version,
        handshake,
        hmac,
        hmac_len,
        valid,
        |version, handshake, hmac| {
            let hmac: &[u8; MPTCPSCAN_JOIN_ACK_HMAC_LEN] = hmac
                .try_into()
                .map_err(|_| mptcpscan_result::InvalidArgument)?;
            Ok(handshake.verify_ack(version, hmac))
        },
    )
}

/// Computes the HMAC a v1 ADD_ADDR must carry (the rightmost 64 bits, RFC 8684).
///
/// Reads `*keys` (`sender` = the key of the host that sends the ADD_ADDR), `address_id`,
/// `*address` and `port` (0 when the option carries no port: the two port bytes are hashed either
/// way). On success writes the HMAC's `MPTCPSCAN_SHORT_HMAC_LEN` bytes, in wire order, to the
/// front of the `hmac_len` bytes at `hmac`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown address family),
/// `BUFFER_TOO_SHORT` (`hmac_len` below `MPTCPSCAN_SHORT_HMAC_LEN`).
#[no_mangle]
pub extern "C" fn mptcpscan_add_addr_hmac(
    keys: *const mptcpscan_hmac_keys,
    address_id: u8,
    address: *const mptcpscan_address,
    port: u16,
    hmac: *mut u8,
    hmac_len: usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `keys` and `address` as readable; they are copied out
        // before the output is borrowed, so an output overlapping them is harmless.
        let (keys, address) = unsafe { (*ffi::input(keys)?, *ffi::input(address)?) };
        // SAFETY: the header documents `hmac` as `hmac_len` writable bytes.
        let hmac = unsafe { ffi::bytes_mut(hmac, hmac_len)? };
        let out = hmac
            .get_mut(..MPTCPSCAN_SHORT_HMAC_LEN)
            .ok_or(mptcpscan_result::BufferTooShort)?;
        let ip = address.to_ip()?;
        let value = crypto::add_addr_hmac(keys.into(), address_id, ip, Some(port));
        out.copy_from_slice(&value.to_be_bytes());
        Ok(())
    })
}

/// Checks the HMAC a v1 ADD_ADDR carries, recognising the pre-RFC leftmost truncation.
///
/// Reads the same arguments as `mptcpscan_add_addr_hmac` plus `hmac_len` bytes at `hmac`, the
/// HMAC the option carries in wire order. On success writes an `mptcpscan_add_addr_check` value
/// to `*check`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (unknown address family, or
/// `hmac_len` not `MPTCPSCAN_SHORT_HMAC_LEN`).
#[no_mangle]
pub extern "C" fn mptcpscan_add_addr_verify(
    keys: *const mptcpscan_hmac_keys,
    address_id: u8,
    address: *const mptcpscan_address,
    port: u16,
    hmac: *const u8,
    hmac_len: usize,
    check: *mut u32,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `keys` and `address` as readable, `hmac` as `hmac_len`
        // readable bytes, `check` as writable.
        let (keys, address, hmac, check) = unsafe {
            (
                ffi::input(keys)?,
                ffi::input(address)?,
                ffi::bytes(hmac, hmac_len)?,
                Out::new(check)?,
            )
        };
        let hmac = short_hmac(hmac)?;
        let ip = address.to_ip()?;
        let result = crypto::verify_add_addr_hmac((*keys).into(), address_id, ip, Some(port), hmac);
        check.write(match result {
            AddAddrHmacCheck::Valid => mptcpscan_add_addr_check::Valid,
            AddAddrHmacCheck::PreRfcTruncation => mptcpscan_add_addr_check::PreRfcTruncation,
            AddAddrHmacCheck::Invalid => mptcpscan_add_addr_check::Invalid,
        } as u32);
        Ok(())
    })
}

/// The pseudo-header of one DSS mapping: what its checksum covers before the payload.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_dss_mapping {
    /// The full 64-bit data sequence number of the mapping's first byte (expand a 32-bit DSN
    /// from the wire with `mptcpscan_dss_expand_dsn` first).
    pub dsn: u64,
    /// The relative subflow sequence number of the mapping's first byte, as the option carries it.
    pub ssn: u32,
    /// The mapping's data-level length.
    pub data_len: u16,
}

impl From<&mptcpscan_dss_mapping> for DssPseudoHeader {
    fn from(m: &mptcpscan_dss_mapping) -> Self {
        DssPseudoHeader {
            dsn: m.dsn,
            ssn: m.ssn,
            data_len: m.data_len,
        }
    }
}

/// Computes the DSS checksum of a mapping whose payload is in one buffer.
///
/// Reads `*mapping` and `payload_len` bytes at `payload` (`payload` must not be NULL even when
/// `payload_len` is 0). On success writes the checksum, as the option carries it, to `*checksum`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_dss_checksum(
    mapping: *const mptcpscan_dss_mapping,
    payload: *const u8,
    payload_len: usize,
    checksum: *mut u16,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `mapping` as readable, `payload` as `payload_len` readable
        // bytes and `checksum` as writable.
        let (mapping, payload, checksum) = unsafe {
            (
                ffi::input(mapping)?,
                ffi::bytes(payload, payload_len)?,
                Out::new(checksum)?,
            )
        };
        checksum.write(crypto::dss_checksum(&mapping.into(), payload));
        Ok(())
    })
}

/// Checks the DSS checksum of a mapping whose payload is in one buffer.
///
/// Reads `*mapping`, `payload_len` bytes at `payload` (not NULL, even when empty) and `checksum`
/// (the value the DSS option carries). On success writes whether it matches to `*valid`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_dss_checksum_verify(
    mapping: *const mptcpscan_dss_mapping,
    payload: *const u8,
    payload_len: usize,
    checksum: u16,
    valid: *mut bool,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: as in `mptcpscan_dss_checksum`.
        let (mapping, payload, valid) = unsafe {
            (
                ffi::input(mapping)?,
                ffi::bytes(payload, payload_len)?,
                Out::new(valid)?,
            )
        };
        valid.write(crypto::verify_dss_checksum(
            &mapping.into(),
            payload,
            checksum,
        ));
        Ok(())
    })
}

/// A DSS checksum being computed over a mapping whose payload spans several segments (opaque:
/// create with `mptcpscan_dss_sum_new`, release with `mptcpscan_dss_sum_free`).
pub struct mptcpscan_dss_sum {
    sum: DssChecksum,
}

/// Starts a DSS checksum for a mapping whose payload arrives in pieces.
///
/// Reads `*mapping`. On success allocates a checksum state and writes it to `*sum`; feed it with
/// `mptcpscan_dss_sum_update` and release it with `mptcpscan_dss_sum_free`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_dss_sum_new(
    mapping: *const mptcpscan_dss_mapping,
    sum: *mut *mut mptcpscan_dss_sum,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `mapping` as readable and `sum` as writable.
        let (mapping, sum) = unsafe { (ffi::input(mapping)?, Out::new(sum)?) };
        let state = Box::new(mptcpscan_dss_sum {
            sum: DssChecksum::new(&mapping.into()),
        });
        sum.write(Box::into_raw(state));
        Ok(())
    })
}

/// Adds the next piece of a mapping's payload (pieces of any length, odd ones included).
///
/// Reads `piece_len` bytes at `piece` (not NULL) and updates `*sum`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_dss_sum_update(
    sum: *mut mptcpscan_dss_sum,
    piece: *const u8,
    piece_len: usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `sum` comes from `mptcpscan_dss_sum_new` (documented) and is not used by another
        // thread meanwhile; `piece` is documented as `piece_len` readable bytes, and cannot alias
        // the state, which the library allocated itself.
        let (sum, piece) = unsafe { (ffi::handle(sum)?, ffi::bytes(piece, piece_len)?) };
        sum.sum.update(piece);
        Ok(())
    })
}

/// Finishes a DSS checksum: the value a DSS option would carry, and whether it is `expected`.
///
/// Reads `*sum` (which stays usable and unchanged) and `expected` (the checksum the option
/// carries). On success writes the computed checksum to `*checksum` and whether it equals
/// `expected` to `*valid`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_dss_sum_finish(
    sum: *const mptcpscan_dss_sum,
    expected: u16,
    checksum: *mut u16,
    valid: *mut bool,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `sum` comes from `mptcpscan_dss_sum_new`; the outputs are documented writable.
        let (sum, checksum, valid) =
            unsafe { (ffi::input(sum)?, Out::new(checksum)?, Out::new(valid)?) };
        checksum.write(sum.sum.finish());
        valid.write(sum.sum.verify(expected));
        Ok(())
    })
}

/// Releases a DSS checksum state. NULL is accepted and does nothing.
///
/// Reads and frees `sum`, which must come from `mptcpscan_dss_sum_new` and not be used again.
#[no_mangle]
pub extern "C" fn mptcpscan_dss_sum_free(sum: *mut mptcpscan_dss_sum) {
    crate::ffi::guard_value((), || {
        if !sum.is_null() {
            // SAFETY: a non-NULL `sum` is documented to come from `mptcpscan_dss_sum_new` (a
            // `Box::into_raw`) and to be freed once.
            drop(unsafe { Box::from_raw(sum) });
        }
    })
}

/// Expands a 32-bit data sequence number from a DSS option to 64 bits.
///
/// Reads `low` (the option's 32-bit DSN or data ACK) and `near` (a 64-bit DSN of the same
/// direction already known: the IDSN at first, then the last expanded value). On success writes
/// the 64-bit value with those low 32 bits closest to `near` to `*dsn`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_dss_expand_dsn(low: u32, near: u64, dsn: *mut u64) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `dsn` as writable.
        let dsn = unsafe { Out::new(dsn)? };
        dsn.write(crypto::expand_dsn(low, near));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_key_from_mptcp_v1_pcap() {
        let (mut token, mut idsn) = (0, 0);
        assert_eq!(
            mptcpscan_key_derive(1, 0x29a6_c869_81ad_933c, &mut token, &mut idsn),
            mptcpscan_result::Ok
        );
        assert_eq!((token, idsn), (2_740_809_090, 11_713_449_205_243_392_241));
        assert_eq!(
            mptcpscan_key_derive(2, 1, &mut token, &mut idsn),
            mptcpscan_result::InvalidArgument
        );
    }

    #[test]
    fn v0_join_from_mptcp_v0_pcap() {
        let handshake = mptcpscan_join_handshake {
            initiator_key: 0x9c9e_abd1_e46a_33b2,
            listener_key: 0x967d_2770_b696_0552,
            initiator_nonce: 0x1b66_5a18,
            listener_nonce: 0x33ab_e9d5,
        };
        let mut hmacs = mptcpscan_join_hmacs::default();
        assert_eq!(
            mptcpscan_join_compute(0, &handshake, &mut hmacs),
            mptcpscan_result::Ok
        );
        assert_eq!(hmacs.expected_token, 0xe47f_0142);
        assert_eq!(hmacs.syn_ack_hmac, 0x5ab6_80c7_884a_f03d_u64.to_be_bytes());
        assert_eq!(hmacs.full_len, 20);
        assert_eq!(hmacs.ack_hmac[..], hmacs.initiator_hmac[..20]);
        let mut valid = false;
        assert_eq!(
            mptcpscan_join_verify_ack(0, &handshake, hmacs.ack_hmac.as_ptr(), 20, &mut valid),
            mptcpscan_result::Ok
        );
        assert!(valid);
        assert_eq!(
            mptcpscan_join_verify_ack(0, &handshake, hmacs.ack_hmac.as_ptr(), 19, &mut valid),
            mptcpscan_result::InvalidArgument
        );
        let syn_ack = hmacs.syn_ack_hmac;
        assert_eq!(
            mptcpscan_join_verify_syn_ack(0, &handshake, syn_ack.as_ptr(), 8, &mut valid),
            mptcpscan_result::Ok
        );
        assert!(valid);
    }

    #[test]
    fn pre_rfc_add_addr_from_mptcp_aa_v1_pcap() {
        let keys = mptcpscan_hmac_keys {
            sender: 0x73bb_1503_58a0_aecb,
            receiver: 0x8f0c_7c64_a6a3_2ac1,
        };
        let mut address = mptcpscan_address {
            family: 4,
            bytes: [0; 16],
        };
        address.bytes[..4].copy_from_slice(&[192, 168, 136, 225]);
        let carried = 0x6699_2874_4366_716c_u64.to_be_bytes();
        let mut check = 99;
        assert_eq!(
            mptcpscan_add_addr_verify(&keys, 1, &address, 0, carried.as_ptr(), 8, &mut check),
            mptcpscan_result::Ok
        );
        assert_eq!(check, mptcpscan_add_addr_check::PreRfcTruncation as u32);
        let mut hmac = [0u8; 8];
        assert_eq!(
            mptcpscan_add_addr_hmac(&keys, 1, &address, 0, hmac.as_mut_ptr(), 8),
            mptcpscan_result::Ok
        );
        assert_eq!(
            mptcpscan_add_addr_verify(&keys, 1, &address, 0, hmac.as_ptr(), 8, &mut check),
            mptcpscan_result::Ok
        );
        assert_eq!(check, mptcpscan_add_addr_check::Valid as u32);
    }

    #[test]
    fn dss_checksum_whole_and_in_odd_pieces_agree() {
        let mapping = mptcpscan_dss_mapping {
            dsn: 0xa28e_87fd_dd1d_30f2,
            ssn: 1,
            data_len: 7,
        };
        let payload = *b"mptcpsc";
        let mut whole = 0u16;
        assert_eq!(
            mptcpscan_dss_checksum(&mapping, payload.as_ptr(), 7, &mut whole),
            mptcpscan_result::Ok
        );
        let mut sum = core::ptr::null_mut();
        assert_eq!(
            mptcpscan_dss_sum_new(&mapping, &mut sum),
            mptcpscan_result::Ok
        );
        for piece in payload.chunks(3) {
            assert_eq!(
                mptcpscan_dss_sum_update(sum, piece.as_ptr(), piece.len()),
                mptcpscan_result::Ok
            );
        }
        let (mut pieces, mut valid) = (0u16, false);
        assert_eq!(
            mptcpscan_dss_sum_finish(sum, whole, &mut pieces, &mut valid),
            mptcpscan_result::Ok
        );
        mptcpscan_dss_sum_free(sum);
        assert_eq!(pieces, whole);
        assert!(valid);
        assert_eq!(
            mptcpscan_dss_checksum_verify(&mapping, payload.as_ptr(), 7, whole ^ 1, &mut valid),
            mptcpscan_result::Ok
        );
        assert!(!valid);
    }
}
