//! The MP_JOIN handshake HMACs (RFC 8684 §3.2, RFC 6824 §3.2).
//!
//! A host that opens a new subflow (the *initiator*) sends a SYN with MP_JOIN carrying the token
//! of the other host (the *listener*) and a random nonce. The listener answers with its own nonce
//! and the leftmost 64 bits of `HMAC(key_listener ‖ key_initiator, nonce_listener ‖
//! nonce_initiator)`; the initiator's third ACK carries the leftmost 160 bits of
//! `HMAC(key_initiator ‖ key_listener, nonce_initiator ‖ nonce_listener)`. The keys are the ones
//! both hosts announced in the first subflow's MP_CAPABLE.
//!
//! [`JoinHandshake`] names each of the four numbers by its role, so that a caller cannot swap
//! sender and receiver without it showing.
//!
//! ```
//! use mptcpscan::crypto::JoinHandshake;
//! use mptcpscan::mptcp::Version;
//!
//! // A v0 subflow from tcpdump's mptcp-v0.pcap: keys from the first subflow's MP_CAPABLE,
//! // nonces from the MP_JOIN SYN and SYN-ACK.
//! let join = JoinHandshake {
//!     initiator_key: 0x9c9e_abd1_e46a_33b2,
//!     listener_key: 0x967d_2770_b696_0552,
//!     initiator_nonce: 0x1b66_5a18,
//!     listener_nonce: 0x33ab_e9d5,
//! };
//! assert_eq!(join.expected_token(Version::V0), 0xe47f_0142);
//! assert!(join.verify_syn_ack(Version::V0, 0x5ab6_80c7_884a_f03d));
//! assert_eq!(join.ack_hmac(Version::V0)[..4], [0xcb, 0x7b, 0x87, 0xf5]);
//! ```

use super::key::token;
use super::mac::{HmacKeys, MacOutput};
use crate::mptcp::Version;

/// Everything the two MP_JOIN HMACs of one subflow depend on, named by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JoinHandshake {
    /// The key of the host that sends the MP_JOIN SYN, as announced in its MP_CAPABLE.
    pub initiator_key: u64,
    /// The key of the host that receives the MP_JOIN SYN.
    pub listener_key: u64,
    /// The nonce in the MP_JOIN SYN.
    pub initiator_nonce: u32,
    /// The nonce in the MP_JOIN SYN-ACK.
    pub listener_nonce: u32,
}

/// A full MP_JOIN HMAC: 20 bytes (HMAC-SHA1, v0) or 32 bytes (HMAC-SHA256, v1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JoinHmac(MacOutput);

impl JoinHmac {
    /// The whole HMAC (20 or 32 bytes).
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The leftmost 64 bits, as the MP_JOIN SYN-ACK carries them.
    pub fn truncated_64(&self) -> u64 {
        self.0.leftmost_u64()
    }

    /// The leftmost 160 bits, as the MP_JOIN third ACK carries them.
    pub fn truncated_160(&self) -> [u8; 20] {
        self.0.leftmost_160()
    }
}

impl JoinHandshake {
    /// The token the MP_JOIN SYN must carry: the listener's token.
    pub fn expected_token(&self, version: Version) -> u32 {
        token(version, self.listener_key)
    }

    /// The full HMAC the listener computes (its key and nonce first).
    pub fn listener_hmac(&self, version: Version) -> JoinHmac {
        let keys = HmacKeys {
            sender: self.listener_key,
            receiver: self.initiator_key,
        };
        let nonces = nonce_pair(self.listener_nonce, self.initiator_nonce);
        JoinHmac(MacOutput::compute(version, keys, &[&nonces]))
    }

    /// The full HMAC the initiator computes (its key and nonce first).
    pub fn initiator_hmac(&self, version: Version) -> JoinHmac {
        let keys = HmacKeys {
            sender: self.initiator_key,
            receiver: self.listener_key,
        };
        let nonces = nonce_pair(self.initiator_nonce, self.listener_nonce);
        JoinHmac(MacOutput::compute(version, keys, &[&nonces]))
    }

    /// The 64-bit truncated HMAC the MP_JOIN SYN-ACK must carry.
    pub fn syn_ack_hmac(&self, version: Version) -> u64 {
        self.listener_hmac(version).truncated_64()
    }

    /// The 160-bit HMAC the MP_JOIN third ACK must carry.
    pub fn ack_hmac(&self, version: Version) -> [u8; 20] {
        self.initiator_hmac(version).truncated_160()
    }

    /// Whether `hmac`, read from an MP_JOIN SYN-ACK, is the listener's.
    pub fn verify_syn_ack(&self, version: Version, hmac: u64) -> bool {
        self.syn_ack_hmac(version) == hmac
    }

    /// Whether `hmac`, read from an MP_JOIN third ACK, is the initiator's.
    pub fn verify_ack(&self, version: Version, hmac: &[u8; 20]) -> bool {
        self.ack_hmac(version) == *hmac
    }
}

fn nonce_pair(first: u32, second: u32) -> [u8; 8] {
    (u64::from(first) << 32 | u64::from(second)).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Linux kernel's MPTCP crypto self-test (`net/mptcp/crypto_test.c`): 16-character key
    /// and 8-character message strings whose ASCII bytes are the two big-endian keys and the two
    /// big-endian nonces, and the full HMAC-SHA256.
    const KERNEL_VECTORS: [(&[u8; 16], &[u8; 8], &str); 3] = [
        (
            b"0b0b0b0b0b0b0b0b",
            b"48692054",
            "8385e24fb4235ac37556b6b886db106284a1da671699f46db1f235ec622dcafa",
        ),
        (
            b"aaaaaaaaaaaaaaaa",
            b"dddddddd",
            "2c5e219164ff1dca1c4a92318d847bb6b9d44492984e1eb71aff9022f71046e9",
        ),
        (
            b"0102030405060708",
            b"cdcdcdcd",
            "e73b9ba9969969cefb04aa0d6df18ec2fcc075b6f23b4d8c4da736a5dbbc6e7d",
        ),
    ];

    fn be64(bytes: &[u8]) -> u64 {
        u64::from_be_bytes(bytes.try_into().unwrap())
    }

    fn be32(bytes: &[u8]) -> u32 {
        u32::from_be_bytes(bytes.try_into().unwrap())
    }

    fn hex(bytes: &[u8]) -> std::string::String {
        use std::fmt::Write;
        bytes.iter().fold(std::string::String::new(), |mut s, b| {
            write!(s, "{b:02x}").unwrap();
            s
        })
    }

    #[test]
    fn kernel_self_test_vectors() {
        for (key, msg, expected) in KERNEL_VECTORS {
            // The kernel's first key and nonce are the HMAC sender's: the initiator's here.
            let join = JoinHandshake {
                initiator_key: be64(&key[..8]),
                listener_key: be64(&key[8..]),
                initiator_nonce: be32(&msg[..4]),
                listener_nonce: be32(&msg[4..]),
            };
            let hmac = join.initiator_hmac(Version::V1);
            assert_eq!(hex(hmac.as_bytes()), expected);
            assert_eq!(hex(&join.ack_hmac(Version::V1)), expected[..40]);
            assert!(join.verify_ack(Version::V1, &join.ack_hmac(Version::V1)));
        }
    }

    /// mptcp-v0.pcap (tcpdump's tests), packets 1–3 and 8–10: a v0 subflow joined by the client.
    const V0_JOIN: JoinHandshake = JoinHandshake {
        initiator_key: 0x9c9e_abd1_e46a_33b2,
        listener_key: 0x967d_2770_b696_0552,
        initiator_nonce: 0x1b66_5a18,
        listener_nonce: 0x33ab_e9d5,
    };

    #[test]
    fn v0_capture_join() {
        assert_eq!(V0_JOIN.expected_token(Version::V0), 0xe47f_0142);
        assert_eq!(V0_JOIN.syn_ack_hmac(Version::V0), 0x5ab6_80c7_884a_f03d);
        assert_eq!(
            hex(&V0_JOIN.ack_hmac(Version::V0)),
            "cb7b87f5e5f0502f43b535fb70ef6607df2e6c7a"
        );
        assert!(V0_JOIN.verify_syn_ack(Version::V0, 0x5ab6_80c7_884a_f03d));
        assert_eq!(V0_JOIN.listener_hmac(Version::V0).as_bytes().len(), 20);
    }

    #[test]
    fn swapped_roles_do_not_verify() {
        let swapped = JoinHandshake {
            initiator_key: V0_JOIN.listener_key,
            listener_key: V0_JOIN.initiator_key,
            ..V0_JOIN
        };
        assert!(!swapped.verify_syn_ack(Version::V0, 0x5ab6_80c7_884a_f03d));
        assert!(!V0_JOIN.verify_syn_ack(Version::V1, 0x5ab6_80c7_884a_f03d));
    }

    #[test]
    fn computed_hmacs_verify_and_flipped_bits_do_not() {
        fn prop(keys: (u64, u64), nonces: (u32, u32), bit: u8) -> bool {
            let join = JoinHandshake {
                initiator_key: keys.0,
                listener_key: keys.1,
                initiator_nonce: nonces.0,
                listener_nonce: nonces.1,
            };
            [Version::V0, Version::V1].iter().all(|&v| {
                let syn_ack = join.syn_ack_hmac(v);
                let mut ack = join.ack_hmac(v);
                let ok = join.verify_syn_ack(v, syn_ack) && join.verify_ack(v, &ack);
                let flipped_syn_ack = !join.verify_syn_ack(v, syn_ack ^ 1 << (bit % 64));
                ack[usize::from(bit) % 20] ^= 1 << (bit % 8);
                ok && flipped_syn_ack && !join.verify_ack(v, &ack)
            })
        }
        quickcheck::quickcheck(prop as fn((u64, u64), (u32, u32), u8) -> bool);
    }
}
