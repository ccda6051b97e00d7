//! Ctrl-C (and SIGTERM): the first press stops sending and shortens the cooldown, the second
//! also ends the cooldown at once. Results already received are always written. One handler
//! serves every subcommand (the chain runs a scan then a trace in one process).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

static PRESSES: AtomicU8 = AtomicU8::new(0);
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

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

/// Whether sending should stop.
pub fn stopping() -> bool {
    PRESSES.load(Ordering::Relaxed) >= 1
}

/// Whether waiting for replies should stop too.
pub fn aborting() -> bool {
    PRESSES.load(Ordering::Relaxed) >= 2
}
