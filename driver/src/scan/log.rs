//! `-l/--log-file` and `-L/--log-directory` (ZMap's): the run's log entries (notes, warnings,
//! refused probes, the summary lines, the final error) go to a file instead of standard error,
//! one line each, stamped with the UTC time and ZMap's level name. The progress bar stays on
//! standard error, as ZMap's status lines do; the final error is written to both, so a failing
//! run never fails silently. Without either flag, entries go to standard error as before.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use anyhow::Context;

use super::metadata::timestamp;

/// The log file, once opened (one per process).
static SINK: OnceLock<Mutex<File>> = OnceLock::new();

/// ZMap's level names, as they appear in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The error that ends the run.
    Fatal,
    /// Something went wrong, the run goes on (a refused probe).
    Error,
    /// Something the operator should know (the kernel's RSTs).
    Warn,
    /// What happened (the summary, the chain's steps).
    Info,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Fatal => "FATAL",
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
        }
    }
}

/// The file `-L DIR` logs to, named for `at` as ZMap names it (`zmap-<time>.log`).
pub fn file_in(dir: &Path, at: SystemTime) -> PathBuf {
    dir.join(format!("mptcpscan-{}.log", timestamp(at).replace(':', "")))
}

/// Opens the log file `-l` names, or a new one in `-L`'s folder; returns its path. Without
/// either, entries keep going to standard error.
pub fn open(file: Option<&Path>, dir: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    let path = match (file, dir) {
        (Some(file), _) => file.to_path_buf(),
        (None, Some(dir)) => file_in(dir, SystemTime::now()),
        (None, None) => return Ok(None),
    };
    let handle =
        File::create(&path).with_context(|| format!("opening the log file {}", path.display()))?;
    // A second call (none happens: one run per process) keeps the first file.
    let _ = SINK.set(Mutex::new(handle));
    Ok(Some(path))
}

/// One log entry: to the log file when there is one, else to standard error.
pub fn entry(level: Level, text: &str) {
    match SINK.get() {
        Some(sink) => write_line(sink, level, text),
        None => eprintln!("mptcpscan: {text}"),
    }
}

/// The error that ends the run: to standard error always, and to the log file too.
pub fn fatal(text: &str) {
    if let Some(sink) = SINK.get() {
        write_line(sink, Level::Fatal, text);
    }
    eprintln!("mptcpscan: {text}");
}

fn write_line(sink: &Mutex<File>, level: Level, text: &str) {
    if let Ok(mut file) = sink.lock() {
        // A log that cannot be written must not end the scan whose results are still coming.
        let _ = writeln!(
            file,
            "{} [{}] mptcpscan: {text}",
            timestamp(SystemTime::now()),
            level.name()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn directory_logs_are_named_for_their_time() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(
            file_in(Path::new("/var/log/scans"), at),
            Path::new("/var/log/scans/mptcpscan-2026-11-18T110640+0000.log")
        );
    }
}
