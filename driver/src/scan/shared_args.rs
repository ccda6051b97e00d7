//! Flags several commands take (`scan`, `trace`, `chain`, and the blocklist of `fetch`), declared
//! once and flattened into each command, so their names, help text and meaning cannot drift.

use std::path::PathBuf;

use super::blocklist::{self, Blocklist};
use super::probes::{OptionSet, ProbeBuilder};
use super::VersionChoice;

/// What may never be probed: `-b` files, and whether the lab's prefixes open.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct BlocklistArgs {
    /// Blocklist file replacing the default one (`/etc/mptcpscan/blocklist.conf`, the IANA
    /// special-purpose registries); repeatable. The built-in reserved ranges stay blocked.
    #[arg(
        short = 'b',
        long = "blocklist-file",
        visible_alias = "blocklist",
        value_name = "FILE"
    )]
    pub files: Vec<PathBuf>,
    /// Allow the lab prefixes (198.18.0.0/15, 2001:db8::/32), reserved and blocked otherwise.
    #[arg(long)]
    pub allow_lab: bool,
}

impl BlocklistArgs {
    /// The blocklist these flags ask for.
    pub fn build(&self) -> anyhow::Result<Blocklist> {
        blocklist::build(self.allow_lab, &self.files)
    }
}

/// The MP_CAPABLE SYN to send: versions, companion options, v0 key.
#[derive(clap::Args, Debug, Clone)]
pub struct ProbeArgs {
    /// MP_CAPABLE version of the probes.
    #[arg(long, value_enum, default_value = "both")]
    pub mptcp_version: VersionChoice,
    /// Companion options of the SYN: linux, windows, bsd, minimal, study2021 (the 2021 scan's
    /// exact block), or hex:BYTES (raw option bytes placed before MP_CAPABLE).
    #[arg(long, default_value = "linux")]
    pub options: OptionSet,
    /// The v0 probe key in hex (16 digits); random per run by default.
    #[arg(long, value_name = "HEX")]
    pub key: Option<String>,
}

impl ProbeArgs {
    /// The probe builder: `--key`, or a random key.
    pub fn builder(&self) -> anyhow::Result<ProbeBuilder> {
        let key = match &self.key {
            Some(hex) => super::parse_key(hex)?,
            None => rand::random(),
        };
        ProbeBuilder::new(&self.options, key)
    }
}
