//! Reply classification: one SYN-ACK (or RST, or anything else) against the probe it answers,
//! a verdict with every signal as a flag (`mptcpscan_classify_ip`, `mptcpscan_classify_tcp`), and
//! the combined verdict of a host's replies to a v0 and a v1 probe (`mptcpscan_combine`).
//!
//! The probe is described once (`mptcpscan_probe_describe`) into a plain struct the host keeps
//! (ZMap: in its global state) and passes with each reply; classifying walks the reply's options
//! once and allocates nothing.

use core::ffi::{c_char, CStr};

use core_lib::classify::{
    self, combine, Classification, HostVerdict, MalformedReply, Reply, Sent, SentError, Signals,
    Verdict,
};
use core_lib::mptcp::Version;
use core_lib::wire::WireError;

use crate::error::mptcpscan_result;
use crate::ffi::{self, guard, Out};
use crate::options::MPTCPSCAN_MAX_OPTIONS_LEN;

/// Reply signal: our v0 key came back unchanged (decisive).
pub const MPTCPSCAN_SIGNAL_KEY_ECHOED: u32 = 1 << 0;
/// Reply signal: our v0 key came back with 1 to 8 bits changed (decisive).
pub const MPTCPSCAN_SIGNAL_KEY_NEAR: u32 = 1 << 1;
/// Reply signal: the reply's option area is our SYN's, byte for byte (decisive).
pub const MPTCPSCAN_SIGNAL_BLOCK_ECHOED: u32 = 1 << 2;
/// Reply signal: the reply's MP_CAPABLE is ours, byte for byte (decisive).
pub const MPTCPSCAN_SIGNAL_MP_CAPABLE_ECHOED: u32 = 1 << 3;
/// Reply signal: the reply's MP_CAPABLE has no key (decisive).
pub const MPTCPSCAN_SIGNAL_NO_KEY: u32 = 1 << 4;
/// Reply signal: the reply's MP_CAPABLE announces a higher version than offered (suspicious).
pub const MPTCPSCAN_SIGNAL_VERSION_ABOVE_OFFERED: u32 = 1 << 8;
/// Reply signal: the reply's TSval is ours (suspicious).
pub const MPTCPSCAN_SIGNAL_TS_ECHOED: u32 = 1 << 9;
/// Reply signal: the reply's TSecr is not our TSval (informational).
pub const MPTCPSCAN_SIGNAL_TSECR_WRONG: u32 = 1 << 10;
/// Reply signal: our option layout came back with options blanked or the key replaced
/// (suspicious).
pub const MPTCPSCAN_SIGNAL_LAYOUT_ECHOED: u32 = 1 << 11;
/// Reply signal: the reply's key has a Hamming weight of at most 8 or at least 56 (suspicious).
pub const MPTCPSCAN_SIGNAL_KEY_LOW_ENTROPY: u32 = 1 << 12;
/// Reply signal: the reply's MP_CAPABLE has a third-ACK length (suspicious).
pub const MPTCPSCAN_SIGNAL_ACK_LENGTH: u32 = 1 << 13;
/// Reply signal: our unusually small MSS came back (suspicious).
pub const MPTCPSCAN_SIGNAL_MSS_ECHOED: u32 = 1 << 14;
/// Reply signal: the reply's window scale equals ours (informational).
pub const MPTCPSCAN_SIGNAL_WINDOW_SCALE_ECHOED: u32 = 1 << 16;
/// Reply signal: the reply's window equals our SYN's (informational).
pub const MPTCPSCAN_SIGNAL_WINDOW_ECHOED: u32 = 1 << 17;
/// Reply signal: another MPTCP subtype in the SYN-ACK (informational).
pub const MPTCPSCAN_SIGNAL_OTHER_MPTCP: u32 = 1 << 18;
/// Reply signal: more than one MP_CAPABLE; the first was classified (informational).
pub const MPTCPSCAN_SIGNAL_DUPLICATE_MP_CAPABLE: u32 = 1 << 19;
/// The decisive signals: any of them makes a reply with MP_CAPABLE `MIRRORED`.
pub const MPTCPSCAN_SIGNALS_DECISIVE: u32 = 0x0000_001f;
/// The suspicious signals: without a decisive one, any of them makes it `SUSPICIOUS`.
pub const MPTCPSCAN_SIGNALS_SUSPICIOUS: u32 = 0x0000_7b00;
/// The informational signals, which never change a verdict.
pub const MPTCPSCAN_SIGNALS_INFORMATIONAL: u32 = 0x000f_0400;

/// Host signal: both replies carry the same key.
pub const MPTCPSCAN_HOST_SIGNAL_SAME_KEY: u32 = 1 << 0;
/// Host signal: the v1 probe's reply carries the key our v0 probe sent.
pub const MPTCPSCAN_HOST_SIGNAL_CROSS_ECHO: u32 = 1 << 1;
/// Host signal: the two replies arrived with different TTLs.
pub const MPTCPSCAN_HOST_SIGNAL_TTL_DIFFERS: u32 = 1 << 2;
/// Host signal: the v1 probe was answered with a v0 MP_CAPABLE.
pub const MPTCPSCAN_HOST_SIGNAL_V1_ANSWERED_WITH_V0: u32 = 1 << 3;

/// `ttl` argument of `mptcpscan_classify_tcp` when the reply's TTL is not known.
pub const MPTCPSCAN_TTL_UNKNOWN: u32 = 256;

/// What one reply says about the host.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_verdict {
    /// A SYN-ACK without MP_CAPABLE: plain TCP (or a v1-only Linux answering a v0 probe).
    NoMpCapable = 0,
    /// A SYN-ACK with a v0 MP_CAPABLE and no sign of a copy: a candidate MPTCP v0 host.
    MptcpV0 = 1,
    /// A SYN-ACK with a v1 MP_CAPABLE and no sign of a copy: a candidate MPTCP v1 host.
    MptcpV1 = 2,
    /// The MP_CAPABLE carries our probe back (a decisive signal).
    Mirrored = 3,
    /// MP_CAPABLE with a fresh key, but a suspicious signal: trace the path before counting it.
    Suspicious = 4,
    /// A reset.
    Rst = 5,
    /// A SYN-ACK whose options do not parse (`error` says why).
    Malformed = 6,
    /// Neither a reset nor a SYN-ACK.
    NotSynAck = 7,
    /// A SYN-ACK that does not acknowledge our SYN.
    Unsolicited = 8,
}

/// What a host's replies to a v0 and a v1 probe say together.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_host_verdict {
    /// Neither probe was answered.
    NoAnswer = 0,
    /// Only resets came back.
    Closed = 1,
    /// Plain TCP.
    NotMptcp = 2,
    /// Real v1 only (upstream Linux).
    V1Only = 3,
    /// Real v0 only.
    V0Only = 4,
    /// Real v0 and v1 with different keys.
    V0AndV1 = 5,
    /// The MP_CAPABLE answers are mirrors or repeat one key.
    Mirrored = 6,
    /// One answer real and the other mirrored or implausible: trace the path.
    Inconsistent = 7,
    /// A suspicious answer: trace the path.
    Suspicious = 8,
    /// Only malformed or unrelated packets came back.
    Unclear = 9,
}

/// The probe a reply answers, as the classifier needs it: its option block and what it offered.
///
/// Fill it with `mptcpscan_probe_describe` (or `mptcpscan_syn_template_info`); set `has_window`
/// and `window` afterwards if the SYN's window should be compared too. It holds no pointers: copy
/// it, keep it, share it between threads.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct mptcpscan_probe_info {
    /// The probe's whole TCP option area (`options_len` bytes used).
    pub options: [u8; MPTCPSCAN_MAX_OPTIONS_LEN],
    /// The v0 key the probe sent (when `has_key`).
    pub key: u64,
    /// The probe's timestamp value (when `has_tsval`).
    pub tsval: u32,
    /// The probe's MSS (when `has_mss`).
    pub mss: u16,
    /// The SYN's window (when `has_window`).
    pub window: u16,
    /// Bytes of `options` in use.
    pub options_len: u8,
    /// Offset of the probe's MP_CAPABLE in `options`.
    pub mp_capable_offset: u8,
    /// Length of the probe's MP_CAPABLE.
    pub mp_capable_len: u8,
    /// The MPTCP version offered: an `mptcpscan_mptcp_version` value.
    pub version: u8,
    /// The probe's window scale (when `has_window_scale`).
    pub window_scale: u8,
    /// Non-zero when `key` is set (v0 probes).
    pub has_key: u8,
    /// Non-zero when `mss` is set.
    pub has_mss: u8,
    /// Non-zero when `window_scale` is set.
    pub has_window_scale: u8,
    /// Non-zero when `tsval` is set.
    pub has_tsval: u8,
    /// Non-zero when `window` is set.
    pub has_window: u8,
}

impl mptcpscan_probe_info {
    pub(crate) fn from_sent(sent: &Sent<'_>) -> Result<Self, mptcpscan_result> {
        let mut options = [0; MPTCPSCAN_MAX_OPTIONS_LEN];
        options
            .get_mut(..sent.options.len())
            .ok_or(mptcpscan_result::OptionTooLong)?
            .copy_from_slice(sent.options);
        // `mp_capable` is a sub-slice of `options`: its offset is the pointer difference.
        let offset = sent.mp_capable.as_ptr() as usize - sent.options.as_ptr() as usize;
        Ok(mptcpscan_probe_info {
            options,
            key: sent.key.unwrap_or(0),
            tsval: sent.tsval.unwrap_or(0),
            mss: sent.mss.unwrap_or(0),
            window: sent.window.unwrap_or(0),
            options_len: sent.options.len() as u8,
            mp_capable_offset: offset as u8,
            mp_capable_len: sent.mp_capable.len() as u8,
            version: sent.version.to_wire(),
            window_scale: sent.window_scale.unwrap_or(0),
            has_key: u8::from(sent.key.is_some()),
            has_mss: u8::from(sent.mss.is_some()),
            has_window_scale: u8::from(sent.window_scale.is_some()),
            has_tsval: u8::from(sent.tsval.is_some()),
            has_window: u8::from(sent.window.is_some()),
        })
    }

    /// The core's view of the probe, every field checked (the host may have edited the struct).
    /// Inlined: built in place, the struct is not copied on the per-reply path.
    #[inline(always)]
    fn as_sent(&self, seq: u32) -> Result<Sent<'_>, mptcpscan_result> {
        let invalid = mptcpscan_result::InvalidArgument;
        let options = self
            .options
            .get(..usize::from(self.options_len))
            .ok_or(invalid)?;
        let start = usize::from(self.mp_capable_offset);
        let mp_capable = options
            .get(start..start + usize::from(self.mp_capable_len))
            .filter(|mpc| matches!(mpc, [30, _, subtype, ..] if subtype >> 4 == 0))
            .ok_or(invalid)?;
        let version = Version::from_wire(self.version).ok_or(invalid)?;
        let has = |flag: u8| flag != 0;
        Ok(Sent {
            options,
            mp_capable,
            version,
            key: has(self.has_key).then_some(self.key),
            mss: has(self.has_mss).then_some(self.mss),
            window_scale: has(self.has_window_scale).then_some(self.window_scale),
            tsval: has(self.has_tsval).then_some(self.tsval),
            window: has(self.has_window).then_some(self.window),
            seq,
        })
    }
}

/// One reply's verdict and its evidence.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_classification {
    /// The sender's key in the reply's MP_CAPABLE (when `has_key`): the server's, or ours back.
    pub key: u64,
    /// Every signal that fired (`MPTCPSCAN_SIGNAL_*` bits).
    pub signals: u32,
    /// Why the reply is `MALFORMED`: an `OPTION_*` or `MPTCP_*` result code; 0 otherwise.
    pub error: u32,
    /// An `mptcpscan_verdict` value.
    pub verdict: u8,
    /// The version field of the reply's MP_CAPABLE (when `has_version`).
    pub version: u8,
    /// Bits in which `key` differs from our v0 key (when `has_key_distance`).
    pub key_distance: u8,
    /// The reply's TTL or hop limit (when `has_ttl`).
    pub ttl: u8,
    /// Non-zero when `key` is set.
    pub has_key: u8,
    /// Non-zero when `version` is set.
    pub has_version: u8,
    /// Non-zero when `key_distance` is set.
    pub has_key_distance: u8,
    /// Non-zero when `ttl` is set.
    pub has_ttl: u8,
}

impl mptcpscan_classification {
    #[inline(always)]
    pub(crate) fn from_core(c: &Classification) -> Self {
        mptcpscan_classification {
            key: c.key.unwrap_or(0),
            signals: c.signals.bits(),
            error: c.error.map_or(0, |e| match e {
                MalformedReply::Options(e) => mptcpscan_result::from(e) as u32,
                MalformedReply::MpCapable(e) => mptcpscan_result::from(e) as u32,
            }),
            verdict: c.verdict as u8,
            version: c.version.unwrap_or(0),
            key_distance: c.key_distance.unwrap_or(0),
            ttl: c.ttl.unwrap_or(0),
            has_key: u8::from(c.key.is_some()),
            has_version: u8::from(c.version.is_some()),
            has_key_distance: u8::from(c.key_distance.is_some()),
            has_ttl: u8::from(c.ttl.is_some()),
        }
    }

    /// The core's classification, for combining; `error` is not needed there.
    fn to_core(self) -> Result<Classification, mptcpscan_result> {
        let has = |flag: u8| flag != 0;
        Ok(Classification {
            verdict: Verdict::from_u8(self.verdict).ok_or(mptcpscan_result::InvalidArgument)?,
            signals: Signals::from_bits_retain(self.signals),
            version: has(self.has_version).then_some(self.version),
            key: has(self.has_key).then_some(self.key),
            key_distance: has(self.has_key_distance).then_some(self.key_distance),
            error: None,
            ttl: has(self.has_ttl).then_some(self.ttl),
        })
    }
}

/// The combined verdict of a host.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_host_classification {
    /// Cross-reply observations (`MPTCPSCAN_HOST_SIGNAL_*` bits).
    pub signals: u32,
    /// An `mptcpscan_host_verdict` value.
    pub verdict: u8,
    /// Non-zero when the verdict counts the host as truly MPTCP-capable (before any trace).
    pub is_mptcp: u8,
}

impl From<SentError> for mptcpscan_result {
    fn from(e: SentError) -> Self {
        match e {
            SentError::Options(e) => e.into(),
            SentError::NoMpCapable => mptcpscan_result::NotFound,
            SentError::MpCapable(e) => e.into(),
        }
    }
}

impl From<WireError> for mptcpscan_result {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Truncated { .. } => mptcpscan_result::WireTruncated,
            WireError::Version { .. } => mptcpscan_result::WireVersion,
            WireError::HeaderLength { .. } => mptcpscan_result::WireHeaderLength,
            WireError::TotalLength { .. } => mptcpscan_result::WireTotalLength,
            WireError::Protocol { .. } => mptcpscan_result::WireProtocol,
            WireError::NotAnError { .. } => mptcpscan_result::WireNotAnError,
        }
    }
}

/// Describes a probe from its TCP option area, for classifying the replies to it.
///
/// Reads `options_len` bytes at `options` (the SYN's option area, with exactly one MP_CAPABLE).
/// On success writes the description to `*info`, with `has_window` 0.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `OPTION_*` (the area does not walk),
/// `OPTION_TOO_LONG` (more than 40 bytes), `NOT_FOUND` (no MP_CAPABLE), `MPTCP_*` (the
/// MP_CAPABLE does not parse, or offers a version other than 0 and 1: `MPTCP_BAD_VALUE`).
#[no_mangle]
pub extern "C" fn mptcpscan_probe_describe(
    options: *const u8,
    options_len: usize,
    info: *mut mptcpscan_probe_info,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `options` as `options_len` readable bytes and `info` as
        // writable.
        let (options, info) = unsafe { (ffi::bytes(options, options_len)?, Out::new(info)?) };
        let sent = Sent::from_options(options, 0)?;
        info.write(mptcpscan_probe_info::from_sent(&sent)?);
        Ok(())
    })
}

fn classify_reply(
    probe: *const mptcpscan_probe_info,
    seq: u32,
    out: *mut mptcpscan_classification,
    reply: impl FnOnce() -> Result<Reply<'static>, mptcpscan_result>,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `probe` as readable and `out` as writable.
        let (probe, out) = unsafe { (ffi::input(probe)?, Out::new(out)?) };
        let sent = probe.as_sent(seq)?;
        let reply = reply()?;
        out.write(mptcpscan_classification::from_core(&classify::classify(
            &sent, &reply,
        )));
        Ok(())
    })
}

/// Classifies a reply given as a whole IPv4 or IPv6 packet (from the IP header on).
///
/// Reads `*probe`, `seq` (the sequence number of the SYN this reply answers; a SYN-ACK must
/// acknowledge `seq + 1`) and `packet_len` bytes at `packet`. On success writes the verdict,
/// signals, key and TTL to `*out`. A reply that is not an MPTCP answer is still a success with
/// the matching verdict (`RST`, `NOT_SYN_ACK`, `MALFORMED` with `error` set, ...).
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`*probe` inconsistent:
/// `options_len` above 40, no MP_CAPABLE at `mp_capable_offset` within the options, version not 0
/// or 1), `WIRE_*` (the packet is not a whole IPv4/IPv6 TCP packet: truncated, bad header
/// length, not TCP).
#[no_mangle]
pub extern "C" fn mptcpscan_classify_ip(
    probe: *const mptcpscan_probe_info,
    seq: u32,
    packet: *const u8,
    packet_len: usize,
    out: *mut mptcpscan_classification,
) -> mptcpscan_result {
    classify_reply(probe, seq, out, || {
        // SAFETY: the header documents `packet` as `packet_len` readable bytes, unchanged for the
        // call; the 'static borrow does not outlive this call (the closure runs inside it).
        let packet = unsafe { ffi::bytes(packet, packet_len)? };
        Ok(Reply::from_ip(packet)?)
    })
}

/// Classifies a reply given as a TCP segment (from the TCP header on).
///
/// Reads `*probe`, `seq` (as for `mptcpscan_classify_ip`), `segment_len` bytes at `segment` and
/// `ttl` (the IP TTL or hop limit, 0 to 255, or `MPTCPSCAN_TTL_UNKNOWN`). On success writes the
/// classification to `*out`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`ttl` above 255 and not
/// `MPTCPSCAN_TTL_UNKNOWN`, or `*probe` inconsistent), `WIRE_*` (not a whole TCP header).
#[no_mangle]
pub extern "C" fn mptcpscan_classify_tcp(
    probe: *const mptcpscan_probe_info,
    seq: u32,
    segment: *const u8,
    segment_len: usize,
    ttl: u32,
    out: *mut mptcpscan_classification,
) -> mptcpscan_result {
    classify_reply(probe, seq, out, || {
        let ttl = match ttl {
            MPTCPSCAN_TTL_UNKNOWN => None,
            ttl => Some(u8::try_from(ttl).map_err(|_| mptcpscan_result::InvalidArgument)?),
        };
        // SAFETY: as in `mptcpscan_classify_ip`.
        let segment = unsafe { ffi::bytes(segment, segment_len)? };
        Ok(Reply::from_tcp(segment, ttl)?)
    })
}

/// Combines the classifications of one host's replies to a v0 and a v1 probe.
///
/// Reads `*v0` and `*v1`, the classifications of the replies to the v0 and the v1 probe; NULL
/// means that probe got no reply. Reads `*our_v0_key`, the key the v0 probe sent (NULL: unknown),
/// to catch a v1 reply carrying it. On success writes the host verdict to `*out`.
///
/// Errors: `NULL_PARAMETER` (`out` only), `MISALIGNED`, `INVALID_ARGUMENT` (a `verdict` out of
/// range).
#[no_mangle]
pub extern "C" fn mptcpscan_combine(
    v0: *const mptcpscan_classification,
    v1: *const mptcpscan_classification,
    our_v0_key: *const u64,
    out: *mut mptcpscan_host_classification,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents the three inputs as NULL or readable, `out` as writable.
        let (v0, v1, key, out) = unsafe {
            (
                optional(v0)?,
                optional(v1)?,
                optional(our_v0_key)?,
                Out::new(out)?,
            )
        };
        let v0 = v0.map(|c| c.to_core()).transpose()?;
        let v1 = v1.map(|c| c.to_core()).transpose()?;
        let host = combine(v0.as_ref(), v1.as_ref(), key.copied());
        out.write(mptcpscan_host_classification {
            signals: host.signals.bits(),
            verdict: host_verdict(host.verdict) as u8,
            is_mptcp: u8::from(host.verdict.is_mptcp()),
        });
        Ok(())
    })
}

/// An optional input: NULL is `None`.
///
/// # Safety
/// As for [`ffi::input`].
unsafe fn optional<'a, T>(ptr: *const T) -> Result<Option<&'a T>, mptcpscan_result> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: non-NULL, and the caller's contract is `ffi::input`'s.
        unsafe { ffi::input(ptr) }.map(Some)
    }
}

fn host_verdict(v: HostVerdict) -> mptcpscan_host_verdict {
    match v {
        HostVerdict::NoAnswer => mptcpscan_host_verdict::NoAnswer,
        HostVerdict::Closed => mptcpscan_host_verdict::Closed,
        HostVerdict::NotMptcp => mptcpscan_host_verdict::NotMptcp,
        HostVerdict::V1Only => mptcpscan_host_verdict::V1Only,
        HostVerdict::V0Only => mptcpscan_host_verdict::V0Only,
        HostVerdict::V0AndV1 => mptcpscan_host_verdict::V0AndV1,
        HostVerdict::Mirrored => mptcpscan_host_verdict::Mirrored,
        HostVerdict::Inconsistent => mptcpscan_host_verdict::Inconsistent,
        HostVerdict::Suspicious => mptcpscan_host_verdict::Suspicious,
        HostVerdict::Unclear => mptcpscan_host_verdict::Unclear,
    }
}

/// The core's verdict names as C strings (a test checks that both agree).
fn verdict_name(v: Verdict) -> &'static CStr {
    match v {
        Verdict::NoMpCapable => c"no-mp-capable",
        Verdict::MptcpV0 => c"mptcp-v0",
        Verdict::MptcpV1 => c"mptcp-v1",
        Verdict::Mirrored => c"mirrored",
        Verdict::Suspicious => c"suspicious",
        Verdict::Rst => c"rst",
        Verdict::Malformed => c"malformed",
        Verdict::NotSynAck => c"not-syn-ack",
        Verdict::Unsolicited => c"unsolicited",
    }
}

/// The core's host verdict names as C strings (a test checks that both agree).
fn host_verdict_name(v: mptcpscan_host_verdict) -> &'static CStr {
    match v {
        mptcpscan_host_verdict::NoAnswer => c"no-answer",
        mptcpscan_host_verdict::Closed => c"closed",
        mptcpscan_host_verdict::NotMptcp => c"not-mptcp",
        mptcpscan_host_verdict::V1Only => c"v1-only",
        mptcpscan_host_verdict::V0Only => c"v0-only",
        mptcpscan_host_verdict::V0AndV1 => c"v0-and-v1",
        mptcpscan_host_verdict::Mirrored => c"mirrored",
        mptcpscan_host_verdict::Inconsistent => c"inconsistent",
        mptcpscan_host_verdict::Suspicious => c"suspicious",
        mptcpscan_host_verdict::Unclear => c"unclear",
    }
}

const HOST_VERDICTS: [mptcpscan_host_verdict; 10] = [
    mptcpscan_host_verdict::NoAnswer,
    mptcpscan_host_verdict::Closed,
    mptcpscan_host_verdict::NotMptcp,
    mptcpscan_host_verdict::V1Only,
    mptcpscan_host_verdict::V0Only,
    mptcpscan_host_verdict::V0AndV1,
    mptcpscan_host_verdict::Mirrored,
    mptcpscan_host_verdict::Inconsistent,
    mptcpscan_host_verdict::Suspicious,
    mptcpscan_host_verdict::Unclear,
];

/// Names a reply verdict ("mptcp-v1", "mirrored", ...), as output fields print it.
///
/// Reads `verdict` (an `mptcpscan_verdict` value). On success writes a static NUL-terminated
/// string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`verdict` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_verdict_name(
    verdict: u32,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        let verdict = u8::try_from(verdict)
            .ok()
            .and_then(Verdict::from_u8)
            .ok_or(mptcpscan_result::InvalidArgument)?;
        name.write(verdict_name(verdict).as_ptr());
        Ok(())
    })
}

/// Names a host verdict ("v1-only", "mirrored", ...), as output fields print it.
///
/// Reads `verdict` (an `mptcpscan_host_verdict` value). On success writes a static
/// NUL-terminated string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`verdict` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_host_verdict_name(
    verdict: u32,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        let verdict = usize::try_from(verdict)
            .ok()
            .and_then(|i| HOST_VERDICTS.get(i))
            .ok_or(mptcpscan_result::InvalidArgument)?;
        name.write(host_verdict_name(*verdict).as_ptr());
        Ok(())
    })
}

/// Writes the names of the set reply signals ("key-echoed,ts-echoed"), lowest bit first, joined
/// by commas, as a NUL-terminated string: an output field for ZMap or a report.
///
/// Reads `signals` (`MPTCPSCAN_SIGNAL_*` bits; unknown bits are skipped). On success writes the
/// string and its NUL to the front of the `buf_len` bytes at `buf`, and the string's length
/// (without the NUL) to `*written`; on error nothing is written. No signal gives the empty string.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT` (`buf_len` below the string's length
/// plus one; 320 bytes always suffice).
#[no_mangle]
pub extern "C" fn mptcpscan_signals_format(
    signals: u32,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `buf` as `buf_len` writable bytes and `written` as writable.
        let (buf, written) = unsafe { (ffi::bytes_mut(buf.cast(), buf_len)?, Out::new(written)?) };
        let len = crate::text::write_c_string(buf, |text| {
            for (i, name) in Signals::from_bits_retain(signals).names().enumerate() {
                if i > 0 {
                    text.push(",");
                }
                text.push(name);
            }
        })?;
        written.write(len);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core_lib::classify::HostSignals;

    #[test]
    fn constants_and_names_match_the_core() {
        let pairs = [
            (MPTCPSCAN_SIGNAL_KEY_ECHOED, Signals::KEY_ECHOED),
            (MPTCPSCAN_SIGNAL_KEY_NEAR, Signals::KEY_NEAR),
            (MPTCPSCAN_SIGNAL_BLOCK_ECHOED, Signals::BLOCK_ECHOED),
            (
                MPTCPSCAN_SIGNAL_MP_CAPABLE_ECHOED,
                Signals::MP_CAPABLE_ECHOED,
            ),
            (MPTCPSCAN_SIGNAL_NO_KEY, Signals::NO_KEY),
            (
                MPTCPSCAN_SIGNAL_VERSION_ABOVE_OFFERED,
                Signals::VERSION_ABOVE_OFFERED,
            ),
            (MPTCPSCAN_SIGNAL_TS_ECHOED, Signals::TS_ECHOED),
            (MPTCPSCAN_SIGNAL_TSECR_WRONG, Signals::TSECR_WRONG),
            (MPTCPSCAN_SIGNAL_LAYOUT_ECHOED, Signals::LAYOUT_ECHOED),
            (MPTCPSCAN_SIGNAL_KEY_LOW_ENTROPY, Signals::KEY_LOW_ENTROPY),
            (MPTCPSCAN_SIGNAL_ACK_LENGTH, Signals::ACK_LENGTH),
            (MPTCPSCAN_SIGNAL_MSS_ECHOED, Signals::MSS_ECHOED),
            (
                MPTCPSCAN_SIGNAL_WINDOW_SCALE_ECHOED,
                Signals::WINDOW_SCALE_ECHOED,
            ),
            (MPTCPSCAN_SIGNAL_WINDOW_ECHOED, Signals::WINDOW_ECHOED),
            (MPTCPSCAN_SIGNAL_OTHER_MPTCP, Signals::OTHER_MPTCP),
            (
                MPTCPSCAN_SIGNAL_DUPLICATE_MP_CAPABLE,
                Signals::DUPLICATE_MP_CAPABLE,
            ),
            (MPTCPSCAN_SIGNALS_DECISIVE, Signals::DECISIVE),
            (MPTCPSCAN_SIGNALS_SUSPICIOUS, Signals::SUSPICIOUS),
            (MPTCPSCAN_SIGNALS_INFORMATIONAL, Signals::INFORMATIONAL),
        ];
        for (ours, core) in pairs {
            assert_eq!(ours, core.bits());
        }
        let host = [
            (MPTCPSCAN_HOST_SIGNAL_SAME_KEY, HostSignals::SAME_KEY),
            (MPTCPSCAN_HOST_SIGNAL_CROSS_ECHO, HostSignals::CROSS_ECHO),
            (MPTCPSCAN_HOST_SIGNAL_TTL_DIFFERS, HostSignals::TTL_DIFFERS),
            (
                MPTCPSCAN_HOST_SIGNAL_V1_ANSWERED_WITH_V0,
                HostSignals::V1_ANSWERED_WITH_V0,
            ),
        ];
        for (ours, core) in host {
            assert_eq!(ours, core.bits());
        }
        for verdict in Verdict::ALL {
            assert_eq!(verdict_name(verdict).to_str().unwrap(), verdict.name());
        }
        let core_hosts = [
            HostVerdict::NoAnswer,
            HostVerdict::Closed,
            HostVerdict::NotMptcp,
            HostVerdict::V1Only,
            HostVerdict::V0Only,
            HostVerdict::V0AndV1,
            HostVerdict::Mirrored,
            HostVerdict::Inconsistent,
            HostVerdict::Suspicious,
            HostVerdict::Unclear,
        ];
        for (i, core) in core_hosts.into_iter().enumerate() {
            let ours = host_verdict(core);
            assert_eq!((ours as usize, core as usize), (i, i));
            assert_eq!(HOST_VERDICTS[i], ours);
            assert_eq!(host_verdict_name(ours).to_str().unwrap(), core.name());
        }
    }
}
