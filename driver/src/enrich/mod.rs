//! `mptcpscan enrich`: AS number, AS name and country for every address of scan and chain
//! results, from local files only (nothing is downloaded, ever): see [`asn`] and [`country`].
//! `mptcpscan report` takes the same `--asn`/`--country` options for its tables of top ASes and
//! countries.

pub mod asn;
pub mod country;
pub mod lab;
pub mod mmdb;
pub mod rank;

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use serde_json::Value;

/// The database options, shared by `enrich` and `report`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct DatabaseArgs {
    /// Address → AS file: pyasn `ipasn` (`PREFIX<TAB>ASN`, from RouteViews) or an IP-range CSV
    /// (`START,END,ASN,ORGANISATION`, as in the `@ip-location-db/asn` npm package); repeat for
    /// IPv4 and IPv6 files.
    #[arg(long = "asn", value_name = "FILE")]
    pub asn: Vec<PathBuf>,
    /// Address → country MaxMind DB (`.mmdb`: GeoLite2 Country or City, or an `@ip-location-db`
    /// country database); repeat to ask several in order.
    #[arg(long = "country", value_name = "FILE")]
    pub country: Vec<PathBuf>,
    /// AS → rank file (the papers' "Rank": CAIDA AS Rank, by customer cone): JSON lines with
    /// `asn` and `rank` (CAIDA's AS Rank records) or CSV `ASN,RANK`; needs `--asn`.
    #[arg(long = "as-rank", value_name = "FILE", requires = "asn")]
    pub as_rank: Vec<PathBuf>,
}

/// What the databases say about one address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// AS number.
    pub asn: Option<u32>,
    /// AS organisation.
    pub as_name: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// The AS's rank (CAIDA AS Rank), when a rank file has it.
    pub as_rank: Option<u32>,
}

/// The loaded databases.
#[derive(Default)]
pub struct Databases {
    asn: asn::AsTable,
    countries: country::Countries,
    ranks: rank::Ranks,
}

impl Databases {
    /// Loads every file named; `None` when none is.
    pub fn open(args: &DatabaseArgs) -> anyhow::Result<Option<Databases>> {
        if args.asn.is_empty() && args.country.is_empty() {
            return Ok(None);
        }
        let mut db = Databases::default();
        for path in &args.asn {
            db.asn.load(path)?;
        }
        for path in &args.country {
            db.countries.load(path)?;
        }
        for path in &args.as_rank {
            db.ranks.load(path)?;
        }
        Ok(Some(db))
    }

    /// Whether a rank file was given (then rows get an `as_rank` field).
    pub fn has_ranks(&self) -> bool {
        !self.ranks.is_empty()
    }

    /// Looks `addr` up in every database.
    pub fn lookup(&self, addr: IpAddr) -> anyhow::Result<Place> {
        let info = self.asn.lookup(addr);
        Ok(Place {
            asn: info.as_ref().map(|i| i.asn),
            as_rank: info.as_ref().and_then(|i| self.ranks.get(i.asn)),
            as_name: info.and_then(|i| i.name),
            country: self.countries.lookup(addr)?,
        })
    }
}

/// Arguments of `mptcpscan enrich`.
#[derive(clap::Args)]
pub struct Args {
    /// Scan results (CSV or JSON lines, address in `saddr`) or chain results (JSON, `hosts`).
    #[arg(value_name = "FILE", required_unless_present = "lab_databases")]
    pub input: Option<PathBuf>,
    /// The databases.
    #[command(flatten)]
    pub databases: DatabaseArgs,
    /// Where to write the results with `asn`, `as_name` and `country` (and `as_rank` with
    /// `--as-rank`) added (same format as the input); `-` for standard output.
    #[arg(long, short, default_value = "-", value_name = "PATH")]
    pub output: PathBuf,
    /// Instead: write AS and country databases for the lab's prefixes into DIR (`lab.ipasn`,
    /// `lab-asn.csv`, `lab-country.mmdb`), from its ground truth (for the demo and tests).
    #[arg(long, hide = true, value_name = "DIR", requires = "ground_truth")]
    pub lab_databases: Option<PathBuf>,
    /// The lab's ground-truth file (with --lab-databases).
    #[arg(long, hide = true, value_name = "FILE")]
    pub ground_truth: Option<PathBuf>,
}

/// Runs `mptcpscan enrich`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if let (Some(dir), Some(truth)) = (&args.lab_databases, &args.ground_truth) {
        return lab::write(truth, dir);
    }
    let Some(input) = &args.input else {
        bail!("no input file");
    };
    let Some(db) = Databases::open(&args.databases)? else {
        bail!("nothing to add: give --asn FILE and/or --country FILE");
    };
    let mut text = String::new();
    File::open(input)
        .and_then(|mut f| f.read_to_string(&mut text))
        .with_context(|| format!("reading {}", input.display()))?;
    let out: Box<dyn Write> = if args.output.as_os_str() == "-" {
        Box::new(BufWriter::new(io::stdout()))
    } else {
        Box::new(BufWriter::new(File::create(&args.output).with_context(
            || format!("creating {}", args.output.display()),
        )?))
    };
    let (rows, found) =
        enrich_text(&text, &db, out).with_context(|| format!("enriching {}", input.display()))?;
    eprintln!("mptcpscan: {found} of {rows} addresses found in the databases");
    Ok(())
}

/// Enriches a whole input, recognising its format; returns (addresses, addresses found).
pub fn enrich_text(
    text: &str,
    db: &Databases,
    mut out: Box<dyn Write>,
) -> anyhow::Result<(u64, u64)> {
    let mut counts = (0u64, 0u64);
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        if let Ok(mut doc) = serde_json::from_str::<Value>(trimmed) {
            if let Some(hosts) = doc.get_mut("hosts").and_then(Value::as_array_mut) {
                for host in hosts {
                    add_json(host, "addr", db, &mut counts)?;
                }
                serde_json::to_writer_pretty(&mut out, &doc)?;
                out.write_all(b"\n")?;
                out.flush()?;
                return Ok(counts);
            }
        }
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let mut row: Value =
                serde_json::from_str(line).with_context(|| format!("line {}: not JSON", n + 1))?;
            add_json(&mut row, "saddr", db, &mut counts)
                .with_context(|| format!("line {}", n + 1))?;
            serde_json::to_writer(&mut out, &row)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        return Ok(counts);
    }
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().context("reading the CSV header")?.clone();
    let Some(column) = header.iter().position(|h| h == "saddr") else {
        bail!("neither chain JSON nor scan results: no `saddr` column");
    };
    let mut writer = csv::Writer::from_writer(out);
    let mut extended = header.clone();
    for name in ["asn", "as_name", "country"] {
        extended.push_field(name);
    }
    if db.has_ranks() {
        extended.push_field("as_rank");
    }
    writer.write_record(&extended)?;
    for (n, row) in reader.records().enumerate() {
        let mut row = row.with_context(|| format!("row {}", n + 2))?;
        let place =
            place_of(&row[column], db, &mut counts).with_context(|| format!("row {}", n + 2))?;
        row.push_field(&place.asn.map(|a| a.to_string()).unwrap_or_default());
        row.push_field(place.as_name.as_deref().unwrap_or(""));
        row.push_field(place.country.as_deref().unwrap_or(""));
        if db.has_ranks() {
            row.push_field(&place.as_rank.map(|r| r.to_string()).unwrap_or_default());
        }
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(counts)
}

fn place_of(addr: &str, db: &Databases, counts: &mut (u64, u64)) -> anyhow::Result<Place> {
    let addr: IpAddr = addr
        .parse()
        .with_context(|| format!("{addr:?} is not an address"))?;
    let place = db.lookup(addr)?;
    counts.0 += 1;
    if place.asn.is_some() || place.country.is_some() {
        counts.1 += 1;
    }
    Ok(place)
}

fn add_json(
    object: &mut Value,
    field: &str,
    db: &Databases,
    counts: &mut (u64, u64),
) -> anyhow::Result<()> {
    let Some(addr) = object.get(field).and_then(Value::as_str) else {
        bail!("no `{field}` address");
    };
    let place = place_of(addr, db, counts)?;
    if let Some(map) = object.as_object_mut() {
        map.insert("asn".into(), place.asn.into());
        map.insert("as_name".into(), place.as_name.into());
        map.insert("country".into(), place.country.into());
        if db.has_ranks() {
            map.insert("as_rank".into(), place.as_rank.into());
        }
    }
    Ok(())
}
