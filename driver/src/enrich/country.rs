//! Address → country (ISO 3166-1 alpha-2) from MaxMind-format `.mmdb` files, read with the
//! `maxminddb` crate: GeoLite2/GeoIP2 country or city databases (`country.iso_code`) and the
//! `@ip-location-db` ones (`country_code`).

use std::net::IpAddr;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

/// The fields a country lookup reads, in either layout.
#[derive(Deserialize)]
struct CountryFields<'a> {
    #[serde(borrow)]
    country: Option<IsoCode<'a>>,
    #[serde(borrow)]
    country_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct IsoCode<'a> {
    #[serde(borrow)]
    iso_code: Option<&'a str>,
}

/// One or more country databases, asked in the order given.
#[derive(Default)]
pub struct Countries {
    readers: Vec<(String, maxminddb::Reader<Vec<u8>>)>,
}

impl Countries {
    /// Opens a database (read into memory once).
    pub fn load(&mut self, path: &Path) -> anyhow::Result<()> {
        let reader = maxminddb::Reader::open_readfile(path)
            .with_context(|| format!("{}: not a MaxMind DB file", path.display()))?;
        self.readers.push((path.display().to_string(), reader));
        Ok(())
    }

    /// The country code of `addr` in the first database that has one.
    pub fn lookup(&self, addr: IpAddr) -> anyhow::Result<Option<String>> {
        for (name, reader) in &self.readers {
            // An IPv6 address in an IPv4-only database is not an error, just not there.
            if addr.is_ipv6() && reader.metadata.ip_version == 4 {
                continue;
            }
            let fields: Option<CountryFields<'_>> = reader
                .lookup(addr)
                .with_context(|| format!("looking {addr} up in {name}"))?;
            let code = fields.and_then(|f| f.country.and_then(|c| c.iso_code).or(f.country_code));
            if let Some(code) = code {
                return Ok(Some(code.to_string()));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::super::mmdb::{country_record, Value, Writer};
    use super::*;

    #[test]
    fn written_databases_read_back_through_maxminddb() {
        let mut w = Writer::new("GeoLite2-Country", "test", 1_700_000_000);
        w.insert("198.18.0.0".parse().unwrap(), 15, &country_record("XA"));
        w.insert("198.18.4.0".parse().unwrap(), 24, &country_record("XB"));
        w.insert("2001:db8::".parse().unwrap(), 32, &country_record("XC"));
        // The @ip-location-db layout.
        w.insert(
            "203.0.113.0".parse().unwrap(),
            24,
            &Value::Map(vec![("country_code".into(), Value::Str("XD".into()))]),
        );
        let path = std::env::temp_dir().join(format!("mptcpscan-{}.mmdb", std::process::id()));
        std::fs::write(&path, w.finish()).unwrap();
        let mut countries = Countries::default();
        countries.load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let at = |a: &str| countries.lookup(a.parse().unwrap()).unwrap();
        assert_eq!(at("198.18.0.1").as_deref(), Some("XA"));
        assert_eq!(at("198.19.200.1").as_deref(), Some("XA"));
        assert_eq!(at("198.18.4.77").as_deref(), Some("XB"));
        assert_eq!(at("198.18.5.77").as_deref(), Some("XA"));
        assert_eq!(at("198.20.0.1"), None);
        assert_eq!(at("2001:db8:ffff::1").as_deref(), Some("XC"));
        assert_eq!(at("2001:db9::1"), None);
        assert_eq!(at("203.0.113.9").as_deref(), Some("XD"));
    }

    #[test]
    fn a_file_that_is_no_database_is_an_error() {
        let path = std::env::temp_dir().join(format!("mptcpscan-not-{}.mmdb", std::process::id()));
        std::fs::write(&path, b"hello").unwrap();
        let error = Countries::default().load(&path).unwrap_err();
        assert!(format!("{error:#}").contains("not a MaxMind DB"));
        std::fs::remove_file(&path).unwrap();
    }
}
