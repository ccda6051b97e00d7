//! `mptcpscan lab`: a network-namespace lab with known ground truth (root only).
//!
//! `lab up` builds a scanner namespace, a chain of Linux routers and target prefixes of every
//! class a scan must tell apart (kernel MPTCP v1 servers, v0 servers, plain TCP, option mirrors,
//! option strippers, key rewriters, closed and silent hosts), for IPv4 and IPv6, then writes the
//! ground truth ([`ground_truth`]) that scan results are checked against. `lab down` removes
//! everything; `lab status` shows what is up. The lab's own daemons (kernel listeners, the v0
//! responder, the middleboxes) are hidden `lab serve` subcommands of this same binary, started
//! inside the namespaces with `ip netns exec`.
//!
//! Nothing outside the lab's namespaces is touched: every link, route, address and sysctl is
//! created inside a namespace whose name starts with the lab's name, and only addresses from
//! 198.18.0.0/15 and 2001:db8::/32 are used.

mod daemon;
mod delay;
pub mod ground_truth;
mod http;
mod internet;
mod listener;
mod middlebox;
mod netns;
mod packet;
mod responder;
#[cfg(feature = "https")]
mod tls;
mod topology;
mod tun;
mod two_path;

use std::path::PathBuf;

use anyhow::{bail, Context};

use topology::Class;

/// Arguments of `mptcpscan lab`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Build the lab and write its ground truth (refuses if a lab of that name exists).
    Up(UpArgs),
    /// Stop the lab's daemons and delete its namespaces.
    Down(NameArgs),
    /// Show the lab's namespaces, daemons and prefixes.
    Status(NameArgs),
    /// Run one of the lab's daemons (started by `lab up` inside a namespace).
    #[command(hide = true)]
    Serve(daemon::ServeArgs),
}

#[derive(clap::Args)]
struct NameArgs {
    /// The lab's name: namespaces are called NAME-*, state lives in /run/mptcpscan-lab/NAME.
    #[arg(long, default_value = "mpl", value_parser = parse_name)]
    name: String,
}

#[derive(clap::Args)]
struct UpArgs {
    #[command(flatten)]
    name: NameArgs,
    /// Length of each class's IPv4 prefix (16 to 32; a /16 fits one class only).
    #[arg(long, default_value_t = 28, value_parser = clap::value_parser!(u8).range(16..=32))]
    prefix_len: u8,
    /// Length of each class's IPv6 prefix (64 to 128).
    #[arg(long, default_value_t = 124, value_parser = clap::value_parser!(u8).range(64..=128))]
    prefix_len6: u8,
    /// TCP ports the servers and middleboxes serve (others are closed).
    #[arg(long, value_delimiter = ',', default_value = "80,443")]
    ports: Vec<u16>,
    /// Classes to build (default: all).
    #[arg(long, value_delimiter = ',', value_enum)]
    classes: Vec<Class>,
    /// Instead of one prefix per class, 2^BITS addresses (12 to 20) in the proportions of an
    /// Internet-wide scan (the 2020 thesis's port 80 scan; docs/lab.md), mostly silent.
    #[arg(long, value_name = "BITS", conflicts_with_all = ["prefix_len", "prefix_len6", "classes", "http"],
          value_parser = clap::value_parser!(u8).range(*internet::BITS.start() as i64..=*internet::BITS.end() as i64))]
    internet: Option<u8>,
    /// Also write the ground truth here (it is always written to the state directory).
    #[arg(long)]
    ground_truth: Option<PathBuf>,
    /// Also serve HTTP (for `mptcpscan fetch`): on --http-port of the kernel MPTCP and plain TCP
    /// hosts, and on a two-path host the scanner reaches over two links of different rate.
    #[arg(long)]
    http: bool,
    /// The HTTP servers' port (one the lab's --ports do not use).
    #[arg(long, default_value_t = 8080, requires = "http")]
    http_port: u16,
    /// The HTTPS servers' port, same hosts and middleboxes (the `https` feature; the lab's CA
    /// is in its state directory, `lab up` names it).
    #[arg(long, default_value_t = 8443, requires = "http")]
    https_port: u16,
    /// Bytes of the body of `GET /` (`GET /N` gives N bytes).
    #[arg(long, default_value_t = 8 << 20, requires = "http")]
    http_body_bytes: u64,
    /// Tear down a stale lab of the same name first instead of refusing.
    #[arg(long)]
    force: bool,
    /// Fail on purpose after this many setup steps, or after all of them if larger (tests of the
    /// cleanup path).
    #[arg(long, hide = true)]
    fail_after: Option<usize>,
}

fn parse_name(name: &str) -> Result<String, String> {
    let ok = (1..=15).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if ok {
        Ok(name.to_string())
    } else {
        Err("a lab name is 1 to 15 lower-case letters or digits".to_string())
    }
}

/// Runs `mptcpscan lab`.
pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Serve(serve) => daemon::serve(serve),
        Command::Up(up) => {
            require_root()?;
            let classes = if up.classes.is_empty() {
                Class::ALL.to_vec()
            } else {
                up.classes.clone()
            };
            let mut ports = up.ports.clone();
            ports.sort_unstable();
            ports.dedup();
            if ports.is_empty() || ports.contains(&0) {
                bail!("--ports needs at least one port, none of them 0");
            }
            let http = up.http.then_some(topology::HttpOptions {
                port: up.http_port,
                tls_port: cfg!(feature = "https").then_some(up.https_port),
                body_bytes: up.http_body_bytes,
            });
            let plan = match up.internet {
                Some(bits) => topology::Plan::internet(&up.name.name, bits, &ports)?,
                None => topology::Plan::with_http(
                    &up.name.name,
                    &classes,
                    up.prefix_len,
                    up.prefix_len6,
                    &ports,
                    http,
                )?,
            };
            let lab = netns::Lab::new(&up.name.name);
            if lab.exists()? {
                if !up.force {
                    bail!(
                        "a lab named {0:?} is already up or was left behind; run `mptcpscan lab down --name {0}` (or `lab up --force`)",
                        up.name.name
                    );
                }
                lab.down()?;
            }
            let truth = lab.up(&plan, up.fail_after)?;
            if let Some(path) = &up.ground_truth {
                truth
                    .write(path)
                    .with_context(|| format!("writing the ground truth to {}", path.display()))?;
            }
            let path = up.ground_truth.unwrap_or_else(|| lab.ground_truth_path());
            emit(&format!(
                "{}ground truth: {}\n",
                truth.summary(),
                path.display()
            ))
        }
        Command::Down(name) => {
            require_root()?;
            let lab = netns::Lab::new(&name.name);
            let existed = lab.exists()?;
            lab.down()?;
            let state = if existed { "is down" } else { "was not up" };
            emit(&format!("lab {:?} {state}\n", name.name))
        }
        Command::Status(name) => emit(&netns::Lab::new(&name.name).status()?),
    }
}

/// Writes to stdout; a reader that went away (`lab status | head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn require_root() -> anyhow::Result<()> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        bail!("the lab needs root (network namespaces, TUN devices, nftables)");
    }
    Ok(())
}
