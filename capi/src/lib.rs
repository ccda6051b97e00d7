//! # libmptcpscan: the C ABI of the mptcpscan core
//!
//! ZMap, Wireshark, tracebox and any other C host reach the core only through the functions here,
//! declared in `include/mptcpscan.h` (generated from this crate by cbindgen). The conventions are
//! those of rustls-ffi, so that a malformed packet or a careless caller cannot crash the host:
//!
//! * every exported function runs inside a panic boundary ([`ffi::guard`]) and returns one
//!   [`mptcpscan_result`] (the few that cannot fail return their value directly);
//! * NULL pointers and short buffers are error codes, never undefined behaviour;
//! * inputs come first and outputs last, and outputs are written only on success;
//! * per-packet paths write into caller buffers and never allocate;
//! * enums cross the boundary as integers and out-of-range values are rejected.
//!
//! The core forbids `unsafe` (`#![forbid(unsafe_code)]`). This crate needs it to read and write
//! through C pointers, and each block here says why it is sound; the only other `unsafe` of the
//! project is the driver's system calls (`driver/src/net`, `lab`, `fetch`).
// The exported names are C's (`mptcpscan_tcp_option`, not `MptcpscanTcpOption`).
#![allow(non_camel_case_types)]
// Exports take raw pointers from C, where nothing is `unsafe`: marking them `unsafe fn` would tell
// C callers nothing. Each documents what its pointers must point to, and `ffi` checks NULL and
// alignment before any dereference.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

pub mod address;
pub mod classify;
pub mod crypto;
pub mod error;
mod ffi;
pub mod mptcp;
mod names;
pub mod options;
pub mod probe;
pub mod quote;
pub mod records;
pub mod scope;
pub mod stats;
mod text;
pub mod trace;
pub mod track;
pub mod version;

pub use error::mptcpscan_result;
