//! The lab's daemons: `mptcpscan lab serve ...` (hidden), how `lab up` starts them inside a
//! namespace and tracks them by pid file, and how `lab down` stops them.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::{delay, http, listener, middlebox, responder, tun};

/// Arguments of the hidden `mptcpscan lab serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// File created once the daemon is ready to handle packets.
    #[arg(long)]
    ready: PathBuf,
    #[command(subcommand)]
    daemon: Daemon,
}

#[derive(clap::Subcommand)]
enum Daemon {
    /// Kernel TCP or MPTCP listeners on every address of the namespace.
    Listen {
        /// Listen with IPPROTO_MPTCP instead of plain TCP.
        #[arg(long)]
        mptcp: bool,
        /// Ports to listen on.
        #[arg(long, value_delimiter = ',', required = true)]
        ports: Vec<u16>,
    },
    /// An HTTP server on a kernel TCP or MPTCP listener (`lab up --http`).
    Http {
        /// Listen with IPPROTO_MPTCP instead of plain TCP.
        #[arg(long)]
        mptcp: bool,
        /// The port to serve.
        #[arg(long)]
        port: u16,
        /// Bytes of the body of `GET /`.
        #[arg(long)]
        body_bytes: u64,
        /// Also serve HTTPS on this port, with the certificate in --tls-dir.
        #[arg(long, requires = "tls_dir")]
        tls_port: Option<u16>,
        /// The lab's certificates (`lab up` makes them in its state directory).
        #[arg(long)]
        tls_dir: Option<PathBuf>,
    },
    /// A delay line on a TUN device (the two-path host's paths).
    Delay {
        /// The (existing) TUN device to attach to.
        #[arg(long)]
        device: String,
        /// Milliseconds every packet is held.
        #[arg(long)]
        ms: u64,
    },
    /// A userspace responder or middlebox on a TUN device.
    Tun {
        /// The (existing) TUN device to attach to.
        #[arg(long)]
        device: String,
        /// What to do with the packets.
        #[arg(long, value_enum)]
        role: Role,
        /// Ports it serves (others are closed or forwarded untouched).
        #[arg(long, value_delimiter = ',', required = true)]
        ports: Vec<u16>,
    },
}

/// What a TUN daemon does with the packets routed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Terminal MPTCP v0 server: answers v0 SYNs with its own key.
    Responder,
    /// Answers SYNs with all their options echoed.
    MirrorFull,
    /// Answers SYNs echoing MSS, SACK-permitted and MP_CAPABLE, NOPs instead of the rest.
    MirrorThesis,
    /// Overwrites MP_CAPABLE in SYNs with NOPs.
    StripNop,
    /// Removes MP_CAPABLE from SYNs, shrinking the header.
    StripShrink,
    /// Flips bits of the key in SYN-ACKs' MP_CAPABLE.
    KeyFlip,
    /// Rewrites half of the v0 key in SYNs' MP_CAPABLE.
    KeyRewrite,
}

impl Role {
    /// The role's command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Responder => "responder",
            Role::MirrorFull => "mirror-full",
            Role::MirrorThesis => "mirror-thesis",
            Role::StripNop => "strip-nop",
            Role::StripShrink => "strip-shrink",
            Role::KeyFlip => "key-flip",
            Role::KeyRewrite => "key-rewrite",
        }
    }
}

/// Runs one daemon until it is killed.
pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    match args.daemon {
        Daemon::Listen { mptcp, ports } => {
            let listeners = listener::bind_all(mptcp, &ports)?;
            mark_ready(&args.ready)?;
            listener::serve(listeners)
        }
        Daemon::Http {
            mptcp,
            port,
            body_bytes,
            tls_port,
            tls_dir,
        } => {
            let listener = http::bind(mptcp, port)?;
            match (tls_port, tls_dir) {
                #[cfg(feature = "https")]
                (Some(tls_port), Some(dir)) => {
                    let config = super::tls::server_config(&dir)?;
                    let tls_listener = http::bind(mptcp, tls_port)?;
                    mark_ready(&args.ready)?;
                    // Either server failing ends the daemon; `lab status` then shows it dead.
                    std::thread::spawn(move || {
                        if let Err(e) = http::serve_tls(tls_listener, body_bytes, config) {
                            eprintln!("HTTPS server: {e:#}");
                            std::process::exit(1);
                        }
                    });
                    http::serve(listener, body_bytes)
                }
                #[cfg(not(feature = "https"))]
                (Some(_), _) => bail!("--tls-port: this mptcpscan was built without `https`"),
                _ => {
                    mark_ready(&args.ready)?;
                    http::serve(listener, body_bytes)
                }
            }
        }
        Daemon::Delay { device, ms } => {
            let device = tun::Tun::attach(&device)?;
            mark_ready(&args.ready)?;
            delay::run(device, Duration::from_millis(ms))
        }
        Daemon::Tun {
            device,
            role,
            ports,
        } => {
            let device = tun::Tun::attach(&device)?;
            mark_ready(&args.ready)?;
            match role {
                Role::Responder => responder::run(device, &ports),
                _ => middlebox::run(device, role, &ports),
            }
        }
    }
}

fn mark_ready(path: &Path) -> anyhow::Result<()> {
    fs::write(path, format!("{}\n", std::process::id()))
        .with_context(|| format!("writing {}", path.display()))
}

/// Starts `mptcpscan lab serve --ready READY ARGS` inside namespace `ns` in its own process
/// group, logs to `log`, records its pid in `pidfile`, and waits until it is ready.
pub fn spawn(
    ns: &str,
    args: &[String],
    pidfile: &Path,
    log: &Path,
    ready: &Path,
) -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().context("locating the mptcpscan binary")?;
    let out = fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns])
        .arg(&exe)
        .args(["lab", "serve", "--ready"])
        .arg(ready)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        // Its own process group: a Ctrl-C meant for `lab up` or a test does not reach it.
        .process_group(0)
        .spawn()
        .context("starting `ip netns exec`")?;
    // `ip netns exec` execs the command, so the child's pid is the daemon's.
    fs::write(pidfile, format!("{}\n", child.id()))
        .with_context(|| format!("writing {}", pidfile.display()))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if ready.exists() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            let log_text = fs::read_to_string(log).unwrap_or_default();
            bail!(
                "daemon `{}` in {ns} exited ({status}) before it was ready: {}",
                args.join(" "),
                log_text.trim()
            );
        }
        if Instant::now() > deadline {
            bail!("daemon `{}` in {ns} not ready after 10 s", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `pid` is alive and is a daemon of the lab whose state directory is `state` (not a
/// reused pid, nor another lab's daemon): its `--ready` file lies in that directory.
pub fn is_lab_daemon(pid: i32, state: &Path) -> bool {
    let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
    let serving = args.windows(2).any(|w| w[0] == b"lab" && w[1] == b"serve");
    serving
        && args.windows(2).any(|w| {
            w[0] == b"--ready" && Path::new(std::ffi::OsStr::from_bytes(w[1])).starts_with(state)
        })
}

/// Stops process `pid`: SIGTERM, then SIGKILL if it is still there after a second.
pub fn stop(pid: i32) {
    // 0 and -1 would signal whole process groups, 1 is init: never ours.
    if pid <= 1 {
        return;
    }
    // SAFETY: kill has no memory-safety preconditions; `pid` is a positive process id.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(1);
    while Path::new(&format!("/proc/{pid}")).exists() && !is_zombie(pid) {
        if Instant::now() > deadline {
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn is_zombie(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            stat.rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z'))
        })
        .unwrap_or(true)
}
