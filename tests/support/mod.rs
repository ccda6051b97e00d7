//! Test support shared by the integration tests that read the shared captures.
//!
//! Each test crate that says `mod support;` compiles this module on its own and uses only part
//! of it, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod pcap;
