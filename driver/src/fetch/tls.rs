//! TLS for `https://` targets: a rustls client (ring provider) over the very kernel socket the
//! fetch opened, MPTCP or plain TCP, so `MPTCP_INFO` is read from it as for plain HTTP.
//!
//! Trust: the Mozilla roots (`webpki-roots`, built in: nothing is read from the system at run
//! time) plus the certificates of `--ca-file` (the lab's CA, a private CA). Name: `--sni NAME`
//! is sent and verified against; without it the certificate must cover the address itself.
//! `--insecure` accepts any certificate (the handshake's signatures are still checked, so it
//! costs what a verified one does): every row then says `tls_verified` false.

use std::io::ErrorKind;
use std::net::{IpAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};

/// The client side of every HTTPS fetch of one run.
#[derive(Debug, Clone)]
pub struct Client {
    config: Arc<ClientConfig>,
    sni: Option<ServerName<'static>>,
    verified: bool,
}

/// A TLS session over a kernel socket.
pub type Stream = StreamOwned<ClientConnection, TcpStream>;

/// The certificates of a PEM file, with errors naming the file.
fn load_pem(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading --ca-file {}", path.display()))?;
    let mut certs = Vec::new();
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        certs.push(cert.map_err(|e| {
            anyhow::anyhow!("--ca-file {}: not PEM certificates ({e})", path.display())
        })?);
    }
    if certs.is_empty() {
        bail!(
            "--ca-file {}: no PEM certificate (BEGIN CERTIFICATE) in it",
            path.display()
        );
    }
    Ok(certs)
}

impl Client {
    /// The client for `--ca-file`, `--sni` and `--insecure`.
    pub fn new(
        ca_file: Option<&Path>,
        sni: Option<&str>,
        insecure: bool,
    ) -> anyhow::Result<Client> {
        let sni = sni
            .map(|name| {
                ServerName::try_from(name.to_string()).map_err(|_| {
                    anyhow::anyhow!("--sni `{name}` is not a DNS name or an IP address")
                })
            })
            .transpose()?;
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = ca_file {
            for (i, cert) in load_pem(path)?.into_iter().enumerate() {
                roots.add(cert).with_context(|| {
                    format!(
                        "--ca-file {}: certificate {} is not usable as a root",
                        path.display(),
                        i + 1
                    )
                })?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_root_certificates(roots)
            .with_no_client_auth();
        if insecure {
            config
                .dangerous()
                .set_certificate_verifier(Arc::new(AnyCertificate(provider)));
        }
        Ok(Client {
            config: Arc::new(config),
            sni,
            verified: !insecure,
        })
    }

    /// Whether certificates are verified (false with `--insecure`).
    pub fn verified(&self) -> bool {
        self.verified
    }

    /// The name sent and verified for a server at `addr`.
    fn name(&self, addr: IpAddr) -> ServerName<'static> {
        self.sni
            .clone()
            .unwrap_or_else(|| ServerName::IpAddress(addr.into()))
    }

    /// Runs the handshake over `tcp` (whose timeouts bound it); on failure hands the socket
    /// back, so the caller can still ask the kernel what the connection was.
    pub fn handshake(
        &self,
        tcp: TcpStream,
        addr: IpAddr,
    ) -> Result<Stream, (std::io::Error, TcpStream)> {
        let connection = match ClientConnection::new(self.config.clone(), self.name(addr)) {
            Ok(c) => c,
            Err(e) => return Err((std::io::Error::other(e), tcp)),
        };
        let mut stream = StreamOwned::new(connection, tcp);
        while stream.conn.is_handshaking() {
            match stream.conn.complete_io(&mut stream.sock) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err((e, stream.sock)),
            }
        }
        Ok(stream)
    }
}

/// `--insecure`: any certificate, any name; the handshake signatures are still verified with
/// the provider's algorithms.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(ca: Option<&Path>, sni: Option<&str>) -> String {
        match Client::new(ca, sni, false) {
            Ok(_) => panic!("accepted"),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn configuration_errors_name_what_is_wrong() {
        let dir = std::env::temp_dir().join(format!("mptcpscan-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.pem");
        assert!(error(Some(&missing), None).contains("reading --ca-file"));
        let garbled = dir.join("garbled.pem");
        std::fs::write(&garbled, "not a certificate\n").unwrap();
        assert!(error(Some(&garbled), None).contains("no PEM certificate"));
        let broken = dir.join("broken.pem");
        std::fs::write(
            &broken,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        assert!(error(Some(&broken), None).contains("not usable as a root"));
        assert!(error(None, Some("bad name!")).contains("--sni `bad name!`"));
        std::fs::remove_dir_all(&dir).unwrap();
        let client = Client::new(None, Some("lab.mptcpscan.test"), true).unwrap();
        assert!(!client.verified());
        let named: ServerName = "lab.mptcpscan.test".try_into().unwrap();
        assert_eq!(client.name("192.0.2.1".parse().unwrap()), named);
        let ip: IpAddr = "198.18.0.70".parse().unwrap();
        let plain = Client::new(None, None, false).unwrap();
        assert_eq!(plain.name(ip), ServerName::IpAddress(ip.into()));
        assert!(plain.verified());
    }
}
