//! AS → rank, from a local file: the "Rank" column of Aschenbrenner et al.'s tables (2020 thesis,
//! Tables 4.2–4.9; 2021 paper, Tables II and III), which is CAIDA's AS Rank (ASes ordered by
//! customer cone size), not a top list of web sites.
//!
//! Two formats, told apart by the first data line:
//! - JSON lines, one AS per line with `asn` (number or string) and `rank` (number): the records
//!   of CAIDA's AS Rank API (`asns` nodes, as its bulk download writes them); other fields are
//!   ignored;
//! - CSV `ASN,RANK` per line (`#` comments; a header line naming `asn` is skipped).
//!
//! Lines without a rank (`"rank": null`) are skipped; a malformed line names its number.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context};
use serde_json::Value;

/// AS numbers to ranks, from any number of files (a later file overrides an earlier one).
#[derive(Debug, Default)]
pub struct Ranks {
    ranks: HashMap<u32, u32>,
}

impl Ranks {
    /// Loads a file.
    pub fn load(&mut self, path: &Path) -> anyhow::Result<()> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        self.parse(&text)
            .with_context(|| format!("{}: not an AS rank file", path.display()))
    }

    /// Parses one file's text.
    pub fn parse(&mut self, text: &str) -> anyhow::Result<()> {
        let mut entries = 0;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry = if line.starts_with('{') {
                json_entry(line)
            } else {
                csv_entry(line, entries == 0)
            }
            .with_context(|| format!("line {}", n + 1))?;
            if let Some((asn, rank)) = entry {
                self.ranks.insert(asn, rank);
                entries += 1;
            }
        }
        if entries == 0 {
            bail!("no AS with a rank");
        }
        Ok(())
    }

    /// Whether no file gave a rank.
    pub fn is_empty(&self) -> bool {
        self.ranks.is_empty()
    }

    /// The rank of `asn`.
    pub fn get(&self, asn: u32) -> Option<u32> {
        self.ranks.get(&asn).copied()
    }
}

fn number(value: &Value) -> Option<u32> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn json_entry(line: &str) -> anyhow::Result<Option<(u32, u32)>> {
    let value: Value = serde_json::from_str(line).context("not JSON")?;
    let asn = value
        .get("asn")
        .and_then(number)
        .context("no AS number in `asn`")?;
    match value.get("rank") {
        None | Some(Value::Null) => Ok(None),
        Some(rank) => Ok(Some((
            asn,
            number(rank).context("`rank` is not a positive number")?,
        ))),
    }
}

fn csv_entry(line: &str, first: bool) -> anyhow::Result<Option<(u32, u32)>> {
    let mut fields = line.split(',').map(str::trim);
    let (Some(asn), Some(rank), None) = (fields.next(), fields.next(), fields.next()) else {
        bail!("expected ASN,RANK");
    };
    if first && asn.eq_ignore_ascii_case("asn") {
        // A header line.
        return Ok(None);
    }
    let asn = asn
        .strip_prefix("AS")
        .or_else(|| asn.strip_prefix("as"))
        .unwrap_or(asn);
    let asn: u32 = asn
        .parse()
        .with_context(|| format!("{asn:?} is no AS number"))?;
    let rank: u32 = rank
        .parse()
        .with_context(|| format!("{rank:?} is no rank"))?;
    Ok(Some((asn, rank)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_and_their_errors() {
        let mut ranks = Ranks::default();
        ranks
            .parse(
                "{\"asn\":\"714\",\"asnName\":\"APPLE-ENGINEERING\",\"rank\":6630}\n\
                 {\"asn\":7922,\"rank\":27}\n{\"asn\":\"64512\",\"rank\":null}\n",
            )
            .unwrap();
        assert_eq!(ranks.get(714), Some(6630));
        assert_eq!(ranks.get(7922), Some(27));
        assert_eq!(ranks.get(64512), None);
        ranks
            .parse("# CAIDA AS Rank\nasn,rank\n6185,13577\nAS1221, 76\n")
            .unwrap();
        assert_eq!(ranks.get(6185), Some(13577));
        assert_eq!(ranks.get(1221), Some(76));
        assert_eq!(ranks.get(714), Some(6630));

        let error = |text: &str| format!("{:#}", Ranks::default().parse(text).unwrap_err());
        assert!(
            error("1,2\n3,x\n").contains("line 2"),
            "{}",
            error("1,2\n3,x\n")
        );
        assert!(error("1,2,3\n").contains("expected ASN,RANK"));
        assert!(error("{\"rank\":3}\n").contains("no AS number"));
        assert!(error("{\"asn\":3,\"rank\":-1}\n").contains("not a positive number"));
        assert!(error("# nothing\n").contains("no AS with a rank"));
    }
}
