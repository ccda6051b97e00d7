//! `mptcpscan_tracker`: the core's MPTCP connection tracker behind an opaque handle, so that a
//! capture tool (the tshark plugin) checks every segment exactly as `mptcpscan dissect` does.
//!
//! Create one per capture with `mptcpscan_tracker_new`, feed it every TCP segment in capture
//! order with `mptcpscan_tracker_feed`, and release it with `mptcpscan_tracker_free`. Each feed
//! writes a plain `mptcpscan_findings` the caller may copy and keep (it holds no pointers).

use core::ffi::{c_char, CStr};

use core_lib::track::{
    Check, Findings, JoinToken, OptionFinding, Segment, Settings, Tracker, Unverifiable,
};
use core_lib::wire::TcpPacket;

use crate::address::mptcpscan_address;
use crate::classify::{mptcpscan_classification, MPTCPSCAN_TTL_UNKNOWN};
use crate::error::mptcpscan_result;
use crate::ffi::{self, guard, Out};

/// Most MPTCP options one segment's findings hold (40 bytes of options, 4 at least each).
pub const MPTCPSCAN_TRACK_MAX_OPTIONS: usize = 10;
const _: () = assert!(MPTCPSCAN_TRACK_MAX_OPTIONS == core_lib::track::MAX_OPTIONS);

/// The outcome of one check, as `mptcpscan_check_name` names it.
#[repr(u32)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum mptcpscan_check {
    /// No such check on this option.
    #[default]
    None = 0,
    /// "valid".
    Valid = 1,
    /// "invalid".
    Invalid = 2,
    /// "pre-rfc-truncation": an ADD_ADDR HMAC truncated the pre-RFC way (Linux 5.6 to 5.8).
    PreRfcTruncation = 3,
    /// "spans-segments": the DSS mapping goes on in later segments.
    SpansSegments = 4,
    /// "unverifiable": the capture lacks what the check needs (`mptcpscan_unverifiable` says
    /// what).
    Unverifiable = 5,
}

/// Why a check was unverifiable, as `mptcpscan_unverifiable_name` names it.
#[repr(u32)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum mptcpscan_unverifiable {
    /// Not unverifiable.
    #[default]
    None = 0,
    /// The subflow belongs to no connection of the capture.
    NoConnection = 1,
    /// A key was not in the capture.
    KeysUnknown = 2,
    /// An MP_JOIN nonce was not in the capture.
    NoncesUnknown = 3,
    /// A 4-byte DSN with nothing to extend it from.
    DsnUnknown = 4,
    /// The payload was cut by the snap length.
    PayloadNotCaptured = 5,
    /// The mapping does not start with this segment.
    NotMappingStart = 6,
    /// The payload length fits no mapping.
    LengthMismatch = 7,
    /// A mapping over several segments met a gap or a retransmission.
    BrokenSpan = 8,
}

/// `mptcpscan_option_finding.join_token`: an MP_JOIN SYN's token not looked up (not a SYN).
pub const MPTCPSCAN_JOIN_TOKEN_NONE: u8 = 0;
/// The token belongs to no connection of the capture.
pub const MPTCPSCAN_JOIN_TOKEN_UNKNOWN: u8 = 1;
/// The token belongs to connection `join_connection`, first seen in frame `join_first_frame`.
pub const MPTCPSCAN_JOIN_TOKEN_KNOWN: u8 = 2;

/// `mptcpscan_findings.events` bits: a new subflow.
pub const MPTCPSCAN_EVENT_SUBFLOW_OPENED: u32 = 1 << 0;
/// A new connection.
pub const MPTCPSCAN_EVENT_CONNECTION_OPENED: u32 = 1 << 1;
/// The subflow's handshake completed with MPTCP.
pub const MPTCPSCAN_EVENT_SUBFLOW_ESTABLISHED: u32 = 1 << 2;
/// The subflow's handshake failed.
pub const MPTCPSCAN_EVENT_SUBFLOW_FAILED: u32 = 1 << 3;
/// An MP_JOIN subflow was attached to its connection.
pub const MPTCPSCAN_EVENT_JOINED: u32 = 1 << 4;
/// An MP_CAPABLE SYN was answered without MPTCP.
pub const MPTCPSCAN_EVENT_FALLBACK: u32 = 1 << 5;
/// DATA_FIN.
pub const MPTCPSCAN_EVENT_DATA_FIN: u32 = 1 << 6;
/// MP_FAIL.
pub const MPTCPSCAN_EVENT_MP_FAIL: u32 = 1 << 7;
/// MP_FASTCLOSE.
pub const MPTCPSCAN_EVENT_FASTCLOSE: u32 = 1 << 8;
/// MP_TCPRST.
pub const MPTCPSCAN_EVENT_MP_TCPRST: u32 = 1 << 9;
/// A DSS checksum did not verify.
pub const MPTCPSCAN_EVENT_BAD_CHECKSUM: u32 = 1 << 10;

/// One TCP segment to feed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mptcpscan_segment {
    /// The capture's frame number.
    pub frame: u64,
    /// Capture time, nanoseconds (any epoch, non-decreasing over the capture).
    pub time_ns: i64,
    /// Source address.
    pub src: mptcpscan_address,
    /// Destination address.
    pub dst: mptcpscan_address,
    /// The TCP header and the captured part of the payload.
    pub tcp: *const u8,
    /// Bytes at `tcp`.
    pub tcp_len: usize,
    /// The payload's length on the wire (the capture may have cut it).
    pub payload_len: u32,
    /// IPv4 TTL or IPv6 hop limit, or `MPTCPSCAN_TTL_UNKNOWN`.
    pub ttl: u32,
}

/// The checks on one MPTCP option of a segment.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_option_finding {
    /// Keys the option announces (MP_CAPABLE: sender's, then receiver's), `n_keys` of them.
    pub keys: [u64; 2],
    /// Their tokens.
    pub tokens: [u32; 2],
    /// Their IDSNs.
    pub idsns: [u64; 2],
    /// With `MPTCPSCAN_JOIN_TOKEN_KNOWN`: the connection's id.
    pub join_connection: u64,
    /// With `MPTCPSCAN_JOIN_TOKEN_KNOWN`: the connection's first frame.
    pub join_first_frame: u64,
    /// Why the option does not decode (an `MPTCP_*` result code), 0 when it does.
    pub error: u32,
    /// The MPTCP version it was decoded with (pass it to `mptcpscan_mptcp_parse`).
    pub version: u32,
    /// Where the option starts in the TCP option area.
    pub offset: u8,
    /// Its length.
    pub len: u8,
    /// The subtype nibble (when `has_subtype`).
    pub subtype: u8,
    /// Non-zero when `subtype` is set.
    pub has_subtype: u8,
    /// How many of `keys` are set.
    pub n_keys: u8,
    /// `MPTCPSCAN_JOIN_TOKEN_*`.
    pub join_token: u8,
    /// MP_JOIN SYN-ACK/ACK or ADD_ADDR HMAC (`mptcpscan_check`).
    pub hmac: u8,
    /// Why `hmac` is unverifiable (`mptcpscan_unverifiable`).
    pub hmac_why: u8,
    /// DSS checksum (DSS, MP_CAPABLE with data).
    pub dss_checksum: u8,
    /// Why `dss_checksum` is unverifiable.
    pub dss_why: u8,
    /// Non-zero when `dss_computed` is set.
    pub has_dss_computed: u8,
    /// MP_FASTCLOSE: whether the key is the receiver's.
    pub fastclose_key: u8,
    /// Why `fastclose_key` is unverifiable.
    pub fastclose_why: u8,
    /// Non-zero when `scope` is set.
    pub has_scope: u8,
    /// The checksum the mapping and payload give.
    pub dss_computed: u16,
    /// ADD_ADDR: the advertised address's scope (`mptcpscan_address_scope` values).
    pub scope: u32,
}

/// Everything the tracker found in one segment.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_findings {
    /// The connection's id (when `has_connection`).
    pub connection: u64,
    /// With `has_handshake`: the frame of the MP_CAPABLE SYN this segment answers.
    pub syn_frame: u64,
    /// With `has_continuation`: the frame whose DSS mapping this payload continues.
    pub mapping_frame: u64,
    /// With `has_placement`: data sequence number of the first payload byte.
    pub dsn: u64,
    /// With `has_handshake` and `handshake_error` 0: the answer classified.
    pub classification: mptcpscan_classification,
    /// With `has_handshake`: why the SYN does not describe a probe (a result code), or 0.
    pub handshake_error: u32,
    /// `MPTCPSCAN_EVENT_*` bits.
    pub events: u32,
    /// Why the TCP option area does not walk (an `OPTION_*` result code), or 0.
    pub options_error: u32,
    /// The subflow's place in its connection (0: initial).
    pub subflow: u16,
    /// With `has_continuation` and a verdict: the checksum over the whole mapping.
    pub continuation_computed: u16,
    /// Non-zero when the segment belongs to a tracked MPTCP subflow.
    pub tracked: u8,
    /// Non-zero when `connection` and `subflow` are set.
    pub has_connection: u8,
    /// Non-zero when the segment answers an MP_CAPABLE SYN.
    pub has_handshake: u8,
    /// Non-zero when the payload continues an earlier checksummed mapping.
    pub has_continuation: u8,
    /// The continued mapping's checksum (`mptcpscan_check`).
    pub continuation_checksum: u8,
    /// Why it is unverifiable.
    pub continuation_why: u8,
    /// Non-zero when `continuation_computed` is set.
    pub has_continuation_computed: u8,
    /// Non-zero when `dsn` is set.
    pub has_placement: u8,
    /// How many of `options` are set.
    pub n_options: u8,
    /// The MPTCP options, in the segment's order.
    pub options: [mptcpscan_option_finding; MPTCPSCAN_TRACK_MAX_OPTIONS],
}

/// An MPTCP connection tracker (opaque: create with `mptcpscan_tracker_new`, release with
/// `mptcpscan_tracker_free`).
pub struct mptcpscan_tracker {
    pub(crate) tracker: Tracker,
    /// Finished connection records collected so far (`mptcpscan_tracker_new_with_records` only).
    pub(crate) connections: Vec<core_lib::track::ConnectionSummary>,
}

fn check(check: Option<Check>) -> (u8, u8) {
    let Some(check) = check else {
        return (mptcpscan_check::None as u8, 0);
    };
    let code = match check {
        Check::Valid => mptcpscan_check::Valid,
        Check::Invalid => mptcpscan_check::Invalid,
        Check::PreRfcTruncation => mptcpscan_check::PreRfcTruncation,
        Check::SpansSegments => mptcpscan_check::SpansSegments,
        Check::Unverifiable(_) => mptcpscan_check::Unverifiable,
    };
    let why = match check.unverifiable() {
        None => mptcpscan_unverifiable::None,
        Some(Unverifiable::NoConnection) => mptcpscan_unverifiable::NoConnection,
        Some(Unverifiable::KeysUnknown) => mptcpscan_unverifiable::KeysUnknown,
        Some(Unverifiable::NoncesUnknown) => mptcpscan_unverifiable::NoncesUnknown,
        Some(Unverifiable::DsnUnknown) => mptcpscan_unverifiable::DsnUnknown,
        Some(Unverifiable::PayloadNotCaptured) => mptcpscan_unverifiable::PayloadNotCaptured,
        Some(Unverifiable::NotMappingStart) => mptcpscan_unverifiable::NotMappingStart,
        Some(Unverifiable::LengthMismatch) => mptcpscan_unverifiable::LengthMismatch,
        Some(Unverifiable::BrokenSpan) => mptcpscan_unverifiable::BrokenSpan,
    };
    (code as u8, why as u8)
}

fn option_finding(o: &OptionFinding) -> mptcpscan_option_finding {
    let mut out = mptcpscan_option_finding {
        error: o.error.map_or(0, |e| mptcpscan_result::from(e) as u32),
        version: u32::from(o.version.to_wire()),
        offset: o.offset,
        len: o.len,
        subtype: o.subtype.unwrap_or(0),
        has_subtype: u8::from(o.subtype.is_some()),
        has_dss_computed: u8::from(o.dss_computed.is_some()),
        dss_computed: o.dss_computed.unwrap_or(0),
        has_scope: u8::from(o.scope.is_some()),
        scope: o
            .scope
            .map_or(0, |s| crate::scope::mptcpscan_scope::from_core(s) as u32),
        ..Default::default()
    };
    for key in o.keys.iter().flatten() {
        let n = usize::from(out.n_keys);
        if let (Some(k), Some(t), Some(i)) = (
            out.keys.get_mut(n),
            out.tokens.get_mut(n),
            out.idsns.get_mut(n),
        ) {
            (*k, *t, *i) = (key.key, key.token, key.idsn);
            out.n_keys += 1;
        }
    }
    match o.join_token {
        None => {}
        Some(JoinToken::Unknown) => out.join_token = MPTCPSCAN_JOIN_TOKEN_UNKNOWN,
        Some(JoinToken::Known {
            connection,
            first_frame,
        }) => {
            out.join_token = MPTCPSCAN_JOIN_TOKEN_KNOWN;
            out.join_connection = connection;
            out.join_first_frame = first_frame;
        }
    }
    (out.hmac, out.hmac_why) = check(o.hmac);
    (out.dss_checksum, out.dss_why) = check(o.dss_checksum);
    (out.fastclose_key, out.fastclose_why) = check(o.fastclose_key);
    out
}

fn findings(f: &Findings) -> mptcpscan_findings {
    let mut out = mptcpscan_findings {
        connection: f.connection.unwrap_or(0),
        events: u32::from(f.events.bits()),
        options_error: f
            .options_error
            .map_or(0, |e| mptcpscan_result::from(e) as u32),
        subflow: f.subflow.unwrap_or(0),
        tracked: u8::from(f.tracked),
        has_connection: u8::from(f.connection.is_some()),
        ..Default::default()
    };
    if let Some(h) = f.handshake {
        out.has_handshake = 1;
        out.syn_frame = h.syn_frame;
        match h.result {
            Ok(c) => out.classification = mptcpscan_classification::from_core(&c),
            Err(e) => out.handshake_error = mptcpscan_result::from(e) as u32,
        }
    }
    if let Some(c) = f.continuation {
        out.has_continuation = 1;
        out.mapping_frame = c.mapping_frame;
        (out.continuation_checksum, out.continuation_why) = check(Some(c.checksum));
        out.has_continuation_computed = u8::from(c.computed.is_some());
        out.continuation_computed = c.computed.unwrap_or(0);
    }
    if let Some(p) = f.placement {
        out.has_placement = 1;
        out.dsn = p.dsn;
    }
    for (slot, option) in out.options.iter_mut().zip(f.options()) {
        *slot = option_finding(option);
        out.n_options += 1;
    }
    out
}

/// Creates a tracker for one capture.
///
/// On success allocates the tracker and writes it to `*tracker`; release it with
/// `mptcpscan_tracker_free`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`.
#[no_mangle]
pub extern "C" fn mptcpscan_tracker_new(tracker: *mut *mut mptcpscan_tracker) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `tracker` as writable.
        let out = unsafe { Out::new(tracker)? };
        let state = Box::new(mptcpscan_tracker {
            // A host reading findings only: finished records are not kept.
            tracker: Tracker::new(Settings {
                records: false,
                ..Settings::default()
            }),
            connections: Vec::new(),
        });
        out.write(Box::into_raw(state));
        Ok(())
    })
}

/// Feeds one TCP segment (in capture order) and describes what it found.
///
/// Reads `*segment` and its `tcp_len` bytes at `tcp` (a whole TCP header at least), updates
/// `*tracker`, and on success writes the findings to `*findings`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (an address family, or `ttl`
/// above 255 and not `MPTCPSCAN_TTL_UNKNOWN`), `WIRE_*` (not a whole TCP header).
#[no_mangle]
pub extern "C" fn mptcpscan_tracker_feed(
    tracker: *mut mptcpscan_tracker,
    segment: *const mptcpscan_segment,
    findings: *mut mptcpscan_findings,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `tracker` comes from `mptcpscan_tracker_new` and is not used by another thread
        // meanwhile; `segment` is documented readable and `findings` writable, and neither can
        // alias the tracker, which the library allocated itself.
        let (state, segment, out) = unsafe {
            (
                ffi::handle(tracker)?,
                ffi::input(segment)?,
                Out::new(findings)?,
            )
        };
        // SAFETY: `segment.tcp` is documented as `tcp_len` readable bytes.
        let tcp = unsafe { ffi::bytes(segment.tcp, segment.tcp_len)? };
        let ttl = match segment.ttl {
            MPTCPSCAN_TTL_UNKNOWN => None,
            ttl => Some(u8::try_from(ttl).map_err(|_| mptcpscan_result::InvalidArgument)?),
        };
        let core_segment = Segment {
            src: segment.src.to_ip()?,
            dst: segment.dst.to_ip()?,
            tcp: TcpPacket::new_checked(tcp)?,
            payload_len: segment.payload_len,
            ttl,
        };
        let found = state
            .tracker
            .feed(segment.frame, segment.time_ns, &core_segment);
        out.write(self::findings(found));
        Ok(())
    })
}

/// Releases a tracker. NULL is accepted and does nothing.
///
/// Reads and frees `tracker`, which must come from `mptcpscan_tracker_new` and not be used again.
#[no_mangle]
pub extern "C" fn mptcpscan_tracker_free(tracker: *mut mptcpscan_tracker) {
    crate::ffi::guard_value((), || {
        if !tracker.is_null() {
            // SAFETY: a non-NULL `tracker` is documented to come from `mptcpscan_tracker_new` (a
            // `Box::into_raw`) and to be freed once.
            drop(unsafe { Box::from_raw(tracker) });
        }
    })
}

fn check_name(code: u8) -> Option<&'static CStr> {
    Some(match code {
        1 => c"valid",
        2 => c"invalid",
        3 => c"pre-rfc-truncation",
        4 => c"spans-segments",
        5 => c"unverifiable",
        _ => return None,
    })
}

fn unverifiable_name(code: u8) -> Option<&'static CStr> {
    Some(match code {
        1 => c"no connection",
        2 => c"keys unknown",
        3 => c"nonces unknown",
        4 => c"DSN unknown",
        5 => c"payload not captured",
        6 => c"not the mapping's first segment",
        7 => c"payload length differs from the mapping",
        8 => c"gap in a mapping over several segments",
        _ => return None,
    })
}

/// Names a check's outcome ("valid", "invalid", "pre-rfc-truncation", "spans-segments",
/// "unverifiable"), as both `dissect` and the tshark plugin print it.
///
/// Reads `check` (an `mptcpscan_check` value other than `NONE`). On success writes a static
/// NUL-terminated string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`check` out of range or `NONE`).
#[no_mangle]
pub extern "C" fn mptcpscan_check_name(check: u32, name: *mut *const c_char) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        let text = u8::try_from(check)
            .ok()
            .and_then(check_name)
            .ok_or(mptcpscan_result::InvalidArgument)?;
        name.write(text.as_ptr());
        Ok(())
    })
}

/// Names why a check was unverifiable ("keys unknown", "payload not captured", ...).
///
/// Reads `why` (an `mptcpscan_unverifiable` value other than `NONE`). On success writes a static
/// NUL-terminated string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`why` out of range or `NONE`).
#[no_mangle]
pub extern "C" fn mptcpscan_unverifiable_name(
    why: u32,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        let text = u8::try_from(why)
            .ok()
            .and_then(unverifiable_name)
            .ok_or(mptcpscan_result::InvalidArgument)?;
        name.write(text.as_ptr());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_cores() {
        let whys = [
            Unverifiable::NoConnection,
            Unverifiable::KeysUnknown,
            Unverifiable::NoncesUnknown,
            Unverifiable::DsnUnknown,
            Unverifiable::PayloadNotCaptured,
            Unverifiable::NotMappingStart,
            Unverifiable::LengthMismatch,
            Unverifiable::BrokenSpan,
        ];
        for why in whys {
            let (code, reason) = check(Some(Check::Unverifiable(why)));
            assert_eq!(check_name(code).unwrap().to_str().unwrap(), "unverifiable");
            assert_eq!(
                unverifiable_name(reason).unwrap().to_str().unwrap(),
                why.name()
            );
        }
        for c in [
            Check::Valid,
            Check::Invalid,
            Check::PreRfcTruncation,
            Check::SpansSegments,
        ] {
            assert_eq!(
                check_name(check(Some(c)).0).unwrap().to_str().unwrap(),
                c.name()
            );
        }
        assert_eq!(check(None).0, 0);
        assert!(check_name(0).is_none() && unverifiable_name(9).is_none());
    }

    #[test]
    fn a_short_segment_is_an_error_and_the_tracker_stays_usable() {
        let mut tracker = core::ptr::null_mut();
        assert_eq!(mptcpscan_tracker_new(&mut tracker), mptcpscan_result::Ok);
        let bytes = [0u8; 10];
        let address = mptcpscan_address {
            family: 4,
            bytes: [198, 18, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        };
        let mut segment = mptcpscan_segment {
            frame: 1,
            time_ns: 0,
            src: address,
            dst: address,
            tcp: bytes.as_ptr(),
            tcp_len: bytes.len(),
            payload_len: 0,
            ttl: MPTCPSCAN_TTL_UNKNOWN,
        };
        let mut out = mptcpscan_findings::default();
        assert_ne!(
            mptcpscan_tracker_feed(tracker, &segment, &mut out),
            mptcpscan_result::Ok
        );
        let header = [
            0, 80, 0, 81, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0, 0, 0, 0, 0, 0,
        ];
        segment.tcp = header.as_ptr();
        segment.tcp_len = header.len();
        assert_eq!(
            mptcpscan_tracker_feed(tracker, &segment, &mut out),
            mptcpscan_result::Ok
        );
        assert_eq!(out.tracked, 0);
        mptcpscan_tracker_free(tracker);
        mptcpscan_tracker_free(core::ptr::null_mut());
    }
}
