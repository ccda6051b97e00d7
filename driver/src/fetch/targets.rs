//! Fetch targets: URLs and addresses from the command line, hosts from a chain results file.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use anyhow::{bail, Context};

use crate::chain::ChainResults;

/// One server and path to fetch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// The server.
    pub addr: SocketAddr,
    /// The path with its query, starting with `/`.
    pub path: String,
    /// The chain's class of the host, if it came from a chain file.
    pub class: Option<String>,
}

impl Target {
    /// The `Host` header: the address (IPv6 in brackets), with the port unless it is 80.
    pub fn host_header(&self) -> String {
        let host = match self.addr.ip() {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => format!("[{a}]"),
        };
        if self.addr.port() == 80 {
            host
        } else {
            format!("{host}:{}", self.addr.port())
        }
    }

    /// The URL fetched.
    pub fn url(&self) -> String {
        let host = match self.addr.ip() {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => format!("[{a}]"),
        };
        format!("http://{host}:{}{}", self.addr.port(), self.path)
    }
}

fn check_path(path: &str) -> anyhow::Result<()> {
    if !path.starts_with('/') {
        bail!("the path `{path}` must start with /");
    }
    if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        bail!("the path `{path}` has spaces or control characters: percent-encode them");
    }
    Ok(())
}

fn endpoint(text: &str, port: Option<u16>) -> anyhow::Result<SocketAddr> {
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port.unwrap_or(80)));
    }
    let addr: SocketAddr = text.parse().map_err(|_| {
        anyhow::anyhow!(
            "`{text}` is not an IP address, ADDRESS:PORT or [IPv6]:PORT (fetch never resolves names)"
        )
    })?;
    if addr.port() == 0 {
        bail!("`{text}`: port 0");
    }
    Ok(addr)
}

/// Parses a URL `http://HOST[:PORT][/PATH]` or an endpoint (`ADDRESS`, `ADDRESS:PORT`,
/// `[IPv6]:PORT`, fetched at `path`; `port` when none is given).
pub fn parse(text: &str, port: Option<u16>, path: &str) -> anyhow::Result<Target> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("https://") {
        bail!("`{text}`: HTTPS is not supported, fetch speaks plain HTTP only");
    }
    let (authority, path) = match lower.strip_prefix("http://") {
        Some(_) => {
            let rest = &text["http://".len()..];
            match rest.find(['/', '?']) {
                Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_string()),
                Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
                None => (rest, "/".to_string()),
            }
        }
        None if text.contains("://") => bail!("`{text}`: only http:// URLs are supported"),
        None => (text, path.to_string()),
    };
    check_path(&path).with_context(|| format!("in `{text}`"))?;
    let addr = endpoint(authority, port).with_context(|| format!("in `{text}`"))?;
    Ok(Target {
        addr,
        path,
        class: None,
    })
}

/// The hosts of a chain results file whose class is one of `classes`, at `port` (default: the
/// port the chain scanned); also the number of hosts left out for being on port 443 (HTTPS).
pub fn from_chain(
    file: &Path,
    classes: &[String],
    port: Option<u16>,
    path: &str,
) -> anyhow::Result<(Vec<Target>, usize)> {
    check_path(path)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let results: ChainResults = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a `mptcpscan chain --results` file", file.display()))?;
    if results.format != crate::chain::FORMAT {
        bail!(
            "{}: format {:?}, expected {:?}",
            file.display(),
            results.format,
            crate::chain::FORMAT
        );
    }
    let known: Vec<&str> = crate::chain::Class::ALL.iter().map(|c| c.name()).collect();
    if let Some(bad) = classes.iter().find(|c| !known.contains(&c.as_str())) {
        bail!(
            "--classes: unknown class `{bad}` (one of {})",
            known.join(", ")
        );
    }
    let mut out = Vec::new();
    let mut skipped = 0;
    for host in &results.hosts {
        let class = host.class.name();
        if !classes.iter().any(|c| c == class) {
            continue;
        }
        let port = match port {
            Some(p) => p,
            None if host.port == 443 => {
                skipped += 1;
                continue;
            }
            None => host.port,
        };
        out.push(Target {
            addr: SocketAddr::new(host.addr, port),
            path: path.to_string(),
            class: Some(class.to_string()),
        });
    }
    Ok((out, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_endpoints() {
        let t = parse("http://198.18.0.66:8080/4096", None, "/").unwrap();
        assert_eq!(t.addr, "198.18.0.66:8080".parse().unwrap());
        assert_eq!(t.path, "/4096");
        assert_eq!(t.host_header(), "198.18.0.66:8080");
        let t = parse("HTTP://[2001:db8::1]", None, "/").unwrap();
        assert_eq!(t.addr, "[2001:db8::1]:80".parse().unwrap());
        assert_eq!(t.path, "/");
        assert_eq!(t.host_header(), "[2001:db8::1]");
        let t = parse("http://192.0.2.1?q=1", None, "/").unwrap();
        assert_eq!(t.path, "/?q=1");
        let t = parse("2001:db8::1", Some(8080), "/x").unwrap();
        assert_eq!(t.url(), "http://[2001:db8::1]:8080/x");
        let t = parse("192.0.2.1:81", Some(8080), "/").unwrap();
        assert_eq!(t.addr.port(), 81);
    }

    #[test]
    fn bad_targets_say_why() {
        let error = |text: &str| format!("{:#}", parse(text, None, "/").unwrap_err());
        assert!(error("https://192.0.2.1/").contains("HTTPS is not supported"));
        assert!(error("ftp://192.0.2.1/").contains("only http://"));
        assert!(error("http://example.com/").contains("never resolves names"));
        assert!(error("192.0.2.1:0").contains("port 0"));
        assert!(error("http://192.0.2.1/a b").contains("spaces"));
        assert!(
            format!("{:#}", parse("192.0.2.1", None, "x").unwrap_err()).contains("start with /")
        );
    }
}
