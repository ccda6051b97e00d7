//! `mptcpscan report`: tables, plots (SVG and PNG) and one HTML page from the results of
//! `mptcpscan dissect`, `scan` and `chain`.
//!
//! Inputs are recognised by their content, so any mix can be given:
//! * JSON lines from `dissect --json` (objects with a `record` field: `connection`, `scan_pair`,
//!   `orphan_join`, `summary`);
//! * JSON lines from `scan` (objects with `mptcp_verdict` and `mptcpkey`: one per reply);
//! * the JSON document `chain` writes (an object with `hosts`, each with a `class` and per probe
//!   version the scan record);
//! * JSON lines from `fetch --json` (`"record": "fetch"`): the MPTCP/TCP download-time ratio
//!   figure and table ([`fetch`]).
//!
//! Figures: the five of Hesmans et al. (delay to each MP_JOIN, subflows per connection, RTT spread,
//! share on the initial subflow, reinjections), the Hamming weights of received keys against
//! Binomial(64, 1/2) as in Aschenbrenner et al. (2021), the class breakdown, and per chosen
//! connection its data sequence numbers and goodput over time ([`timeseries`]). Tables: the
//! dissect summaries, the top ASes and countries of chain results ([`places`]), the classes.
//!
//! An input of dissect records without its `summary` (cut short) is named in a warning. The files
//! a run writes are listed in `DIR/.mptcpscan-report`, and the next run removes them first.

pub mod fetch;
pub mod figures;
pub mod html;
pub mod inputs;
pub mod places;
#[cfg(feature = "png")]
pub mod png;
pub mod svg;
pub mod timeseries;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Arguments of `mptcpscan report`.
#[derive(clap::Args)]
pub struct Args {
    /// Result files: `dissect --json` output, `scan` JSON lines, `chain` JSON, or `fetch --json`
    /// output.
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    /// Directory for index.html, the SVG and PNG figures and tables.txt (created if missing).
    #[arg(long, short, default_value = "mptcpscan-report", value_name = "DIR")]
    pub out: PathBuf,
    /// Skip the PNG versions (SVG and HTML only).
    #[arg(long, conflicts_with = "png")]
    pub no_png: bool,
    /// Write PNG versions too: the default in builds with the `png` feature, an error in builds
    /// without it.
    #[arg(long)]
    pub png: bool,
    /// Draw the data sequence numbers and goodput over time of this connection (its id in the
    /// `dissect --series` output); repeat for more.
    #[arg(long = "connection", value_name = "ID")]
    pub connections: Vec<u64>,
    /// AS and country databases for the tables of top ASes and countries of chain results
    /// (hosts that `mptcpscan enrich` already placed need none).
    #[command(flatten)]
    pub databases: crate::enrich::DatabaseArgs,
    /// Without --connection: draw the N connections that carried the most data.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub largest: usize,
}

/// The list of files the last report wrote into its folder, so that the next run removes them
/// (figures of connections no longer chosen, say) and nothing else.
const MANIFEST: &str = ".mptcpscan-report";

/// Removes the files a previous report listed in its manifest. Only plain file names directly in
/// `dir` are removed: a manifest naming anything else is not ours to follow.
fn remove_stale(dir: &Path) -> anyhow::Result<()> {
    let manifest = dir.join(MANIFEST);
    let text = match fs::read_to_string(&manifest) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            return Err(error).with_context(|| format!("reading {}", manifest.display()));
        }
    };
    for name in text.lines().map(str::trim) {
        let plain = !name.is_empty()
            && Path::new(name).file_name() == Some(std::ffi::OsStr::new(name))
            && name != MANIFEST;
        if !plain {
            continue;
        }
        match fs::remove_file(dir.join(name)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error).with_context(|| format!("removing the stale {name}"));
            }
        }
    }
    Ok(())
}

/// The PNG rasteriser the arguments ask for, loaded with the system fonts.
#[cfg(feature = "png")]
fn rasteriser(args: &Args) -> anyhow::Result<Option<png::Rasteriser>> {
    if args.no_png {
        return Ok(None);
    }
    let rasteriser = png::Rasteriser::new();
    if !rasteriser.has_fonts() {
        eprintln!(
            "mptcpscan: no system fonts found: the PNG figures will have no text (the SVGs do)"
        );
    }
    Ok(Some(rasteriser))
}

/// A build without the `png` feature has no rasteriser: asking for PNGs is an error, and the
/// default (SVG only) says once why there are no PNGs.
#[cfg(not(feature = "png"))]
fn rasteriser(args: &Args) -> anyhow::Result<Option<std::convert::Infallible>> {
    if args.png {
        anyhow::bail!("{PNG_UNAVAILABLE}");
    }
    if !args.no_png {
        eprintln!("mptcpscan: note: {PNG_UNAVAILABLE}; writing SVG figures only");
    }
    Ok(None)
}

/// Why a build has no PNG figures, and how to get them.
#[cfg(not(feature = "png"))]
const PNG_UNAVAILABLE: &str = "this mptcpscan was built without PNG output (the `png` feature: \
    cargo build -p mptcpscan-driver --features png); use the SVG figures or --no-png";

#[cfg(feature = "png")]
fn rasterise(rasteriser: &png::Rasteriser, svg: &str) -> anyhow::Result<Vec<u8>> {
    rasteriser.png(svg, 2.0)
}

#[cfg(not(feature = "png"))]
fn rasterise(rasteriser: &std::convert::Infallible, _svg: &str) -> anyhow::Result<Vec<u8>> {
    match *rasteriser {}
}

/// Runs `mptcpscan report`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut data = inputs::Inputs::default();
    for path in &args.inputs {
        data.read(path)
            .with_context(|| format!("reading {}", path.display()))?;
    }
    // Databases and connections are checked before anything in the folder changes.
    if let Some(db) = crate::enrich::Databases::open(&args.databases)? {
        for host in &mut data.hosts {
            host.place = db.lookup(host.addr)?;
        }
        for hop in &mut data.stripping_hops {
            hop.place = db.lookup(hop.addr)?;
        }
    }
    let chosen = timeseries::choose(&data, &args.connections, args.largest)?;
    fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    remove_stale(&args.out)?;
    let mut written = Vec::new();
    let tables = figures::tables(&data);
    for warning in &data.warnings {
        eprintln!("mptcpscan: warning: {warning}");
    }
    let figures = figures::all(&data, &chosen);
    let rasteriser = rasteriser(&args)?;
    for figure in &figures {
        let svg_path = args.out.join(format!("{}.svg", figure.name));
        fs::write(&svg_path, &figure.svg)
            .with_context(|| format!("writing {}", svg_path.display()))?;
        written.push(format!("{}.svg", figure.name));
        if let Some(r) = &rasteriser {
            let png_path = args.out.join(format!("{}.png", figure.name));
            let bytes = rasterise(r, &figure.svg)?;
            fs::write(&png_path, bytes)
                .with_context(|| format!("writing {}", png_path.display()))?;
            written.push(format!("{}.png", figure.name));
        }
    }
    let tables_path = args.out.join("tables.txt");
    fs::write(&tables_path, &tables)
        .with_context(|| format!("writing {}", tables_path.display()))?;
    let page = html::page(&data, &tables, &figures, rasteriser.is_some());
    let index = args.out.join("index.html");
    fs::write(&index, page).with_context(|| format!("writing {}", index.display()))?;
    written.extend(["tables.txt".to_string(), "index.html".to_string()]);
    let manifest = args.out.join(MANIFEST);
    fs::write(&manifest, written.join("\n") + "\n")
        .with_context(|| format!("writing {}", manifest.display()))?;
    print!("{tables}");
    eprintln!(
        "mptcpscan: report with {} figures in {}",
        figures.len(),
        index.display()
    );
    Ok(())
}
