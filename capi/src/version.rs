//! Library and ABI versions.
//!
//! The ABI version is `major.minor`: a minor bump only adds functions, result codes or enum
//! values; a major bump breaks something and changes the SONAME (`libmptcpscan.so.<major>`, set in
//! `build.rs` from the crate's major version, which must equal [`MPTCPSCAN_ABI_MAJOR`]).

use core::ffi::c_char;

/// The ABI major version this header describes: the shared library's SONAME is
/// `libmptcpscan.so.<major>`.
pub const MPTCPSCAN_ABI_MAJOR: u32 = 0;

/// The ABI minor version this header describes (functions and codes added compatibly).
pub const MPTCPSCAN_ABI_MINOR: u32 = 3;

/// Returns the library's version as a static NUL-terminated string such as "0.1.0".
///
/// Reads nothing. The string lives as long as the library is loaded and must not be freed.
/// Never fails.
#[no_mangle]
pub extern "C" fn mptcpscan_version() -> *const c_char {
    const VERSION: &core::ffi::CStr = match core::ffi::CStr::from_bytes_with_nul(
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
    ) {
        Ok(v) => v,
        Err(_) => c"unknown",
    };
    crate::ffi::guard_value(VERSION.as_ptr(), || VERSION.as_ptr())
}

/// Returns the ABI version of the loaded library as `(major << 16) | minor`.
///
/// A host compiled against this header should check at start-up that
/// `mptcpscan_abi_version() >> 16 == MPTCPSCAN_ABI_MAJOR` and
/// `(mptcpscan_abi_version() & 0xffff) >= MPTCPSCAN_ABI_MINOR`. Reads nothing; never fails.
#[no_mangle]
pub extern "C" fn mptcpscan_abi_version() -> u32 {
    crate::ffi::guard_value(0, || (MPTCPSCAN_ABI_MAJOR << 16) | MPTCPSCAN_ABI_MINOR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn abi_major_is_the_crate_major_that_names_the_soname() {
        assert_eq!(
            MPTCPSCAN_ABI_MAJOR.to_string(),
            env!("CARGO_PKG_VERSION_MAJOR")
        );
        assert_eq!(mptcpscan_abi_version() >> 16, MPTCPSCAN_ABI_MAJOR);
        assert_eq!(mptcpscan_abi_version() & 0xffff, MPTCPSCAN_ABI_MINOR);
        // SAFETY: a static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(mptcpscan_version()) };
        assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
