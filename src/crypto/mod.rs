//! MPTCP cryptography: what a key derives to, the HMACs that authenticate new subflows and
//! advertised addresses, and the DSS checksum that protects data against middleboxes.
//!
//! * [`key`]: token and initial data sequence number (IDSN) from a 64-bit key;
//! * [`join`]: the MP_JOIN handshake HMACs (SYN-ACK: 64 bits, third ACK: 160 bits);
//! * [`add_addr`]: the v1 ADD_ADDR HMAC, with a verdict that recognises the pre-RFC truncation;
//! * [`dss`]: the DSS checksum over its pseudo-header and the mapped payload.
//!
//! Keys, nonces and addresses are the numbers carried by the options; every function takes care
//! of their big-endian encoding itself. Nothing here allocates or panics, and the hash choice
//! follows [`Version`](crate::mptcp::Version): SHA-1 for v0 (RFC 6824), SHA-256 for v1 (RFC 8684).
//!
//! ```
//! use mptcpscan::crypto::key;
//! use mptcpscan::mptcp::Version;
//!
//! // The SYN-ACK key of a real v1 server (tcpdump's mptcp-v1.pcap): its first data byte has
//! // the DSN IDSN + 1 = 11713449205243392242 in that capture.
//! let derived = key::derive(Version::V1, 0x29a6_c869_81ad_933c);
//! assert_eq!(derived.token, 0xa35d_6d82);
//! assert_eq!(derived.idsn + 1, 11_713_449_205_243_392_242);
//! ```

pub mod add_addr;
pub mod dss;
pub mod join;
pub mod key;
mod mac;

pub use add_addr::{add_addr_hmac, verify_add_addr_hmac, AddAddrHmacCheck};
pub use dss::{dss_checksum, expand_dsn, verify_dss_checksum, DssChecksum, DssPseudoHeader};
pub use join::{JoinHandshake, JoinHmac};
pub use key::{idsn, token, DerivedKey};
pub use mac::HmacKeys;
