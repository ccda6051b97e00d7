//! Gives the shared library a SONAME carrying the ABI major version (`libmptcpscan.so.0`), so that
//! a host linked against one major version never loads an incompatible one. The ABI major version
//! is the crate's major version; `version.rs` checks that its `MPTCPSCAN_ABI_MAJOR` agrees.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    if os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmptcpscan.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
