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
use mptcpscan::mptcpscan_result as R;
use mptcpscan::options::mptcpscan_tcp_option;

fn library_path() -> PathBuf {
    if let Some(path) = std::env::var_os("MPTCPSCAN_SO") {
        return PathBuf::from(path);
    }
    // target/<profile>/deps/symbols-<hash> → target/<profile>/libmptcpscan.so
    let exe = std::env::current_exe().expect("test executable path");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    profile.join("libmptcpscan.so")
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

/// One call per exported function, with the function's real signature.
fn calls() -> Vec<(&'static str, Call)> {
    vec![
        ("mptcpscan_abi_version", |lib| {
            // SAFETY: the header declares `uint32_t mptcpscan_abi_version(void)`.
            let f: Symbol<extern "C" fn() -> u32> =
                unsafe { lib.get(b"mptcpscan_abi_version") }.unwrap();
            assert_eq!(f() >> 16, mptcpscan::version::MPTCPSCAN_ABI_MAJOR);
        }),
        ("mptcpscan_version", |lib| {
            // SAFETY: the header declares `const char *mptcpscan_version(void)`.
            let f: Symbol<extern "C" fn() -> *const c_char> =
                unsafe { lib.get(b"mptcpscan_version") }.unwrap();
            // SAFETY: the result is a static NUL-terminated string.
            let version = unsafe { CStr::from_ptr(f()) };
            assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        }),
        ("mptcpscan_strerror", |lib| {
            // SAFETY: the header declares `const char *mptcpscan_strerror(uint32_t)`.
            let f: Symbol<extern "C" fn(u32) -> *const c_char> =
                unsafe { lib.get(b"mptcpscan_strerror") }.unwrap();
            // SAFETY: the result is a static NUL-terminated string.
            let text = unsafe { CStr::from_ptr(f(R::NullParameter as u32)) };
            assert_eq!(text, c"a required pointer argument is NULL");
        }),
        ("mptcpscan_option_next", |lib| {
            type F = extern "C" fn(*const u8, usize, usize, *mut mptcpscan_tcp_option) -> R;
            // SAFETY: the signature is the header's.
            let f: Symbol<F> = unsafe { lib.get(b"mptcpscan_option_next") }.unwrap();
            let mut option = mptcpscan_tcp_option::default();
            assert_eq!(f([2, 4, 5, 0xb4].as_ptr(), 4, 0, &mut option), R::Ok);
            assert_eq!((option.kind, option.mss), (2, 1460));
            assert_eq!(f(std::ptr::null(), 4, 0, &mut option), R::NullParameter);
        }),
        ("mptcpscan_options_walk", |lib| {
            type F =
                extern "C" fn(*const u8, usize, *mut mptcpscan_tcp_option, usize, *mut usize) -> R;
            // SAFETY: the signature is the header's.
            let f: Symbol<F> = unsafe { lib.get(b"mptcpscan_options_walk") }.unwrap();
            let mut options = [mptcpscan_tcp_option::default(); 4];
            let mut count = 0;
            assert_eq!(
                f(
                    [1, 1, 0x1e, 4, 1, 1].as_ptr(),
                    6,
                    options.as_mut_ptr(),
                    4,
                    &mut count
                ),
                R::Ok
            );
            assert_eq!(count, 3);
            assert_eq!(options[2].kind, 30);
        }),
        ("mptcpscan_options_find_mptcp", |lib| {
            type F = extern "C" fn(*const u8, usize, *mut usize, *mut usize) -> R;
            // SAFETY: the signature is the header's.
            let f: Symbol<F> = unsafe { lib.get(b"mptcpscan_options_find_mptcp") }.unwrap();
            let (mut at, mut len) = (0, 0);
            assert_eq!(
                f([1, 1, 0x1e, 4, 1, 1].as_ptr(), 6, &mut at, &mut len),
                R::Ok
            );
            assert_eq!((at, len), (2, 4));
        }),
    ]
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
}
