//! Fetch targets: URLs and addresses from the command line, hosts from a chain results file.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use anyhow::{bail, Context};

use crate::chain::ChainResults;

/// HTTP, or HTTP over TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scheme {
    /// `http://`.
    Http,
    /// `https://`.
    Https,
}

impl Scheme {
    /// The URL scheme.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The port of URLs that give none.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// One server and path to fetch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// HTTP or HTTPS.
    pub scheme: Scheme,
    /// The server.
    pub addr: SocketAddr,
    /// The path with its query, starting with `/`.
    pub path: String,
    /// The chain's class of the host, if it came from a chain file.
    pub class: Option<String>,
}

impl Target {
    /// The `Host` header: `name` (the `--sni` name) or else the address (IPv6 in brackets),
    /// with the port unless it is the scheme's.
    pub fn host_header(&self, name: Option<&str>) -> String {
        let host = match (name, self.addr.ip()) {
            (Some(name), _) => name.to_string(),
            (None, IpAddr::V4(a)) => a.to_string(),
            (None, IpAddr::V6(a)) => format!("[{a}]"),
        };
        if self.addr.port() == self.scheme.default_port() {
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
        format!(
            "{}://{host}:{}{}",
            self.scheme.name(),
            self.addr.port(),
            self.path
        )
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

fn endpoint(text: &str, port: u16) -> anyhow::Result<SocketAddr> {
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
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

/// Parses a URL `http[s]://HOST[:PORT][/PATH]` or an endpoint (`ADDRESS`, `ADDRESS:PORT`,
/// `[IPv6]:PORT`, fetched over `scheme` at `path`; `port`, else the scheme's, when none is
/// given).
pub fn parse(text: &str, port: Option<u16>, path: &str, scheme: Scheme) -> anyhow::Result<Target> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let url = [Scheme::Http, Scheme::Https]
        .into_iter()
        .find(|s| lower.starts_with(&format!("{}://", s.name())));
    let (scheme, authority, path) = match url {
        Some(scheme) => {
            let rest = &text[scheme.name().len() + 3..];
            let (authority, path) = match rest.find(['/', '?']) {
                Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_string()),
                Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
                None => (rest, "/".to_string()),
            };
            (scheme, authority, path)
        }
        None if text.contains("://") => {
            bail!("`{text}`: only http:// and https:// URLs are supported")
        }
        None => (scheme, text, path.to_string()),
    };
    if scheme == Scheme::Https && !cfg!(feature = "https") {
        bail!("`{text}`: this mptcpscan was built without the `https` feature");
    }
    check_path(&path).with_context(|| format!("in `{text}`"))?;
    let addr = endpoint(authority, port.unwrap_or(scheme.default_port()))
        .with_context(|| format!("in `{text}`"))?;
    Ok(Target {
        scheme,
        addr,
        path,
        class: None,
    })
}

/// The hosts of a chain results file whose class is one of `classes`, at `port` (default: the
/// port the chain scanned) over `scheme`; hosts the chain scanned on port 443 are fetched over
/// HTTPS unless `port` is given. Also the number of hosts left out for being on port 443 in a
/// build without HTTPS.
pub fn from_chain(
    file: &Path,
    classes: &[String],
    port: Option<u16>,
    path: &str,
    scheme: Scheme,
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
        let (scheme, port) = match port {
            Some(p) => (scheme, p),
            None if host.port == 443 && !cfg!(feature = "https") => {
                skipped += 1;
                continue;
            }
            None if host.port == 443 => (Scheme::Https, 443),
            None => (scheme, host.port),
        };
        out.push(Target {
            scheme,
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

    fn http(text: &str, port: Option<u16>, path: &str) -> anyhow::Result<Target> {
        parse(text, port, path, Scheme::Http)
    }

    #[test]
    fn urls_and_endpoints() {
        let t = http("http://198.18.0.66:8080/4096", None, "/").unwrap();
        assert_eq!(t.addr, "198.18.0.66:8080".parse().unwrap());
        assert_eq!(t.path, "/4096");
        assert_eq!(t.host_header(None), "198.18.0.66:8080");
        let t = http("HTTP://[2001:db8::1]", None, "/").unwrap();
        assert_eq!(t.addr, "[2001:db8::1]:80".parse().unwrap());
        assert_eq!(t.path, "/");
        assert_eq!(t.host_header(None), "[2001:db8::1]");
        let t = http("http://192.0.2.1?q=1", None, "/").unwrap();
        assert_eq!(t.path, "/?q=1");
        let t = http("2001:db8::1", Some(8080), "/x").unwrap();
        assert_eq!(t.url(), "http://[2001:db8::1]:8080/x");
        let t = http("192.0.2.1:81", Some(8080), "/").unwrap();
        assert_eq!(t.addr.port(), 81);
    }

    #[cfg(feature = "https")]
    #[test]
    fn https_urls_default_to_port_443() {
        let t = http("https://192.0.2.1/x", None, "/").unwrap();
        assert_eq!(t.scheme, Scheme::Https);
        assert_eq!(t.addr.port(), 443);
        assert_eq!(t.url(), "https://192.0.2.1:443/x");
        assert_eq!(t.host_header(None), "192.0.2.1");
        assert_eq!(t.host_header(Some("a.example")), "a.example");
        let t = parse("192.0.2.1:8443", None, "/", Scheme::Https).unwrap();
        assert_eq!(t.host_header(Some("a.example")), "a.example:8443");
        assert_eq!(t.url(), "https://192.0.2.1:8443/");
        let error = format!("{:#}", http("https://example.com/", None, "/").unwrap_err());
        assert!(error.contains("never resolves names"));
    }

    #[test]
    fn bad_targets_say_why() {
        let error = |text: &str| format!("{:#}", http(text, None, "/").unwrap_err());
        assert!(error("ftp://192.0.2.1/").contains("only http:// and https://"));
        assert!(error("http://example.com/").contains("never resolves names"));
        assert!(error("192.0.2.1:0").contains("port 0"));
        assert!(error("http://192.0.2.1/a b").contains("spaces"));
        assert!(format!("{:#}", http("192.0.2.1", None, "x").unwrap_err()).contains("start with /"));
        #[cfg(not(feature = "https"))]
        assert!(error("https://192.0.2.1/").contains("without the `https` feature"));
    }
}
