//! What Linux says about one of its own MPTCP sockets, and whether the connection stayed MPTCP.
//!
//! A client that opens `socket(AF_INET[6], SOCK_STREAM, IPPROTO_MPTCP)` gets a working connection
//! whether or not the server (or the path) speaks MPTCP: the kernel silently falls back to plain
//! TCP. Only `getsockopt(fd, SOL_MPTCP, MPTCP_INFO, ...)` tells the two apart: on a connection
//! that fell back it fails with `EOPNOTSUPP` (Linux ≥ 5.16), otherwise it fills `struct
//! mptcp_info` (`include/uapi/linux/mptcp.h`), whose flags carry a fallback bit too and whose
//! subflow counters say how many paths the connection used.
//!
//! The struct grew over kernel releases and the kernel copies at most the length the caller
//! asks for, so [`MptcpInfo::parse`] reads whatever prefix it is given: the fields every version
//! has (Linux 5.16), and the later ones when the kernel filled them.
//!
//! ```
//! use mptcpscan::sockinfo::{Connection, MptcpInfo};
//!
//! // Two subflows in all (the initial one and one more), the peer's key received.
//! let mut raw = [0u8; 96];
//! raw[0] = 1;
//! raw[8..12].copy_from_slice(&2u32.to_ne_bytes());
//! raw[80] = 2;
//! let info = MptcpInfo::parse(&raw).unwrap();
//! assert_eq!(info.subflows(), 2);
//! assert_eq!(Connection::of_mptcp_socket(Some(&info)), Connection::Mptcp);
//! // The kernel refused MPTCP_INFO: the connection is plain TCP underneath.
//! assert_eq!(Connection::of_mptcp_socket(None).name(), "fallback");
//! ```

use core::fmt;

/// Linux's protocol number for MPTCP sockets (`IPPROTO_MPTCP`).
pub const IPPROTO_MPTCP: i32 = 262;
/// The socket-option level of MPTCP (`SOL_MPTCP`).
pub const SOL_MPTCP: i32 = 284;
/// The option that returns `struct mptcp_info` (`MPTCP_INFO`).
pub const MPTCP_INFO: i32 = 1;
/// `mptcpi_flags`: the connection fell back to TCP.
pub const FLAG_FALLBACK: u32 = 1 << 0;
/// `mptcpi_flags`: the peer's key was received (the MPTCP handshake completed).
pub const FLAG_REMOTE_KEY_RECEIVED: u32 = 1 << 1;
/// The size of the whole struct in the newest layout this module knows (Linux 6.10): the length
/// to ask the kernel for.
pub const INFO_LEN: usize = 96;
/// The size of the first layout (Linux 5.16): the fewest bytes [`MptcpInfo::parse`] accepts.
pub const MIN_INFO_LEN: usize = 43;

/// Byte offsets in `struct mptcp_info` (natural alignment, as the kernel lays it out).
mod offset {
    pub const SUBFLOWS: usize = 0;
    pub const ADD_ADDR_SIGNAL: usize = 1;
    pub const ADD_ADDR_ACCEPTED: usize = 2;
    pub const SUBFLOWS_MAX: usize = 3;
    pub const FLAGS: usize = 8;
    pub const TOKEN: usize = 12;
    pub const CSUM_ENABLED: usize = 42;
    pub const BYTES_SENT: usize = 56;
    pub const BYTES_RECEIVED: usize = 64;
    pub const SUBFLOWS_TOTAL: usize = 80;
}

/// Why bytes are not a `struct mptcp_info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoError {
    /// Fewer bytes than the first layout of the struct.
    TooShort {
        /// Bytes given.
        len: usize,
    },
}

impl fmt::Display for InfoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InfoError::TooShort { len } => write!(
                f,
                "MPTCP_INFO returned {len} bytes, fewer than the {MIN_INFO_LEN} of struct mptcp_info"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for InfoError {}

/// The fields of `struct mptcp_info` that say what the connection became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MptcpInfo {
    /// `mptcpi_subflows`: subflows the path manager added besides the initial one.
    pub extra_subflows: u8,
    /// `mptcpi_add_addr_signal`: addresses this end announced.
    pub add_addr_signal: u8,
    /// `mptcpi_add_addr_accepted`: announced addresses of the peer this end accepted.
    pub add_addr_accepted: u8,
    /// `mptcpi_subflows_max`: the path manager's subflow limit.
    pub subflows_max: u8,
    /// `mptcpi_flags` ([`FLAG_FALLBACK`], [`FLAG_REMOTE_KEY_RECEIVED`]).
    pub flags: u32,
    /// `mptcpi_token`: the connection's local token.
    pub token: u32,
    /// `mptcpi_csum_enabled`: DSS checksums in use.
    pub csum_enabled: bool,
    /// `mptcpi_bytes_sent` (Linux ≥ 6.5).
    pub bytes_sent: Option<u64>,
    /// `mptcpi_bytes_received` (Linux ≥ 6.5).
    pub bytes_received: Option<u64>,
    /// `mptcpi_subflows_total`: every subflow, the initial one included if still open (Linux ≥
    /// 6.7).
    pub subflows_total: Option<u8>,
}

fn u32_at(raw: &[u8], at: usize) -> Option<u32> {
    let bytes = raw.get(at..at + 4)?;
    Some(u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn u64_at(raw: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = raw.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_ne_bytes(bytes))
}

impl MptcpInfo {
    /// Reads the struct from the bytes the kernel filled (in the host's byte order).
    pub fn parse(raw: &[u8]) -> Result<MptcpInfo, InfoError> {
        if raw.len() < MIN_INFO_LEN {
            return Err(InfoError::TooShort { len: raw.len() });
        }
        let byte = |at: usize| raw[at];
        Ok(MptcpInfo {
            extra_subflows: byte(offset::SUBFLOWS),
            add_addr_signal: byte(offset::ADD_ADDR_SIGNAL),
            add_addr_accepted: byte(offset::ADD_ADDR_ACCEPTED),
            subflows_max: byte(offset::SUBFLOWS_MAX),
            flags: u32_at(raw, offset::FLAGS).unwrap_or(0),
            token: u32_at(raw, offset::TOKEN).unwrap_or(0),
            csum_enabled: byte(offset::CSUM_ENABLED) != 0,
            bytes_sent: u64_at(raw, offset::BYTES_SENT),
            bytes_received: u64_at(raw, offset::BYTES_RECEIVED),
            subflows_total: raw.get(offset::SUBFLOWS_TOTAL).copied(),
        })
    }

    /// Whether the kernel marks the connection as fallen back to TCP.
    pub fn fell_back(&self) -> bool {
        self.flags & FLAG_FALLBACK != 0
    }

    /// Subflows of the connection: `mptcpi_subflows_total` where the kernel has it, otherwise the
    /// added subflows plus the initial one.
    pub fn subflows(&self) -> u8 {
        self.subflows_total
            .unwrap_or(self.extra_subflows.saturating_add(1))
    }
}

/// What a connection turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Connection {
    /// An MPTCP socket whose connection stayed MPTCP.
    Mptcp,
    /// An MPTCP socket whose connection fell back to plain TCP (the server, or a middlebox on
    /// the path, did not carry MPTCP through).
    Fallback,
    /// A plain TCP socket.
    Tcp,
}

impl Connection {
    /// What an MPTCP socket's connection is, from its `MPTCP_INFO`: `None` when the kernel
    /// refused the option (`EOPNOTSUPP`, which it answers on a connection that fell back).
    pub fn of_mptcp_socket(info: Option<&MptcpInfo>) -> Connection {
        match info {
            Some(info) if !info.fell_back() => Connection::Mptcp,
            _ => Connection::Fallback,
        }
    }

    /// The name in results files.
    pub fn name(self) -> &'static str {
        match self {
            Connection::Mptcp => "mptcp",
            Connection::Fallback => "fallback",
            Connection::Tcp => "tcp",
        }
    }

    /// The connection named `name` (the inverse of [`Connection::name`]).
    pub fn from_name(name: &str) -> Option<Connection> {
        [Connection::Mptcp, Connection::Fallback, Connection::Tcp]
            .into_iter()
            .find(|c| c.name() == name)
    }
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `getsockopt(SOL_MPTCP, MPTCP_INFO)` on Linux 6.18 (x86_64), read from a client socket in
    /// the lab's two-path host after a 4 MiB download (first 16 bytes, token zeroed; byte 80 is
    /// `mptcpi_subflows_total` = 2): one subflow added by the in-kernel path manager after the
    /// server's ADD_ADDR, two in all, the peer's key received.
    const LINUX_6_18_TWO_SUBFLOWS: [u8; 16] = [1, 0, 1, 2, 0, 2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];

    fn raw(prefix: &[u8], len: usize) -> [u8; INFO_LEN] {
        let mut out = [0u8; INFO_LEN];
        out[..prefix.len()].copy_from_slice(prefix);
        if len > offset::SUBFLOWS_TOTAL {
            out[offset::SUBFLOWS_TOTAL] = 2;
        }
        out
    }

    #[test]
    fn two_subflows_stay_mptcp() {
        let bytes = raw(&LINUX_6_18_TWO_SUBFLOWS, INFO_LEN);
        let info = MptcpInfo::parse(&bytes).unwrap();
        assert_eq!(info.extra_subflows, 1);
        assert_eq!(info.add_addr_accepted, 1);
        assert_eq!(info.subflows_max, 2);
        assert_eq!(info.subflows(), 2);
        assert!(!info.fell_back());
        assert_eq!(info.flags, FLAG_REMOTE_KEY_RECEIVED);
        assert_eq!(Connection::of_mptcp_socket(Some(&info)), Connection::Mptcp);
    }

    #[test]
    fn older_layouts_count_the_initial_subflow() {
        let bytes = raw(&LINUX_6_18_TWO_SUBFLOWS, MIN_INFO_LEN);
        let info = MptcpInfo::parse(&bytes[..MIN_INFO_LEN]).unwrap();
        assert_eq!(info.subflows_total, None);
        assert_eq!(info.bytes_received, None);
        assert_eq!(info.subflows(), 2);
    }

    #[test]
    fn the_fallback_flag_or_a_refusal_mean_fallback() {
        let mut bytes = [0u8; INFO_LEN];
        bytes[offset::FLAGS] = FLAG_FALLBACK as u8;
        let info = MptcpInfo::parse(&bytes).unwrap();
        assert!(info.fell_back());
        assert_eq!(
            Connection::of_mptcp_socket(Some(&info)),
            Connection::Fallback
        );
        assert_eq!(Connection::of_mptcp_socket(None), Connection::Fallback);
    }

    #[test]
    fn short_input_is_an_error_never_a_panic() {
        for len in 0..MIN_INFO_LEN {
            assert_eq!(
                MptcpInfo::parse(&[0xff; INFO_LEN][..len]),
                Err(InfoError::TooShort { len })
            );
        }
        for len in MIN_INFO_LEN..=INFO_LEN + 8 {
            let bytes = [0xffu8; INFO_LEN + 8];
            assert!(MptcpInfo::parse(&bytes[..len]).is_ok());
        }
    }

    #[test]
    fn names_round_trip() {
        for c in [Connection::Mptcp, Connection::Fallback, Connection::Tcp] {
            assert_eq!(Connection::from_name(c.name()), Some(c));
        }
        assert_eq!(Connection::from_name("MPTCP"), None);
    }
}
