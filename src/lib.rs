//! # mptcpscan core
//!
//! Everything mptcpscan knows about Multipath TCP on the wire, with no operating system underneath:
//!
//! * [`options`]: the TCP option walk (every kind, unknown kinds kept, malformed lengths reported);
//! * [`mptcp`]: MPTCP v0 (RFC 6824) and v1 (RFC 8684) options, one file per subtype;
//! * [`crypto`]: keys → token and IDSN, MP_JOIN and ADD_ADDR HMACs, the DSS checksum;
//! * [`wire`]: IPv4, IPv6, TCP and ICMP header views and checksums;
//! * [`probe`]: SYN option blocks and whole SYN packets built from a template;
//! * [`classify`]: reply verdicts with mirror detection, and [`stats`] over a population of keys;
//! * [`quote`]: tracebox-style diffs of a sent packet against its ICMP quote, and [`trace`]:
//!   what a whole trace concludes;
//! * [`optionstext`]: the one text form of a reply's options every tool prints;
//! * [`scope`]: what kind of address an ADD_ADDR leaks;
//! * [`sockinfo`]: Linux's `struct mptcp_info`, and whether a kernel MPTCP connection fell back;
//! * [`track`] (feature `alloc`): MPTCP connection tracking over a capture, every check per segment.
//!
//! The crate is `#![no_std]`, has no `unsafe`, allocates nothing outside [`track`], and never panics
//! on any input: every parser returns a typed error that says where and what went wrong.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
// Tests use std (quickcheck, Vec) even when the crate is built without the `std` feature.
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod classify;
pub mod crypto;
pub mod mptcp;
pub mod options;
pub mod optionstext;
pub mod probe;
pub mod quote;
pub mod scope;
pub mod sockinfo;
pub mod stats;
pub mod trace;
#[cfg(feature = "alloc")]
pub mod track;
pub mod wire;
