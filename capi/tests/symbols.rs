//! Loads the built shared library with libloading, as a C host would, and checks that the symbols
//! it exports are exactly the functions `include/mptcpscan.h` declares, calling each one once.
//!
//! The library is `$MPTCPSCAN_SO` when set (`make test-capi` points it at the installed copy),
//! otherwise the `libmptcpscan.so` cargo built next to this test's executable.

use std::collections::BTreeSet;
use std::ffi::{c_char, CStr};
use std::path::{Path, PathBuf};
use std::process::Command;

use libloading::{Library, Symbol};
use mptcpscan_capi::address::mptcpscan_address;
use mptcpscan_capi::classify::{
    mptcpscan_classification, mptcpscan_host_classification, mptcpscan_probe_info,
};
use mptcpscan_capi::crypto::{
    mptcpscan_add_addr_check, mptcpscan_dss_mapping, mptcpscan_dss_sum, mptcpscan_hmac_keys,
    mptcpscan_join_handshake, mptcpscan_join_hmacs,
};
use mptcpscan_capi::mptcp::mptcpscan_mptcp_option;
use mptcpscan_capi::mptcpscan_result as R;
use mptcpscan_capi::options::mptcpscan_tcp_option;
use mptcpscan_capi::probe::{
    mptcpscan_ipv4_target, mptcpscan_ipv6_target, mptcpscan_probe_spec, mptcpscan_syn_template,
};
use mptcpscan_capi::quote::{
    mptcpscan_icmp_error, mptcpscan_mptcp_hop, mptcpscan_path_change, mptcpscan_quote_change,
    mptcpscan_quote_diff,
};
use mptcpscan_capi::records::{mptcpscan_connection, mptcpscan_subflow};
use mptcpscan_capi::scope::mptcpscan_scope;
use mptcpscan_capi::stats::{mptcpscan_histogram, mptcpscan_histogram_summary};
use mptcpscan_capi::trace::mptcpscan_trace_conclusion;
use mptcpscan_capi::track::{
    mptcpscan_check, mptcpscan_findings, mptcpscan_segment, mptcpscan_tracker,
    mptcpscan_unverifiable,
};

fn library_path() -> PathBuf {
    if let Some(path) = std::env::var_os("MPTCPSCAN_SO") {
        return PathBuf::from(path);
    }
    // The shared library is another package (capi/lib), which `cargo test` does not build: build
    // it in this test's profile and take it from target/<profile>.
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let mut build = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    build.args(["build", "--quiet", "-p", "libmptcpscan"]);
    if profile_dir
        .file_name()
        .is_some_and(|name| name == "release")
    {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo build -p libmptcpscan");
    assert!(status.success(), "cargo build -p libmptcpscan: {status}");
    profile_dir.join("libmptcpscan.so")
}

/// Function names declared in the header: identifiers directly followed by `(`, comments and
/// preprocessor lines removed first.
fn header_functions() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/mptcpscan.h");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut code = String::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("/*") {
        code.push_str(&rest[..start]);
        let end = rest[start..].find("*/").expect("unterminated comment") + start + 2;
        rest = &rest[end..];
    }
    code.push_str(rest);
    let code: String = code
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = BTreeSet::new();
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    for (at, _) in code.match_indices("mptcpscan_") {
        if at > 0 && is_ident(bytes[at - 1]) {
            continue;
        }
        let end = at + code[at..].bytes().take_while(|b| is_ident(*b)).count();
        if code[end..].trim_start().starts_with('(') {
            names.insert(code[at..end].to_string());
        }
    }
    names
}

/// Defined dynamic symbols of the library, from binutils' `nm -D`.
fn exported_functions(library: &Path) -> BTreeSet<String> {
    let out = Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(library)
        .output()
        .expect("nm (binutils) must be installed");
    assert!(out.status.success(), "nm failed on {}", library.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let name = fields.next()?;
            let kind = fields.next()?;
            (kind == "T").then(|| name.split('@').next().unwrap_or(name).to_string())
        })
        .collect()
}

type Call = fn(&Library);

/// `(name, call)` pairs: each call resolves `name` with the header's signature and calls it.
macro_rules! calls {
    ($($name:ident: [$ty:ty] |$f:ident| $body:block)*) => {
        vec![$((stringify!($name), (|lib: &Library| {
            // SAFETY: `$ty` is the signature the header declares for this symbol.
            let $f: Symbol<$ty> = unsafe { lib.get(concat!(stringify!($name), "\0").as_bytes()) }
                .expect(stringify!($name));
            $body
        }) as Call),)*]
    };
}

fn cstr(ptr: *const c_char) -> &'static CStr {
    assert!(!ptr.is_null());
    // SAFETY: the library returns static NUL-terminated strings.
    unsafe { CStr::from_ptr(ptr) }
}

/// mptcp-v0.pcap (tcpdump's tests), packets 8–10.
const V0_JOIN: mptcpscan_join_handshake = mptcpscan_join_handshake {
    initiator_key: 0x9c9e_abd1_e46a_33b2,
    listener_key: 0x967d_2770_b696_0552,
    initiator_nonce: 0x1b66_5a18,
    listener_nonce: 0x33ab_e9d5,
};

/// A v1 SYN, 198.18.0.1:40000 → 198.19.0.7:80, TTL 3, MP_CAPABLE alone.
const V4_SYN: [u8; 44] = [
    0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x40, 0x00, 0x03, 0x06, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x01,
    0xc6, 0x13, 0x00, 0x07, 0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x60, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x1e, 0x04, 0x01, 0x01,
];

fn ipv4(octets: [u8; 4]) -> mptcpscan_address {
    let mut address = mptcpscan_address {
        family: 4,
        bytes: [0; 16],
    };
    address.bytes[..4].copy_from_slice(&octets);
    address
}

/// An all-integer C struct, zeroed as a C host would `memset` it.
fn zeroed<T: Copy>() -> T {
    // SAFETY: only used for the ABI's structs, which hold integers, floats and arrays of them.
    unsafe { std::mem::zeroed() }
}

type Template = *mut mptcpscan_syn_template;

/// One call per exported function, with the function's real signature.
fn calls() -> Vec<(&'static str, Call)> {
    calls! {
        mptcpscan_abi_version: [extern "C" fn() -> u32] |f| {
            assert_eq!(f() >> 16, mptcpscan_capi::version::MPTCPSCAN_ABI_MAJOR);
        }
        mptcpscan_version: [extern "C" fn() -> *const c_char] |f| {
            assert_eq!(cstr(f()).to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        }
        mptcpscan_strerror: [extern "C" fn(u32) -> *const c_char] |f| {
            assert_eq!(cstr(f(R::NullParameter as u32)), c"a required pointer argument is NULL");
        }
        mptcpscan_option_next: [extern "C" fn(*const u8, usize, usize, *mut mptcpscan_tcp_option) -> R] |f| {
            let mut option = mptcpscan_tcp_option::default();
            assert_eq!(f([2, 4, 5, 0xb4].as_ptr(), 4, 0, &mut option), R::Ok);
            assert_eq!((option.kind, option.mss), (2, 1460));
            assert_eq!(f(std::ptr::null(), 4, 0, &mut option), R::NullParameter);
        }
        mptcpscan_options_walk: [extern "C" fn(*const u8, usize, *mut mptcpscan_tcp_option, usize, *mut usize) -> R] |f| {
            let mut options = [mptcpscan_tcp_option::default(); 4];
            let mut count = 0;
            let area = [1, 1, 0x1e, 4, 1, 1];
            assert_eq!(f(area.as_ptr(), 6, options.as_mut_ptr(), 4, &mut count), R::Ok);
            assert_eq!(count, 3);
            assert_eq!(options[2].kind, 30);
        }
        mptcpscan_options_find_mptcp: [extern "C" fn(*const u8, usize, *mut usize, *mut usize) -> R] |f| {
            let (mut at, mut len) = (0, 0);
            assert_eq!(f([1, 1, 0x1e, 4, 1, 1].as_ptr(), 6, &mut at, &mut len), R::Ok);
            assert_eq!((at, len), (2, 4));
        }
        mptcpscan_mptcp_parse: [extern "C" fn(*const u8, usize, u32, *mut mptcpscan_mptcp_option) -> R] |f| {
            // SAFETY: an all-integer struct; zero is a valid value.
            let mut option: mptcpscan_mptcp_option = unsafe { std::mem::zeroed() };
            assert_eq!(f([0x1e, 4, 1, 1].as_ptr(), 4, 1, &mut option), R::Ok);
            // SAFETY: subtype 0 selects `mp_capable`.
            assert_eq!((option.subtype, unsafe { option.body.mp_capable.flags }), (0, 1));
        }
        mptcpscan_mptcp_emit: [extern "C" fn(*const mptcpscan_mptcp_option, *mut u8, usize, *mut usize) -> R] |f| {
            // SAFETY: an all-integer struct; zero is a valid value (MP_CAPABLE v0, no key).
            let option: mptcpscan_mptcp_option = unsafe { std::mem::zeroed() };
            let (mut buf, mut len) = ([0u8; 8], 0);
            assert_eq!(f(&option, buf.as_mut_ptr(), 8, &mut len), R::Ok);
            assert_eq!(&buf[..len], [0x1e, 4, 0, 0]);
        }
        mptcpscan_mptcp_subtype_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(2, &mut name), R::Ok);
            assert_eq!(cstr(name), c"DSS");
        }
        mptcpscan_tcprst_reason_name: [extern "C" fn(u8, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(6, &mut name), R::Ok);
            assert_eq!(cstr(name), c"middlebox interference");
        }
        mptcpscan_probe_describe: [extern "C" fn(*const u8, usize, *mut mptcpscan_probe_info) -> R] |f| {
            let mut info: mptcpscan_probe_info = zeroed();
            assert_eq!(f([0x1e, 4, 1, 1].as_ptr(), 4, &mut info), R::Ok);
            assert_eq!((info.version, info.mp_capable_len), (1, 4));
        }
        mptcpscan_classify_ip: [extern "C" fn(*const mptcpscan_probe_info, u32, *const u8, usize, *mut mptcpscan_classification) -> R] |f| {
            let mut out = mptcpscan_classification::default();
            let info: mptcpscan_probe_info = zeroed();
            assert_eq!(f(&info, 0, [0x45].as_ptr(), 1, &mut out), R::InvalidArgument);
        }
        mptcpscan_classify_tcp: [extern "C" fn(*const mptcpscan_probe_info, u32, *const u8, usize, u32, *mut mptcpscan_classification) -> R] |f| {
            let mut out = mptcpscan_classification::default();
            let mut info: mptcpscan_probe_info = zeroed();
            info.options[..4].copy_from_slice(&[0x1e, 4, 1, 1]);
            (info.options_len, info.mp_capable_len, info.version) = (4, 4, 1);
            let mut rst = [0u8; 20];
            (rst[12], rst[13]) = (0x50, 0x04);
            assert_eq!(f(&info, 0, rst.as_ptr(), 20, 256, &mut out), R::Ok);
            assert_eq!(out.verdict, 5);
            assert_eq!(f(&info, 0, rst.as_ptr(), 20, 257, &mut out), R::InvalidArgument);
        }
        mptcpscan_combine: [extern "C" fn(*const mptcpscan_classification, *const mptcpscan_classification, *const u64, *mut mptcpscan_host_classification) -> R] |f| {
            let mut out = mptcpscan_host_classification::default();
            assert_eq!(f(std::ptr::null(), std::ptr::null(), std::ptr::null(), &mut out), R::Ok);
            assert_eq!((out.verdict, out.is_mptcp), (0, 0));
        }
        mptcpscan_verdict_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(3, &mut name), R::Ok);
            assert_eq!(cstr(name), c"mirrored");
        }
        mptcpscan_host_verdict_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(3, &mut name), R::Ok);
            assert_eq!(cstr(name), c"v1-only");
        }
        mptcpscan_signals_format: [extern "C" fn(u32, *mut c_char, usize, *mut usize) -> R] |f| {
            let (mut buf, mut len) = ([0 as c_char; 32], 0);
            assert_eq!(f(1 | 1 << 9, buf.as_mut_ptr(), 32, &mut len), R::Ok);
            assert_eq!(cstr(buf.as_ptr()), c"key-echoed,ts-echoed");
        }
        mptcpscan_histogram_add: [extern "C" fn(*mut mptcpscan_histogram, u64) -> R] |f| {
            let mut h: mptcpscan_histogram = zeroed();
            assert_eq!(f(&mut h, 0x0c0c_0c0c_0c0c_0c0c), R::Ok);
            assert_eq!(h.counts[16], 1);
        }
        mptcpscan_histogram_merge: [extern "C" fn(*mut mptcpscan_histogram, *const mptcpscan_histogram) -> R] |f| {
            let mut h: mptcpscan_histogram = zeroed();
            h.counts[3] = 2;
            let other = h;
            assert_eq!(f(&mut h, &other), R::Ok);
            assert_eq!(h.counts[3], 4);
        }
        mptcpscan_histogram_summarize: [extern "C" fn(*const mptcpscan_histogram, *mut mptcpscan_histogram_summary) -> R] |f| {
            let mut h: mptcpscan_histogram = zeroed();
            h.counts[32] = 10;
            let mut summary = mptcpscan_histogram_summary::default();
            assert_eq!(f(&h, &mut summary), R::Ok);
            assert_eq!((summary.total, summary.mean), (10, 32.0));
        }
        mptcpscan_histogram_excess: [extern "C" fn(*const mptcpscan_histogram, u32, *mut f64) -> R] |f| {
            let h: mptcpscan_histogram = zeroed();
            let mut excess = 1.0;
            assert_eq!(f(&h, 64, &mut excess), R::Ok);
            assert_eq!(excess, 0.0);
            assert_eq!(f(&h, 65, &mut excess), R::InvalidArgument);
        }
        mptcpscan_probe_spec_default: [extern "C" fn(u32, u64, u32, *mut mptcpscan_probe_spec) -> R] |f| {
            let mut spec: mptcpscan_probe_spec = zeroed();
            assert_eq!(f(1, 0, 0, &mut spec), R::Ok);
            assert_eq!((spec.version, spec.mss, spec.window_scale), (1, 1460, 7));
            assert_eq!(f(1, 0, 5, &mut spec), R::InvalidArgument);
        }
        mptcpscan_probe_options: [extern "C" fn(*const mptcpscan_probe_spec, *mut u8, usize, *mut usize) -> R] |f| {
            let mut spec: mptcpscan_probe_spec = zeroed();
            (spec.version, spec.companions) = (1, 3);
            let (mut buf, mut len) = ([0u8; 40], 0);
            assert_eq!(f(&spec, buf.as_mut_ptr(), 40, &mut len), R::Ok);
            assert_eq!(&buf[..len], [0x1e, 4, 1, 1]);
        }
        mptcpscan_syn_template_new: [extern "C" fn(u32, *const mptcpscan_probe_spec, *mut Template) -> R] |f| {
            let spec: mptcpscan_probe_spec = zeroed();
            let mut template = std::ptr::null_mut();
            assert_eq!(f(5, &spec, &mut template), R::InvalidArgument);
            assert!(template.is_null());
        }
        mptcpscan_syn_template_new_raw: [extern "C" fn(u32, *const u8, usize, u16, *mut Template) -> R] |f| {
            let mut template = std::ptr::null_mut();
            assert_eq!(f(4, [0x02, 0x04, 0x05].as_ptr(), 3, 0, &mut template), R::OptionTruncated);
        }
        mptcpscan_syn_template_free: [extern "C" fn(Template)] |f| {
            f(std::ptr::null_mut());
        }
        mptcpscan_syn_template_info: [extern "C" fn(*const mptcpscan_syn_template, *mut mptcpscan_probe_info) -> R] |f| {
            let mut info: mptcpscan_probe_info = zeroed();
            assert_eq!(f(std::ptr::null(), &mut info), R::NullParameter);
        }
        mptcpscan_syn_template_prepare: [extern "C" fn(*const mptcpscan_syn_template, *mut u8, usize, *mut usize) -> R] |f| {
            let (mut buf, mut len) = ([0u8; 80], 0);
            assert_eq!(f(std::ptr::null(), buf.as_mut_ptr(), 80, &mut len), R::NullParameter);
        }
        mptcpscan_syn_template_patch_v4: [extern "C" fn(*const mptcpscan_syn_template, *const mptcpscan_ipv4_target, *mut u8, usize, *mut usize) -> R] |f| {
            let (mut buf, mut len) = ([0u8; 80], 0);
            let target = mptcpscan_ipv4_target::default();
            assert_eq!(f(std::ptr::null(), &target, buf.as_mut_ptr(), 80, &mut len), R::NullParameter);
        }
        mptcpscan_syn_template_patch_v6: [extern "C" fn(*const mptcpscan_syn_template, *const mptcpscan_ipv6_target, *mut u8, usize, *mut usize) -> R] |f| {
            let (mut buf, mut len) = ([0u8; 100], 0);
            let target = mptcpscan_ipv6_target::default();
            assert_eq!(f(std::ptr::null(), &target, buf.as_mut_ptr(), 100, &mut len), R::NullParameter);
        }
        mptcpscan_syn_template_set_ttl: [extern "C" fn(*const mptcpscan_syn_template, u8, *mut u8, usize) -> R] |f| {
            let mut buf = [0u8; 20];
            assert_eq!(f(std::ptr::null(), 1, buf.as_mut_ptr(), 20), R::NullParameter);
        }
        mptcpscan_icmp_error_parse: [extern "C" fn(*const u8, usize, *mut mptcpscan_icmp_error) -> R] |f| {
            let mut error = mptcpscan_icmp_error::default();
            assert_eq!(f([0x45].as_ptr(), 1, &mut error), R::WireTruncated);
        }
        mptcpscan_quote_compare: [extern "C" fn(*const u8, usize, *const u8, usize, *mut mptcpscan_quote_diff, *mut mptcpscan_quote_change, usize) -> R] |f| {
            let mut diff = mptcpscan_quote_diff::default();
            let mut changes = [mptcpscan_quote_change::default(); 48];
            let syn = V4_SYN;
            assert_eq!(f(syn.as_ptr(), 44, syn.as_ptr(), 44, &mut diff, changes.as_mut_ptr(), 48), R::Ok);
            assert_eq!((diff.change_count, diff.mptcp.kind), (0, 1));
        }
        mptcpscan_quote_tokens: [extern "C" fn(*const u8, usize, *const u8, usize, *mut c_char, usize, *mut usize) -> R] |f| {
            let (mut buf, mut len) = ([0 as c_char; 64], 0);
            let syn = V4_SYN;
            assert_eq!(f(syn.as_ptr(), 44, syn.as_ptr(), 28, buf.as_mut_ptr(), 64, &mut len), R::Ok);
            assert_eq!(cstr(buf.as_ptr()), c"[PARTIAL]");
        }
        mptcpscan_mptcp_hop_format: [extern "C" fn(*const mptcpscan_mptcp_hop, *mut c_char, usize, *mut usize) -> R] |f| {
            let (mut buf, mut len) = ([0 as c_char; 64], 0);
            let hop = mptcpscan_mptcp_hop { kind: 2, ..Default::default() };
            assert_eq!(f(&hop, buf.as_mut_ptr(), 64, &mut len), R::Ok);
            assert_eq!(cstr(buf.as_ptr()), c"removed");
        }
        mptcpscan_first_mptcp_change: [extern "C" fn(*const mptcpscan_mptcp_hop, usize, *mut mptcpscan_path_change) -> R] |f| {
            let hops = [
                mptcpscan_mptcp_hop { kind: 1, ..Default::default() },
                mptcpscan_mptcp_hop { kind: 2, ..Default::default() },
            ];
            let mut change = mptcpscan_path_change::default();
            assert_eq!(f(hops.as_ptr(), 2, &mut change), R::Ok);
            assert_eq!((change.hop, change.last_intact), (2, 1));
        }
        mptcpscan_mptcp_hop_kind_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(4, &mut name), R::Ok);
            assert_eq!(cstr(name), c"key-rewritten");
            assert_eq!(f(7, &mut name), R::InvalidArgument);
        }
        mptcpscan_reach_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(2, &mut name), R::Ok);
            assert_eq!(cstr(name), c"transport-cut");
            assert_eq!(f(5, &mut name), R::InvalidArgument);
        }
        mptcpscan_trace_conclude: [extern "C" fn(*const mptcpscan_mptcp_hop, usize, u8, u32, *mut mptcpscan_trace_conclusion) -> R] |f| {
            let hops = [
                mptcpscan_mptcp_hop { kind: 1, ..Default::default() },
                mptcpscan_mptcp_hop { kind: 3, ..Default::default() },
            ];
            let mut c = mptcpscan_trace_conclusion::default();
            // Changed at hop 2, then nothing answered: middlebox-affected, not unreachable.
            assert_eq!(f(hops.as_ptr(), 2, 0, 0, &mut c), R::Ok);
            assert_eq!((c.outcome, c.has_change, c.change.hop), (0, 1, 2));
            // A suspicious answer (verdict 4) on a clean path: truly MPTCP.
            assert_eq!(f(hops.as_ptr(), 1, 1, 4, &mut c), R::Ok);
            assert_eq!((c.outcome, c.has_change), (2, 0));
            assert_eq!(f(std::ptr::null(), 0, 0, 0, &mut c), R::Ok);
            assert_eq!(c.outcome, 5);
            assert_eq!(f(hops.as_ptr(), 1, 1, 9, &mut c), R::InvalidArgument);
        }
        mptcpscan_trace_conclusion_format: [extern "C" fn(*const mptcpscan_trace_conclusion, *mut c_char, usize, *mut usize) -> R] |f| {
            let mut c = mptcpscan_trace_conclusion { outcome: 0, has_change: 1, ..Default::default() };
            c.change.hop = 3;
            c.change.summary.kind = 2;
            let (mut buf, mut len) = ([0 as c_char; 128], 0);
            assert_eq!(f(&c, buf.as_mut_ptr(), 128, &mut len), R::Ok);
            assert_eq!(cstr(buf.as_ptr()), c"middlebox-affected at hop 3 (removed)");
            c.has_change = 0;
            assert_eq!(f(&c, buf.as_mut_ptr(), 128, &mut len), R::InvalidArgument);
        }
        mptcpscan_trace_outcome_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(2, &mut name), R::Ok);
            assert_eq!(cstr(name), c"truly-mptcp");
            assert_eq!(f(6, &mut name), R::InvalidArgument);
        }
        mptcpscan_trace_outcome_most_telling: [extern "C" fn(u32, u32, *mut u32) -> R] |f| {
            let mut out = 0;
            assert_eq!(f(2, 1, &mut out), R::Ok);
            assert_eq!(out, 1);
            assert_eq!(f(2, 6, &mut out), R::InvalidArgument);
        }
        mptcpscan_trace_conclusion_interference: [extern "C" fn(*const mptcpscan_trace_conclusion, *mut u32) -> R] |f| {
            let mut c = mptcpscan_trace_conclusion { outcome: 0, has_change: 1, ..Default::default() };
            c.change.hop = 3;
            c.change.summary.kind = 2;
            let mut kind = 9;
            assert_eq!(f(&c, &mut kind), R::Ok);
            assert_eq!(kind, 1);
            c.has_change = 0;
            assert_eq!(f(&c, &mut kind), R::InvalidArgument);
        }
        mptcpscan_trace_interference_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(1, &mut name), R::Ok);
            assert_eq!(cstr(name), c"stripped");
            assert_eq!(f(4, &mut name), R::InvalidArgument);
        }
        mptcpscan_trace_responder_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(2, &mut name), R::Ok);
            assert_eq!(cstr(name), c"synack");
        }
        mptcpscan_ip_tcp_options: [extern "C" fn(*const u8, usize, *mut usize, *mut usize) -> R] |f| {
            let (mut at, mut len) = (0, 0);
            assert_eq!(f(V4_SYN.as_ptr(), V4_SYN.len(), &mut at, &mut len), R::Ok);
            assert_eq!((at, len), (40, 4));
            assert_eq!(f(V4_SYN.as_ptr(), 30, &mut at, &mut len), R::WireTruncated);
        }
        mptcpscan_options_text: [extern "C" fn(*const u8, usize, *mut c_char, usize, *mut usize) -> R] |f| {
            let (mut buf, mut len) = ([0 as c_char; 256], 0);
            let area = [2, 4, 5, 0xb4, 1, 0x1e, 4, 1, 1];
            assert_eq!(f(area.as_ptr(), area.len(), buf.as_mut_ptr(), 256, &mut len), R::Ok);
            assert_eq!(cstr(buf.as_ptr()), c"MSS:1460 NOP MPCAPABLE:v1:flags=01");
            assert_eq!(len, 34);
            assert_eq!(f(area.as_ptr(), area.len(), buf.as_mut_ptr(), 34, &mut len), R::BufferTooShort);
        }
        mptcpscan_companions_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(4, &mut name), R::Ok);
            assert_eq!(cstr(name), c"study2021");
            assert_eq!(f(5, &mut name), R::InvalidArgument);
        }
        mptcpscan_companions_from_name: [extern "C" fn(*const c_char, *mut u32) -> R] |f| {
            let mut c = 99;
            assert_eq!(f(c"bsd".as_ptr(), &mut c), R::Ok);
            assert_eq!(c, 2);
            assert_eq!(f(c"solaris".as_ptr(), &mut c), R::NotFound);
        }
        mptcpscan_key_derive: [extern "C" fn(u32, u64, *mut u32, *mut u64) -> R] |f| {
            let (mut token, mut idsn) = (0, 0);
            assert_eq!(f(1, 0x29a6_c869_81ad_933c, &mut token, &mut idsn), R::Ok);
            assert_eq!((token, idsn), (2_740_809_090, 11_713_449_205_243_392_241));
        }
        mptcpscan_join_compute: [extern "C" fn(
            u32,
            *const mptcpscan_join_handshake,
            *mut mptcpscan_join_hmacs,
        ) -> R] |f| {
            let mut hmacs = mptcpscan_join_hmacs::default();
            assert_eq!(f(0, &V0_JOIN, &mut hmacs), R::Ok);
            assert_eq!(hmacs.expected_token, 0xe47f_0142);
        }
        mptcpscan_join_verify_syn_ack: [extern "C" fn(
            u32,
            *const mptcpscan_join_handshake,
            *const u8,
            usize,
            *mut bool,
        ) -> R] |f| {
            let mut valid = false;
            let hmac = 0x5ab6_80c7_884a_f03d_u64.to_be_bytes();
            assert_eq!(f(0, &V0_JOIN, hmac.as_ptr(), 8, &mut valid), R::Ok);
            assert!(valid);
        }
        mptcpscan_join_verify_ack: [extern "C" fn(
            u32,
            *const mptcpscan_join_handshake,
            *const u8,
            usize,
            *mut bool,
        ) -> R] |f| {
            let mut valid = true;
            assert_eq!(f(0, &V0_JOIN, [0u8; 20].as_ptr(), 20, &mut valid), R::Ok);
            assert!(!valid);
        }
        mptcpscan_add_addr_hmac: [extern "C" fn(
            *const mptcpscan_hmac_keys,
            u8,
            *const mptcpscan_address,
            u16,
            *mut u8,
            usize,
        ) -> R] |f| {
            let keys = mptcpscan_hmac_keys { sender: 1, receiver: 2 };
            let mut hmac = [0u8; 8];
            assert_eq!(f(&keys, 1, &ipv4([198, 18, 0, 1]), 0, hmac.as_mut_ptr(), 7), R::BufferTooShort);
            assert_eq!(f(&keys, 1, &ipv4([198, 18, 0, 1]), 0, hmac.as_mut_ptr(), 8), R::Ok);
        }
        mptcpscan_add_addr_verify: [extern "C" fn(
            *const mptcpscan_hmac_keys,
            u8,
            *const mptcpscan_address,
            u16,
            *const u8,
            usize,
            *mut u32,
        ) -> R] |f| {
            // mptcp-aa-v1.pcap (tcpdump's tests): the pre-RFC leftmost truncation.
            let keys = mptcpscan_hmac_keys {
                sender: 0x73bb_1503_58a0_aecb,
                receiver: 0x8f0c_7c64_a6a3_2ac1,
            };
            let hmac = 0x6699_2874_4366_716c_u64.to_be_bytes();
            let mut check = 0;
            let address = ipv4([192, 168, 136, 225]);
            assert_eq!(f(&keys, 1, &address, 0, hmac.as_ptr(), 8, &mut check), R::Ok);
            assert_eq!(check, mptcpscan_add_addr_check::PreRfcTruncation as u32);
        }
        mptcpscan_dss_checksum: [extern "C" fn(
            *const mptcpscan_dss_mapping,
            *const u8,
            usize,
            *mut u16,
        ) -> R] |f| {
            // mptcp-fclose.pcap (tcpdump's tests), packet 6.
            let mapping = mptcpscan_dss_mapping { dsn: 7_512_766_147_283_988_406, ssn: 1, data_len: 1 };
            let mut checksum = 0;
            assert_eq!(f(&mapping, b"c".as_ptr(), 1, &mut checksum), R::Ok);
            assert_eq!(checksum, 0x9e91);
        }
        mptcpscan_dss_checksum_verify: [extern "C" fn(
            *const mptcpscan_dss_mapping,
            *const u8,
            usize,
            u16,
            *mut bool,
        ) -> R] |f| {
            let mapping = mptcpscan_dss_mapping { dsn: 7_512_766_147_283_988_406, ssn: 1, data_len: 1 };
            let mut valid = false;
            assert_eq!(f(&mapping, b"c".as_ptr(), 1, 0x9e91, &mut valid), R::Ok);
            assert!(valid);
        }
        mptcpscan_dss_sum_new: [extern "C" fn(*const mptcpscan_dss_mapping, *mut *mut mptcpscan_dss_sum) -> R] |f| {
            assert_eq!(f(std::ptr::null(), &mut std::ptr::null_mut()), R::NullParameter);
        }
        mptcpscan_dss_sum_update: [extern "C" fn(*mut mptcpscan_dss_sum, *const u8, usize) -> R] |f| {
            assert_eq!(f(std::ptr::null_mut(), b"c".as_ptr(), 1), R::NullParameter);
        }
        mptcpscan_dss_sum_finish: [extern "C" fn(
            *const mptcpscan_dss_sum,
            u16,
            *mut u16,
            *mut bool,
        ) -> R] |f| {
            let (mut checksum, mut valid) = (0, false);
            assert_eq!(f(std::ptr::null(), 0, &mut checksum, &mut valid), R::NullParameter);
        }
        mptcpscan_dss_sum_free: [extern "C" fn(*mut mptcpscan_dss_sum)] |f| {
            f(std::ptr::null_mut());
        }
        mptcpscan_dss_expand_dsn: [extern "C" fn(u32, u64, *mut u64) -> R] |f| {
            let mut dsn = 0;
            assert_eq!(f(0xb171_2fb6, 7_512_766_147_283_988_405, &mut dsn), R::Ok);
            assert_eq!(dsn, 7_512_766_147_283_988_406);
        }
        mptcpscan_address_scope: [extern "C" fn(*const mptcpscan_address, *mut u32) -> R] |f| {
            let mut scope = 99;
            assert_eq!(f(&ipv4([198, 18, 0, 1]), &mut scope), R::Ok);
            assert_eq!(scope, mptcpscan_scope::Benchmarking as u32);
        }
        mptcpscan_tracker_new: [extern "C" fn(*mut *mut mptcpscan_tracker) -> R] |f| {
            assert_eq!(f(std::ptr::null_mut()), R::NullParameter);
        }
        mptcpscan_tracker_feed: [extern "C" fn(
            *mut mptcpscan_tracker,
            *const mptcpscan_segment,
            *mut mptcpscan_findings,
        ) -> R] |f| {
            let mut found = mptcpscan_findings::default();
            assert_eq!(f(std::ptr::null_mut(), std::ptr::null(), &mut found), R::NullParameter);
        }
        mptcpscan_tracker_free: [extern "C" fn(*mut mptcpscan_tracker)] |f| {
            f(std::ptr::null_mut());
        }
        mptcpscan_tracker_new_with_records: [extern "C" fn(*mut *mut mptcpscan_tracker) -> R] |f| {
            assert_eq!(f(std::ptr::null_mut()), R::NullParameter);
        }
        mptcpscan_tracker_finish: [extern "C" fn(*mut mptcpscan_tracker) -> R] |f| {
            assert_eq!(f(std::ptr::null_mut()), R::NullParameter);
        }
        mptcpscan_tracker_connection_count: [extern "C" fn(*mut mptcpscan_tracker, *mut usize) -> R] |f| {
            let mut count = 0;
            assert_eq!(f(std::ptr::null_mut(), &mut count), R::NullParameter);
        }
        mptcpscan_tracker_connection: [extern "C" fn(
            *const mptcpscan_tracker,
            usize,
            *mut mptcpscan_connection,
        ) -> R] |f| {
            let mut c = mptcpscan_connection::default();
            assert_eq!(f(std::ptr::null(), 0, &mut c), R::NullParameter);
        }
        mptcpscan_tracker_subflow: [extern "C" fn(
            *const mptcpscan_tracker,
            usize,
            usize,
            *mut mptcpscan_subflow,
        ) -> R] |f| {
            let mut s = mptcpscan_subflow::default();
            assert_eq!(f(std::ptr::null(), 0, 0, &mut s), R::NullParameter);
        }
        mptcpscan_connection_ending_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(1, &mut name), R::Ok);
            assert_eq!(cstr(name), c"data_fin_one_way");
            assert_eq!(f(7, &mut name), R::InvalidArgument);
        }
        mptcpscan_subflow_ending_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(2, &mut name), R::Ok);
            assert_eq!(cstr(name), c"mp_tcprst");
            assert_eq!(f(4, &mut name), R::InvalidArgument);
        }
        mptcpscan_subflow_state_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(1, &mut name), R::Ok);
            assert_eq!(cstr(name), c"failed");
            assert_eq!(f(4, &mut name), R::InvalidArgument);
        }
        mptcpscan_fail_reason_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(3, &mut name), R::Ok);
            assert_eq!(cstr(name), c"no MP_JOIN in SYN-ACK");
            assert_eq!(f(5, &mut name), R::InvalidArgument);
        }
        mptcpscan_check_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(mptcpscan_check::SpansSegments as u32, &mut name), R::Ok);
            assert_eq!(cstr(name), c"spans-segments");
            assert_eq!(f(0, &mut name), R::InvalidArgument);
        }
        mptcpscan_unverifiable_name: [extern "C" fn(u32, *mut *const c_char) -> R] |f| {
            let mut name = std::ptr::null();
            assert_eq!(f(mptcpscan_unverifiable::BrokenSpan as u32, &mut name), R::Ok);
            assert_eq!(cstr(name), c"gap in a mapping over several segments");
        }
        mptcpscan_scope_describe: [extern "C" fn(u32, *mut *const c_char, *mut bool) -> R] |f| {
            let (mut name, mut leak) = (std::ptr::null(), false);
            assert_eq!(f(mptcpscan_scope::SixToFour as u32, &mut name, &mut leak), R::Ok);
            assert_eq!((cstr(name), leak), (c"6to4", false));
            assert_eq!(f(99, &mut name, &mut leak), R::InvalidArgument);
        }
    }
}

#[test]
fn the_library_exports_exactly_the_header_and_every_function_answers() {
    let path = library_path();
    assert!(
        path.exists(),
        "{} not built (cargo builds it with the capi crate; make capi for release)",
        path.display()
    );
    let declared = header_functions();
    let exported = exported_functions(&path);
    let missing: Vec<_> = declared.difference(&exported).collect();
    let undeclared: Vec<_> = exported.difference(&declared).collect();
    assert!(missing.is_empty(), "declared but not exported: {missing:?}");
    assert!(
        undeclared.is_empty(),
        "exported but not declared: {undeclared:?}"
    );

    let calls = calls();
    let called: BTreeSet<String> = calls.iter().map(|(name, _)| name.to_string()).collect();
    assert_eq!(
        called, declared,
        "this test must call every declared function"
    );

    // SAFETY: loading our own library runs no initialisers beyond Rust's std ones.
    let library = unsafe { Library::new(&path) }.expect("dlopen libmptcpscan");
    for (_, call) in &calls {
        call(&library);
    }
    // A template's whole life through the loaded library, with real signatures.
    type New = extern "C" fn(u32, *const mptcpscan_probe_spec, *mut Template) -> R;
    type Prepare = extern "C" fn(*const mptcpscan_syn_template, *mut u8, usize, *mut usize) -> R;
    type Free = extern "C" fn(Template);
    // SAFETY: the types are the header's signatures for these symbols.
    let (new, prepare, free) = unsafe {
        (
            library.get::<New>(b"mptcpscan_syn_template_new\0").unwrap(),
            library
                .get::<Prepare>(b"mptcpscan_syn_template_prepare\0")
                .unwrap(),
            library
                .get::<Free>(b"mptcpscan_syn_template_free\0")
                .unwrap(),
        )
    };
    let mut spec: mptcpscan_probe_spec = zeroed();
    (spec.version, spec.companions) = (1, 3);
    let mut template = std::ptr::null_mut();
    assert_eq!(new(4, &spec, &mut template), R::Ok);
    let (mut buf, mut len) = ([0u8; 80], 0);
    assert_eq!(prepare(template, buf.as_mut_ptr(), 80, &mut len), R::Ok);
    assert_eq!((len, &buf[40..44]), (44, &[0x1e, 4, 1, 1][..]));
    free(template);
}
