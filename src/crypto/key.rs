//! What a 64-bit MPTCP key derives to: the connection token and the initial data sequence number.
//!
//! Both come from one hash of the key in network byte order (RFC 8684 §3.1, RFC 6824 §3.1): the
//! token is the most significant 32 bits of the hash, the IDSN its least significant 64 bits.
//! v0 hashes with SHA-1, v1 with SHA-256. The token names the connection in MP_JOIN SYNs; the
//! first data byte a host sends has the DSN IDSN + 1.

use super::mac::digest;
use crate::mptcp::Version;

/// The token and IDSN of one key, from a single hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DerivedKey {
    /// The most significant 32 bits of the key's hash: the connection token.
    pub token: u32,
    /// The least significant 64 bits of the key's hash: the initial data sequence number.
    pub idsn: u64,
}

/// Derives the token and IDSN of `key` (the number carried in MP_CAPABLE) for `version`.
pub fn derive(version: Version, key: u64) -> DerivedKey {
    let mut hash = [0; 32];
    let len = digest(version, &key.to_be_bytes(), &mut hash);
    let (head, _) = hash.split_at(4);
    let (_, tail) = hash.split_at(len - 8);
    let mut token = [0; 4];
    token.copy_from_slice(head);
    let mut idsn = [0; 8];
    idsn.copy_from_slice(tail.split_at(8).0);
    DerivedKey {
        token: u32::from_be_bytes(token),
        idsn: u64::from_be_bytes(idsn),
    }
}

/// The connection token of `key`: the number an MP_JOIN SYN sent to the key's owner carries.
pub fn token(version: Version, key: u64) -> u32 {
    derive(version, key).token
}

/// The initial data sequence number of the data the key's owner sends.
pub fn idsn(version: Version, key: u64) -> u64 {
    derive(version, key).idsn
}

#[cfg(test)]
mod tests {
    use super::*;

    // Keys from real captures (tcpdump's tests); the tokens and IDSNs are those tshark 4.0 derives
    // (`mptcp.expected_token`, `mptcp.expected_idsn`), and the v0 token is also the one the
    // capture's MP_JOIN SYN carries.
    #[test]
    fn v1_key_from_mptcp_v1_pcap() {
        let d = derive(Version::V1, 0x29a6_c869_81ad_933c);
        assert_eq!(d.token, 2_740_809_090);
        assert_eq!(d.idsn, 11_713_449_205_243_392_241);
    }

    #[test]
    fn v0_key_from_mptcp_v0_pcap() {
        let d = derive(Version::V0, 0x967d_2770_b696_0552);
        assert_eq!(d.token, 0xe47f_0142);
        assert_eq!(d.idsn, 16_464_867_208_451_421_327);
    }

    #[test]
    fn token_and_idsn_agree_with_derive() {
        for key in [0, 1, u64::MAX, 0x0c0c_0c0c_0c0c_0c0c] {
            for version in [Version::V0, Version::V1] {
                let d = derive(version, key);
                assert_eq!(token(version, key), d.token);
                assert_eq!(idsn(version, key), d.idsn);
            }
        }
    }

    #[test]
    fn versions_hash_differently() {
        assert_ne!(derive(Version::V0, 1), derive(Version::V1, 1));
    }
}
