//! What a trace concludes, through C: `mptcpscan_trace_conclude` reads the hops' summaries (from
//! `mptcpscan_quote_compare`) and the classifier's verdict on the target's answer (from
//! `mptcpscan_classify_ip`), and gives the outcome every tool prints. The rules are the core's
//! (`mptcpscan::trace`): a host tool never decides them itself.

use core::ffi::c_char;

use core_lib::classify::Verdict;
use core_lib::quote::MptcpHop;
use core_lib::trace::{conclude, Conclusion, Interference, Outcome, Responder};

use crate::error::mptcpscan_result;
use crate::ffi::{self, guard, Out};
use crate::names::Names;
use crate::quote::{mptcpscan_mptcp_hop, mptcpscan_path_change};

/// What one trace concludes. The order is the ranking of `mptcpscan_trace_outcome_most_telling`:
/// a lower value tells more.
///
/// The rules, the first that applies deciding:
/// 1. a hop's quote shows our MP_CAPABLE changed: `MIDDLEBOX_AFFECTED` at the first such hop,
///    whether or not the target answered;
/// 2. nothing answered: `UNREACHABLE`;
/// 3. a reset: `CLOSED`;
/// 4. the verdict `MIRRORED`: `MIRRORED`;
/// 5. the verdicts `MPTCP_V0`, `MPTCP_V1` and `SUSPICIOUS` (an intact path is what a suspicious
///    reply asks to check): `TRULY_MPTCP`;
/// 6. anything else: `NOT_MPTCP`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_trace_outcome {
    /// A hop's quote shows our MP_CAPABLE changed.
    MiddleboxAffected = 0,
    /// The answer copies our probe back.
    Mirrored = 1,
    /// The answer carries an MP_CAPABLE of its own and no hop changed ours.
    TrulyMptcp = 2,
    /// The answer has no (readable) MP_CAPABLE and no hop changed ours.
    NotMptcp = 3,
    /// The target answered with a reset.
    Closed = 4,
    /// Nothing answered, and no hop changed our option.
    Unreachable = 5,
}

/// Who answered one probe of a trace (what trace output prints per hop: "none", "icmp",
/// "synack", "rst").
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_trace_responder {
    /// Nothing answered.
    None = 0,
    /// A router, with an ICMP error quoting the probe.
    Icmp = 1,
    /// The target, with a SYN-ACK.
    SynAck = 2,
    /// The target, with a reset.
    Rst = 3,
}

/// What the middlebox of a changed path did to our MP_CAPABLE, as the first changed hop shows
/// it (`mptcpscan_trace_conclusion_interference`; names through
/// `mptcpscan_trace_interference_name`): `STRIPPED` is the papers' stripper (the option removed
/// or overwritten with NOPs), `REWRITTEN` a changed key, version, flags or length, `RESIZED` a
/// partial quote whose IP length alone shows the options grew or shrank.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_trace_interference {
    /// No hop changed our MP_CAPABLE.
    None = 0,
    /// The option is gone: removed, or overwritten with NOPs.
    Stripped = 1,
    /// The option is there but changed.
    Rewritten = 2,
    /// Only a partial quote's IP length shows the options changed size.
    Resized = 3,
}

/// A trace's conclusion.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_trace_conclusion {
    /// The first hop whose quote shows our MP_CAPABLE changed (when `has_change`).
    pub change: mptcpscan_path_change,
    /// An `mptcpscan_trace_outcome` value.
    pub outcome: u8,
    /// Non-zero when `change` is set: exactly when `outcome` is `MIDDLEBOX_AFFECTED`.
    pub has_change: u8,
}

impl mptcpscan_trace_conclusion {
    fn from_core(c: Conclusion) -> Self {
        mptcpscan_trace_conclusion {
            change: c
                .change
                .map(mptcpscan_path_change::from_core)
                .unwrap_or_default(),
            outcome: c.outcome as u8,
            has_change: u8::from(c.change.is_some()),
        }
    }

    fn to_core(self) -> Result<Conclusion, mptcpscan_result> {
        let outcome = Outcome::from_u8(self.outcome).ok_or(mptcpscan_result::InvalidArgument)?;
        let change = match self.has_change {
            0 => None,
            _ => Some(self.change.to_core()?),
        };
        if change.is_some() != (outcome == Outcome::MiddleboxAffected) {
            return Err(mptcpscan_result::InvalidArgument);
        }
        Ok(Conclusion { outcome, change })
    }
}

/// Concludes a trace of one target with one probe.
///
/// Reads `count` hop summaries at `hops` (`hops[i]` for TTL `i + 1`, as
/// `mptcpscan_quote_compare` gives them; `NO_INFORMATION` for a silent hop and for the hop that
/// answered) and, when `answered` is non-zero, the classifier's verdict on the target's answer
/// (`verdict`, an `mptcpscan_verdict` value; ignored otherwise). On success writes the
/// conclusion to `*conclusion`. `hops` may be NULL when `count` is 0.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (a hop `kind` or `verdict` out of
/// range, or more than 255 hops).
#[no_mangle]
pub extern "C" fn mptcpscan_trace_conclude(
    hops: *const mptcpscan_mptcp_hop,
    count: usize,
    answered: u8,
    verdict: u32,
    conclusion: *mut mptcpscan_trace_conclusion,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `conclusion` as writable.
        let out = unsafe { Out::new(conclusion)? };
        if count > usize::from(u8::MAX) {
            return Err(mptcpscan_result::InvalidArgument);
        }
        let mut path = [MptcpHop::NoInformation; 255];
        if count > 0 {
            // SAFETY: the header documents `hops` as `count` readable structs.
            let given = unsafe { ffi::inputs(hops, count)? };
            for (slot, hop) in path.iter_mut().zip(given) {
                *slot = hop.to_core()?;
            }
        }
        let answer = match answered {
            0 => None,
            _ => Some(
                u8::try_from(verdict)
                    .ok()
                    .and_then(Verdict::from_u8)
                    .ok_or(mptcpscan_result::InvalidArgument)?,
            ),
        };
        let hops = path.get(..count).unwrap_or_default();
        out.write(mptcpscan_trace_conclusion::from_core(conclude(
            hops, answer,
        )));
        Ok(())
    })
}

/// Writes a conclusion as every tool prints it: the outcome's name, and for a middlebox the hop
/// and what its quote shows, e.g. "truly-mptcp" or
/// "middlebox-affected at hop 2 (key-rewritten(12 bits))".
///
/// Reads `*conclusion`. On success writes the NUL-terminated text to the front of the `buf_len`
/// bytes at `buf` and its length (without the NUL) to `*written`; on error nothing is written.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (an outcome or hop kind out of
/// range, or `has_change` set for an outcome other than `MIDDLEBOX_AFFECTED` or missing for it),
/// `BUFFER_TOO_SHORT` (128 bytes always suffice).
#[no_mangle]
pub extern "C" fn mptcpscan_trace_conclusion_format(
    conclusion: *const mptcpscan_trace_conclusion,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `conclusion` is documented readable and copied before the output is borrowed.
        let conclusion = unsafe { *ffi::input(conclusion)? }.to_core()?;
        // SAFETY: the header documents `buf` as `buf_len` writable bytes, `written` as writable.
        let (buf, written) = unsafe { (ffi::bytes_mut(buf.cast(), buf_len)?, Out::new(written)?) };
        let len = crate::text::write_c_string(buf, |text| {
            // Text never fails; overflow is reported by write_c_string.
            let _ = core::fmt::Write::write_fmt(text, format_args!("{conclusion}"));
        })?;
        written.write(len);
        Ok(())
    })
}

/// What the middlebox of a concluded trace did to our MP_CAPABLE (the core's
/// `Conclusion::interference`): `NONE` without a change, `STRIPPED` when the first changed hop's
/// quote shows the option gone.
///
/// Reads `*conclusion`. On success writes an `mptcpscan_trace_interference` value to
/// `*interference`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (as for
/// `mptcpscan_trace_conclusion_format`).
#[no_mangle]
pub extern "C" fn mptcpscan_trace_conclusion_interference(
    conclusion: *const mptcpscan_trace_conclusion,
    interference: *mut u32,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `conclusion` is documented readable and copied before the output is borrowed.
        let conclusion = unsafe { *ffi::input(conclusion)? }.to_core()?;
        // SAFETY: the header documents `interference` as writable.
        let out = unsafe { Out::new(interference)? };
        out.write(conclusion.interference() as u32);
        Ok(())
    })
}

static OUTCOME_NAMES: Names<6> = Names::new();
static RESPONDER_NAMES: Names<4> = Names::new();
static INTERFERENCE_NAMES: Names<4> = Names::new();

/// Names a trace outcome ("middlebox-affected", "mirrored", "truly-mptcp", "not-mptcp",
/// "closed", "unreachable").
///
/// Reads `outcome` (an `mptcpscan_trace_outcome` value). On success writes a static
/// NUL-terminated string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`outcome` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_trace_outcome_name(
    outcome: u32,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        name.write(OUTCOME_NAMES.get(outcome, |i| Outcome::ALL[i].name())?);
        Ok(())
    })
}

/// Of two probes' outcomes for one host, the one that tells more: a path change, then a mirror,
/// then an MPTCP answer, then a plain one, a reset, no answer (the smaller value).
///
/// Reads `a` and `b` (`mptcpscan_trace_outcome` values). On success writes the more telling one
/// to `*outcome`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`a` or `b` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_trace_outcome_most_telling(
    a: u32,
    b: u32,
    outcome: *mut u32,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `outcome` as writable.
        let out = unsafe { Out::new(outcome)? };
        let parse = |v: u32| {
            u8::try_from(v)
                .ok()
                .and_then(Outcome::from_u8)
                .ok_or(mptcpscan_result::InvalidArgument)
        };
        out.write(parse(a)?.most_telling(parse(b)?) as u32);
        Ok(())
    })
}

/// Names what a middlebox did to our MP_CAPABLE ("none", "stripped", "rewritten", "resized").
///
/// Reads `interference` (an `mptcpscan_trace_interference` value). On success writes a static
/// NUL-terminated string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`interference` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_trace_interference_name(
    interference: u32,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        name.write(INTERFERENCE_NAMES.get(interference, |i| Interference::ALL[i].name())?);
        Ok(())
    })
}

/// Names who answered a probe of a trace ("none", "icmp", "synack", "rst").
///
/// Reads `responder` (an `mptcpscan_trace_responder` value). On success writes a static
/// NUL-terminated string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`responder` out of range).
#[no_mangle]
pub extern "C" fn mptcpscan_trace_responder_name(
    responder: u32,
    name: *mut *const c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        name.write(RESPONDER_NAMES.get(responder, |i| Responder::ALL[i].name())?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_core() {
        use mptcpscan_trace_interference as I;
        use mptcpscan_trace_outcome as O;
        use mptcpscan_trace_responder as R;
        let outcomes = [
            O::MiddleboxAffected,
            O::Mirrored,
            O::TrulyMptcp,
            O::NotMptcp,
            O::Closed,
            O::Unreachable,
        ];
        for (ours, core) in outcomes.into_iter().zip(Outcome::ALL) {
            assert_eq!(ours as u8, core as u8, "{core:?}");
        }
        let interferences = [I::None, I::Stripped, I::Rewritten, I::Resized];
        for (ours, core) in interferences.into_iter().zip(Interference::ALL) {
            assert_eq!(ours as u8, core as u8, "{core:?}");
        }
        let responders = [R::None, R::Icmp, R::SynAck, R::Rst];
        for (ours, core) in responders.into_iter().zip(Responder::ALL) {
            assert_eq!(ours as u8, core as u8, "{core:?}");
        }
    }

    #[test]
    fn a_conclusion_round_trips_and_inconsistent_ones_are_refused() {
        let c = conclude(&[MptcpHop::Intact, MptcpHop::Removed], None);
        let ours = mptcpscan_trace_conclusion::from_core(c);
        assert_eq!(ours.to_core(), Ok(c));
        let lying = mptcpscan_trace_conclusion {
            outcome: Outcome::TrulyMptcp as u8,
            ..ours
        };
        assert_eq!(lying.to_core(), Err(mptcpscan_result::InvalidArgument));
        let mut kind = u32::MAX;
        let r = mptcpscan_trace_conclusion_interference(&ours, &mut kind);
        assert_eq!(r, mptcpscan_result::Ok);
        assert_eq!(kind, mptcpscan_trace_interference::Stripped as u32);
        let r = mptcpscan_trace_conclusion_interference(&lying, &mut kind);
        assert_eq!(r, mptcpscan_result::InvalidArgument);
    }
}
