//! No C glue holds a copy of a name table: every name the ZMap module, the tshark plugin and the
//! Lua module print comes from the library (`mptcpscan_*_name`, `mptcpscan_signals_format`).
//!
//! The test asks the library for every name it hands out, then reads the glue's C sources and
//! fails on any string literal that spells one of them: such a literal is a name decided twice.

use std::collections::BTreeSet;
use std::ffi::{c_char, CStr};
use std::path::Path;

use mptcpscan_capi::mptcpscan_result;

type NameOf = extern "C" fn(u32, *mut *const c_char) -> mptcpscan_result;

/// The glue's sources, relative to the repository.
const GLUE: [&str; 3] = [
    "zmap-module/module_mptcp_synscan.c",
    "tshark-plugin/packet-mptcpscan.c",
    "tracebox-ext/mptcpscan_lua.c",
];

/// Literals that spell a library name but are not a copy of one of its tables.
const NOT_OURS: [(&str, &str); 6] = [
    // ZMap's own `classification` values (its tcp_synscan module's), not our responder names.
    ("zmap-module/module_mptcp_synscan.c", "synack"),
    ("zmap-module/module_mptcp_synscan.c", "rst"),
    ("zmap-module/module_mptcp_synscan.c", "icmp"),
    // Shown only when the library refuses a value it did not give.
    ("tshark-plugin/packet-mptcpscan.c", "unknown"),
    // Expert-info titles, which Wireshark takes as static strings at registration.
    ("tshark-plugin/packet-mptcpscan.c", "MP_FAIL"),
    ("tshark-plugin/packet-mptcpscan.c", "MP_TCPRST"),
];

fn library_names() -> BTreeSet<String> {
    let tables: [NameOf; 11] = [
        mptcpscan_capi::classify::mptcpscan_verdict_name,
        mptcpscan_capi::classify::mptcpscan_host_verdict_name,
        mptcpscan_capi::mptcp::mptcpscan_mptcp_subtype_name,
        mptcpscan_capi::probe::mptcpscan_companions_name,
        mptcpscan_capi::quote::mptcpscan_mptcp_hop_kind_name,
        mptcpscan_capi::quote::mptcpscan_reach_name,
        mptcpscan_capi::trace::mptcpscan_trace_outcome_name,
        mptcpscan_capi::trace::mptcpscan_trace_responder_name,
        mptcpscan_capi::trace::mptcpscan_trace_interference_name,
        mptcpscan_capi::track::mptcpscan_check_name,
        mptcpscan_capi::track::mptcpscan_unverifiable_name,
    ];
    let mut names = BTreeSet::new();
    for name_of in tables {
        for value in 0..=255 {
            let mut name = std::ptr::null();
            if name_of(value, &mut name) == mptcpscan_result::Ok {
                // SAFETY: the library returns static NUL-terminated strings.
                let text = unsafe { CStr::from_ptr(name) }.to_str().unwrap();
                names.insert(text.to_string());
            }
        }
    }
    let mut buf = [0 as c_char; 1024];
    let mut len = 0;
    assert_eq!(
        mptcpscan_capi::classify::mptcpscan_signals_format(
            u32::MAX,
            buf.as_mut_ptr(),
            1024,
            &mut len
        ),
        mptcpscan_result::Ok
    );
    // SAFETY: written NUL-terminated on success.
    let all = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
    names.extend(all.split(',').map(str::to_string));
    names.remove("");
    names
}

/// The string literals of C source `text`, comments skipped (escapes kept as written).
fn literals(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |e| i + 2 + e + 2);
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |e| i + e);
            }
            b'\'' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                out.push(text[start..i.min(bytes.len())].to_string());
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

#[test]
fn no_glue_source_spells_a_library_name() {
    let names = library_names();
    // Enough names that the check means something: verdicts, outcomes, hop kinds, signals, ...
    assert!(names.len() > 60, "{} names", names.len());
    for needle in [
        "mptcp-v1",
        "truly-mptcp",
        "replaced-by-nops",
        "key-echoed",
        "linux",
    ] {
        assert!(names.contains(needle), "{needle}");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut copies = Vec::new();
    for file in GLUE {
        let text = std::fs::read_to_string(root.join(file)).expect(file);
        for literal in literals(&text) {
            if names.contains(&literal) && !NOT_OURS.contains(&(file, literal.as_str())) {
                copies.push(format!("{file}: \"{literal}\""));
            }
        }
    }
    assert!(
        copies.is_empty(),
        "names the library owns, copied into C: {copies:#?}"
    );
}

#[test]
fn literals_are_found_outside_comments() {
    let c = "/* \"no\" */ a = \"yes\"; // \"no\"\n b = '\"'; c = \"x\\\"y\";";
    assert_eq!(literals(c), ["yes", "x\\\"y"]);
}
