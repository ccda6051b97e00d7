//! `libmptcpscan.a` and `libmptcpscan.so`: every `extern "C"` function of the `mptcpscan-capi`
//! crate, linked in whole. That crate stays an rlib so that its tests and benchmarks can call it
//! from Rust; this one exists to give the C libraries their name.

extern crate mptcpscan_capi;
