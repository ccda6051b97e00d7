//! The keyed hashes every MPTCP HMAC is built on: HMAC-SHA1 (v0) and HMAC-SHA256 (v1) keyed with
//! two 64-bit keys.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

use crate::mptcp::Version;

/// The two connection keys that key an HMAC, named by who sends the HMAC.
///
/// MPTCP keys every HMAC with the sender's key first (RFC 8684 §3.2 and §3.4.1): the names make
/// a swapped call visible at the call site instead of silently producing a wrong HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HmacKeys {
    /// The key announced (in MP_CAPABLE) by the host that sends the HMAC.
    pub sender: u64,
    /// The key announced by the host that receives the HMAC.
    pub receiver: u64,
}

impl HmacKeys {
    /// The same two keys seen from the other host.
    pub const fn reversed(self) -> HmacKeys {
        HmacKeys {
            sender: self.receiver,
            receiver: self.sender,
        }
    }

    /// The HMAC key as both SHA-1 and SHA-256 want it: `sender ‖ receiver` (big-endian),
    /// zero-padded to the 64-byte block, which is what HMAC does with a short key anyway.
    fn block(self) -> [u8; 64] {
        let mut block = [0; 64];
        let (sender, rest) = block.split_at_mut(8);
        sender.copy_from_slice(&self.sender.to_be_bytes());
        if let Some(receiver) = rest.get_mut(..8) {
            receiver.copy_from_slice(&self.receiver.to_be_bytes());
        }
        block
    }
}

/// A full HMAC: 20 bytes (HMAC-SHA1, v0) or 32 bytes (HMAC-SHA256, v1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct MacOutput {
    bytes: [u8; 32],
    version: Version,
}

impl MacOutput {
    /// Computes the HMAC of the concatenation of `parts`.
    pub(crate) fn compute(version: Version, keys: HmacKeys, parts: &[&[u8]]) -> MacOutput {
        let key = keys.block().into();
        let mut bytes = [0; 32];
        match version {
            Version::V0 => {
                let mut mac = Hmac::<Sha1>::new(&key);
                for part in parts {
                    mac.update(part);
                }
                let out: [u8; 20] = mac.finalize().into_bytes().into();
                let (head, _) = bytes.split_at_mut(20);
                head.copy_from_slice(&out);
            }
            Version::V1 => {
                let mut mac = Hmac::<Sha256>::new(&key);
                for part in parts {
                    mac.update(part);
                }
                bytes = mac.finalize().into_bytes().into();
            }
        }
        MacOutput { bytes, version }
    }

    /// The whole HMAC.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        let len = match self.version {
            Version::V0 => 20,
            Version::V1 => 32,
        };
        let (out, _) = self.bytes.split_at(len);
        out
    }

    /// The leftmost 64 bits, as a big-endian number.
    pub(crate) fn leftmost_u64(&self) -> u64 {
        let mut word = [0; 8];
        word.copy_from_slice(self.bytes.split_at(8).0);
        u64::from_be_bytes(word)
    }

    /// The rightmost 64 bits, as a big-endian number.
    pub(crate) fn rightmost_u64(&self) -> u64 {
        let bytes = self.as_bytes();
        let (_, tail) = bytes.split_at(bytes.len() - 8);
        let mut word = [0; 8];
        word.copy_from_slice(tail);
        u64::from_be_bytes(word)
    }

    /// The leftmost 160 bits (all of an HMAC-SHA1).
    pub(crate) fn leftmost_160(&self) -> [u8; 20] {
        let mut out = [0; 20];
        out.copy_from_slice(self.bytes.split_at(20).0);
        out
    }
}

/// Hashes `data` with the version's hash into `out`, returning the digest's length.
pub(crate) fn digest(version: Version, data: &[u8], out: &mut [u8; 32]) -> usize {
    use sha2::Digest;
    match version {
        Version::V0 => {
            let hash: [u8; 20] = Sha1::digest(data).into();
            out.split_at_mut(20).0.copy_from_slice(&hash);
            20
        }
        Version::V1 => {
            *out = Sha256::digest(data).into();
            32
        }
    }
}
