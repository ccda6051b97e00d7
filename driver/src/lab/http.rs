//! The lab's HTTP servers (`lab up --http`): kernel listeners, MPTCP or plain TCP, that answer
//! `GET /` with a large body and `GET /BYTES` with that many bytes, so that `mptcpscan fetch`
//! can time downloads over MPTCP and over TCP against servers whose truth is known. The same
//! handler answers over TLS on the HTTPS port (the `https` feature; certificates from
//! [`super::tls`]).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use super::listener;

/// The largest body a request may ask for (1 GiB): enough for any lab measurement.
const MAX_BODY: u64 = 1 << 30;
/// The longest request head read before answering 431.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one write of the body may block (a client that stopped reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Binds the listener (dual-stack, MPTCP or plain TCP) on `port`.
pub fn bind(mptcp: bool, port: u16) -> anyhow::Result<TcpListener> {
    let mut listeners = listener::bind_all(mptcp, &[port])?;
    listeners
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no listener bound on port {port}"))
}

/// Serves forever, one thread per connection.
pub fn serve(listener: TcpListener, body_bytes: u64) -> anyhow::Result<()> {
    loop {
        let (stream, _) = listener.accept()?;
        std::thread::spawn(move || {
            // A client that goes away mid-body is not the server's problem.
            let _ = set_timeouts(&stream).and_then(|()| answer(stream, body_bytes));
        });
    }
}

/// Serves HTTPS forever, one thread per connection: the handshake, then [`serve`]'s answer,
/// then `close_notify`.
#[cfg(feature = "https")]
pub fn serve_tls(
    listener: TcpListener,
    body_bytes: u64,
    config: std::sync::Arc<rustls::ServerConfig>,
) -> anyhow::Result<()> {
    loop {
        let (stream, _) = listener.accept()?;
        let config = config.clone();
        std::thread::spawn(move || {
            let session = || -> std::io::Result<()> {
                set_timeouts(&stream)?;
                let connection =
                    rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
                let mut tls = rustls::StreamOwned::new(connection, stream);
                answer(&mut tls, body_bytes)?;
                tls.conn.send_close_notify();
                tls.flush()
            };
            // A client that goes away, or distrusts the certificate, is not the server's
            // problem.
            let _ = session();
        });
    }
}

fn set_timeouts(stream: &TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(HEAD_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))
}

/// What a request head asks for.
#[derive(Debug, PartialEq, Eq)]
enum Request {
    /// A body of this many bytes.
    Body(u64),
    /// An error status and its reason.
    Error(u16, &'static str),
}

fn parse(head: &[u8], default_bytes: u64) -> Request {
    let text = String::from_utf8_lossy(head);
    let line = text.lines().next().unwrap_or("");
    let mut words = line.split(' ');
    let (Some(method), Some(target), Some(version)) = (words.next(), words.next(), words.next())
    else {
        return Request::Error(400, "Bad Request");
    };
    if !version.starts_with("HTTP/1.") {
        return Request::Error(400, "Bad Request");
    }
    if method != "GET" {
        return Request::Error(405, "Method Not Allowed");
    }
    let path = target.split('?').next().unwrap_or("");
    match path.strip_prefix('/') {
        Some("") => Request::Body(default_bytes),
        Some(digits) => match digits.parse::<u64>() {
            Ok(n) if n <= MAX_BODY => Request::Body(n),
            _ => Request::Error(404, "Not Found"),
        },
        None => Request::Error(400, "Bad Request"),
    }
}

fn answer(mut stream: impl Read + Write, default_bytes: u64) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    let request = loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            break parse(&head, default_bytes);
        }
        if head.len() > MAX_HEAD {
            break Request::Error(431, "Request Header Fields Too Large");
        }
    };
    match request {
        Request::Error(status, reason) => {
            let text = format!("{status} {reason}\n");
            write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\nServer: mptcpscan-lab\r\n\r\n{text}",
                text.len()
            )
        }
        Request::Body(bytes) => {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {bytes}\r\nConnection: close\r\nServer: mptcpscan-lab\r\n\r\n"
            )?;
            let chunk = [b'm'; 64 * 1024];
            let mut left = bytes;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                stream.write_all(&chunk[..n])?;
                left -= n as u64;
            }
            stream.flush()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_pick_the_body_size() {
        assert_eq!(parse(b"GET / HTTP/1.1\r\n\r\n", 7), Request::Body(7));
        assert_eq!(parse(b"GET /1024 HTTP/1.0\r\n\r\n", 7), Request::Body(1024));
        assert_eq!(parse(b"GET /?x=1 HTTP/1.1\r\n\r\n", 7), Request::Body(7));
        assert_eq!(parse(b"GET /big HTTP/1.1\r\n\r\n", 7).status(), 404);
        assert_eq!(parse(b"GET /99999999999 HTTP/1.1\r\n\r\n", 7).status(), 404);
        assert_eq!(parse(b"POST / HTTP/1.1\r\n\r\n", 7).status(), 405);
        assert_eq!(parse(b"GET / SPDY/3\r\n\r\n", 7).status(), 400);
        assert_eq!(parse(b"\r\n\r\n", 7).status(), 400);
    }

    impl Request {
        fn status(&self) -> u16 {
            match self {
                Request::Body(_) => 200,
                Request::Error(status, _) => *status,
            }
        }
    }
}
