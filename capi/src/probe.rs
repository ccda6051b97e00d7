//! SYN probes: the option block of a probe spec, and whole IPv4/IPv6 SYN packets from a template
//! (`mptcpscan_syn_template_*`), in the two steps ZMap builds packets in: `prepare` writes the
//! constant bytes once per buffer (ZMap's `prepare_packet`), `patch` writes only the per-target
//! fields and finishes both checksums from precomputed sums (`make_packet`).

use core::net::{Ipv4Addr, Ipv6Addr};

use core_lib::classify::Sent;
use core_lib::probe::{
    Companions, Ipv4Target, Ipv6Target, Offer, OptionBlock, ProbeError, ProbeSpec, RawOptions,
    SynTemplateV4, SynTemplateV6,
};

use crate::address::{MPTCPSCAN_ADDRESS_FAMILY_IPV4, MPTCPSCAN_ADDRESS_FAMILY_IPV6};
use crate::classify::mptcpscan_probe_info;
use crate::error::mptcpscan_result;
use crate::ffi::{self, guard, Out};
use crate::names::Names;
use crate::options::MPTCPSCAN_MAX_OPTIONS_LEN;

/// The largest IPv4 SYN a template writes: 20 + 20 + 40 bytes.
pub const MPTCPSCAN_MAX_SYN_V4_LEN: usize = 80;
/// The largest IPv6 SYN a template writes: 40 + 20 + 40 bytes.
pub const MPTCPSCAN_MAX_SYN_V6_LEN: usize = 100;
/// The v0 key of the 2020/2021 scans (Hamming weight 16).
pub const MPTCPSCAN_STUDY2021_KEY: u64 = 0x0c0c_0c0c_0c0c_0c0c;

/// The options a probe sends beside MP_CAPABLE.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mptcpscan_companions {
    /// As Linux: MSS, SACK permitted, timestamps, NOP, window scale.
    Linux = 0,
    /// As Windows: MSS, NOP, window scale, NOP, NOP, SACK permitted.
    Windows = 1,
    /// As FreeBSD: MSS, NOP, window scale, SACK permitted, timestamps.
    Bsd = 2,
    /// MP_CAPABLE alone.
    Minimal = 3,
    /// The 2020/2021 study's exact block (MSS 1, SACK permitted, TS 0x0f0f0f01/0, NOP, window
    /// scale 0); the spec's MSS, window scale and TSval are ignored.
    Study2021 = 4,
    /// `raw[0..raw_len]`, caller-given option bytes put before MP_CAPABLE unchanged.
    Raw = 5,
}

/// Everything that decides a probe's option block and window.
///
/// `mptcpscan_probe_spec_default` fills one with the companions' usual values; edit fields after.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct mptcpscan_probe_spec {
    /// The v0 key sent (`version` 0 only).
    pub key: u64,
    /// The TSval sent (Linux and BSD companions); TSecr is always 0.
    pub tsval: u32,
    /// The MSS announced (Linux, Windows and BSD companions).
    pub mss: u16,
    /// The SYN's TCP window.
    pub window: u16,
    /// The MPTCP version offered: an `mptcpscan_mptcp_version` value (0: MP_CAPABLE with
    /// `key`, flags 0x81; 1: no key, flags 0x01).
    pub version: u8,
    /// An `mptcpscan_companions` value.
    pub companions: u8,
    /// The window scale shift announced (Linux, Windows and BSD companions).
    pub window_scale: u8,
    /// Bytes of `raw` in use (`MPTCPSCAN_COMPANIONS_RAW` only).
    pub raw_len: u8,
    /// Option bytes put before MP_CAPABLE (`MPTCPSCAN_COMPANIONS_RAW` only); must walk as
    /// TCP options.
    pub raw: [u8; MPTCPSCAN_MAX_OPTIONS_LEN],
}

impl mptcpscan_probe_spec {
    fn from_core(spec: &ProbeSpec) -> Self {
        let (version, key) = match spec.offer {
            Offer::V0 { key } => (0, key),
            Offer::V1 => (1, 0),
        };
        let mut raw = [0; MPTCPSCAN_MAX_OPTIONS_LEN];
        let (companions, raw_len) = match spec.companions {
            Companions::Linux => (mptcpscan_companions::Linux, 0),
            Companions::Windows => (mptcpscan_companions::Windows, 0),
            Companions::Bsd => (mptcpscan_companions::Bsd, 0),
            Companions::Minimal => (mptcpscan_companions::Minimal, 0),
            Companions::Study2021 => (mptcpscan_companions::Study2021, 0),
            Companions::Raw(bytes) => {
                let bytes = bytes.as_bytes();
                raw[..bytes.len()].copy_from_slice(bytes);
                (mptcpscan_companions::Raw, bytes.len() as u8)
            }
        };
        mptcpscan_probe_spec {
            key,
            tsval: spec.tsval,
            mss: spec.mss,
            window: spec.window,
            version,
            companions: companions as u8,
            window_scale: spec.window_scale,
            raw_len,
            raw,
        }
    }

    fn core_spec(&self) -> Result<ProbeSpec, mptcpscan_result> {
        let offer = match self.version {
            0 => Offer::V0 { key: self.key },
            1 => Offer::V1,
            _ => return Err(mptcpscan_result::InvalidArgument),
        };
        let companions = match self.companions {
            0 => Companions::Linux,
            1 => Companions::Windows,
            2 => Companions::Bsd,
            3 => Companions::Minimal,
            4 => Companions::Study2021,
            5 => {
                let raw = self
                    .raw
                    .get(..usize::from(self.raw_len))
                    .ok_or(mptcpscan_result::InvalidArgument)?;
                Companions::Raw(RawOptions::new(raw)?)
            }
            _ => return Err(mptcpscan_result::InvalidArgument),
        };
        Ok(ProbeSpec {
            offer,
            companions,
            mss: self.mss,
            window_scale: self.window_scale,
            tsval: self.tsval,
            window: self.window,
        })
    }
}

impl From<ProbeError> for mptcpscan_result {
    fn from(e: ProbeError) -> Self {
        match e {
            ProbeError::TooLong { .. } => mptcpscan_result::OptionTooLong,
            ProbeError::Malformed(e) => e.into(),
            ProbeError::BufferTooShort { .. } => mptcpscan_result::BufferTooShort,
        }
    }
}

/// Fills a probe spec with the usual values for its companions: MSS 1460, the stack's window
/// scale and window, a recognisable TSval; the 2021 study's block with ZMap's window 65535.
///
/// Reads `version` (`mptcpscan_mptcp_version`), `key` (the v0 key; ignored for v1) and
/// `companions` (an `mptcpscan_companions` value other than `RAW`: set `companions`, `raw` and
/// `raw_len` afterwards for raw bytes). On success writes the spec to `*spec`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (version or companions out of
/// range, or `RAW`).
#[no_mangle]
pub extern "C" fn mptcpscan_probe_spec_default(
    version: u32,
    key: u64,
    companions: u32,
    spec: *mut mptcpscan_probe_spec,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `spec` as writable.
        let spec = unsafe { Out::new(spec)? };
        let offer = match version {
            0 => Offer::V0 { key },
            1 => Offer::V1,
            _ => return Err(mptcpscan_result::InvalidArgument),
        };
        let companions = match companions {
            0 => Companions::Linux,
            1 => Companions::Windows,
            2 => Companions::Bsd,
            3 => Companions::Minimal,
            4 => Companions::Study2021,
            _ => return Err(mptcpscan_result::InvalidArgument),
        };
        spec.write(mptcpscan_probe_spec::from_core(&ProbeSpec::new(
            offer, companions,
        )));
        Ok(())
    })
}

/// Builds the TCP option block of a probe: what tracebox or any raw-socket sender puts after the
/// TCP header.
///
/// Reads `*spec`. On success writes the block (padded with EOL bytes to a multiple of 4, at most
/// `MPTCPSCAN_MAX_OPTIONS_LEN` bytes) to the front of the `buf_len` bytes at `buf`, and its length
/// to `*written`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (a field out of range),
/// `OPTION_*` (raw bytes that do not walk), `OPTION_TOO_LONG` (more than 40 bytes),
/// `BUFFER_TOO_SHORT`.
#[no_mangle]
pub extern "C" fn mptcpscan_probe_options(
    spec: *const mptcpscan_probe_spec,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `spec` is documented readable and copied before the output is borrowed.
        let spec = unsafe { *ffi::input(spec)? };
        // SAFETY: the header documents `buf` as `buf_len` writable bytes and `written` as writable.
        let (buf, written) = unsafe { (ffi::bytes_mut(buf, buf_len)?, Out::new(written)?) };
        let block = OptionBlock::build(&spec.core_spec()?)?;
        buf.get_mut(..block.len())
            .ok_or(mptcpscan_result::BufferTooShort)?
            .copy_from_slice(block.as_bytes());
        written.write(block.len());
        Ok(())
    })
}

enum Template {
    V4(SynTemplateV4),
    V6(SynTemplateV6),
}

/// A SYN packet template: constant bytes and checksum parts computed once (opaque: create with
/// `mptcpscan_syn_template_new` or `_new_raw`, release with `mptcpscan_syn_template_free`).
pub struct mptcpscan_syn_template {
    template: Template,
    window: u16,
}

impl mptcpscan_syn_template {
    fn new(family: u32, block: &OptionBlock, window: u16) -> Result<Self, mptcpscan_result> {
        let template = match u8::try_from(family) {
            Ok(MPTCPSCAN_ADDRESS_FAMILY_IPV4) => Template::V4(SynTemplateV4::new(block, window)),
            Ok(MPTCPSCAN_ADDRESS_FAMILY_IPV6) => Template::V6(SynTemplateV6::new(block, window)),
            _ => return Err(mptcpscan_result::InvalidArgument),
        };
        Ok(mptcpscan_syn_template { template, window })
    }

    fn block(&self) -> &[u8] {
        match &self.template {
            Template::V4(t) => t.info().block.as_bytes(),
            Template::V6(t) => t.info().block.as_bytes(),
        }
    }
}

fn new_template(
    template: *mut *mut mptcpscan_syn_template,
    build: impl FnOnce() -> Result<mptcpscan_syn_template, mptcpscan_result>,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `template` as writable.
        let out = unsafe { Out::new(template)? };
        out.write(Box::into_raw(Box::new(build()?)));
        Ok(())
    })
}

/// Creates a SYN template for a probe spec.
///
/// Reads `family` (`MPTCPSCAN_ADDRESS_FAMILY_IPV4` or `_IPV6`) and `*spec`. On success allocates
/// the template and writes it to `*template`; release it with `mptcpscan_syn_template_free`. The
/// template is immutable: threads may share it.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (family or a spec field out of
/// range), `OPTION_*`, `OPTION_TOO_LONG`.
#[no_mangle]
pub extern "C" fn mptcpscan_syn_template_new(
    family: u32,
    spec: *const mptcpscan_probe_spec,
    template: *mut *mut mptcpscan_syn_template,
) -> mptcpscan_result {
    new_template(template, || {
        // SAFETY: the header documents `spec` as readable.
        let spec = unsafe { ffi::input(spec)? }.core_spec()?;
        mptcpscan_syn_template::new(family, &OptionBlock::build(&spec)?, spec.window)
    })
}

/// Creates a SYN template sending a caller-given option block (e.g. ZMap's
/// `--probe-args=hex:...`).
///
/// Reads `family`, `options_len` bytes at `options` (they must walk as TCP options; they are
/// padded with EOL bytes to a multiple of 4 and must then fit 40 bytes) and `window`. On success
/// allocates the template and writes it to `*template`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (family), `OPTION_*`,
/// `OPTION_TOO_LONG`.
#[no_mangle]
pub extern "C" fn mptcpscan_syn_template_new_raw(
    family: u32,
    options: *const u8,
    options_len: usize,
    window: u16,
    template: *mut *mut mptcpscan_syn_template,
) -> mptcpscan_result {
    new_template(template, || {
        // SAFETY: the header documents `options` as `options_len` readable bytes.
        let options = unsafe { ffi::bytes(options, options_len)? };
        mptcpscan_syn_template::new(family, &OptionBlock::from_raw(options)?, window)
    })
}

/// Releases a SYN template. NULL is accepted and does nothing.
///
/// Reads and frees `template`, which must come from `mptcpscan_syn_template_new` or `_new_raw` and
/// not be used again.
#[no_mangle]
pub extern "C" fn mptcpscan_syn_template_free(template: *mut mptcpscan_syn_template) {
    crate::ffi::guard_value((), || {
        if !template.is_null() {
            // SAFETY: a non-NULL `template` is documented to come from `Box::into_raw` in
            // `new_template` and to be freed once.
            drop(unsafe { Box::from_raw(template) });
        }
    })
}

/// Describes the probe a template sends, for classifying its replies.
///
/// Reads `*template`. On success writes the description to `*info`, the SYN's window included
/// (`has_window` 1).
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `NOT_FOUND` (a raw block without MP_CAPABLE),
/// `MPTCP_*` (its MP_CAPABLE does not parse or offers another version than 0 or 1).
#[no_mangle]
pub extern "C" fn mptcpscan_syn_template_info(
    template: *const mptcpscan_syn_template,
    info: *mut mptcpscan_probe_info,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `template` comes from `mptcpscan_syn_template_new` (documented); `info` is
        // documented writable.
        let (template, info) = unsafe { (ffi::input(template)?, Out::new(info)?) };
        let sent = Sent::from_options(template.block(), 0)?.with_window(template.window);
        info.write(mptcpscan_probe_info::from_sent(&sent)?);
        Ok(())
    })
}

/// Writes a template's constant bytes: once per packet buffer (ZMap's `prepare_packet`).
///
/// Reads `*template`. On success writes the whole packet with its per-target fields zero to the
/// front of the `buf_len` bytes at `buf`, and the packet length to `*len`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT` (`MPTCPSCAN_MAX_SYN_V4_LEN` or
/// `_V6_LEN` bytes always suffice).
#[no_mangle]
pub extern "C" fn mptcpscan_syn_template_prepare(
    template: *const mptcpscan_syn_template,
    buf: *mut u8,
    buf_len: usize,
    len: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `template` comes from `mptcpscan_syn_template_new` and lives in memory the
        // library allocated, so it cannot overlap the caller's `buf` (documented `buf_len`
        // writable bytes); `len` is documented writable.
        let (template, buf, len) = unsafe {
            (
                ffi::input(template)?,
                ffi::bytes_mut(buf, buf_len)?,
                Out::new(len)?,
            )
        };
        let written = match &template.template {
            Template::V4(t) => t.prepare(buf)?,
            Template::V6(t) => t.prepare(buf)?,
        };
        len.write(written);
        Ok(())
    })
}

/// The per-target fields of an IPv4 SYN.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_ipv4_target {
    /// Source address, network byte order (as `struct in_addr` holds it).
    pub src: [u8; 4],
    /// Destination address, network byte order.
    pub dst: [u8; 4],
    /// Sequence number, host byte order (ZMap: the validation word, so a SYN-ACK acknowledges
    /// `seq + 1`).
    pub seq: u32,
    /// Source port, host byte order.
    pub src_port: u16,
    /// Destination port, host byte order.
    pub dst_port: u16,
    /// IP identification, host byte order.
    pub ip_id: u16,
    /// Time to live.
    pub ttl: u8,
}

/// The per-target fields of an IPv6 SYN.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct mptcpscan_ipv6_target {
    /// Source address, network byte order.
    pub src: [u8; 16],
    /// Destination address, network byte order.
    pub dst: [u8; 16],
    /// Sequence number, host byte order.
    pub seq: u32,
    /// Source port, host byte order.
    pub src_port: u16,
    /// Destination port, host byte order.
    pub dst_port: u16,
    /// Hop limit.
    pub hop_limit: u8,
}

/// Writes an IPv4 SYN's per-target fields and both checksums into a buffer that
/// `mptcpscan_syn_template_prepare` filled with this template (ZMap's `make_packet`): a few
/// stores and two checksum folds, no allocation.
///
/// Reads `*template` and `*target`. On success writes addresses, ports, sequence number, IP id,
/// TTL and checksums into the `buf_len` bytes at `buf`, and the packet length to `*len`. A buffer
/// prepared by another template gives a packet with wrong checksums, not an error.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (an IPv6 template),
/// `BUFFER_TOO_SHORT`.
#[no_mangle]
pub extern "C" fn mptcpscan_syn_template_patch_v4(
    template: *const mptcpscan_syn_template,
    target: *const mptcpscan_ipv4_target,
    buf: *mut u8,
    buf_len: usize,
    len: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `target` is documented readable and copied before the output is borrowed;
        // `template` lives in library memory (see `mptcpscan_syn_template_prepare`).
        let (template, target) = unsafe { (ffi::input(template)?, *ffi::input(target)?) };
        // SAFETY: the header documents `buf` as `buf_len` writable bytes and `len` as writable.
        let (buf, len) = unsafe { (ffi::bytes_mut(buf, buf_len)?, Out::new(len)?) };
        let Template::V4(t) = &template.template else {
            return Err(mptcpscan_result::InvalidArgument);
        };
        let target = Ipv4Target {
            src: Ipv4Addr::from(target.src),
            dst: Ipv4Addr::from(target.dst),
            src_port: target.src_port,
            dst_port: target.dst_port,
            seq: target.seq,
            ip_id: target.ip_id,
            ttl: target.ttl,
        };
        len.write(t.patch(buf, &target)?);
        Ok(())
    })
}

/// Writes an IPv6 SYN's per-target fields and TCP checksum into a prepared buffer.
///
/// Reads `*template` and `*target`. On success writes addresses, ports, sequence number, hop
/// limit and the TCP checksum into the `buf_len` bytes at `buf`, and the packet length to `*len`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (an IPv4 template),
/// `BUFFER_TOO_SHORT`.
#[no_mangle]
pub extern "C" fn mptcpscan_syn_template_patch_v6(
    template: *const mptcpscan_syn_template,
    target: *const mptcpscan_ipv6_target,
    buf: *mut u8,
    buf_len: usize,
    len: *mut usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: as in `mptcpscan_syn_template_patch_v4`.
        let (template, target) = unsafe { (ffi::input(template)?, *ffi::input(target)?) };
        // SAFETY: the header documents `buf` as `buf_len` writable bytes and `len` as writable.
        let (buf, len) = unsafe { (ffi::bytes_mut(buf, buf_len)?, Out::new(len)?) };
        let Template::V6(t) = &template.template else {
            return Err(mptcpscan_result::InvalidArgument);
        };
        let target = Ipv6Target {
            src: Ipv6Addr::from(target.src),
            dst: Ipv6Addr::from(target.dst),
            src_port: target.src_port,
            dst_port: target.dst_port,
            seq: target.seq,
            hop_limit: target.hop_limit,
        };
        len.write(t.patch(buf, &target)?);
        Ok(())
    })
}

/// Changes only the TTL (IPv4, with an incremental IP checksum update) or hop limit (IPv6) of a
/// written probe: what a TTL sweep (tracebox) does between two sends.
///
/// Reads `*template` and `ttl`; updates the packet in the `buf_len` bytes at `buf`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `BUFFER_TOO_SHORT` (shorter than the IP header).
#[no_mangle]
pub extern "C" fn mptcpscan_syn_template_set_ttl(
    template: *const mptcpscan_syn_template,
    ttl: u8,
    buf: *mut u8,
    buf_len: usize,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: `template` lives in library memory; `buf` is documented as `buf_len` writable
        // bytes.
        let (template, buf) = unsafe { (ffi::input(template)?, ffi::bytes_mut(buf, buf_len)?) };
        match &template.template {
            Template::V4(t) => t.set_ttl(buf, ttl)?,
            Template::V6(t) => t.set_hop_limit(buf, ttl)?,
        }
        Ok(())
    })
}

static COMPANION_NAMES: Names<5> = Names::new();

/// Names a set of companion options ("linux", "windows", "bsd", "minimal", "study2021"), as
/// command lines and probe arguments take it.
///
/// Reads `companions` (an `mptcpscan_companions` value other than `RAW`). On success writes a
/// static NUL-terminated string (never to be freed) to `*name`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `INVALID_ARGUMENT` (`companions` out of range or
/// `RAW`).
#[no_mangle]
pub extern "C" fn mptcpscan_companions_name(
    companions: u32,
    name: *mut *const core::ffi::c_char,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as writable.
        let name = unsafe { Out::new(name)? };
        name.write(COMPANION_NAMES.get(companions, |i| Companions::NAMED[i].name())?);
        Ok(())
    })
}

/// Finds a set of companion options by name ("linux", "windows", "bsd", "minimal",
/// "study2021"), so hosts take the same names as `mptcpscan scan --options`.
///
/// Reads the NUL-terminated string `name`. On success writes the `mptcpscan_companions` value
/// to `*companions`.
///
/// Errors: `NULL_PARAMETER`, `MISALIGNED`, `NOT_FOUND` (no set has that name).
#[no_mangle]
pub extern "C" fn mptcpscan_companions_from_name(
    name: *const core::ffi::c_char,
    companions: *mut u32,
) -> mptcpscan_result {
    guard(|| {
        // SAFETY: the header documents `name` as a NUL-terminated string and `companions` as
        // writable.
        let (name, out) = unsafe { (ffi::c_str(name)?, Out::new(companions)?) };
        let found = name
            .to_str()
            .ok()
            .and_then(Companions::from_name)
            .ok_or(mptcpscan_result::NotFound)?;
        let index = Companions::NAMED
            .iter()
            .position(|c| *c == found)
            .ok_or(mptcpscan_result::NotFound)?;
        out.write(index as u32);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companion_values_follow_the_cores_named_order() {
        use mptcpscan_companions as C;
        let ours = [C::Linux, C::Windows, C::Bsd, C::Minimal, C::Study2021];
        for (i, (c, core)) in ours.into_iter().zip(Companions::NAMED).enumerate() {
            assert_eq!(c as usize, i);
            let mut found = u32::MAX;
            let name = std::ffi::CString::new(core.name()).unwrap();
            assert_eq!(
                mptcpscan_companions_from_name(name.as_ptr(), &mut found),
                mptcpscan_result::Ok
            );
            assert_eq!(found, c as u32);
        }
        let mut found = 0;
        assert_eq!(
            mptcpscan_companions_from_name(c"raw".as_ptr(), &mut found),
            mptcpscan_result::NotFound
        );
    }

    #[test]
    fn the_study_block_from_its_spec() {
        let mut spec = core::mem::MaybeUninit::<mptcpscan_probe_spec>::uninit();
        assert_eq!(
            mptcpscan_probe_spec_default(0, MPTCPSCAN_STUDY2021_KEY, 4, spec.as_mut_ptr()),
            mptcpscan_result::Ok
        );
        // SAFETY: written on success.
        let spec = unsafe { spec.assume_init() };
        let (mut buf, mut len) = ([0u8; 40], 0);
        assert_eq!(
            mptcpscan_probe_options(&spec, buf.as_mut_ptr(), 40, &mut len),
            mptcpscan_result::Ok
        );
        let study = [
            0x02, 0x04, 0x00, 0x01, 0x04, 0x02, 0x08, 0x0a, 0x0f, 0x0f, 0x0f, 0x01, 0, 0, 0, 0,
            0x01, 0x03, 0x03, 0x00, 0x1e, 0x0c, 0x00, 0x81, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
            0x0c, 0x0c,
        ];
        assert_eq!(&buf[..len], study);
        assert_eq!(spec.window, 65535);
    }

    #[test]
    fn ipv4_template_prepares_and_patches() {
        let mut spec = core::mem::MaybeUninit::<mptcpscan_probe_spec>::uninit();
        mptcpscan_probe_spec_default(1, 0, 0, spec.as_mut_ptr());
        // SAFETY: written on success (checked in the test above).
        let spec = unsafe { spec.assume_init() };
        let mut template = core::ptr::null_mut();
        assert_eq!(
            mptcpscan_syn_template_new(4, &spec, &mut template),
            mptcpscan_result::Ok
        );
        let (mut buf, mut len) = ([0u8; MPTCPSCAN_MAX_SYN_V4_LEN], 0);
        assert_eq!(
            mptcpscan_syn_template_prepare(template, buf.as_mut_ptr(), buf.len(), &mut len),
            mptcpscan_result::Ok
        );
        let target = mptcpscan_ipv4_target {
            src: [198, 18, 0, 1],
            dst: [198, 19, 0, 7],
            seq: 0x1234_5678,
            src_port: 40000,
            dst_port: 80,
            ip_id: 54321,
            ttl: 64,
        };
        assert_eq!(
            mptcpscan_syn_template_patch_v4(template, &target, buf.as_mut_ptr(), len, &mut len),
            mptcpscan_result::Ok
        );
        let ip = core_lib::wire::Ipv4Packet::new_checked(&buf[..len]).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!(
            mptcpscan_syn_template_patch_v6(
                template,
                &mptcpscan_ipv6_target::default(),
                buf.as_mut_ptr(),
                len,
                &mut len
            ),
            mptcpscan_result::InvalidArgument
        );
        mptcpscan_syn_template_free(template);
    }
}
