//! Building and removing a lab on the system: namespaces, commands run inside them, daemons,
//! and the state directory `/run/mptcpscan-lab/NAME/` (pid files, logs, ground truth).

use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context};

use super::daemon;
use super::ground_truth::GroundTruth;
use super::topology::{Plan, Step};

/// Where every lab keeps its state.
const STATE_ROOT: &str = "/run/mptcpscan-lab";

/// Set by Ctrl-C (or SIGTERM) during `lab up`: the build stops at the next step and removes
/// what it built.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Where lab `name`'s HTTPS certificates live (made by `lab up --http`).
pub fn tls_dir(name: &str) -> PathBuf {
    PathBuf::from(STATE_ROOT).join(name).join("tls")
}

/// One lab, by name.
pub struct Lab {
    name: String,
    state: PathBuf,
}

fn run_checked(command: &mut Command, what: &str, stdin: Option<&str>) -> anyhow::Result<()> {
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .with_context(|| format!("starting `{what}` (is iproute2/nftables installed?)"))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())?;
    }
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "`{what}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

impl Lab {
    /// The lab called `name` (its namespaces are `name-*`).
    pub fn new(name: &str) -> Lab {
        Lab {
            name: name.to_string(),
            state: PathBuf::from(STATE_ROOT).join(name),
        }
    }

    /// Where `lab up` always writes the ground truth.
    pub fn ground_truth_path(&self) -> PathBuf {
        self.state.join("ground-truth.json")
    }

    /// The lab's namespaces that exist now.
    fn namespaces(&self) -> anyhow::Result<Vec<String>> {
        let output = Command::new("ip")
            .args(["netns", "list"])
            .output()
            .context("running `ip netns list` (is iproute2 installed?)")?;
        let prefix = format!("{}-", self.name);
        Ok(String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .filter(|ns| ns.starts_with(&prefix))
            .map(str::to_string)
            .collect())
    }

    /// Whether any part of the lab (a namespace or its state) exists.
    pub fn exists(&self) -> anyhow::Result<bool> {
        Ok(self.state.exists() || !self.namespaces()?.is_empty())
    }

    /// Builds the lab; on any failure removes whatever was built and returns the error.
    pub fn up(&self, plan: &Plan, fail_after: Option<usize>) -> anyhow::Result<GroundTruth> {
        // Without a handler an interrupt would kill us mid-build and leave a partial lab.
        ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst))
            .context("installing the Ctrl-C handler")?;
        match self.build(plan, fail_after) {
            Ok(truth) => Ok(truth),
            Err(error) => {
                if let Err(cleanup) = self.down() {
                    return Err(error.context(format!("and cleaning up failed too: {cleanup:#}")));
                }
                Err(error.context("lab up failed; everything it built was removed"))
            }
        }
    }

    fn build(&self, plan: &Plan, fail_after: Option<usize>) -> anyhow::Result<GroundTruth> {
        let daemons = self.state.join("daemons");
        fs::create_dir_all(&daemons).with_context(|| format!("creating {}", daemons.display()))?;
        let truth = GroundTruth::from_plan(plan);
        for (i, step) in plan.steps.iter().enumerate() {
            if INTERRUPTED.load(Ordering::SeqCst) {
                bail!("interrupted");
            }
            if fail_after == Some(i) {
                bail!(
                    "failure injected after {i} of {} steps (--fail-after)",
                    plan.steps.len()
                );
            }
            match step {
                Step::AddNs(ns) => {
                    let name = plan.ns_name(*ns);
                    run_checked(
                        Command::new("ip").args(["netns", "add", &name]),
                        &format!("ip netns add {name}"),
                        None,
                    )?;
                }
                Step::Exec(ns, argv) => {
                    let name = plan.ns_name(*ns);
                    run_checked(
                        Command::new("ip").args(["netns", "exec", &name]).args(argv),
                        &format!("ip netns exec {name} {}", argv.join(" ")),
                        None,
                    )?;
                }
                Step::Nft(ns, script) => {
                    let name = plan.ns_name(*ns);
                    run_checked(
                        Command::new("ip").args(["netns", "exec", &name, "nft", "-f", "-"]),
                        &format!("nft -f - in {name}"),
                        Some(script),
                    )?;
                }
                #[cfg(feature = "https")]
                Step::Certificates(addresses) => {
                    super::tls::generate(&tls_dir(&self.name), addresses)?;
                }
                #[cfg(not(feature = "https"))]
                Step::Certificates(_) => bail!("HTTPS: this mptcpscan was built without `https`"),
                Step::Daemon(d) => {
                    daemon::spawn(
                        &plan.ns_name(d.ns),
                        &d.args,
                        &daemons.join(format!("{}.pid", d.id)),
                        &daemons.join(format!("{}.log", d.id)),
                        &daemons.join(format!("{}.ready", d.id)),
                    )
                    .with_context(|| format!("starting daemon {}", d.id))?;
                }
            }
        }
        if fail_after.is_some_and(|n| n >= plan.steps.len()) {
            bail!("failure injected after every step (--fail-after)");
        }
        truth.write(&self.ground_truth_path())?;
        Ok(truth)
    }

    /// The daemons recorded in the state directory: (id, pid).
    fn daemons(&self) -> Vec<(String, i32)> {
        let Ok(entries) = fs::read_dir(self.state.join("daemons")) else {
            return Vec::new();
        };
        let mut out: Vec<(String, i32)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let id = name.strip_suffix(".pid")?.to_string();
                let pid = fs::read_to_string(e.path()).ok()?.trim().parse().ok()?;
                Some((id, pid))
            })
            .collect();
        out.sort();
        out
    }

    /// Stops the daemons, deletes the namespaces and the state directory. Safe to run on a
    /// partial or absent lab.
    pub fn down(&self) -> anyhow::Result<()> {
        for (_, pid) in self.daemons() {
            if daemon::is_lab_daemon(pid, &self.state) {
                daemon::stop(pid);
            }
        }
        let mut errors = Vec::new();
        for ns in self.namespaces()? {
            // Anything still running inside our namespaces was started there by the lab.
            if let Ok(output) = Command::new("ip").args(["netns", "pids", &ns]).output() {
                for pid in String::from_utf8_lossy(&output.stdout)
                    .split_whitespace()
                    .filter_map(|p| p.parse::<i32>().ok())
                {
                    daemon::stop(pid);
                }
            }
            if let Err(e) = run_checked(
                Command::new("ip").args(["netns", "del", &ns]),
                &format!("ip netns del {ns}"),
                None,
            ) {
                errors.push(format!("{e:#}"));
            }
        }
        if self.state.exists() {
            fs::remove_dir_all(&self.state)
                .with_context(|| format!("removing {}", self.state.display()))?;
        }
        if !errors.is_empty() {
            bail!("lab down: {}", errors.join("; "));
        }
        Ok(())
    }

    /// Namespaces, daemons (alive or dead, with their log's last lines) and prefixes, as text.
    pub fn status(&self) -> anyhow::Result<String> {
        use std::fmt::Write as _;
        let namespaces = self.namespaces()?;
        if namespaces.is_empty() && !self.state.exists() {
            return Ok(format!("lab {:?} is not up\n", self.name));
        }
        let mut out = format!(
            "lab {:?}\nnamespaces: {}\n",
            self.name,
            namespaces.join(" ")
        );
        for (id, pid) in self.daemons() {
            if daemon::is_lab_daemon(pid, &self.state) {
                writeln!(out, "daemon {id}: pid {pid} alive")?;
                continue;
            }
            let log = self.state.join("daemons").join(format!("{id}.log"));
            let text = fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(3).collect();
            writeln!(
                out,
                "daemon {id}: pid {pid} DEAD; {}: {}",
                log.display(),
                tail.join(" | ")
            )?;
        }
        match GroundTruth::load(&self.ground_truth_path()) {
            Ok(truth) => {
                writeln!(out, "ground truth: {}", self.ground_truth_path().display())?;
                for p in &truth.prefixes {
                    writeln!(out, "  {:<24} {}", p.prefix.to_string(), p.class.name())?;
                }
            }
            Err(e) => writeln!(out, "no ground truth: {e:#}")?,
        }
        Ok(out)
    }
}
