//! Ctrl-C (and SIGTERM): the first press stops sending and shortens the cooldown, the second
//! also ends the cooldown at once. Results already received are always written. One handler
//! serves every subcommand (the chain runs a scan then a trace in one process).
//!
//! The scan also stops itself, quietly, when its output reader goes away or it has all the
//! results it was asked for ([`halt`]).

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::OnceLock;

static PRESSES: AtomicU8 = AtomicU8::new(0);
static HALTED: AtomicBool = AtomicBool::new(false);
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

/// The error a command returns when Ctrl-C cut it short after writing what it had: the
/// process then exits with 130, as a shell reports a command killed by SIGINT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// The exit status of an interrupted command (128 + SIGINT).
pub const INTERRUPTED_EXIT: u8 = 130;

/// Installs the handler once per process.
pub fn install() -> anyhow::Result<()> {
    INSTALLED
        .get_or_init(|| {
            ctrlc::set_handler(|| {
                let before = PRESSES.fetch_add(1, Ordering::SeqCst);
                if before == 0 {
                    eprintln!("\nmptcpscan: interrupted, stopping (again to skip the cooldown)");
                }
            })
            .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| anyhow::anyhow!("installing the Ctrl-C handler: {e}"))
}

/// Stops sending and waiting at once, without a message: the scan has nothing left to do.
pub fn halt() {
    HALTED.store(true, Ordering::SeqCst);
}

/// Whether sending should stop.
pub fn stopping() -> bool {
    PRESSES.load(Ordering::Relaxed) >= 1 || HALTED.load(Ordering::Relaxed)
}

/// Whether waiting for replies should stop too.
pub fn aborting() -> bool {
    PRESSES.load(Ordering::Relaxed) >= 2 || HALTED.load(Ordering::Relaxed)
}

/// Whether Ctrl-C (or SIGTERM) was pressed.
pub fn interrupted() -> bool {
    PRESSES.load(Ordering::Relaxed) >= 1
}
