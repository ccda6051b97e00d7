//! The lab's HTTPS (`lab up --http`): a CA of its own and a server certificate for the lab's
//! HTTP hosts, made by `lab up` in the lab's state directory (never anywhere else: the private
//! keys live and die with the lab), and the rustls server side of the HTTP daemons.
//!
//! The server certificate covers the addresses clients fetch from (the first
//! [`super::topology::HTTPS_NAMES_PER_PREFIX`] addresses of each prefix whose hosts serve HTTP,
//! and the two-path host's) and the name [`TLS_NAME`], which `fetch --sni` can send to any lab
//! address. Clients trust it through `fetch --ca-file STATE/tls/ca.pem`.

use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

use super::topology::{TLS_CA_FILE, TLS_NAME};

/// The server's certificate.
const CERT_FILE: &str = "server.pem";
/// The server's private key (mode 0600).
const KEY_FILE: &str = "server-key.pem";

fn write(path: &Path, text: &str, mode: u32) -> anyhow::Result<()> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("writing {}", path.display()))
}

/// Makes the CA and the server certificate for `addresses` in `dir` (created).
pub fn generate(dir: &Path, addresses: &[IpAddr]) -> anyhow::Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let ca_key = KeyPair::generate().context("making the lab CA's key")?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "mptcpscan lab CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).context("signing the lab CA")?;

    let key = KeyPair::generate().context("making the lab server's key")?;
    let mut server = CertificateParams::new(vec![TLS_NAME.to_string()])?;
    server
        .subject_alt_names
        .extend(addresses.iter().map(|a| SanType::IpAddress(*a)));
    server
        .distinguished_name
        .push(DnType::CommonName, "mptcpscan lab");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = server
        .signed_by(&key, &ca_cert, &ca_key)
        .context("signing the lab server's certificate")?;
    write(&dir.join(TLS_CA_FILE), &ca_cert.pem(), 0o644)?;
    write(&dir.join(CERT_FILE), &cert.pem(), 0o644)?;
    write(&dir.join(KEY_FILE), &key.serialize_pem(), 0o600)
}

/// The server side of the HTTPS daemons, from the files [`generate`] wrote in `dir`.
pub fn server_config(dir: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    let cert_path = dir.join(CERT_FILE);
    let certs = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| anyhow::anyhow!("{}: {e}", cert_path.display()))?;
    let key_path = dir.join(KEY_FILE);
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", key_path.display()))?;
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .context("the lab server's certificate and key")?;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_load_and_the_key_is_private() {
        let dir = std::env::temp_dir().join(format!("mptcpscan-labtls-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let addresses: Vec<IpAddr> = vec![
            "198.18.0.70".parse().unwrap(),
            "2001:db8:0:41::2".parse().unwrap(),
        ];
        generate(&dir, &addresses).unwrap();
        server_config(&dir).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key is readable by others: {mode:o}");
        let ca = fs::read_to_string(dir.join(TLS_CA_FILE)).unwrap();
        assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(!ca.contains("PRIVATE KEY"));
        // A second lab up in the same directory never overwrites keys silently.
        assert!(generate(&dir, &addresses).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
