//! Multipath TCP options (option kind 30): v0 (RFC 6824) and v1 (RFC 8684), one file per subtype.

/// The MPTCP protocol version a connection speaks.
///
/// Most options describe themselves, but a few layouts differ by version without saying so on the
/// wire (ADD_ADDR above all), so parsers that need it take the version from the caller, who knows
/// it from the connection's MP_CAPABLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// MPTCP v0, RFC 6824: SHA-1, the sender's key in the SYN.
    V0,
    /// MPTCP v1, RFC 8684: SHA-256, no key in the SYN.
    V1,
}
