//! One timed HTTP/1.0 GET over a kernel socket, MPTCP or plain TCP, directly or through TLS, and
//! what the kernel says the connection became.

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use mptcpscan::sockinfo::{self, Connection, MptcpInfo};
use socket2::{Domain, Protocol, Socket, Type};

/// Which socket a fetch opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketKind {
    /// `socket(AF_INET[6], SOCK_STREAM, IPPROTO_MPTCP)`.
    Mptcp,
    /// `socket(AF_INET[6], SOCK_STREAM, 0)`.
    Tcp,
}

impl SocketKind {
    /// The name in results files.
    pub fn name(self) -> &'static str {
        match self {
            SocketKind::Mptcp => "mptcp",
            SocketKind::Tcp => "tcp",
        }
    }
}

/// How a fetch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The whole response arrived.
    Ok,
    /// The connection was refused, unreachable or not set up in time.
    ConnectFailed,
    /// The TLS handshake failed (a certificate not trusted or not for the name, say).
    TlsFailed,
    /// The response did not finish within the fetch's time limit.
    Timeout,
    /// The connection ended before the response's Content-Length.
    Truncated,
    /// The bytes are not an HTTP response.
    BadResponse,
    /// The body reached `--max-bytes` and the fetch stopped.
    MaxBytes,
    /// Another socket error (e.g. a reset).
    IoError,
}

impl Outcome {
    /// The name in results files.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::ConnectFailed => "connect-failed",
            Outcome::TlsFailed => "tls-failed",
            Outcome::Timeout => "timeout",
            Outcome::Truncated => "truncated",
            Outcome::BadResponse => "bad-response",
            Outcome::MaxBytes => "max-bytes",
            Outcome::IoError => "io-error",
        }
    }
}

/// What to fetch and the limits.
#[derive(Debug, Clone)]
pub struct Request {
    /// The server.
    pub addr: SocketAddr,
    /// The path (with query), starting with `/`.
    pub path: String,
    /// Limit on connection setup.
    pub connect_timeout: Duration,
    /// Limit on the whole fetch.
    pub timeout: Duration,
    /// The most body bytes read.
    pub max_bytes: u64,
    /// TLS over the connection (`https://`).
    #[cfg(feature = "https")]
    pub tls: Option<super::tls::Client>,
}

/// The byte stream of a fetch: the kernel socket itself, or TLS over it.
enum Stream {
    Plain(TcpStream),
    #[cfg(feature = "https")]
    Tls(Box<super::tls::Stream>),
}

impl Stream {
    /// The kernel socket underneath.
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            #[cfg(feature = "https")]
            Stream::Tls(s) => s.get_ref(),
        }
    }

    /// Whether a read error is in fact the end of the stream: a TLS peer closing without
    /// `close_notify`, as many servers do; the body's end is then judged as for plain HTTP
    /// (Content-Length, else the close).
    fn is_end(&self, error: &std::io::Error) -> bool {
        !matches!(self, Stream::Plain(_)) && error.kind() == ErrorKind::UnexpectedEof
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            #[cfg(feature = "https")]
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            #[cfg(feature = "https")]
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            #[cfg(feature = "https")]
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// The measurements of one fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// How it ended.
    pub outcome: Outcome,
    /// Why, when it did not end well.
    pub error: Option<String>,
    /// The response's status code.
    pub status: Option<u16>,
    /// Body bytes received.
    pub body_bytes: u64,
    /// From `connect()` to the connection being set up.
    pub connect: Option<Duration>,
    /// The TLS handshake's own time: from the connection being set up to the handshake done.
    pub tls: Option<Duration>,
    /// From `connect()` to the first byte of the response.
    pub first_byte: Option<Duration>,
    /// From `connect()` to the last byte of the response.
    pub total: Option<Duration>,
    /// What the connection was, read when the response ended.
    pub connection: Option<Connection>,
    /// `MPTCP_INFO`, when the kernel gave it.
    pub info: Option<MptcpInfo>,
}

impl Timing {
    fn failed(outcome: Outcome, error: String) -> Timing {
        Timing {
            error: Some(error),
            ..Timing::blank(outcome)
        }
    }

    fn blank(outcome: Outcome) -> Timing {
        Timing {
            outcome,
            error: None,
            status: None,
            body_bytes: 0,
            connect: None,
            tls: None,
            first_byte: None,
            total: None,
            connection: None,
            info: None,
        }
    }
}

/// Opens a socket of `kind` for `addr`'s family.
pub fn socket(kind: SocketKind, addr: IpAddr) -> std::io::Result<Socket> {
    let domain = match addr {
        IpAddr::V4(_) => Domain::IPV4,
        IpAddr::V6(_) => Domain::IPV6,
    };
    let protocol = match kind {
        SocketKind::Mptcp => Some(Protocol::from(sockinfo::IPPROTO_MPTCP)),
        SocketKind::Tcp => None,
    };
    Socket::new(domain, Type::STREAM, protocol)
}

/// `getsockopt(SOL_MPTCP, MPTCP_INFO)`: `Ok(None)` when the kernel refuses it because the
/// connection fell back to TCP.
fn mptcp_info(stream: &TcpStream) -> std::io::Result<Option<MptcpInfo>> {
    use std::os::fd::AsRawFd;
    let mut raw = [0u8; sockinfo::INFO_LEN];
    let mut len = raw.len() as libc::socklen_t;
    // SAFETY: `raw` is a writable buffer of `len` bytes that outlives the call, and `len` is a
    // valid socklen_t the kernel updates; the descriptor belongs to `stream`.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            sockinfo::SOL_MPTCP,
            sockinfo::MPTCP_INFO,
            raw.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc != 0 {
        let error = std::io::Error::last_os_error();
        return match error.raw_os_error() {
            Some(libc::EOPNOTSUPP) => Ok(None),
            _ => Err(error),
        };
    }
    let len = (len as usize).min(raw.len());
    MptcpInfo::parse(&raw[..len])
        .map(Some)
        .map_err(|e| std::io::Error::new(ErrorKind::InvalidData, e.to_string()))
}

/// The status code and Content-Length of a response head (up to and including the blank line).
fn parse_head(head: &[u8]) -> Option<(u16, Option<u64>)> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next()?;
    let mut words = status_line.splitn(3, ' ');
    let version = words.next()?;
    if !version.starts_with("HTTP/1.") {
        return None;
    }
    let status = words.next()?.parse::<u16>().ok()?;
    if !(100..=999).contains(&status) {
        return None;
    }
    let mut length = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = Some(value.trim().parse::<u64>().ok()?);
            }
        }
    }
    Some((status, length))
}

fn io_outcome(error: &std::io::Error) -> Outcome {
    match error.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => Outcome::Timeout,
        _ => Outcome::IoError,
    }
}

/// The longest response head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// Fetches `request.path` from `request.addr` over a socket of `kind`, timing it.
pub fn fetch(kind: SocketKind, request: &Request, host_header: &str) -> Timing {
    let socket = match socket(kind, request.addr.ip()) {
        Ok(s) => s,
        Err(e) => return Timing::failed(Outcome::IoError, format!("socket: {e}")),
    };
    let started = Instant::now();
    if let Err(e) = socket.connect_timeout(&request.addr.into(), request.connect_timeout) {
        return Timing::failed(Outcome::ConnectFailed, format!("connect: {e}"));
    }
    let connected = started.elapsed();
    let tcp: TcpStream = socket.into();
    let mut timing = Timing {
        connect: Some(connected),
        ..Timing::blank(Outcome::Ok)
    };
    let deadline = started + request.timeout;
    #[cfg(feature = "https")]
    let mut stream = match &request.tls {
        None => Stream::Plain(tcp),
        Some(client) => {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Err(e) = tcp
                .set_read_timeout(Some(left))
                .and_then(|()| tcp.set_write_timeout(Some(left)))
            {
                return Timing::failed(Outcome::IoError, e.to_string());
            }
            match client.handshake(tcp, request.addr.ip()) {
                Ok(session) => {
                    timing.tls = Some(started.elapsed() - connected);
                    Stream::Tls(Box::new(session))
                }
                Err((e, tcp)) => {
                    let outcome = match io_outcome(&e) {
                        Outcome::Timeout => Outcome::Timeout,
                        _ => Outcome::TlsFailed,
                    };
                    record_connection(kind, &tcp, &mut timing);
                    timing.outcome = outcome;
                    timing.error = Some(format!("TLS handshake: {e}"));
                    return timing;
                }
            }
        }
    };
    #[cfg(not(feature = "https"))]
    let mut stream = Stream::Plain(tcp);
    let request_text = format!(
        "GET {} HTTP/1.0\r\nHost: {host_header}\r\nUser-Agent: mptcpscan/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        request.path,
        env!("CARGO_PKG_VERSION")
    );
    let finish = |timing: &mut Timing, outcome: Outcome, error: Option<String>| {
        timing.outcome = outcome;
        timing.error = error;
    };
    if let Err(e) = stream
        .tcp()
        .set_write_timeout(Some(request.timeout))
        .and_then(|()| stream.write_all(request_text.as_bytes()))
        .and_then(|()| stream.flush())
    {
        finish(&mut timing, io_outcome(&e), Some(format!("sending: {e}")));
        return timing;
    }
    let mut head: Vec<u8> = Vec::new();
    let mut length: Option<u64> = None;
    let mut in_body = false;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            finish(
                &mut timing,
                Outcome::Timeout,
                Some("no complete response in time".into()),
            );
            return timing;
        }
        if let Err(e) = stream.tcp().set_read_timeout(Some(left)) {
            finish(&mut timing, Outcome::IoError, Some(e.to_string()));
            return timing;
        }
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if stream.is_end(&e) => 0,
            Err(e) => {
                finish(&mut timing, io_outcome(&e), Some(format!("receiving: {e}")));
                return timing;
            }
        };
        if n > 0 && timing.first_byte.is_none() {
            timing.first_byte = Some(started.elapsed());
        }
        if n == 0 {
            if !in_body {
                finish(
                    &mut timing,
                    Outcome::BadResponse,
                    Some("connection closed before a complete response head".into()),
                );
                return timing;
            }
            match length {
                Some(expected) if timing.body_bytes < expected => {
                    let error = format!("{} of {expected} body bytes", timing.body_bytes);
                    finish(&mut timing, Outcome::Truncated, Some(error));
                    return timing;
                }
                _ => break,
            }
        }
        let mut data = &buf[..n];
        if !in_body {
            head.extend_from_slice(data);
            let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
                if head.len() > MAX_HEAD {
                    finish(
                        &mut timing,
                        Outcome::BadResponse,
                        Some("response head too long".into()),
                    );
                    return timing;
                }
                continue;
            };
            let Some((status, content_length)) = parse_head(&head[..end + 4]) else {
                finish(
                    &mut timing,
                    Outcome::BadResponse,
                    Some("not an HTTP/1 response".into()),
                );
                return timing;
            };
            timing.status = Some(status);
            length = content_length;
            in_body = true;
            let body_start = end + 4 - (head.len() - n);
            data = &buf[body_start..n];
        }
        timing.body_bytes += data.len() as u64;
        if length.is_some_and(|l| timing.body_bytes >= l) {
            break;
        }
        if timing.body_bytes >= request.max_bytes {
            timing.total = Some(started.elapsed());
            record_connection(kind, stream.tcp(), &mut timing);
            finish(
                &mut timing,
                Outcome::MaxBytes,
                Some(format!("stopped at {} bytes", request.max_bytes)),
            );
            return timing;
        }
    }
    timing.total = Some(started.elapsed());
    record_connection(kind, stream.tcp(), &mut timing);
    timing
}

fn record_connection(kind: SocketKind, stream: &TcpStream, timing: &mut Timing) {
    match kind {
        SocketKind::Tcp => timing.connection = Some(Connection::Tcp),
        SocketKind::Mptcp => match mptcp_info(stream) {
            Ok(info) => {
                timing.connection = Some(Connection::of_mptcp_socket(info.as_ref()));
                timing.info = info;
            }
            Err(e) => timing.error = Some(format!("MPTCP_INFO: {e}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_heads() {
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"),
            Some((200, Some(12)))
        );
        assert_eq!(
            parse_head(b"HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\n"),
            Some((404, None))
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\ncontent-length:  7 \r\n\r\n"),
            Some((200, Some(7)))
        );
        assert_eq!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n"), None);
        assert_eq!(parse_head(b"HTTP/1.1 abc OK\r\n\r\n"), None);
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
            None
        );
    }
}
